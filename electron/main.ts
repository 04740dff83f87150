// Electron main process entry. Everything testable lives in shell/app.ts; this
// file only hands it the electron module and the build-time constants.
import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell, type MenuItemConstructorOptions } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runShell, type ElectronLike } from './shell/app.js';
import { oneLine } from './api.js';

// Injected by @electron-forge/plugin-vite; absent in a plain `vite build`.
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string | undefined;

// Bundled as ESM into .vite/build/main.js (package.json "type": "module").
const here = path.dirname(fileURLToPath(import.meta.url));
const devServerUrl = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined;
const rendererName = typeof MAIN_WINDOW_VITE_NAME === 'string' ? MAIN_WINDOW_VITE_NAME : 'main_window';

// Typed against the real Electron declarations: a change in Electron's API
// that breaks the shell's assumptions fails `tsc` here.
const electron: ElectronLike = {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  screen,
  session,
  shell,
  Menu: {
    // our template uses Electron's role names as plain strings
    buildFromTemplate: (template) => Menu.buildFromTemplate(template as MenuItemConstructorOptions[]),
    setApplicationMenu: (menu) => Menu.setApplicationMenu(menu as Menu | null),
  },
};

runShell(electron, {
  devServerUrl,
  rendererDir: path.join(here, '..', 'renderer', rendererName),
  preload: path.join(here, 'preload.cjs'),
  createEngine: async () => (await import('./engine/lab-engine.js')).createLabEngine({ shell: 'electron', dataDir: app.getPath('userData') }),
}).catch((e) => {
  dialog.showErrorBox('lblab cannot start', oneLine(e));
  app.exit(1);
});
