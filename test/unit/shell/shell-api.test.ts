// Native open/save dialogs for lab files, as ShellApi handlers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createShellHandlers, labFileName, MAX_LAB_FILE } from '../../../electron/shell/shell-api.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-dlg-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

type OpenFn = (win: unknown, opts: object) => Promise<{ canceled: boolean; filePaths: string[] }>;
type SaveFn = (win: unknown, opts: object) => Promise<{ canceled: boolean; filePath?: string }>;

function handlers(dialog: { showOpenDialog?: OpenFn; showSaveDialog?: SaveFn }) {
  const d = {
    showOpenDialog: vi.fn<OpenFn>(dialog.showOpenDialog ?? (async () => ({ canceled: true, filePaths: [] }))),
    showSaveDialog: vi.fn<SaveFn>(dialog.showSaveDialog ?? (async () => ({ canceled: true }))),
  };
  return { d, h: createShellHandlers({ dialog: d, getWindow: () => undefined, defaultDir: () => dir }) };
}

describe('labFileName', () => {
  it('makes a safe *.lab.yaml base name', () => {
    expect(labFileName('dsr-basic')).toBe('dsr-basic.lab.yaml');
    expect(labFileName('dsr-basic.lab.yaml')).toBe('dsr-basic.lab.yaml');
    expect(labFileName('../../etc/passwd')).toBe('passwd.lab.yaml');
    expect(labFileName('C:\\Users\\x\\my lab.yml')).toBe('my-lab.lab.yaml');
    expect(labFileName('')).toBe('lab.lab.yaml');
  });
});

describe('shell handlers', () => {
  it('open: returns path and text, or null when cancelled', async () => {
    const f = path.join(dir, 'a.lab.yaml');
    fs.writeFileSync(f, 'name: a\n');
    const { h, d } = handlers({ showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: [f] })) });
    expect(await h.openLabFile()).toEqual({ path: f, text: 'name: a\n' });
    expect(d.showOpenDialog.mock.calls[0]![1]).toMatchObject({ properties: ['openFile'] });
    const c = handlers({});
    expect(await c.h.openLabFile()).toBeNull();
  });

  it('open: refuses an oversized file in one line', async () => {
    const f = path.join(dir, 'big.lab.yaml');
    fs.writeFileSync(f, Buffer.alloc(MAX_LAB_FILE + 1, 'a'));
    const { h } = handlers({ showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: [f] })) });
    await expect(h.openLabFile()).rejects.toThrow(/too large for a lab file/);
  });

  it('save: asks where, appends .lab.yaml, writes the file', async () => {
    const target = path.join(dir, 'mine');
    const { h, d } = handlers({ showSaveDialog: vi.fn(async () => ({ canceled: false, filePath: target })) });
    expect(await h.saveLabFile('name: mine\n', 'mine')).toBe(`${target}.lab.yaml`);
    expect(fs.readFileSync(`${target}.lab.yaml`, 'utf8')).toBe('name: mine\n');
    expect((d.showSaveDialog.mock.calls[0]![1] as { defaultPath: string }).defaultPath).toBe(path.join(dir, 'mine.lab.yaml'));
  });

  it('save: writes silently only to a path the user picked before; a renderer-chosen path goes through the dialog', async () => {
    const picked = path.join(dir, 'p.lab.yaml');
    fs.writeFileSync(picked, 'old');
    const { h, d } = handlers({ showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: [picked] })) });
    await h.openLabFile();
    expect(await h.saveLabFile('new', picked)).toBe(picked);
    expect(fs.readFileSync(picked, 'utf8')).toBe('new');
    expect(d.showSaveDialog).not.toHaveBeenCalled();
    const sneaky = path.join(dir, 'elsewhere.lab.yaml');
    expect(await h.saveLabFile('pwned', sneaky)).toBeNull(); // dialog cancelled
    expect(d.showSaveDialog).toHaveBeenCalledTimes(1);
    expect(fs.existsSync(sneaky)).toBe(false);
  });
});
