import type { Catalog } from '../en';

export const common: Catalog['common'] = {
  language: '语言',
  cancel: '取消',
  close: '关闭',
  delete: '删除',
  dismiss: '忽略',
  ok: '确定',
  none: '无',
  unit: {
    requestsPerSec: '请求/秒',
  },
};
