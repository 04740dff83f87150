import { describe, expect, it } from 'vitest';
import { appUrlMatcher, rendererUrl } from '../../../electron/shell/app-url.js';

describe('appUrlMatcher', () => {
  it('dev server: same origin only', () => {
    const is = appUrlMatcher('http://localhost:5173/');
    expect(is('http://localhost:5173/#/lab')).toBe(true);
    expect(is('http://localhost:5174/')).toBe(false);
    expect(is('http://127.0.0.1:5173/')).toBe(false);
    expect(is('https://localhost:5173/')).toBe(false);
    expect(is('http://localhost:5173@evil.example/')).toBe(false);
    expect(is('not a url')).toBe(false);
  });

  it('packaged: files under the renderer directory only', () => {
    const is = appUrlMatcher('file:///opt/lblab/app.asar/.vite/renderer/main_window/index.html');
    expect(is('file:///opt/lblab/app.asar/.vite/renderer/main_window/index.html#/x')).toBe(true);
    expect(is('file:///opt/lblab/app.asar/.vite/renderer/main_window/assets/a.js')).toBe(true);
    expect(is('file:///opt/lblab/app.asar/.vite/renderer/main_window/../../../../etc/passwd')).toBe(false);
    expect(is('file:///opt/lblab/app.asar/.vite/renderer/main_window/%2e%2e/%2e%2e/x')).toBe(false);
    expect(is('file:///opt/lblab/app.asar/.vite/renderer/main_window_evil/index.html')).toBe(false);
    expect(is('file:///etc/passwd')).toBe(false);
    expect(is('file://attacker-host/opt/lblab/app.asar/.vite/renderer/main_window/index.html')).toBe(false);
    expect(is('https://evil.example/')).toBe(false);
  });

  it('rendererUrl prefers the dev server', () => {
    expect(rendererUrl({ devServerUrl: 'http://localhost:5173', rendererDir: '/x' })).toBe('http://localhost:5173');
    expect(rendererUrl({ rendererDir: '/opt/a b/r' })).toBe('file:///opt/a%20b/r/index.html');
    expect(appUrlMatcher(rendererUrl({ rendererDir: '/opt/a b/r' }))('file:///opt/a%20b/r/index.html')).toBe(true);
  });
});
