// Lesson: direct routing, where the balancer rewrites only the frame's
// destination MAC and every server holds the VIP on lo.
import { t, type LessonDef } from '../types';

export const directRouting: LessonDef = {
  id: 'direct-routing',
  template: 'dsr',
  title: t('The L2 rewrite and the VIP on lo', '二层改写与 lo 上的 VIP'),
  summary: t(
    'Direct routing: the balancer changes one MAC address and the servers answer the client themselves.',
    '直接路由：负载均衡器只改一个 MAC 地址，服务器自己回复客户端。',
  ),
  body: {
    en: [
      'In direct routing (DSR) the balancer and the servers sit on one Layer-2 segment. When a packet for the virtual IP (VIP) arrives, the balancer picks a server and rewrites only the destination MAC address of the frame to that server\'s. The IP header is left alone: the packet still says it is going to the VIP.',
      'A server accepts only packets addressed to an IP it owns, so every server holds the VIP as well, on its loopback interface `lo`, where it is not announced on the network. The server answers from the VIP straight to the client. The response never comes back through the balancer, which carries only the small requests: that is why DSR scales with the servers, not with the balancer.',
      'In this lesson you follow one request, capture on the balancer to see that only half of the conversation crosses it, then take the VIP off one server and let the doctor name the fault.',
    ],
    'zh-CN': [
      '在直接路由（DR，也称 DSR）模式下，负载均衡器与各台服务器处在同一个二层网段。发往虚拟 IP（VIP）的报文到达后，负载均衡器选出一台服务器，只把帧的目的 MAC 地址改写成这台服务器的 MAC，IP 头保持不变：报文的目的地址仍然是 VIP。',
      '服务器只接收目的地址属于自己的报文，所以每台服务器也要持有 VIP——配置在回环接口 `lo` 上，这样它不会在网络上宣告这个地址。服务器以 VIP 为源地址直接回复客户端，响应不再经过负载均衡器，负载均衡器只承载体积很小的请求：这就是 DSR 的吞吐随服务器数量增长、而不受负载均衡器限制的原因。',
      '本课中你将跟踪一个请求，在负载均衡器上抓包，看到只有一半的对话经过它；然后拿掉一台服务器上的 VIP，让诊断工具指出故障。',
    ],
  },
  steps: [
    {
      id: 'follow',
      instrument: 'journey',
      title: t('Follow one request', '跟踪一个请求'),
      task: t('Open the Packet journey tab and send one request to service web.', '打开“数据包路径”标签页，向服务 web 发送一个请求。'),
      expect: t(
        'At the balancer only the destination MAC changes; the server receives the packet still addressed to the VIP, and its response reaches the client without crossing the balancer.',
        '在负载均衡器处只有目的 MAC 改变；服务器收到的报文目的地址仍是 VIP，响应不经过负载均衡器直接到达客户端。',
      ),
      cli: 'lblab journey LAB',
      checks: [{ kind: 'journey', service: 'web', rewrites: ['eth.dst'], keeps: ['ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport'], newConnection: false, viaBalancer: false, clientSeen: true }],
    },
    {
      id: 'capture',
      instrument: 'capture',
      title: t('Capture on the balancer', '在负载均衡器上抓包'),
      task: t('In the Captures tab, capture on lb with the filter "tcp port 80" while a few requests are sent.', '在“抓包”标签页中对 lb 抓包，过滤条件为 "tcp port 80"，同时发送几个请求。'),
      expect: t('lb carries the requests and none of the responses: the response bytes bypass it.', 'lb 只承载请求，看不到任何响应：响应的字节绕过了它。'),
      cli: 'lblab capture LAB lb --filter "tcp port 80" --duration 5',
      checks: [{ kind: 'through', node: 'lb', service: 'web', responses: false }],
    },
    {
      id: 'break',
      instrument: 'break',
      title: t('Take the VIP off web2', '拿掉 web2 上的 VIP'),
      task: t('Right-click web2 on the canvas and choose the fault vip-missing, then run the doctor.', '在画布上右键点击 web2，选择故障 vip-missing，然后运行诊断。'),
      expect: t('The doctor finds vip-missing on web2: the balancer still sends it frames for an address it no longer holds, and it drops them.', '诊断工具在 web2 上发现 vip-missing：负载均衡器仍把发往 VIP 的帧交给它，而它已不再持有这个地址，只能丢弃。'),
      cli: 'lblab break LAB vip-missing web2 && lblab doctor LAB',
      act: { fault: { fault: 'vip-missing', node: 'web2' } },
      checks: [{ kind: 'finding', finding: 'vip-missing', node: 'web2' }],
    },
    {
      id: 'fix',
      instrument: 'fix',
      title: t('Fix it', '修复'),
      task: t('In the Doctor tab press Fix.', '在“诊断”标签页中点击“修复”。'),
      expect: t('The VIP is back on web2\'s lo and the doctor finds the lab healthy.', 'VIP 回到 web2 的 lo 上，诊断工具认为实验环境一切正常。'),
      cli: 'lblab doctor LAB --fix',
      act: { fix: true },
      checks: [{ kind: 'healthy' }],
    },
  ],
};
