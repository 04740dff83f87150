// The ssh transport against a real ssh server (ssh2's, in this process, on
// loopback) whose `docker system dial-stdio` reaches a small HTTP server
// standing in for dockerd: requests share few ssh connections, sshd's
// MaxSessions is respected, a closed connection is replaced, an idle one
// closes and never keeps the process alive, hijacked streams work, and a host
// key known_hosts does not hold is refused in one line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { Server, utils, type Connection, type ParsedKey } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engineFailure } from '../../../electron/engine/docker/client';
import type { EngineTarget } from '../../../electron/engine/docker/engine-target';
import { SshAgent } from '../../../electron/engine/docker/ssh-agent';
import { dockerOptions } from '../../../electron/engine/docker/transport';

const ROOT = path.resolve(__dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-ssh-agent-'));
const home = path.join(dir, 'home');
const dockerdSock = path.join(dir, 'dockerd.sock');
const hostKey = utils.generateKeyPairSync('ed25519');
const userKey = utils.generateKeyPairSync('ed25519');
const userPub = utils.parseKey(userKey.public) as ParsedKey;

/** What the ssh server saw. */
const seen = { connections: 0, open: new Set<Connection>(), channels: new Map<Connection, number>(), maxPerConnection: 0, refused: 0 };
let maxSessions = 10; // sshd's default
let noDocker = false; // the remote host has no docker CLI
let port = 0;

// the engine: /_ping answers OK; an upgrade (hijacked exec) echoes what it is sent
const engine = http.createServer((req, res) => {
  if (req.url?.endsWith('/_ping')) res.end('OK');
  else res.writeHead(404).end('{"message":"no such thing"}');
});
engine.on('upgrade', (_req, sock: net.Socket) => {
  sock.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  sock.pipe(sock);
});

const ssh = new Server({ hostKeys: [hostKey.private] }, (client) => {
  seen.connections++;
  seen.open.add(client);
  seen.channels.set(client, 0);
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || !ctx.key.data.equals(userPub.getPublicSSH())) return ctx.reject(['publickey']);
    if (!ctx.signature || !ctx.blob) return ctx.accept(); // the key is acceptable: the client signs next
    return userPub.verify(ctx.blob, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject();
  });
  client.on('session', (accept, reject) => {
    // MaxSessions: sshd refuses a channel beyond it
    const n = seen.channels.get(client)!;
    if (n >= maxSessions) {
      seen.refused++;
      return reject();
    }
    seen.channels.set(client, n + 1);
    seen.maxPerConnection = Math.max(seen.maxPerConnection, n + 1);
    const session = accept();
    session.on('exec', (acceptExec, rejectExec, info) => {
      if (info.command !== 'docker system dial-stdio') return rejectExec();
      const ch = acceptExec();
      if (noDocker) {
        ch.stderr.write('bash: line 1: docker: command not found\n');
        ch.exit(127);
        return ch.end();
      }
      ch.once('close', () => seen.channels.set(client, seen.channels.get(client)! - 1));
      const up = net.connect(dockerdSock);
      ch.pipe(up).pipe(ch);
      up.on('close', () => ch.close());
      ch.on('close', () => up.destroy());
    });
  });
  client.on('error', () => undefined);
  client.on('close', () => seen.open.delete(client));
});

const target = (): EngineTarget => ({ name: 'test', host: `ssh://tester@127.0.0.1:${port}`, transport: 'ssh', source: 'option' });
const env = () => ({ HOME: home, SSH_AUTH_SOCK: undefined });
const clients: Docker[] = [];
function client(idleMs?: number): { docker: Docker; agent: SshAgent } {
  const o = dockerOptions(target(), env(), 5_000) as Docker.DockerOptions & { agent: SshAgent };
  if (idleMs !== undefined) o.agent = new SshAgent({ ...o.agent.opts, idleMs });
  const docker = new Docker(o);
  clients.push(docker);
  return { docker, agent: o.agent };
}
const until = async (ok: () => boolean, ms = 5_000) => {
  const t = Date.now() + ms;
  while (!ok() && Date.now() < t) await new Promise((r) => setTimeout(r, 20));
};

beforeAll(async () => {
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.writeFileSync(path.join(home, '.ssh/id_ed25519'), userKey.private);
  await new Promise<void>((r) => engine.listen(dockerdSock, r));
  await new Promise<void>((r) => ssh.listen(0, '127.0.0.1', r));
  port = (ssh.address() as net.AddressInfo).port;
  fs.writeFileSync(path.join(home, '.ssh/known_hosts'), `[127.0.0.1]:${port} ${hostKey.public.trim().split(' ').slice(0, 2).join(' ')}\n`);
});

afterEach(() => {
  for (const c of clients.splice(0)) (c.modem as unknown as { agent: SshAgent }).agent.destroy();
  maxSessions = 10;
  noDocker = false;
});

afterAll(async () => {
  for (const c of seen.open) c.end();
  await new Promise((r) => ssh.close(r));
  await new Promise((r) => engine.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ssh transport: one ssh connection for many requests', () => {
  it('20 requests one after another: one ssh connection', async () => {
    const before = seen.connections;
    const { docker, agent } = client();
    for (let i = 0; i < 20; i++) expect(String(await docker.ping())).toBe('OK');
    expect(seen.connections - before).toBe(1);
    expect(agent.connections).toBe(1);
  });

  it('30 requests at once: within sshd\'s 10 channels per connection, on a few connections', async () => {
    const before = seen.connections;
    seen.maxPerConnection = 0;
    const { docker } = client();
    const answers = await Promise.all(Array.from({ length: 30 }, () => docker.ping()));
    expect(answers.map(String)).toEqual(Array(30).fill('OK'));
    expect(seen.maxPerConnection).toBeLessThanOrEqual(8);
    expect(seen.connections - before).toBeGreaterThanOrEqual(4); // 30 / 8
    expect(seen.connections - before).toBeLessThanOrEqual(5);
  });

  it('a server with fewer sessions than 8: refused channels go to another connection', async () => {
    maxSessions = 3;
    const refusedBefore = seen.refused;
    const { docker } = client();
    const answers = await Promise.all(Array.from({ length: 12 }, () => docker.ping()));
    expect(answers.map(String)).toEqual(Array(12).fill('OK'));
    expect(seen.refused).toBeGreaterThan(refusedBefore); // the limit was hit, and lived with
  });

  it('a connection the server closes is replaced on the next request', async () => {
    const { docker, agent } = client();
    await docker.ping();
    const before = seen.connections;
    for (const c of seen.open) c.end();
    await until(() => agent.connections === 0);
    expect(agent.connections).toBe(0);
    expect(String(await docker.ping())).toBe('OK');
    expect(seen.connections - before).toBe(1);
  });

  it('an idle connection closes after the idle time', async () => {
    const { docker, agent } = client(300);
    await docker.ping();
    expect(agent.connections).toBe(1);
    await until(() => agent.connections === 0, 3_000);
    expect(agent.connections).toBe(0);
  });

  it('a hijacked stream (exec start with hijack) carries bytes both ways', async () => {
    const { docker } = client();
    const stream = (await docker.getExec('x').start({ hijack: true, stdin: true })) as unknown as NodeJS.ReadWriteStream & { end(): void; destroy(): void };
    const echoed = new Promise<string>((r) => {
      let got = '';
      stream.on('data', (b: Buffer) => {
        got += b.toString();
        if (got.includes('hello')) r(got);
      });
    });
    stream.write('hello');
    expect(await echoed).toContain('hello');
    stream.destroy();
  });

  it('a host key known_hosts does not hold is refused, in one line', async () => {
    const known = path.join(home, '.ssh/known_hosts');
    const saved = fs.readFileSync(known, 'utf8');
    fs.writeFileSync(known, '');
    try {
      const { docker } = client();
      const err = await docker.ping().then(() => undefined, (e: unknown) => e);
      expect(err).toBeDefined();
      expect(engineFailure(target(), err)).toMatch(/^the ssh host key of \[127\.0\.0\.1\]:\d+ is not in \S+known_hosts: connect once with `ssh -p \d+ tester@127\.0\.0\.1` to check and accept it$/);
    } finally {
      fs.writeFileSync(known, saved);
    }
  });

  it('a remote host without the docker CLI: its words, in one line', async () => {
    noDocker = true;
    const { docker } = client();
    const err = await docker.ping().then(() => undefined, (e: unknown) => e);
    expect((err as Error)?.message).toMatch(/dial-stdio.*exit 127.*docker: command not found/);
    expect(engineFailure(target(), err)).toBe('the Docker engine test (ssh://tester@127.0.0.1:' + port + '): the remote host has no docker CLI to run `docker system dial-stdio`');
  });

  it('a process that used the engine exits at once, not after the idle time', async () => {
    const script = [
      "import Docker from 'dockerode';",
      "import { dockerOptions } from './electron/engine/docker/transport.ts';",
      `const d = new Docker(dockerOptions({ name: 't', host: 'ssh://tester@127.0.0.1:${port}', transport: 'ssh', source: 'option' }, { HOME: ${JSON.stringify(home)} }));`,
      "console.log(String(await d.ping()));",
    ].join('\n');
    const t0 = Date.now();
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (b) => (stdout += b));
      p.stderr.on('data', (b) => (stderr += b));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe('OK');
    expect(Date.now() - t0).toBeLessThan(15_000); // the idle time is 30 s: a held connection would keep it that long
  }, 40_000);
});
