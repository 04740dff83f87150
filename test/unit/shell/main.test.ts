// electron/main.ts hands the real pieces to runShell: checked with a mocked
// 'electron' module and a mocked engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { IPC } from '../../../electron/api.js';
import { fakeApi } from '../server/fake-api.js';
import { fakeElectron, FakeWindow } from './fake-electron.js';

const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-main-'));
const fake = fakeElectron({ userData });
const engine = fakeApi();
const createLabEngine = vi.fn(() => engine);

vi.mock('electron', () => ({ ...fake, default: fake }));
vi.mock('../../../electron/engine/lab-engine.js', () => ({ createLabEngine }));

it('main.ts creates the secure window, the engine (shell "electron", data in userData) and the IPC handlers', async () => {
  await import('../../../electron/main.js');
  await vi.waitFor(() => expect(FakeWindow.created).toHaveLength(1));
  const win = FakeWindow.created[0]!;
  // saved comparisons live in the app's userData
  expect(createLabEngine).toHaveBeenCalledWith({ shell: 'electron', dataDir: userData });
  expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
  expect(path.basename(win.options.webPreferences.preload)).toBe('preload.cjs');
  // no forge defines in a test: the packaged renderer path is used
  expect(win.loaded).toMatch(/^file:\/\/.*\/renderer\/main_window\/index\.html$/);
  expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([IPC.invoke, IPC.shell].sort());
  fs.rmSync(userData, { recursive: true, force: true });
});
