// The preload bridge: exactly PreloadBridge, every LabApi method reachable,
// nothing else (no raw ipcRenderer, no IPC event objects) reaching the page.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, IPC, type PreloadBridge } from '../../../electron/api.js';
import { createBridge } from '../../../electron/shell/bridge.js';
import { registerApiIpc } from '../../../electron/shell/ipc.js';
import { appUrlMatcher } from '../../../electron/shell/app-url.js';
import { fakeApi, SAMPLE_ARGS as SAMPLE } from '../server/fake-api.js';
import { FakeIpcMain, FakeWebContents } from './fake-electron.js';

const APP = 'file:///opt/lblab/.vite/renderer/main_window/index.html';

/** ipcRenderer wired to a FakeIpcMain, as the main window's top frame. */
function wired() {
  const ipcMain = new FakeIpcMain();
  const wc = new FakeWebContents(APP);
  const win = { webContents: wc, isDestroyed: () => false };
  const api = fakeApi();
  registerApiIpc({ ipcMain, api, getWindow: () => win, isApp: appUrlMatcher(APP) });
  const emitter = new EventEmitter();
  const ipcRenderer = {
    invoke: (channel: string, ...args: unknown[]) => ipcMain.call(channel, wc, wc.mainFrame, ...args),
    on: (c: string, l: (...a: any[]) => void) => emitter.on(c, l),
    removeListener: (c: string, l: (...a: any[]) => void) => emitter.removeListener(c, l),
  };
  return { api, emitter, bridge: createBridge(ipcRenderer), wc };
}


describe('createBridge', () => {
  it('has exactly the PreloadBridge keys', () => {
    const { bridge } = wired();
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvent', 'shell']);
    expect(Object.keys(bridge.shell).sort()).toEqual(['onMenu', 'openLabFile', 'saveLabFile']);
    for (const v of [bridge.invoke, bridge.onEvent, ...Object.values(bridge.shell)]) expect(typeof v).toBe('function');
  });

  it('reaches every LabApi method through invoke', async () => {
    const { bridge, api } = wired();
    expect(Object.keys(SAMPLE).sort()).toEqual([...API_METHODS].sort());
    for (const m of API_METHODS) {
      api.calls.length = 0;
      await bridge.invoke(m, SAMPLE[m]!).catch(() => undefined); // destroy/deploy throw by design
      expect(api.calls.map((c) => c.method)).toEqual([m]);
    }
    expect(await bridge.invoke('listLabs', [])).toEqual([{ name: 'demo', nodes: 3, running: 3 }]);
  });

  it('turns an error reply into an Error with the one-line message', async () => {
    const { bridge } = wired();
    await expect(bridge.invoke('destroy', ['a'])).rejects.toThrow(/^docker exploded$/);
    await expect(bridge.invoke('status', ['missing'])).rejects.toThrow('lab "missing" is not deployed');
    await expect(bridge.invoke('setMode', ['a', 'b', 'nope'] as unknown[])).rejects.toThrow(/bad argument/);
  });

  it('delivers events without the IPC event object, and unsubscribes', async () => {
    const { bridge, emitter } = wired();
    const got: unknown[][] = [];
    const off = bridge.onEvent((...a: unknown[]) => got.push(a));
    emitter.emit(IPC.event, { sender: 'RAW-IPC-RENDERER' }, { type: 'log', level: 'info', message: 'x' });
    off();
    emitter.emit(IPC.event, { sender: 'RAW' }, { type: 'log', level: 'info', message: 'y' });
    expect(got).toEqual([[{ type: 'log', level: 'info', message: 'x' }]]);
  });

  it('shell: menu commands, dialogs over IPC.shell', async () => {
    const emitter = new EventEmitter();
    const invoke = vi.fn(async (_c: string, op: string) => (op === 'openLabFile' ? { result: { path: '/a.lab.yaml', text: 'name: a' } } : { result: '/b.lab.yaml' }));
    const bridge: PreloadBridge = createBridge({ invoke, on: (c, l) => emitter.on(c, l), removeListener: (c, l) => emitter.removeListener(c, l) });
    const cmds: string[] = [];
    const off = bridge.shell.onMenu((c) => cmds.push(c));
    emitter.emit(IPC.shell, {}, 'save');
    off();
    emitter.emit(IPC.shell, {}, 'open');
    expect(cmds).toEqual(['save']);
    expect(await bridge.shell.openLabFile()).toEqual({ path: '/a.lab.yaml', text: 'name: a' });
    expect(await bridge.shell.saveLabFile('name: b', 'b')).toBe('/b.lab.yaml');
    expect(invoke.mock.calls).toEqual([[IPC.shell, 'openLabFile'], [IPC.shell, 'saveLabFile', 'name: b', 'b']]);
  });

  it('uses the channel names of api.ts', async () => {
    const calls: string[] = [];
    const b = createBridge({ invoke: async (c) => (calls.push(c), { result: null }), on: (c) => calls.push(`on:${c}`), removeListener: () => undefined });
    await b.invoke('info', []);
    b.onEvent(() => undefined);
    b.shell.onMenu(() => undefined);
    expect(calls).toEqual([IPC.invoke, `on:${IPC.event}`, `on:${IPC.shell}`]);
  });
});

describe('electron/preload.ts', () => {
  it('exposes only window.lblab, built on ipcRenderer', async () => {
    const exposed: Record<string, any> = {};
    const ipcRenderer = { invoke: vi.fn(async () => ({ result: 42 })), on: vi.fn(), removeListener: vi.fn(), send: vi.fn(), sendSync: vi.fn() };
    vi.doMock('electron', () => ({ contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) }, ipcRenderer }));
    await import('../../../electron/preload.js');
    expect(Object.keys(exposed)).toEqual(['lblab']);
    const lblab = exposed.lblab;
    expect(Object.keys(lblab).sort()).toEqual(['invoke', 'onEvent', 'shell']);
    expect(JSON.stringify(Object.keys(lblab.shell).sort())).toBe('["onMenu","openLabFile","saveLabFile"]');
    // nothing that leads back to ipcRenderer
    const seen = new Set<unknown>();
    const walk = (o: any) => {
      if (!o || typeof o !== 'object' || seen.has(o)) return;
      seen.add(o);
      expect(o).not.toBe(ipcRenderer);
      for (const v of Object.values(o)) walk(v);
    };
    walk(lblab);
    expect(await lblab.invoke('info', [])).toBe(42);
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(IPC.invoke, 'info', []);
    vi.doUnmock('electron');
  });
});
