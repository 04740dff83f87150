// Lesson: forwarding against proxying, one TCP connection against two.
import { t, type LessonDef } from '../types';

export const proxy: LessonDef = {
  id: 'proxy',
  template: 'l4proxy',
  title: t('Forwarding vs proxying: one TCP connection or two', '转发与代理：一条 TCP 连接还是两条'),
  summary: t(
    'A forwarding balancer edits packets of the client\'s connection; a proxy ends it and opens its own.',
    '转发型负载均衡器修改客户端连接中的报文；代理则终结这条连接，再自己新建一条。',
  ),
  body: {
    en: [
      'DSR, the tunnel and both NATs forward: the client\'s TCP connection runs end to end from the client to the server, and the balancer only edits the headers of its packets on the way. It never holds a byte of the stream, and it does not need to understand what the bytes say.',
      'A proxy (HAProxy here, in l4proxy mode) accepts the client\'s connection itself, like a server would, and then opens a second connection of its own to the chosen server. Bytes are read from one socket and written to the other. That costs memory and CPU per connection, but it lets the balancer retry, buffer and, at layer 7, read the request and route on it.',
      'In this lab you see the two connections in the packet journey, then switch the same service to nat and see one.',
    ],
    'zh-CN': [
      'DSR、隧道以及两种 NAT 都属于转发：客户端的 TCP 连接从客户端一直延伸到服务器，负载均衡器只在途中修改报文头。它从不缓存数据流中的任何字节，也不需要理解这些字节的含义。',
      '代理（这里是 l4proxy 模式下的 HAProxy）像服务器一样自己接受客户端的连接，再向选中的服务器新建一条属于自己的连接，从一个套接字读出字节、写入另一个。这样每个连接都要消耗内存和 CPU，但负载均衡器因此可以重试、缓冲，并在七层读懂请求、按请求内容路由。',
      '在本实验中，你会在数据包路径里看到两条连接，然后把同一个服务切换到 nat，只看到一条。',
    ],
  },
  steps: [
    {
      id: 'follow',
      instrument: 'journey',
      title: t('Follow one request through the proxy', '跟踪一个经过代理的请求'),
      task: t('Open the Packet journey tab and send one request to service web.', '打开“数据包路径”标签页，向服务 web 发送一个请求。'),
      expect: t('At the balancer the request moves to another TCP connection (new addresses, new ports, a new sequence number), and the response comes back through it.', '在负载均衡器处，请求换到了另一条 TCP 连接上（新的地址、端口和序列号），响应也经由它返回。'),
      cli: 'lblab journey LAB',
      checks: [{ kind: 'journey', service: 'web', newConnection: true, viaBalancer: true, clientSeen: false }],
    },
    {
      id: 'nat',
      instrument: 'mode',
      title: t('Switch web to nat', '把 web 切换到 nat'),
      task: t('Select service web in the inspector, switch it to nat, and follow one request again.', '在检查器中选中服务 web，切换到 nat，再跟踪一个请求。'),
      expect: t('One connection end to end: the balancer only rewrites the destination address; the ports and the sequence numbers stay the client\'s.', '只有一条端到端的连接：负载均衡器只改写目的地址，端口和序列号仍是客户端的。'),
      cli: 'lblab mode LAB web nat && lblab journey LAB',
      act: { mode: { service: 'web', mode: 'nat' } },
      checks: [
        { kind: 'mode', service: 'web', mode: 'nat' },
        { kind: 'journey', service: 'web', rewrites: ['ip.dst'], keeps: ['tcp.srcport'], newConnection: false, viaBalancer: true, clientSeen: true },
      ],
    },
    {
      id: 'back',
      instrument: 'mode',
      title: t('Back to the proxy', '切回代理'),
      task: t('Switch web back to l4proxy and follow one more request.', '把 web 切回 l4proxy，再跟踪一个请求。'),
      expect: t('Two connections again.', '又变回两条连接。'),
      cli: 'lblab mode LAB web l4proxy && lblab journey LAB',
      act: { mode: { service: 'web', mode: 'l4proxy' } },
      checks: [
        { kind: 'mode', service: 'web', mode: 'l4proxy' },
        { kind: 'journey', service: 'web', newConnection: true, viaBalancer: true },
      ],
    },
  ],
};
