// Lesson: a tier of balancers behind a router, spread by ECMP, each with the
// same Maglev table.
import { t, type LessonDef } from '../types';

export const tier: LessonDef = {
  id: 'tier',
  template: 'tier',
  title: t('The tier of balancers', '负载均衡器集群'),
  summary: t(
    'Several balancers share one VIP: the router spreads flows over them, and each picks the same server for a flow.',
    '多台负载均衡器共享同一个 VIP：路由器把流分散给它们，而每一台都会为同一条流选出同一台服务器。',
  ),
  body: {
    en: [
      'One balancer is one machine: it has a limit and it can fail. A tier puts several balancers behind a router that knows the VIP through all of them at once (equal-cost multipath, ECMP). The router hashes each flow\'s addresses and ports and sends the flow to one member; different flows land on different members.',
      'When a member goes away, the router moves its flows to the others. For those connections to survive, the new member must choose the same server the old one did, without asking anyone. Maglev hashing gives that: every member builds the same lookup table from the same list of servers, so any member maps a flow to the same server.',
      'You will follow a request to see which member the router picked, then send many new connections and see them spread over the members.',
    ],
    'zh-CN': [
      '一台负载均衡器就是一台机器：有性能上限，也会故障。集群把多台负载均衡器放在一台路由器之后，路由器同时经由它们所有成员到达 VIP（等价多路径，ECMP）。路由器对每条流的地址和端口做哈希，把这条流交给某一个成员；不同的流落在不同成员上。',
      '某个成员离开时，路由器把它的流转给其他成员。要让这些连接继续存活，新成员必须在不询问任何人的情况下选出与原成员相同的服务器。Maglev 一致性哈希做到了这一点：每个成员用同一份服务器列表构建出相同的查找表，所以任何成员都会把同一条流映射到同一台服务器。',
      '你将跟踪一个请求，看路由器选中了哪个成员；然后发起大量新连接，观察它们如何分散到各个成员上。',
    ],
  },
  steps: [
    {
      id: 'follow',
      instrument: 'journey',
      title: t('Follow one request through the tier', '跟踪一个穿过集群的请求'),
      task: t('Open the Packet journey tab and send one request to service web.', '打开“数据包路径”标签页，向服务 web 发送一个请求。'),
      expect: t('The router hands the request to one member of the tier, which rewrites only the destination MAC to a server\'s (DSR).', '路由器把请求交给集群中的一个成员，该成员只把目的 MAC 改写为某台服务器的（DSR）。'),
      cli: 'lblab journey LAB',
      checks: [{ kind: 'journey', service: 'web', rewrites: ['eth.dst'], keeps: ['ip.dst'], member: true, viaBalancer: false }],
    },
    {
      id: 'spread',
      instrument: 'counters',
      title: t('Many flows, many members', '流越多，成员越多'),
      task: t('Send a burst of new connections to the VIP and watch each member\'s share in the Counters tab.', '向 VIP 发起一批新连接，在“计数器”标签页中观察每个成员分担的比例。'),
      expect: t('At least two members took new flows: the router spreads them.', '至少有两个成员接到了新流：路由器把它们分散开了。'),
      cli: 'lblab stats LAB',
      checks: [{ kind: 'spread', service: 'web', over: 'members', atLeast: 2 }],
    },
    {
      id: 'doctor',
      instrument: 'doctor',
      title: t('Ask the doctor', '运行诊断'),
      task: t('In the Doctor tab press Run the doctor.', '在“诊断”标签页中点击“运行诊断”。'),
      expect: t('No error and no warning: every member and server is in place.', '没有错误也没有警告：每个成员和服务器都就位。'),
      cli: 'lblab doctor LAB',
      checks: [{ kind: 'healthy' }],
    },
  ],
};
