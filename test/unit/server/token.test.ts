// Web mode's token: any local process can reach 127.0.0.1 and sends no Origin,
// so the Host/Origin gate alone does not stop it. Without the per-start token
// (cookie or Authorization: Bearer) the API and the event WebSocket answer 401.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../electron/server/index.js';
import { cookieName, newToken, tokenMatches } from '../../../electron/server/token.js';
import { fakeApi, type FakeApi } from './fake-api.js';
import { invoke, raw } from './http-helpers.js';

let dir: string;
let server: RunningServer;
let api: FakeApi;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-token-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>lblab</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'console.log(1)');
  api = fakeApi();
  server = await startServer({ port: 0, api, staticDir: dir, log: () => undefined }); // a token of its own
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const cookie = (token: string) => ({ cookie: `other=1; ${cookieName(server.port)}=${token}` });

describe('web mode token: HTTP', () => {
  it('is random per start and printed in the URL', async () => {
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.url).toBe(`${server.base}?token=${server.token}`);
    const other = await startServer({ port: 0, api: fakeApi(), staticDir: dir, log: () => undefined });
    try {
      expect(other.token).not.toBe(server.token);
    } finally {
      await other.close();
    }
  });

  it('refuses API calls without a valid token with 401, without calling the api', async () => {
    api.calls.length = 0;
    const none = await invoke(server.port, 'listLabs', [], {}, null);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error).toMatch(/^unauthorized/);
    expect((await invoke(server.port, 'listLabs', [], {}, `${server.token}x`)).status).toBe(401);
    expect((await invoke(server.port, 'listLabs', [], {}, '')).status).toBe(401);
    expect((await invoke(server.port, 'listLabs', [], cookie('nope'), null)).status).toBe(401);
    expect((await raw(server.port, { path: '/api/nothing', token: null })).status).toBe(401);
    expect(api.calls).toEqual([]);
  });

  it('answers 200 with the token as a Bearer header or as the cookie', async () => {
    const bearer = await invoke(server.port, 'listLabs', [], {}, server.token);
    expect(bearer.status).toBe(200);
    expect(JSON.parse(bearer.body).result).toEqual([{ name: 'demo', nodes: 3, running: 3 }]);
    expect((await invoke(server.port, 'listLabs', [], cookie(server.token), null)).status).toBe(200);
  });

  it('the printed URL sets an HttpOnly SameSite=Strict cookie and redirects to the URL without the token', async () => {
    const r = await raw(server.port, { path: `/?token=${server.token}`, token: null });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const set = String(r.headers['set-cookie']);
    expect(set).toContain(`${cookieName(server.port)}=${server.token}`);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    const value = set.split(';')[0];
    expect((await invoke(server.port, 'info', [], { cookie: value }, null)).status).toBe(200);
    // other query parameters and the path survive the redirect
    const deep = await raw(server.port, { path: `/labs/x?a=1&token=${server.token}`, token: null });
    expect(deep.headers.location).toBe('/labs/x?a=1');
  });

  it('a wrong token in the URL gets 401 and no cookie', async () => {
    const r = await raw(server.port, { path: '/?token=guess', token: null });
    expect(r.status).toBe(401);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('the page needs the token, its assets do not', async () => {
    expect((await raw(server.port, { path: '/', token: null })).status).toBe(401);
    expect((await raw(server.port, { path: '/', headers: cookie(server.token), token: null })).status).toBe(200);
    expect((await raw(server.port, { path: '/assets/app-1.js', token: null })).status).toBe(200);
  });
});

describe('web mode token: WebSocket', () => {
  function connect(headers: Record<string, string>): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  it('refuses the upgrade without a valid token with 401', async () => {
    await expect(connect({})).rejects.toThrow('HTTP 401');
    await expect(connect({ authorization: 'Bearer wrong' })).rejects.toThrow('HTTP 401');
    await expect(connect(cookie('wrong'))).rejects.toThrow('HTTP 401');
  });

  it('opens with the token as the cookie or a Bearer header, and delivers events', async () => {
    const a = await connect(cookie(server.token));
    const b = await connect({ authorization: `Bearer ${server.token}` });
    const got = new Promise((resolve) => a.once('message', (d) => resolve(JSON.parse(d.toString()))));
    api.emit({ type: 'log', level: 'info', message: 'hi' });
    expect(await got).toEqual({ type: 'log', level: 'info', message: 'hi' });
    a.close();
    b.close();
  });
});

describe('tokenMatches', () => {
  it('is right for equal, different, shorter, longer and missing candidates', () => {
    const t = newToken();
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t, `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(tokenMatches(t, t.slice(0, 10))).toBe(false);
    expect(tokenMatches(t, `${t}x`)).toBe(false);
    expect(tokenMatches(t, undefined)).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
  });

  it('compares in constant time: timingSafeEqual on equal-length digests, whatever the candidate length', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    try {
      const t = newToken();
      for (const c of [t, 'x', `${t}${t}`, '']) tokenMatches(t, c);
      expect(spy).toHaveBeenCalledTimes(4);
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('the server checks tokens through it', async () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    try {
      await invoke(server.port, 'info', [], {}, server.token);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
