// BrowserWindow options of the main window. Every security-relevant
// webPreference is spelled out even where it equals Electron's default, so a
// future default change or a careless edit shows up in the test.
import type { WindowBounds } from './window-state.js';

export function mainWindowOptions(opts: { preload: string; bounds: WindowBounds; dev: boolean; title?: string }) {
  return {
    ...opts.bounds,
    minWidth: 900,
    minHeight: 600,
    show: false, // shown on ready-to-show: no white flash
    title: opts.title ?? 'lblab',
    backgroundColor: '#1b1d23',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: opts.dev,
    },
  };
}
