// The LabApi over IPC. The renderer is untrusted: each call must come from our
// main window's top frame, showing our own app URL (not a page it was tricked
// into loading), and its arguments pass the same zod schemas as the web server.
// Replies are {result} | {error, code}: Electron would otherwise wrap thrown
// errors in "Error invoking remote method…" and the code would be lost.
import { ApiError, dispatch, IPC, oneLine, type ApiMethod } from '../api.js';
import type { LabService } from '../api/host.js';
import type { UrlMatcher } from './app-url.js';

export interface FrameLike { url: string; parent: FrameLike | null }
export interface IpcEventLike { sender: unknown; senderFrame: FrameLike | null }
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}
export interface WindowLike {
  webContents: { send(channel: string, ...args: unknown[]): void; isDestroyed?(): boolean };
  isDestroyed(): boolean;
}

export type IpcReply = { result: unknown } | { error: string; code: ApiError['code'] };

/** Why a sender is refused, or null when it is our window's top frame on the app URL. */
export function senderRefusal(event: IpcEventLike, win: WindowLike | undefined, isApp: UrlMatcher): string | null {
  if (!win || win.isDestroyed() || event.sender !== win.webContents) return 'IPC refused: the sender is not the lblab window';
  const frame = event.senderFrame;
  if (!frame) return 'IPC refused: the sending frame is gone';
  if (frame.parent !== null) return 'IPC refused: sent from a sub-frame';
  if (!isApp(frame.url)) return `IPC refused: sender URL ${frame.url.slice(0, 200)} is not the app`;
  return null;
}

export function registerApiIpc(opts: {
  ipcMain: IpcMainLike;
  api: Pick<LabService, ApiMethod | 'subscribe'>;
  getWindow: () => WindowLike | undefined;
  isApp: UrlMatcher;
  log?: (line: string) => void;
}): () => void {
  const { ipcMain, api, getWindow, isApp } = opts;
  ipcMain.handle(IPC.invoke, async (event, method, args): Promise<IpcReply> => {
    const refused = senderRefusal(event, getWindow(), isApp);
    if (refused) {
      opts.log?.(`lblab: ${refused}`);
      return { error: refused, code: 'bad-request' };
    }
    try {
      return { result: await dispatch(api, String(method), args) };
    } catch (e) {
      return { error: oneLine(e), code: e instanceof ApiError ? e.code : 'engine' };
    }
  });
  const unsubscribe = api.subscribe((e) => {
    const win = getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed?.()) return;
    win.webContents.send(IPC.event, e);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC.invoke);
  };
}
