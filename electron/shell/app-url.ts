// Which URLs are "the app": the Vite dev server origin in development, or the
// packaged renderer directory (file://) in production. Everything else is
// foreign: navigation to it is blocked and IPC from it is refused.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type UrlMatcher = (url: string) => boolean;

export function appUrlMatcher(appUrl: string): UrlMatcher {
  const base = new URL(appUrl);
  if (base.protocol === 'http:' || base.protocol === 'https:') {
    return (url) => {
      try {
        return new URL(url).origin === base.origin;
      } catch {
        return false;
      }
    };
  }
  if (base.protocol === 'file:') {
    // Same directory tree as index.html; compare normalized paths so
    // file:///app/renderer/../../etc/passwd does not pass as a prefix.
    const dir = path.posix.dirname(decodeURIComponent(base.pathname)) + '/';
    return (url) => {
      try {
        const u = new URL(url);
        if (u.protocol !== 'file:' || (u.host !== '' && u.host !== base.host)) return false;
        const p = path.posix.normalize(decodeURIComponent(u.pathname));
        return p.startsWith(dir);
      } catch {
        return false;
      }
    };
  }
  throw new Error(`unsupported app URL ${appUrl}`);
}

/** The URL the main window loads: the dev server, or index.html of the packaged renderer. */
export function rendererUrl(opts: { devServerUrl?: string; rendererDir: string }): string {
  if (opts.devServerUrl) return opts.devServerUrl;
  return pathToFileURL(path.join(opts.rendererDir, 'index.html')).href;
}
