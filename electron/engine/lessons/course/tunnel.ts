// Lesson: the IP tunnel, where the balancer wraps each packet in an outer
// IPv4 header so the servers may live in other subnets.
import { t, type LessonDef } from '../types';

export const tunnel: LessonDef = {
  id: 'tunnel',
  template: 'tunnel',
  title: t('The IP tunnel and its extra header', 'IP 隧道及其额外的报文头'),
  summary: t(
    'IPIP lets the servers live behind a router: each packet carries a second IPv4 header, 20 bytes more.',
    'IPIP 让服务器可以位于路由器之后：每个报文多带一个 IPv4 头，多出 20 字节。',
  ),
  body: {
    en: [
      'Direct routing needs the servers on the balancer\'s own segment, because only a MAC address is rewritten. The IP tunnel lifts that limit: the balancer leaves the client\'s packet whole and puts it inside a new IPv4 header addressed to the chosen server (IP-in-IP, protocol 4). Routers in between see an ordinary packet from the balancer to the server.',
      'The server takes the outer header off, finds the original packet addressed to the VIP (held on lo, as in DSR) and answers the client directly. The price is 20 bytes on every request packet, and a packet that was already full-sized no longer fits the path\'s MTU: the servers and the clients\' MSS must leave room for it.',
      'You will follow a request through the tunnel, measure the outer header on the balancer, then remove the decapsulator from one server.',
    ],
    'zh-CN': [
      '直接路由只改写 MAC 地址，因此要求服务器与负载均衡器在同一网段。IP 隧道解除了这个限制：负载均衡器不改动客户端的原始报文，而是在外面再套一个发往选中服务器的新 IPv4 头（IP-in-IP，协议号 4）。中间的路由器看到的只是一个从负载均衡器发往服务器的普通报文。',
      '服务器剥掉外层报文头，得到目的地址为 VIP 的原始报文（VIP 与 DSR 一样配置在 lo 上），然后直接回复客户端。代价是每个请求报文多出 20 字节；原本已经满长的报文会超过路径 MTU，所以服务器和客户端的 MSS 必须为它留出空间。',
      '你将跟踪一个穿过隧道的请求，在负载均衡器上量出外层报文头的大小，然后去掉一台服务器上的解封装程序。',
    ],
  },
  steps: [
    {
      id: 'follow',
      instrument: 'journey',
      title: t('Follow one request through the tunnel', '跟踪一个穿过隧道的请求'),
      task: t('Open the Packet journey tab and send one request to service web.', '打开“数据包路径”标签页，向服务 web 发送一个请求。'),
      expect: t(
        'The balancer adds an outer IPv4 header (encap ipip) addressed to a server; the inner packet still goes to the VIP, and the response skips the balancer.',
        '负载均衡器加上了发往某台服务器的外层 IPv4 头（encap 为 ipip）；内层报文的目的地址仍是 VIP，响应绕过负载均衡器。',
      ),
      cli: 'lblab journey LAB',
      checks: [{ kind: 'journey', service: 'web', rewrites: ['encap', 'outer.ip.dst'], keeps: ['ip.src', 'ip.dst'], viaBalancer: false, clientSeen: true }],
    },
    {
      id: 'overhead',
      instrument: 'capture',
      title: t('Measure the extra header', '量出额外的报文头'),
      task: t('In the Captures tab capture on lb while requests are sent; compare a packet coming in with the same packet going out.', '在“抓包”标签页中对 lb 抓包并发送请求；对比同一个报文进入和离开 lb 时的长度。'),
      expect: t('Every request packet leaves lb exactly 20 bytes longer than it came in.', '每个请求报文离开 lb 时都比进入时正好长 20 字节。'),
      cli: 'lblab capture LAB lb --filter "tcp port 80 or ip proto 4" --duration 5',
      checks: [{ kind: 'overhead', node: 'lb', service: 'web', bytes: 20 }],
    },
    {
      id: 'break',
      instrument: 'break',
      title: t('Take the decapsulator off web2', '去掉 web2 上的解封装程序'),
      task: t('Right-click web2 on the canvas and choose the fault decap-missing, then run the doctor.', '在画布上右键点击 web2，选择故障 decap-missing，然后运行诊断。'),
      expect: t('The doctor finds decap-missing on web2: tunnelled packets reach it and nothing unwraps them.', '诊断工具在 web2 上发现 decap-missing：隧道报文到达了它，却没有程序去解封装。'),
      cli: 'lblab break LAB decap-missing web2 && lblab doctor LAB',
      act: { fault: { fault: 'decap-missing', node: 'web2' } },
      checks: [{ kind: 'finding', finding: 'decap-missing', node: 'web2' }],
    },
    {
      id: 'fix',
      instrument: 'fix',
      title: t('Fix it', '修复'),
      task: t('In the Doctor tab press Fix.', '在“诊断”标签页中点击“修复”。'),
      expect: t('The decapsulator is back and the doctor finds the lab healthy.', '解封装程序恢复，诊断工具认为实验环境一切正常。'),
      cli: 'lblab doctor LAB --fix',
      act: { fix: true },
      checks: [{ kind: 'healthy' }],
    },
  ],
};
