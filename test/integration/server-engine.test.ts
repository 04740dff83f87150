// Web mode against the real engine and the real Docker engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../electron/server/index.js';

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-srv-int-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>lblab</title>');
  server = await startServer({ port: 0, staticDir: dir, log: () => undefined }); // api: the real createLabEngine()
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, args: unknown[]) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.token}` };
  const r = await fetch(`${server.base}api/invoke`, { method: 'POST', headers, body: JSON.stringify({ method, args }) });
  return { status: r.status, body: (await r.json()) as { result?: any; error?: string } };
}

it('info() over HTTP reports web mode and an available Docker engine', async () => {
  const { status, body } = await call('info', []);
  expect(status).toBe(200);
  expect(body.result.shell).toBe('web');
  expect(body.result.docker).toMatchObject({ available: true });
  expect(body.result.docker.version).toMatch(/^\d+\./);
});

it('listLabs() answers, and status() of an unknown lab is a one-line 4xx', async () => {
  const labs = await call('listLabs', []);
  expect(labs.status).toBe(200);
  expect(Array.isArray(labs.body.result)).toBe(true);
  const st = await call('status', ['no-such-lab']);
  // "absent" is a valid answer too; an error must be one line and not a 500 stack dump
  if (st.status !== 200) {
    expect(st.status).toBeGreaterThanOrEqual(400);
    expect(st.body.error).not.toContain('\n');
  } else {
    expect(st.body.result.state).toBe('absent');
  }
});

it('accepts a WebSocket on /api/events', async () => {
  const ws = new WebSocket(`${server.base.replace('http', 'ws')}api/events`, { headers: { authorization: `Bearer ${server.token}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.close();
});
