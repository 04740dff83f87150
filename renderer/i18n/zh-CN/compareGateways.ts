import type { Catalog } from '../en';

export const compareGateways: Catalog['compareGateways'] = {
  workers: 'Apache 工作者数',
  workersTitle: '线程数上限（apache-event、apache-worker）或进程数上限（apache-prefork）；留空：使用网关默认值',
  noKeepAlive: '每个请求一个新连接',
  workersCount: 'Apache 工作者数：{{count}}',
  model: {
    haproxy: '每个线程一个事件循环',
    nginx: '事件驱动的 worker 进程',
    'apache-event': '每个进行中的请求占一个线程，空闲的 keep-alive 连接停放在事件循环上',
    'apache-worker': '每个连接一个线程',
    'apache-prefork': '每个连接一个进程',
  },
};
