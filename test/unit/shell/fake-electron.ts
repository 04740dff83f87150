// A recording stand-in for the parts of Electron the shell uses.
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export class FakeWebContents extends EventEmitter {
  sent: { channel: string; args: unknown[] }[] = [];
  openHandler?: (d: { url: string }) => { action: string };
  destroyed = false;
  mainFrame: { url: string; parent: null };
  constructor(url = '') {
    super();
    this.mainFrame = { url, parent: null };
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.openHandler = h;
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** emit will-navigate and tell whether it was prevented */
  navigate(url: string): boolean {
    let prevented = false;
    this.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

export class FakeWindow extends EventEmitter {
  static created: FakeWindow[] = [];
  webContents = new FakeWebContents();
  loaded?: string;
  shown = false;
  maximized = false;
  destroyed = false;
  bounds = { x: 10, y: 20, width: 1000, height: 700 };
  constructor(public options: any) {
    super();
    FakeWindow.created.push(this);
  }
  async loadURL(url: string) {
    this.loaded = url;
    this.webContents.mainFrame.url = url;
  }
  show() {
    this.shown = true;
  }
  maximize() {
    this.maximized = true;
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isMaximized() {
    return this.maximized;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return this.bounds;
  }
}

export class FakeIpcMain {
  handlers = new Map<string, (event: any, ...args: any[]) => unknown>();
  handle(channel: string, fn: (event: any, ...args: any[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  /** what ipcRenderer.invoke would do, from `sender` with `frameUrl` */
  call(channel: string, sender: unknown, frame: { url: string; parent: unknown } | null, ...args: unknown[]) {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return Promise.resolve(h({ sender, senderFrame: frame }, ...args));
  }
}

export function fakeSession() {
  const s = {
    permissionRequest: undefined as undefined | ((wc: unknown, p: string, cb: (g: boolean) => void) => void),
    permissionCheck: undefined as undefined | ((wc: unknown, p: string) => boolean),
    headersListener: undefined as undefined | ((d: any, cb: (r: any) => void) => void),
    setPermissionRequestHandler(h: any) {
      s.permissionRequest = h;
    },
    setPermissionCheckHandler(h: any) {
      s.permissionCheck = h;
    },
    webRequest: {
      onHeadersReceived(l: any) {
        s.headersListener = l;
      },
    },
  };
  return s;
}

export function fakeElectron(opts: { userData: string; lock?: boolean }) {
  FakeWindow.created = [];
  const app = Object.assign(new EventEmitter(), {
    name: 'lblab',
    isPackaged: false,
    quit: vi.fn(),
    whenReady: () => Promise.resolve(),
    getPath: (n: string) => (n === 'userData' ? opts.userData : `${opts.userData}/documents`),
    getVersion: () => '9.9.9',
    requestSingleInstanceLock: () => opts.lock ?? true,
  });
  const menu = { template: undefined as any, set: undefined as any };
  return {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: new FakeIpcMain(),
    session: { defaultSession: fakeSession() },
    shell: { openExternal: vi.fn(async () => undefined) },
    dialog: {
      showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] as string[] })),
      showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: undefined as string | undefined })),
      showMessageBox: vi.fn(async () => ({ response: 0 })),
    },
    Menu: {
      buildFromTemplate: (t: any) => ((menu.template = t), { t }),
      setApplicationMenu: (m: any) => (menu.set = m),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    menu,
  };
}
