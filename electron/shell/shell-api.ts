// ShellApi in the main process: native open/save dialogs for *.lab.yaml.
// The renderer never names a path it was not given: saving writes silently
// only to a path the user picked in a dialog during this session (so "Save"
// after "Open…" works); anything else goes through the save dialog.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { IPC, oneLine } from '../api.js';
import type { UrlMatcher } from './app-url.js';
import { senderRefusal, type IpcMainLike, type WindowLike, type IpcReply } from './ipc.js';

export const MAX_LAB_FILE = 5 * 1024 * 1024;
const FILTERS = [
  { name: 'Lab files (*.lab.yaml)', extensions: ['yaml', 'yml'] },
  { name: 'All files', extensions: ['*'] },
];

export interface DialogLike {
  showOpenDialog(win: unknown, opts: object): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(win: unknown, opts: object): Promise<{ canceled: boolean; filePath?: string }>;
}

const saveArgs = z.tuple([z.string().max(MAX_LAB_FILE), z.string().max(4096)]);

/** "my lab" -> "my-lab.lab.yaml"; keeps only a base name (no directories from the renderer). */
export function labFileName(suggested: string): string {
  const base = path.basename(suggested.replace(/\\/g, '/')).replace(/\.(lab\.)?ya?ml$/i, '');
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'lab';
  return `${clean}.lab.yaml`;
}

export function withYamlExtension(file: string): string {
  return /\.ya?ml$/i.test(file) ? file : `${file}.lab.yaml`;
}

export function createShellHandlers(opts: { dialog: DialogLike; getWindow: () => WindowLike | undefined; defaultDir: () => string }) {
  const granted = new Set<string>();
  let lastDir: string | undefined;
  const remember = (file: string) => {
    granted.add(path.resolve(file));
    lastDir = path.dirname(file);
  };

  async function openLabFile(): Promise<{ path: string; text: string } | null> {
    const r = await opts.dialog.showOpenDialog(opts.getWindow(), {
      title: 'Open lab',
      defaultPath: lastDir ?? opts.defaultDir(),
      filters: FILTERS,
      properties: ['openFile'],
    });
    const file = r.filePaths[0];
    if (r.canceled || !file) return null;
    const size = fs.statSync(file).size;
    if (size > MAX_LAB_FILE) throw new Error(`${file}: ${size} bytes is too large for a lab file (max ${MAX_LAB_FILE})`);
    const text = fs.readFileSync(file, 'utf8');
    remember(file);
    return { path: file, text };
  }

  async function saveLabFile(text: string, suggestedName: string): Promise<string | null> {
    let file: string | undefined;
    if (path.isAbsolute(suggestedName) && granted.has(path.resolve(suggestedName))) {
      file = path.resolve(suggestedName);
    } else {
      const r = await opts.dialog.showSaveDialog(opts.getWindow(), {
        title: 'Save lab',
        defaultPath: path.join(lastDir ?? opts.defaultDir(), labFileName(suggestedName)),
        filters: FILTERS,
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      });
      if (r.canceled || !r.filePath) return null;
      file = withYamlExtension(r.filePath);
    }
    // write-then-rename: a crash mid-save never leaves a truncated lab file
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, 'utf8');
    fs.renameSync(tmp, file);
    remember(file);
    return file;
  }

  return { openLabFile, saveLabFile, granted };
}

export function registerShellIpc(opts: {
  ipcMain: IpcMainLike;
  dialog: DialogLike;
  getWindow: () => WindowLike | undefined;
  isApp: UrlMatcher;
  defaultDir: () => string;
}): () => void {
  const h = createShellHandlers(opts);
  opts.ipcMain.handle(IPC.shell, async (event, op, ...args): Promise<IpcReply> => {
    const refused = senderRefusal(event, opts.getWindow(), opts.isApp);
    if (refused) return { error: refused, code: 'bad-request' };
    try {
      if (op === 'openLabFile') return { result: await h.openLabFile() };
      if (op === 'saveLabFile') {
        const parsed = saveArgs.safeParse(args);
        if (!parsed.success) return { error: 'saveLabFile: expected (text, suggestedName) strings', code: 'bad-request' };
        return { result: await h.saveLabFile(...parsed.data) };
      }
      return { error: `unknown shell operation: ${String(op).slice(0, 50)}`, code: 'bad-request' };
    } catch (e) {
      return { error: oneLine(e), code: 'engine' };
    }
  });
  return () => opts.ipcMain.removeHandler(IPC.shell);
}
