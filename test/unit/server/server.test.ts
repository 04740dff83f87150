import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../electron/server/index.js';
import { resolveInside } from '../../../electron/server/static.js';
import { API_METHODS } from '../../../electron/api.js';
import { fakeApi, SAMPLE_ARGS, type FakeApi } from './fake-api.js';
import { invoke, raw, TEST_TOKEN } from './http-helpers.js';

let dir: string;
let secretDir: string;
let server: RunningServer;
let api: FakeApi;

beforeAll(async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-srv-'));
  dir = path.join(base, 'web');
  secretDir = base;
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>lblab</title><div id="root"></div>');
  fs.writeFileSync(path.join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'assets', 'app-1234.css'), 'body{}');
  fs.writeFileSync(path.join(base, 'secret.txt'), 'TOP SECRET');
  api = fakeApi();
  server = await startServer({ port: 0, api, staticDir: dir, log: () => undefined, token: TEST_TOKEN });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(secretDir, { recursive: true, force: true });
});

describe('startServer: /api/invoke', () => {
  it('listens on 127.0.0.1 and reports its URL, token included', () => {
    expect(server.base).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TEST_TOKEN}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('dispatches a call and returns {result}', async () => {
    const r = await invoke(server.port, 'listLabs', []);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ result: [{ name: 'demo', nodes: 3, running: 3 }] });
  });

  it('reports shell "web" from info()', async () => {
    const r = await invoke(server.port, 'info', []);
    expect(JSON.parse(r.body).result).toMatchObject({ shell: 'web', docker: { available: true } });
  });

  it('reports shell "web" in the info a switch of engine answers with', async () => {
    const r = await invoke(server.port, 'useEngine', ['default']);
    expect(JSON.parse(r.body).result).toMatchObject({ shell: 'web' });
  });

  it('reaches every LabApi method with valid arguments', async () => {
    const sample = SAMPLE_ARGS;
    expect(Object.keys(sample).sort()).toEqual([...API_METHODS].sort());
    for (const m of API_METHODS) {
      api.calls.length = 0;
      const r = await invoke(server.port, m, sample[m]);
      expect(api.calls.map((c) => c.method), `${m} -> ${r.status} ${r.body}`).toEqual([m]);
    }
  });

  it('maps bad arguments to 400 with one line, without calling the api', async () => {
    api.calls.length = 0;
    const r = await invoke(server.port, 'setMode', ['lab', 'web', 'teleport']);
    expect(r.status).toBe(400);
    const { error } = JSON.parse(r.body);
    expect(error).toMatch(/^setMode: bad argument 2/);
    expect(error).not.toContain('\n');
    expect(api.calls).toEqual([]);
  });

  it('rejects unknown methods and prototype keys with 400', async () => {
    for (const m of ['rmrf', '__proto__', 'constructor', 'subscribe', 'close']) {
      const r = await invoke(server.port, m, []);
      expect(r.status, m).toBe(400);
      expect(JSON.parse(r.body).error).toContain('unknown API method');
    }
  });

  it('maps ApiError codes to 404 / 409 and other errors to 500 without a stack', async () => {
    expect((await invoke(server.port, 'status', ['missing'])).status).toBe(404);
    expect((await invoke(server.port, 'deploy', [{ name: 'x', networks: {}, nodes: {} }])).status).toBe(409);
    const r = await invoke(server.port, 'destroy', ['a']);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ error: 'docker exploded' });
  });

  it('returns {result: null} for void methods', async () => {
    const r = await invoke(server.port, 'terminalInput', ['t1', 'x']);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ result: null });
  });

  it('rejects malformed bodies, wrong content type, wrong verb and oversize bodies', async () => {
    const bad = await raw(server.port, { method: 'POST', path: '/api/invoke', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/not valid JSON/);
    const form = await raw(server.port, { method: 'POST', path: '/api/invoke', headers: { 'content-type': 'text/plain' }, body: '{"method":"info","args":[]}' });
    expect(form.status).toBe(415);
    expect((await raw(server.port, { path: '/api/invoke' })).status).toBe(405);
    const big = await invoke(server.port, 'parseLab', ['x'.repeat(5 * 1024 * 1024)]).catch((e: Error) => ({ status: -1, body: e.message }));
    // Either we answer 413 or the socket is cut mid-upload; never 200.
    expect([413, -1]).toContain(big.status);
  });
});

describe('startServer: Host and Origin checks', () => {
  it('refuses a foreign Host header (DNS rebinding) with 403', async () => {
    const r = await invoke(server.port, 'info', [], { host: `evil.example:${server.port}` });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error).toMatch(/Host header/);
    const s = await raw(server.port, { path: '/', headers: { host: 'evil.example' } });
    expect(s.status).toBe(403);
  });

  it('accepts localhost:<port> and our own Origin', async () => {
    const r = await invoke(server.port, 'info', [], { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` });
    expect(r.status).toBe(200);
    const r2 = await invoke(server.port, 'info', [], { origin: `http://127.0.0.1:${server.port}` });
    expect(r2.status).toBe(200);
  });

  it('refuses a cross-site Origin (CSRF) with 403 and does not call the api', async () => {
    api.calls.length = 0;
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`]) {
      const r = await invoke(server.port, 'destroy', ['a'], { origin });
      expect(r.status, origin).toBe(403);
    }
    expect(api.calls).toEqual([]);
  });

  it('sets security headers', async () => {
    const r = await raw(server.port, { path: '/' });
    expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(r.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });
});

describe('startServer: static files', () => {
  it('serves index.html, assets with content types, and the SPA fallback', async () => {
    const index = await raw(server.port, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('<title>lblab</title>');
    const js = await raw(server.port, { path: '/assets/app-1234.js' });
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    const css = await raw(server.port, { path: '/assets/app-1234.css' });
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const route = await raw(server.port, { path: '/labs/dsr-basic' });
    expect(route.status).toBe(200);
    expect(route.body).toContain('<title>lblab</title>');
    expect((await raw(server.port, { path: '/assets/missing.js' })).status).toBe(404);
    expect((await raw(server.port, { path: '/api/nothing' })).status).toBe(404);
  });

  it('blocks directory traversal, raw and encoded', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%5csecret.txt', '/%00', '/%E0%A4%A']) {
      const r = await raw(server.port, { path: p });
      expect(r.body, p).not.toContain('TOP SECRET');
      expect(r.status, p).not.toBe(500);
    }
  });

  it('resolveInside keeps paths inside the root', () => {
    expect(resolveInside('/srv/web', '/a/b.js')).toBe(path.resolve('/srv/web/a/b.js'));
    expect(resolveInside('/srv/web', '/..%2f..%2fetc/passwd')).toBe(path.resolve('/srv/web/etc/passwd'));
    expect(resolveInside('/srv/web', '/%E0%A4%A')).toBeNull();
    expect(resolveInside('/srv/web', '/a%00b')).toBeNull();
  });
});

describe('startServer: /api/events WebSocket', () => {
  function connect(headers: Record<string, string> = {}, origin?: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers: { authorization: `Bearer ${TEST_TOKEN}`, ...headers }, origin });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  it('delivers every event to every client as one JSON message', async () => {
    const a = await connect({}, `http://127.0.0.1:${server.port}`);
    const b = await connect();
    const got = (ws: WebSocket, n: number) =>
      new Promise<unknown[]>((resolve) => {
        const out: unknown[] = [];
        ws.on('message', (d) => {
          out.push(JSON.parse(d.toString()));
          if (out.length === n) resolve(out);
        });
      });
    const pa = got(a, 2);
    const pb = got(b, 2);
    api.emit({ type: 'progress', lab: 'demo', step: 'create network front', done: 1, total: 5 });
    api.emit({ type: 'log', level: 'info', message: 'hello' });
    const expected = [
      { type: 'progress', lab: 'demo', step: 'create network front', done: 1, total: 5 },
      { type: 'log', level: 'info', message: 'hello' },
    ];
    expect(await pa).toEqual(expected);
    expect(await pb).toEqual(expected);
    a.close();
    b.close();
  });

  it('refuses a cross-site WebSocket (hijacking) and a foreign Host', async () => {
    await expect(connect({}, 'https://evil.example')).rejects.toThrow('HTTP 403');
    await expect(connect({ host: 'evil.example' })).rejects.toThrow('HTTP 403');
  });
});

describe('startServer: trusted dev-server origin', () => {
  it('trusts a loopback dev server (Origin and proxied Host) only when configured', async () => {
    const s = await startServer({ port: 0, api: fakeApi(), staticDir: dir, allowedOrigins: ['http://localhost:5173'], token: TEST_TOKEN });
    try {
      const ok = await invoke(s.port, 'info', [], { host: 'localhost:5173', origin: 'http://localhost:5173' });
      expect(ok.status).toBe(200);
      expect((await invoke(s.port, 'info', [], { origin: 'http://localhost:5174' })).status).toBe(403);
    } finally {
      await s.close();
    }
    expect((await invoke(server.port, 'info', [], { origin: 'http://localhost:5173' })).status).toBe(403);
  });

  it('refuses to trust a non-loopback origin', async () => {
    await expect(startServer({ port: 0, api: fakeApi(), staticDir: dir, allowedOrigins: ['https://evil.example'] })).rejects.toThrow(/only http:\/\/localhost:PORT/);
  });
});

describe('startServer: lifecycle', () => {
  it('refuses a non-loopback host', async () => {
    await expect(startServer({ host: '0.0.0.0', port: 0, api: fakeApi(), staticDir: dir })).rejects.toThrow(/loopback only/);
  });

  it('explains a busy port in one line and leaves no subscription behind', async () => {
    const other = fakeApi();
    await expect(startServer({ port: server.port, api: other, staticDir: dir })).rejects.toThrow(/already in use/);
    expect(other.listeners.size).toBe(0);
  });

  it('subscribes to the engine while a client listens; close() unsubscribes and frees the port; an injected api is not closed', async () => {
    const a = fakeApi();
    const s = await startServer({ port: 0, api: a, staticDir: dir, token: TEST_TOKEN });
    expect(a.listeners.size).toBe(0);
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/events`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const w1 = await open();
    const w2 = await open();
    expect(a.listeners.size).toBe(1);
    w1.close();
    await new Promise((r) => w1.once('close', r));
    // not a barrier: the window in which the server, wrongly, could let the engine go with a browser left
    await new Promise((r) => setTimeout(r, 50));
    expect(a.listeners.size).toBe(1); // one browser still listens
    w2.close();
    await new Promise((r) => w2.once('close', r));
    await vi.waitFor(() => expect(a.listeners.size).toBe(0)); // the last browser left: the engine sees it
    await open();
    expect(a.listeners.size).toBe(1);
    await s.close();
    expect(a.listeners.size).toBe(0);
    expect(a.closed).toBe(false);
    await expect(raw(s.port, { path: '/' })).rejects.toThrow();
  });
});
