// Lesson: NAT, where the balancer rewrites the destination and must see the
// response on its way back to undo it.
import { t, type LessonDef } from '../types';

export const nat: LessonDef = {
  id: 'nat',
  template: 'compare',
  title: t('NAT and the return path', 'NAT 与回程路径'),
  summary: t(
    'NAT rewrites the destination address, so every response must come back through the balancer.',
    'NAT 改写目的地址，因此每个响应都必须经由负载均衡器返回。',
  ),
  body: {
    en: [
      'In NAT mode the balancer rewrites the destination of the client\'s packet from the VIP to the chosen server\'s own address. The server needs no VIP and may sit in any subnet the balancer can route to.',
      'The catch is the way back. The server answers from its own address; if that answer went straight to the client, the client would see a reply from an address it never talked to and drop it. So the response must return through the balancer, which rewrites its source back to the VIP. The servers\' route to the clients has to point at the balancer, and every response byte crosses it: the balancer, not the servers, sets the limit.',
      'This lab also has a router r1 beside the balancer, so the same servers can run DSR for comparison. You will switch to NAT, follow a packet, capture the response on the balancer, compare DSR with NAT, and break the return path of one server.',
    ],
    'zh-CN': [
      '在 NAT 模式下，负载均衡器把客户端报文的目的地址从 VIP 改写为选中服务器自己的地址。服务器无需配置 VIP，可以位于负载均衡器能路由到的任何子网。',
      '问题在回程。服务器用自己的地址回复；如果回复直接发给客户端，客户端会收到一个来自陌生地址的报文并将其丢弃。因此响应必须经过负载均衡器返回，由它把源地址改回 VIP。服务器通往客户端的路由必须指向负载均衡器，所有响应字节都要经过它：瓶颈在负载均衡器而不在服务器。',
      '本实验在负载均衡器旁还有一台路由器 r1，所以同一组服务器也能运行 DSR 用于对比。你将切换到 NAT，跟踪一个报文，在负载均衡器上抓到响应，对比 DSR 与 NAT，并破坏一台服务器的回程路径。',
    ],
  },
  steps: [
    {
      id: 'switch',
      instrument: 'mode',
      title: t('Switch web to nat', '把 web 切换到 nat'),
      task: t('Select service web in the inspector and switch its mode to nat (live, nothing restarts); then follow one request.', '在检查器中选中服务 web，把模式切换为 nat（在线切换，无需重启），然后跟踪一个请求。'),
      expect: t(
        'The balancer rewrites the destination address to a server\'s; the server sees the client\'s address, and the response comes back through the balancer.',
        '负载均衡器把目的地址改写为某台服务器的地址；服务器看到的是客户端的地址，响应经由负载均衡器返回。',
      ),
      cli: 'lblab mode LAB web nat && lblab journey LAB',
      act: { mode: { service: 'web', mode: 'nat' } },
      checks: [
        { kind: 'mode', service: 'web', mode: 'nat' },
        { kind: 'journey', service: 'web', rewrites: ['ip.dst'], keeps: ['ip.src'], newConnection: false, viaBalancer: true, clientSeen: true },
      ],
    },
    {
      id: 'capture',
      instrument: 'capture',
      title: t('Capture the responses on the balancer', '在负载均衡器上抓到响应'),
      task: t('In the Captures tab capture on lb with the filter "tcp port 80" while requests are sent.', '在“抓包”标签页中对 lb 抓包，过滤条件为 "tcp port 80"，同时发送请求。'),
      expect: t('lb carries both the requests and the responses.', 'lb 同时承载请求和响应。'),
      cli: 'lblab capture LAB lb --filter "tcp port 80" --duration 5',
      checks: [{ kind: 'through', node: 'lb', service: 'web', responses: true }],
    },
    {
      id: 'compare',
      instrument: 'compare',
      title: t('Compare dsr with nat', '对比 dsr 与 nat'),
      task: t('In the Compare tab run dsr against nat (a short run is enough); look at the share of the response bytes that crossed the balancer.', '在“对比”标签页中让 dsr 与 nat 对比运行（时间短一些即可）；查看经过负载均衡器的响应字节占比。'),
      expect: t('In dsr almost none of the response bytes cross the balancer; in nat about all of them do.', '在 dsr 下几乎没有响应字节经过负载均衡器；在 nat 下几乎全部经过。'),
      cli: 'lblab compare LAB --modes dsr,nat --duration 2 --repeat 1',
      checks: [{ kind: 'share', service: 'web', low: 'dsr', high: 'nat' }],
    },
    {
      id: 'break',
      instrument: 'break',
      title: t('Break web1\'s return path', '破坏 web1 的回程路径'),
      task: t('Right-click web1 on the canvas and choose the fault return-path, then run the doctor.', '在画布上右键点击 web1，选择故障 return-path，然后运行诊断。'),
      expect: t('The doctor finds return-path on web1: its answers no longer go back through the balancer, so nothing turns their source back into the VIP.', '诊断工具在 web1 上发现 return-path：它的回复不再经过负载均衡器，没有人把源地址改回 VIP。'),
      cli: 'lblab break LAB return-path web1 && lblab doctor LAB',
      act: { fault: { fault: 'return-path', node: 'web1' } },
      checks: [{ kind: 'finding', finding: 'return-path', node: 'web1' }],
    },
    {
      id: 'fix',
      instrument: 'fix',
      title: t('Fix it', '修复'),
      task: t('In the Doctor tab press Fix.', '在“诊断”标签页中点击“修复”。'),
      expect: t('web1\'s route points at the balancer again and the doctor finds the lab healthy.', 'web1 的路由重新指向负载均衡器，诊断工具认为实验环境一切正常。'),
      cli: 'lblab doctor LAB --fix',
      act: { fix: true },
      checks: [{ kind: 'healthy' }],
    },
  ],
};
