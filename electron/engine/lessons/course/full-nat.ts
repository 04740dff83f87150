// Lesson: full NAT, where the balancer rewrites the source too, so any
// server answers through it and none sees the client's address.
import { t, type LessonDef } from '../types';

export const fullNat: LessonDef = {
  id: 'full-nat',
  template: 'snat',
  title: t('Full NAT and the hidden client address', '全 NAT 与被隐藏的客户端地址'),
  summary: t(
    'Rewriting the source as well frees the topology and hides who the client is.',
    '连源地址一起改写，拓扑不再受限，但客户端是谁也被隐藏了。',
  ),
  body: {
    en: [
      'Plain NAT needs the servers\' route to the clients to lead through the balancer. Full NAT (SNAT) removes that condition: the balancer rewrites the source of the packet to one of its own addresses as well as the destination to the server\'s. The server answers the balancer because that is who wrote to it, so the response comes back whatever the routes, even with the servers on the clients\' own segment, as in this lab.',
      'The cost is information. The server sees every connection coming from the balancer: its logs, its access rules and its per-client limits all see one address. The balancer also has to keep a source port per connection. A proxy at layer 7 can pass the client\'s address in a header; at layer 4 it is simply gone.',
      'You will follow a request in snat, then switch the same lab to dsr and back, and watch what the server sees as the source.',
    ],
    'zh-CN': [
      '普通 NAT 要求服务器通往客户端的路由经过负载均衡器。全 NAT（SNAT）去掉了这个条件：负载均衡器在把目的地址改写为服务器地址的同时，也把源地址改写为自己的一个地址。服务器回复给负载均衡器，因为是它发来的请求；所以无论路由如何，响应都会回来——即使服务器与客户端在同一网段，正如本实验这样。',
      '代价是丢失信息。服务器看到所有连接都来自负载均衡器：日志、访问控制和按客户端限流看到的都只是一个地址。负载均衡器还要为每个连接占用一个源端口。七层代理可以用报文头传递客户端地址；在四层，这个地址就彻底消失了。',
      '你将在 snat 模式下跟踪一个请求，然后把同一个实验切换到 dsr 再切回来，观察服务器看到的源地址。',
    ],
  },
  steps: [
    {
      id: 'follow',
      instrument: 'journey',
      title: t('Follow one request in snat', '在 snat 下跟踪一个请求'),
      task: t('Open the Packet journey tab and send one request to service web.', '打开“数据包路径”标签页，向服务 web 发送一个请求。'),
      expect: t('The balancer rewrites both the source and the destination address; the server sees the balancer\'s address, not the client\'s, and answers through the balancer.', '负载均衡器同时改写了源地址和目的地址；服务器看到的是负载均衡器的地址而不是客户端的，并经由负载均衡器回复。'),
      cli: 'lblab journey LAB',
      checks: [{ kind: 'journey', service: 'web', rewrites: ['ip.src', 'ip.dst'], newConnection: false, viaBalancer: true, clientSeen: false }],
    },
    {
      id: 'dsr',
      instrument: 'mode',
      title: t('Switch the same lab to dsr', '把同一个实验切换到 dsr'),
      task: t('Select service web in the inspector, switch it to dsr, and follow one request again.', '在检查器中选中服务 web，切换到 dsr，再跟踪一个请求。'),
      expect: t('Now the server receives the packet from the client\'s own address, and answers it directly.', '现在服务器收到的报文源地址就是客户端自己的地址，并直接回复客户端。'),
      cli: 'lblab mode LAB web dsr && lblab journey LAB',
      act: { mode: { service: 'web', mode: 'dsr' } },
      checks: [
        { kind: 'mode', service: 'web', mode: 'dsr' },
        { kind: 'journey', service: 'web', rewrites: ['eth.dst'], keeps: ['ip.src', 'ip.dst'], viaBalancer: false, clientSeen: true },
      ],
    },
    {
      id: 'back',
      instrument: 'mode',
      title: t('Back to snat', '切回 snat'),
      task: t('Switch web back to snat and follow one more request.', '把 web 切回 snat，再跟踪一个请求。'),
      expect: t('The client\'s address is hidden from the server again.', '服务器又看不到客户端的地址了。'),
      cli: 'lblab mode LAB web snat && lblab journey LAB',
      act: { mode: { service: 'web', mode: 'snat' } },
      checks: [
        { kind: 'mode', service: 'web', mode: 'snat' },
        { kind: 'journey', service: 'web', rewrites: ['ip.src'], viaBalancer: true, clientSeen: false },
      ],
    },
  ],
};
