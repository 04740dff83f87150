// What the preload exposes as window.lblab: exactly PreloadBridge, built on an
// injected ipcRenderer so it can be tested without Electron. The IPC event
// object never reaches the page (its `sender` is the raw ipcRenderer).
import type { ApiMethod, IPC as IpcChannels, LabEvent, PreloadBridge } from '../api.js';

// The channel names of api.ts, repeated so the preload bundle does not pull in
// api.ts's runtime (zod). `satisfies` makes the compiler check they are equal.
const IPC = { invoke: 'lblab:invoke', event: 'lblab:event', shell: 'lblab:shell' } as const satisfies typeof IpcChannels;

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function unwrap(reply: unknown): unknown {
  if (reply && typeof reply === 'object') {
    if ('error' in reply) throw new Error(String((reply as { error: unknown }).error));
    if ('result' in reply) return (reply as { result: unknown }).result;
  }
  throw new Error('malformed reply from the lblab main process');
}

export function createBridge(ipc: IpcRendererLike): PreloadBridge {
  const listen = <T>(channel: string, listener: (value: T) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const handler = (_event: unknown, value: unknown) => listener(value as T);
    ipc.on(channel, handler);
    return () => void ipc.removeListener(channel, handler);
  };
  return {
    invoke: async (method: ApiMethod, args: unknown[]) => unwrap(await ipc.invoke(IPC.invoke, method, args)),
    onEvent: (listener: (e: LabEvent) => void) => listen(IPC.event, listener),
    shell: {
      openLabFile: async () => unwrap(await ipc.invoke(IPC.shell, 'openLabFile')) as { path: string; text: string } | null,
      saveLabFile: async (text: string, suggestedName: string) => unwrap(await ipc.invoke(IPC.shell, 'saveLabFile', text, suggestedName)) as string | null,
      onMenu: (listener: (command: string) => void) => listen(IPC.shell, listener),
    },
  };
}
