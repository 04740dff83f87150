// Lesson: why the servers of a DSR lab must not answer ARP for the VIP.
import { t, type LessonDef } from '../types';

export const arp: LessonDef = {
  id: 'arp',
  template: 'dsr',
  title: t('Why the servers must not answer ARP', '为什么服务器不能应答 ARP'),
  summary: t(
    'Every DSR server holds the VIP, but only the balancer may say where it is.',
    '每台 DSR 服务器都持有 VIP，但只有负载均衡器可以告诉别人 VIP 在哪里。',
  ),
  body: {
    en: [
      'Before a client on the segment can send a frame to the VIP it asks, by ARP broadcast, "who has this address?" The answer decides which MAC address the client\'s traffic goes to. In a DSR lab the answer must always come from the balancer.',
      'But every server holds the VIP on lo too, and by default Linux answers ARP for any address it owns, on any interface. lblab sets two kernel settings on the servers: arp_ignore=1 (answer only for addresses on the interface the question came in on) and arp_announce=2 (never use the VIP as the sender of its own ARP questions). Without them a server answers as well; whichever answer the client keeps wins, and the balancer is bypassed or connections break when the entry flips.',
      'You will capture the ARP exchange on a client, then undo those settings on web2 and watch a second answer appear.',
    ],
    'zh-CN': [
      '同一网段上的客户端要把帧发给 VIP 之前，会先用 ARP 广播询问“谁拥有这个地址？”，回答决定了客户端的流量发往哪个 MAC 地址。在 DSR 实验中，这个回答必须始终来自负载均衡器。',
      '然而每台服务器的 lo 上也配置了 VIP，而 Linux 默认会在任何接口上应答它所拥有的任何地址。lblab 在服务器上设置了两个内核参数：arp_ignore=1（只应答收到询问的那个接口上的地址）和 arp_announce=2（自己发 ARP 询问时绝不用 VIP 作为发送方地址）。少了它们，服务器也会应答；客户端最终记住哪个回答，流量就去哪里——负载均衡器被绕过，或者在缓存表项变化时连接中断。',
      '你将在客户端上抓取 ARP 交互，然后撤销 web2 上的这两个设置，观察出现的第二个应答。',
    ],
  },
  steps: [
    {
      id: 'who-has',
      instrument: 'capture',
      title: t('Who has the VIP?', '谁拥有 VIP？'),
      task: t('In the Captures tab capture on client1 with the filter "arp", then make client1 ask for the VIP again (its ARP cache flushed) and send a request.', '在“抓包”标签页中对 client1 抓包，过滤条件为 "arp"；清空 client1 的 ARP 缓存后再发送一个请求，让它重新询问 VIP。'),
      expect: t('Exactly one node answers for the VIP: the balancer lb.', '只有一个节点应答 VIP：负载均衡器 lb。'),
      cli: 'lblab capture LAB client1 --filter arp --duration 5',
      checks: [{ kind: 'arp', client: 'client1', service: 'web', answer: ['lb'] }],
    },
    {
      id: 'flux',
      instrument: 'break',
      title: t('Let web2 answer ARP', '让 web2 应答 ARP'),
      task: t('Right-click web2 on the canvas and choose the fault arp-flux; capture ARP on client1 again.', '在画布上右键点击 web2，选择故障 arp-flux；再次在 client1 上抓取 ARP。'),
      expect: t('web2 now answers the who-has for the VIP too, and the doctor finds arp-flux on web2.', '现在 web2 也会应答对 VIP 的询问，诊断工具在 web2 上发现 arp-flux。'),
      cli: 'lblab break LAB arp-flux web2 && lblab doctor LAB',
      act: { fault: { fault: 'arp-flux', node: 'web2' } },
      checks: [
        { kind: 'arp', client: 'client1', service: 'web', answer: ['lb'], alsoAnswers: 'web2' },
        { kind: 'finding', finding: 'arp-flux', node: 'web2' },
      ],
    },
    {
      id: 'fix',
      instrument: 'fix',
      title: t('Fix it', '修复'),
      task: t('In the Doctor tab press Fix, and capture ARP on client1 once more.', '在“诊断”标签页中点击“修复”，再在 client1 上抓取一次 ARP。'),
      expect: t('Only lb answers again, and the doctor finds the lab healthy.', '又只有 lb 应答了，诊断工具认为实验环境一切正常。'),
      cli: 'lblab doctor LAB --fix',
      act: { fix: true },
      checks: [{ kind: 'healthy' }, { kind: 'arp', client: 'client1', service: 'web', answer: ['lb'] }],
    },
  ],
};
