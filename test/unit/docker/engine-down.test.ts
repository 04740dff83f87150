// A failure to reach the engine in the middle of an operation: the local
// "start Docker" hint only when the engine is this machine's default one; a
// remote engine (tcp://, ssh://) is named with the reason instead. The
// failures are real: connections to a closed loopback port and a missing socket.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { docker, engineDownWords, useEngine } from '../../../electron/engine/docker/client';
import { HOW_TO_START_DOCKER, toApiError } from '../../../electron/engine/errors';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('it answered'); }, (e: unknown) => e);

afterEach(() => {
  useEngine(undefined);
  vi.unstubAllEnvs();
});

describe('an engine that stops answering', () => {
  it('a remote tcp:// engine: named, refused, no local hint', async () => {
    const port = await closedPort();
    useEngine(`tcp://127.0.0.1:${port}`);
    const e = await failure(docker().ping());
    const msg = toApiError(e, engineDownWords).message;
    expect(msg).toBe(`the Docker engine tcp://127.0.0.1:${port} refused the connection (is dockerd listening there?)`);
    expect(msg).not.toContain('start it');
    // without the engine's words, the local hint (what every remote failure used to say)
    expect(toApiError(e).message).toBe(HOW_TO_START_DOCKER);
  });

  it('a remote ssh:// engine: named, refused, no local hint', async () => {
    const port = await closedPort();
    vi.stubEnv('HOME', fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-engine-down-')));
    useEngine(`ssh://me@127.0.0.1:${port}`);
    const e = await failure(docker().ping());
    expect(toApiError(e, engineDownWords).message).toBe(`the Docker engine ssh://me@127.0.0.1:${port} refused the connection (is dockerd listening there?)`);
  });

  it('this machine\'s default engine: the hint to start Docker', async () => {
    const cfg = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-engine-down-'));
    vi.stubEnv('DOCKER_CONFIG', cfg);
    vi.stubEnv('DOCKER_HOST', '');
    vi.stubEnv('DOCKER_CONTEXT', '');
    useEngine(undefined);
    const e = await failure(new Promise((resolve, reject) => net.connect(path.join(cfg, 'docker.sock')).on('connect', resolve).on('error', reject)));
    expect(toApiError(e, engineDownWords).message).toBe(HOW_TO_START_DOCKER);
  });
});
