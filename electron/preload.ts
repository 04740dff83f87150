// Preload (sandboxed, context-isolated): exposes exactly PreloadBridge as
// window.lblab. No raw ipcRenderer, no Node: see shell/bridge.ts.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './shell/bridge.js';

contextBridge.exposeInMainWorld('lblab', createBridge(ipcRenderer));
