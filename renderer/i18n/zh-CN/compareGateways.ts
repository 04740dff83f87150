import type { Catalog } from '../en';

export const compareGateways: Catalog['compareGateways'] = {
  workers: 'Apache 工作者数',
  workersTitle: '线程数上限（apache-event、apache-worker）或进程数上限（apache-prefork）；留空：使用网关默认值',
  noKeepAlive: '每个请求一个新连接',
  workersCount: 'Apache 工作者数：{{count}}',
};
