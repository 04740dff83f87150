// Navigation, new-window, webview and permission guards, and the CSP header.
// Applied to every webContents the app creates (app 'web-contents-created'),
// so a window or devtools page created later cannot slip through.
import { contentSecurityPolicy } from '../common/csp.js';
import type { UrlMatcher } from './app-url.js';

/** Electron >= 25 puts the target on the event (`url` argument deprecated). */
export interface NavEvent { preventDefault(): void; url?: string }
export interface WebContentsLike {
  on(event: 'will-navigate' | 'will-frame-navigate', listener: (e: NavEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (e: NavEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
}
export interface SessionLike {
  setPermissionRequestHandler(handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
  setPermissionCheckHandler(handler: ((wc: unknown, permission: string) => boolean) | null): void;
  webRequest: {
    onHeadersReceived(
      listener: (details: { url: string; responseHeaders?: Record<string, string[] | string> }, callback: (r: { responseHeaders: Record<string, string[] | string> }) => void) => void,
    ): void;
  };
}

/** Only https links leave the app, and only to the system browser. */
export function openExternalIfSafe(url: string, openExternal: (url: string) => Promise<void>): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:') return false;
  void openExternal(u.href).catch(() => undefined);
  return true;
}

export function guardWebContents(contents: WebContentsLike, isApp: UrlMatcher, openExternal: (url: string) => Promise<void>): void {
  contents.on('will-navigate', (e, url) => {
    const target = e.url ?? url;
    if (isApp(target)) return;
    e.preventDefault();
    openExternalIfSafe(target, openExternal);
  });
  // iframes (should the UI ever have one) may not wander off either; no external open for them
  contents.on('will-frame-navigate', (e, url) => {
    if (!isApp(e.url ?? url)) e.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfSafe(url, openExternal);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

export function guardSession(session: SessionLike, opts: { dev: boolean }): string {
  // Camera, notifications, geolocation, HID, …: a lab UI needs none of them.
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  const csp = contentSecurityPolicy({ dev: opts.dev });
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[] | string> = {};
    // Drop any CSP the server sent (e.g. the dev server's) and set ours.
    for (const [k, v] of Object.entries(details.responseHeaders ?? {})) if (k.toLowerCase() !== 'content-security-policy') headers[k] = v;
    headers['Content-Security-Policy'] = [csp];
    headers['X-Content-Type-Options'] = ['nosniff'];
    callback({ responseHeaders: headers });
  });
  return csp;
}
