// Lesson: layer 4 in front of layer 7, a DSR edge spreading connections over
// HTTP gateways.
import { t, type LessonDef } from '../types';

export const l4l7: LessonDef = {
  id: 'l4-l7',
  template: 'multi-tier',
  title: t('L4 in front of L7', '四层在前，七层在后'),
  summary: t(
    'A cheap layer-4 edge spreads connections over several HTTP gateways, which do the expensive work.',
    '廉价的四层入口把连接分散到多台 HTTP 网关上，由网关承担昂贵的工作。',
  ),
  body: {
    en: [
      'A layer-7 gateway reads every request: it can route /api to one pool and the rest to another, add headers, retry. That work costs CPU per request, so one gateway is soon not enough. But several gateways need someone to spread the clients over them, and that someone should be cheap.',
      'The usual answer is two layers. At the edge a layer-4 balancer, here in DSR, forwards each new connection to one of the gateways without reading it; the gateways\' responses skip it. Behind it each gateway is an HTTP proxy with its own connections to the servers. The edge scales with packets, the gateways with requests, and either layer can grow on its own.',
      'You will follow a request through both layers, then load the edge and see both gateways take their share.',
    ],
    'zh-CN': [
      '七层网关会读取每一个请求：它可以把 /api 路由到一组服务器、其余请求路由到另一组，添加报文头，失败时重试。这些工作按请求消耗 CPU，一台网关很快就不够用了。可多台网关又需要有人把客户端分散到它们之上，而这个角色应当足够廉价。',
      '常见的做法是分成两层。入口处是一台四层负载均衡器（这里用 DSR），它不读取请求内容，只把每个新连接转发给某台网关，网关的响应绕过它。其后每台网关都是 HTTP 代理，与服务器之间有自己的连接。入口层按报文扩展，网关层按请求扩展，两层可以各自独立扩容。',
      '你将跟踪一个穿过两层的请求，然后给入口加压，观察两台网关各自分担的流量。',
    ],
  },
  steps: [
    {
      id: 'follow',
      instrument: 'journey',
      title: t('Follow one request through both layers', '跟踪一个穿过两层的请求'),
      task: t('Open the Packet journey tab and send one request to service edge.', '打开“数据包路径”标签页，向服务 edge 发送一个请求。'),
      expect: t('The edge rewrites only the destination MAC (layer 4, DSR); the gateway then relays the request on a TCP connection of its own (layer 7).', '入口只改写目的 MAC（四层，DSR）；随后网关在自己的 TCP 连接上转发请求（七层）。'),
      cli: 'lblab journey LAB --service edge',
      checks: [{ kind: 'journey', service: 'edge', rewrites: ['eth.dst'], keeps: ['ip.dst'], newConnection: true }],
    },
    {
      id: 'spread',
      instrument: 'counters',
      title: t('Load the edge', '给入口加压'),
      task: t('Send a burst of new connections to the edge\'s VIP and watch the Counters tab.', '向入口的 VIP 发起一批新连接，观察“计数器”标签页。'),
      expect: t('Both gateways, gw1 and gw2, took connections from the edge.', 'gw1 和 gw2 两台网关都从入口接到了连接。'),
      cli: 'lblab stats LAB',
      checks: [{ kind: 'spread', service: 'edge', over: 'backends', atLeast: 2 }],
    },
    {
      id: 'doctor',
      instrument: 'doctor',
      title: t('Ask the doctor', '运行诊断'),
      task: t('In the Doctor tab press Run the doctor.', '在“诊断”标签页中点击“运行诊断”。'),
      expect: t('No error and no warning: both layers are whole. (The note that the servers see the gateways\' address, not the client\'s, is what a proxy does.)', '没有错误也没有警告：两层都完好。（提示“服务器看到的是网关的地址而不是客户端的”正是代理的行为。）'),
      cli: 'lblab doctor LAB',
      checks: [{ kind: 'healthy' }],
    },
  ],
};
