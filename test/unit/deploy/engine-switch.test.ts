// Switching the Docker engine the app drives: a stand-in engine on a unix
// socket in a temporary folder (no Docker) answers /version and /info; a
// deploy still checking Docker holds the engine, an engine that does not
// answer and an unknown context are refused, and the previous engine stays.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabEngine, selectEngine } from '../../../electron/engine/lab-engine';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-switch-'));
const sock = path.join(dir, 'docker.sock');
const address = `unix://${sock}`;
/** /version answers held back while set: a deploy is then still checking Docker */
let hold: ((res: http.ServerResponse) => void) | undefined;
const held: http.ServerResponse[] = [];
const server = http.createServer((req, res) => {
  if (hold && req.url?.includes('/version')) return hold(res);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ Version: '27.0-stand-in', ServerVersion: '27.0-stand-in', OSType: 'linux', KernelVersion: '6.8.0', NCPU: 2, ApiVersion: '1.46' }));
});
const engine = createLabEngine();

beforeAll(() => new Promise<void>((r) => server.listen(sock, r)));
afterAll(async () => {
  selectEngine(undefined);
  await engine.close();
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('switching the engine', () => {
  it('switches to an engine that answers and names it in the info', async () => {
    const before = await engine.info();
    expect(before.engine?.name).toBeTruthy();
    const after = await engine.useEngine(address);
    expect(after.engine).toEqual({ name: address, host: address });
    expect(after.docker).toMatchObject({ available: true, version: '27.0-stand-in' });
    expect((await engine.info()).engine?.name).toBe(address);
  });

  it('refuses an engine that does not answer, in one line, and keeps the one driven', async () => {
    const err = await engine.useEngine('unix:///nonexistent.sock').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ApiError', code: 'engine' });
    expect((err as Error).message).toMatch(/^not switched to unix:\/\/\/nonexistent\.sock: .*no socket there/);
    expect((err as Error).message).not.toContain('\n');
    expect((await engine.info()).engine?.name).toBe(address);
  });

  it('refuses an unknown context as not-found', async () => {
    await expect(engine.useEngine('no-such-context-here')).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('no Docker context named no-such-context-here') });
    expect((await engine.info()).engine?.name).toBe(address);
  });

  it('refuses to switch while a deploy runs, and switches once it has ended', async () => {
    hold = (res) => held.push(res);
    const deploy = engine.up({ name: 'held', networks: {}, nodes: {} }).catch((e: unknown) => e);
    await expect.poll(() => held.length).toBe(1);
    const err = await engine.useEngine('default').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ApiError', code: 'conflict' });
    expect((err as Error).message).toBe(`not switched to default: a deploy, a removal or a mode change is running on ${address}; wait for it to end`);
    // the engine fails the held check: the deploy ends, and the engine is free again
    hold = undefined;
    for (const res of held) res.writeHead(500).end('{"message":"stand-in engine went away"}');
    expect(await deploy).toMatchObject({ name: 'ApiError', code: 'engine' });
    expect((await engine.info()).engine?.name).toBe(address);
    // free again: what refuses now is the engine asked for, not the deploy
    await expect(engine.useEngine('unix:///nonexistent.sock')).rejects.toMatchObject({ code: 'engine' });
    expect((await engine.useEngine(address)).engine?.name).toBe(address);
  });

  it('is validated like every call from an untrusted side', async () => {
    const { dispatch } = await import('../../../electron/api');
    await expect(dispatch(engine, 'useEngine', [''])).rejects.toMatchObject({ code: 'bad-request' });
    await expect(dispatch(engine, 'useEngine', [42])).rejects.toMatchObject({ code: 'bad-request' });
  });
});
