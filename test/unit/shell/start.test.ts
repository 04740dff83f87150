// `npm start` without a display / without an Electron binary falls back to web
// mode: one line saying why, then the URL; the UI is really served.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const children: ChildProcess[] = [];

function start(env: NodeJS.ProcessEnv, args: string[] = ['--port', '0']) {
  const child = spawn(process.execPath, ['scripts/start.mjs', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /web UI at (http:\/\/127\.0\.0\.1:\d+\/\S*)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`start.mjs exited ${code}: ${out}${err}`)));
  });
  url.catch(() => undefined); // tests that expect an exit never await the URL
  return { child, url, output: () => out, errors: () => err };
}

function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  delete env.LBLAB_WEB;
  return env;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('scripts/start.mjs', () => {
  it('without a display: says why in one line, serves the UI, stops cleanly on SIGTERM', async () => {
    const s = start(baseEnv());
    const url = await s.url;
    const lines = s.output().trim().split('\n');
    expect(lines[0]).toBe('lblab: no display (DISPLAY and WAYLAND_DISPLAY are unset) — starting web mode');
    expect(lines.at(-1)).toBe(`lblab: web UI at ${url}`);
    const { origin, searchParams } = new URL(url);
    const token = searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await fetch(url); // the token becomes a cookie, then a redirect to / (fetch drops the cookie)
    expect(page.redirected).toBe(true);
    const index = await fetch(`${origin}/`, { headers: { authorization: `Bearer ${token}` } });
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>lblab</title>');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const info = await fetch(`${origin}/api/invoke`, { method: 'POST', headers, body: '{"method":"info","args":[]}' });
    expect((await info.json()).result.shell).toBe('web');
    const exited = new Promise<number | null>((r) => s.child.on('exit', (code) => r(code)));
    s.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(s.errors()).not.toMatch(/\bat .*:\d+:\d+/); // no stack trace
  }, 180_000);

  it('with a display but no Electron binary: falls back to web mode, one line', async () => {
    const env = { ...baseEnv(), DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: path.join(root, 'no-such-electron-dir') };
    const s = start(env);
    await s.url;
    expect(s.output().split('\n')[0]).toMatch(/^lblab: ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at .* — starting web mode$/);
  }, 180_000);

  it('reports a bad port in one line and exits non-zero', async () => {
    const s = start(baseEnv(), ['--port', 'eighty']);
    const code = await new Promise<number | null>((r) => s.child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(s.errors().trim()).toBe('lblab: --port eighty: not a port number');
  }, 60_000);
});
