// The main process, minus the `import 'electron'`: main.ts passes the electron
// module in, tests pass a fake. Wires window, guards, IPC, menu, window state.
import path from 'node:path';
import { IPC, oneLine, type ApiMethod } from '../api.js';
import type { LabService } from '../api/host.js';
import { appUrlMatcher, rendererUrl } from './app-url.js';
import { guardSession, guardWebContents, type SessionLike, type WebContentsLike } from './guards.js';
import { registerApiIpc, type IpcMainLike } from './ipc.js';
import { menuTemplate, type MenuCommand, type MenuItem } from './menu.js';
import { registerShellIpc, type DialogLike } from './shell-api.js';
import { mainWindowOptions } from './window-options.js';
import { fitToDisplays, readWindowState, trackWindowState, type Rect } from './window-state.js';

export interface ShellWindow {
  webContents: WebContentsLike & {
    send(channel: string, ...args: unknown[]): void;
    isDestroyed(): boolean;
    loadURL?(url: string): Promise<void>;
  };
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'resize' | 'move' | 'close' | 'closed', listener: () => void): unknown;
  show(): void;
  maximize(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isMaximized(): boolean;
  isDestroyed(): boolean;
  getNormalBounds(): Rect;
}

export interface ElectronLike {
  app: {
    whenReady(): Promise<unknown>;
    on(event: string, listener: (...args: never[]) => void): unknown;
    quit(): void;
    getPath(name: 'userData' | 'documents'): string;
    getVersion(): string;
    name: string;
    isPackaged: boolean;
    requestSingleInstanceLock(): boolean;
  };
  BrowserWindow: new (options: ReturnType<typeof mainWindowOptions>) => ShellWindow;
  ipcMain: IpcMainLike;
  session: { defaultSession: SessionLike };
  shell: { openExternal(url: string): Promise<void> };
  dialog: DialogLike & { showMessageBox(win: unknown, opts: object): Promise<unknown> };
  Menu: { buildFromTemplate(template: MenuItem[]): unknown; setApplicationMenu(menu: unknown): void };
  screen: { getAllDisplays(): { workArea: Rect }[] };
}

export interface ShellOptions {
  /** the Vite dev server URL (MAIN_WINDOW_VITE_DEV_SERVER_URL) in development */
  devServerUrl?: string;
  /** the packaged renderer directory (…/.vite/renderer/main_window) */
  rendererDir: string;
  /** the built preload script */
  preload: string;
  /** the engine; the shell uses its LabApi and events, and closes it on quit */
  createEngine: () => Pick<LabService, ApiMethod | 'subscribe' | 'close'> | Promise<Pick<LabService, ApiMethod | 'subscribe' | 'close'>>;
  platform?: NodeJS.Platform;
  log?: (line: string) => void;
}

export interface RunningShell {
  window(): ShellWindow | undefined;
  engine: Pick<LabService, ApiMethod | 'subscribe' | 'close'>;
  appUrl: string;
  csp: string;
}

export async function runShell(electron: ElectronLike, opts: ShellOptions): Promise<RunningShell | undefined> {
  const { app } = electron;
  const log = opts.log ?? ((l: string) => console.error(l));
  const platform = opts.platform ?? process.platform;
  const dev = Boolean(opts.devServerUrl);

  // A second instance would fight over the same labs and window state.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }

  const appUrl = rendererUrl({ devServerUrl: opts.devServerUrl, rendererDir: opts.rendererDir });
  const isApp = appUrlMatcher(appUrl);
  let win: ShellWindow | undefined;
  const getWindow = () => (win && !win.isDestroyed() ? win : undefined);

  // Guards go on every webContents, including any created later.
  app.on('web-contents-created', (_e: unknown, contents: WebContentsLike) => guardWebContents(contents, isApp, (u) => electron.shell.openExternal(u)));
  app.on('second-instance', () => {
    const w = getWindow();
    if (!w) return;
    if (w.isMinimized()) w.restore();
    w.focus();
  });

  await app.whenReady();
  const csp = guardSession(electron.session.defaultSession, { dev });
  const engine = await opts.createEngine();

  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const state = fitToDisplays(readWindowState(stateFile), electron.screen.getAllDisplays().map((d) => d.workArea));
  const { maximized, ...bounds } = state;

  const disposeApi = registerApiIpc({ ipcMain: electron.ipcMain, api: engine, getWindow, isApp, log });
  const disposeShell = registerShellIpc({ ipcMain: electron.ipcMain, dialog: electron.dialog, getWindow, isApp, defaultDir: () => app.getPath('documents') });

  const send = (command: MenuCommand) => getWindow()?.webContents.send(IPC.shell, command);
  const about = () =>
    void electron.dialog.showMessageBox(getWindow(), {
      type: 'info',
      title: `About ${app.name}`,
      message: `${app.name} ${app.getVersion()}`,
      detail: 'A desktop laboratory for load balancing: draw a topology, deploy it in Docker, watch packets being rewritten.',
    });
  electron.Menu.setApplicationMenu(electron.Menu.buildFromTemplate(menuTemplate({ dev, mac: platform === 'darwin', appName: app.name, send, about })));

  const createWindow = () => {
    const w = new electron.BrowserWindow(mainWindowOptions({ preload: opts.preload, bounds, dev, title: app.name }));
    win = w;
    // web-contents-created also covers it; guarding here too keeps the window safe even if that hook never fired
    guardWebContents(w.webContents, isApp, (u) => electron.shell.openExternal(u));
    trackWindowState(w, stateFile);
    w.once('ready-to-show', () => {
      if (maximized) w.maximize();
      w.show();
    });
    w.on('closed', () => {
      if (win === w) win = undefined;
    });
    w.loadURL(appUrl).catch((e) => log(`lblab: cannot load the UI from ${appUrl}: ${oneLine(e)}`));
  };
  createWindow();
  // macOS keeps the app running without windows; the dock icon brings one back.
  app.on('activate', () => {
    if (!getWindow()) createWindow();
  });

  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });
  let closed = false;
  app.on('will-quit', () => {
    if (closed) return;
    closed = true;
    disposeApi();
    disposeShell();
    void engine.close().catch(() => undefined);
  });

  return { window: getWindow, engine, appUrl, csp };
}
