// An injected LabApi does not know which shell serves it: the web server stamps info().shell
// (and the info a switch of engine answers with).
import type { AppInfo, LabApi } from '../api.js';

export function withShell<T extends LabApi>(api: T, shell: AppInfo['shell']): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      if (prop === 'info') return async () => ({ ...(await target.info()), shell });
      if (prop === 'useEngine') return async (name: string) => ({ ...(await target.useEngine(name)), shell });
      return Reflect.get(target, prop, receiver);
    },
  });
}
