// The main process wiring (shell/app.ts) against a fake Electron.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_METHODS, IPC } from '../../../electron/api.js';
import { runShell, type ElectronLike, type RunningShell } from '../../../electron/shell/app.js';
import { fakeApi, type FakeApi } from '../server/fake-api.js';
import { fakeElectron, FakeWebContents, FakeWindow } from './fake-electron.js';

let userData: string;
let electron: ReturnType<typeof fakeElectron>;
let api: FakeApi;
let shell: RunningShell;
const rendererDir = '/opt/lblab/resources/app.asar/.vite/renderer/main_window';

async function boot(devServerUrl?: string) {
  electron = fakeElectron({ userData });
  api = fakeApi();
  shell = (await runShell(electron as unknown as ElectronLike, {
    devServerUrl,
    rendererDir,
    preload: '/opt/lblab/preload.cjs',
    createEngine: () => api,
    platform: 'linux',
    log: () => undefined,
  }))!;
  return FakeWindow.created[0]!;
}

beforeEach(() => {
  userData = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-shell-'));
});
afterEach(() => fs.rmSync(userData, { recursive: true, force: true }));

describe('runShell: the main window', () => {
  it('is created with secure webPreferences and our preload', async () => {
    const win = await boot();
    const p = win.options.webPreferences;
    expect(p).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false });
    expect(p.preload).toBe('/opt/lblab/preload.cjs');
    expect(p.devTools).toBe(false);
    expect(win.options.show).toBe(false);
  });

  it('loads the packaged index.html, or the dev server in development', async () => {
    let win = await boot();
    expect(win.loaded).toBe(pathToFileURL(path.join(rendererDir, 'index.html')).href);
    win = await boot('http://localhost:5173');
    expect(win.loaded).toBe('http://localhost:5173');
    expect(win.options.webPreferences.devTools).toBe(true);
  });

  it('shows on ready-to-show and restores a saved, visible window state', async () => {
    fs.writeFileSync(path.join(userData, 'window-state.json'), JSON.stringify({ x: 100, y: 50, width: 1400, height: 900, maximized: true }));
    const win = await boot();
    expect(win.options).toMatchObject({ x: 100, y: 50, width: 1400, height: 900 });
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
    expect(win.maximized).toBe(true);
  });

  it('saves its state on close', async () => {
    const win = await boot();
    win.bounds = { x: 5, y: 6, width: 1111, height: 777 };
    win.emit('close');
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'window-state.json'), 'utf8'))).toEqual({ x: 5, y: 6, width: 1111, height: 777, maximized: false });
  });

  it('recreates the window on activate (macOS dock) only when there is none', async () => {
    const win = await boot();
    electron.app.emit('activate');
    expect(FakeWindow.created).toHaveLength(1);
    win.destroyed = true;
    win.emit('closed');
    electron.app.emit('activate');
    expect(FakeWindow.created).toHaveLength(2);
    expect(FakeWindow.created[1]!.options.webPreferences.sandbox).toBe(true);
  });

  it('quits when another instance already runs', async () => {
    electron = fakeElectron({ userData, lock: false });
    const r = await runShell(electron as unknown as ElectronLike, { rendererDir, preload: 'p', createEngine: () => fakeApi() });
    expect(r).toBeUndefined();
    expect(electron.app.quit).toHaveBeenCalled();
    expect(FakeWindow.created).toHaveLength(0);
  });
});

describe('runShell: navigation and new windows', () => {
  it('blocks navigation away from the app and opens only https links outside', async () => {
    const win = await boot();
    const app = pathToFileURL(path.join(rendererDir, 'index.html')).href;
    expect(win.webContents.navigate(`${app}#/labs`)).toBe(false);
    expect(win.webContents.navigate('https://evil.example/')).toBe(true);
    expect(win.webContents.navigate('file:///etc/passwd')).toBe(true);
    expect(win.webContents.navigate('http://plain.example/')).toBe(true);
    expect(electron.shell.openExternal.mock.calls.map((c: unknown[]) => c[0])).toEqual(['https://evil.example/']);
  });

  it('uses the target on the event (Electron >= 25) and guards sub-frame navigation', async () => {
    const win = await boot();
    let prevented = false;
    // the deprecated url argument says "app", the event's url says otherwise: the event wins
    win.webContents.emit('will-navigate', { url: 'https://evil.example/', preventDefault: () => (prevented = true) }, win.loaded);
    expect(prevented).toBe(true);
    prevented = false;
    win.webContents.emit('will-frame-navigate', { url: 'https://evil.example/frame', preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    prevented = false;
    win.webContents.emit('will-frame-navigate', { url: `${win.loaded}#x`, preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
  });

  it('denies every new window; https targets go to the system browser', async () => {
    const win = await boot();
    expect(win.webContents.openHandler!({ url: 'https://docs.example/x' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal.mock.calls.map((c: unknown[]) => c[0])).toEqual(['https://docs.example/x']);
  });

  it('guards every webContents created later (web-contents-created)', async () => {
    await boot();
    const other = new FakeWebContents();
    electron.app.emit('web-contents-created', {}, other);
    expect(other.navigate('https://evil.example/')).toBe(true);
    expect(other.openHandler!({ url: 'https://x.example' })).toEqual({ action: 'deny' });
    let prevented = false;
    other.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });
});

describe('runShell: session', () => {
  it('sets the CSP header on every response, replacing any other', async () => {
    await boot();
    const s = electron.session.defaultSession;
    let out: any;
    s.headersListener!({ url: 'file:///x/index.html', responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, (r) => (out = r));
    const keys = Object.keys(out.responseHeaders).map((k) => k.toLowerCase());
    expect(keys.filter((k) => k === 'content-security-policy')).toHaveLength(1);
    expect(out.responseHeaders['Content-Security-Policy'][0]).toBe(shell.csp);
    expect(shell.csp).toMatch(/script-src 'self';/);
    expect(shell.csp).toMatch(/frame-ancestors 'none'/);
    expect(shell.csp).toMatch(/object-src 'none'/);
    expect(out.responseHeaders['X-Other']).toEqual(['1']);
  });

  it('denies permission requests and checks', async () => {
    await boot();
    const s = electron.session.defaultSession;
    for (const perm of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      let granted: boolean | undefined;
      s.permissionRequest!({}, perm, (g) => (granted = g));
      expect(granted, perm).toBe(false);
      expect(s.permissionCheck!({}, perm)).toBe(false);
    }
  });
});

describe('runShell: IPC', () => {
  it('dispatches LabApi calls from the main window top frame', async () => {
    const win = await boot();
    const r = await electron.ipcMain.call(IPC.invoke, win.webContents, win.webContents.mainFrame, 'listLabs', []);
    expect(r).toEqual({ result: [{ name: 'demo', nodes: 3, running: 3 }] });
    expect(api.calls.map((c) => c.method)).toEqual(['listLabs']);
  });

  it('refuses a foreign frame URL, a sub-frame, a missing frame and another webContents', async () => {
    const win = await boot();
    const wc = win.webContents;
    const app = wc.mainFrame.url;
    const refused = [
      await electron.ipcMain.call(IPC.invoke, wc, { url: 'https://evil.example/', parent: null }, 'destroy', ['a']),
      await electron.ipcMain.call(IPC.invoke, wc, { url: app, parent: { url: 'x', parent: null } }, 'destroy', ['a']),
      await electron.ipcMain.call(IPC.invoke, wc, null, 'destroy', ['a']),
      await electron.ipcMain.call(IPC.invoke, new FakeWebContents(app), { url: app, parent: null }, 'destroy', ['a']),
      await electron.ipcMain.call(IPC.shell, wc, { url: 'https://evil.example/', parent: null }, 'saveLabFile', 'x', 'y'),
    ];
    for (const r of refused) expect(r).toMatchObject({ error: expect.stringMatching(/^IPC refused/), code: 'bad-request' });
    expect(api.calls).toEqual([]);
    expect(electron.dialog.showSaveDialog).not.toHaveBeenCalled();
  });

  it('validates arguments with the api.ts schemas and answers one line', async () => {
    const win = await boot();
    const r = (await electron.ipcMain.call(IPC.invoke, win.webContents, win.webContents.mainFrame, 'setMode', ['lab', 'web', 'warp'])) as any;
    expect(r.code).toBe('bad-request');
    expect(r.error).toMatch(/^setMode: bad argument 2/);
    const e = (await electron.ipcMain.call(IPC.invoke, win.webContents, win.webContents.mainFrame, 'destroy', ['a'])) as any;
    expect(e).toEqual({ error: 'docker exploded', code: 'engine' });
    const u = (await electron.ipcMain.call(IPC.invoke, win.webContents, win.webContents.mainFrame, 'subscribe', [])) as any;
    expect(u.code).toBe('bad-request');
  });

  it('info() reaches the engine through IPC', async () => {
    const win = await boot();
    const r = (await electron.ipcMain.call(IPC.invoke, win.webContents, win.webContents.mainFrame, 'info', [])) as any;
    expect(r.result.docker.available).toBe(true);
  });

  it('forwards engine events to the window', async () => {
    const win = await boot();
    api.emit({ type: 'log', level: 'warn', message: 'hi' });
    expect(win.webContents.sent).toEqual([{ channel: IPC.event, args: [{ type: 'log', level: 'warn', message: 'hi' }] }]);
  });

  it('releases IPC handlers and closes the engine on quit', async () => {
    await boot();
    electron.app.emit('will-quit');
    expect(electron.ipcMain.handlers.size).toBe(0);
    expect(api.closed).toBe(true);
    expect(api.listeners.size).toBe(0);
  });

  it('registers handlers for exactly the three api.ts channels it serves', async () => {
    await boot();
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual([IPC.invoke, IPC.shell].sort());
    expect(API_METHODS.length).toBeGreaterThan(10);
  });
});

describe('runShell: menu', () => {
  function items(t: any[]): any[] {
    return t.flatMap((i) => [i, ...(i.submenu ? items(i.submenu) : [])]);
  }

  it('has File/Lab/View/Help with the commands, sent to the renderer', async () => {
    const win = await boot();
    const t = electron.menu.template;
    expect(t.map((m: any) => m.label)).toEqual(['File', 'Edit', 'Lab', 'View', 'Help']);
    const labels = items(t).map((i) => i.label).filter(Boolean);
    for (const l of ['New', 'Open…', 'Save', 'Save As…', 'Quit', 'Deploy', 'Destroy', 'About lblab']) expect(labels).toContain(l);
    items(t).find((i) => i.label === 'Deploy').click();
    items(t).find((i) => i.label === 'Save As…').click();
    expect(win.webContents.sent).toEqual([
      { channel: IPC.shell, args: ['deploy'] },
      { channel: IPC.shell, args: ['save-as'] },
    ]);
    items(t).find((i) => i.label === 'About lblab').click();
    expect(electron.dialog.showMessageBox).toHaveBeenCalled();
    expect(electron.menu.set).toBeDefined();
  });

  it('offers reload/devtools only in development; zoom always', async () => {
    await boot();
    let roles = items(electron.menu.template).map((i) => i.role);
    expect(roles).not.toContain('toggleDevTools');
    expect(roles).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom']));
    await boot('http://localhost:5173');
    roles = items(electron.menu.template).map((i) => i.role);
    expect(roles).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });
});
