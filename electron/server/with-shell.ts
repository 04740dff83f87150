// An injected LabApi does not know which shell serves it: the web server stamps info().shell.
import type { AppInfo, LabApi } from '../api.js';

export function withShell<T extends LabApi>(api: T, shell: AppInfo['shell']): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      if (prop === 'info') return async () => ({ ...(await target.info()), shell });
      return Reflect.get(target, prop, receiver);
    },
  });
}
