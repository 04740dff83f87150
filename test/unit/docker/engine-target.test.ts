// Which engine lblab drives, found like the Docker CLI finds it, from real
// files in a temporary DOCKER_CONFIG: DOCKER_HOST, DOCKER_CONTEXT, the
// config's currentContext, contexts' meta.json and TLS folders (named by the
// SHA-256 of the context name), and `lblab --engine` (a name or an address).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextDirName, dockerContexts, isLocal, knownEngines, resolveEngine } from '../../../electron/engine/docker/engine-target';

let cfg: string;
let certs: string;
const env = (more: Record<string, string> = {}) => ({ DOCKER_CONFIG: cfg, HOME: cfg, ...more });

function context(name: string, host: string, opts: { skipVerify?: boolean; tls?: boolean } = {}) {
  const id = crypto.createHash('sha256').update(name).digest('hex');
  fs.mkdirSync(path.join(cfg, 'contexts/meta', id), { recursive: true });
  fs.writeFileSync(path.join(cfg, 'contexts/meta', id, 'meta.json'), JSON.stringify({ Name: name, Metadata: { Description: `the ${name} one` }, Endpoints: { docker: { Host: host, SkipTLSVerify: !!opts.skipVerify } } }));
  if (opts.tls) {
    const t = path.join(cfg, 'contexts/tls', id, 'docker');
    fs.mkdirSync(t, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(t, f), `${name} ${f}`);
  }
}

beforeAll(() => {
  cfg = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-dockercfg-'));
  certs = path.join(cfg, 'certs');
  fs.mkdirSync(certs);
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(certs, f), `env ${f}`);
  context('remote-ssh', 'ssh://ops@build.example:2222');
  context('remote-tls', 'tcp://10.1.2.3:2376', { tls: true });
  context('lax', 'tcp://lax.example:2376', { tls: true, skipVerify: true });
  context('plain', 'tcp://plain.example:2375');
  // a meta.json in a folder not named after its context is not Docker's: ignored
  fs.mkdirSync(path.join(cfg, 'contexts/meta/not-a-hash'), { recursive: true });
  fs.writeFileSync(path.join(cfg, 'contexts/meta/not-a-hash/meta.json'), JSON.stringify({ Name: 'stray', Endpoints: { docker: { Host: 'tcp://x:1' } } }));
});
afterAll(() => fs.rmSync(cfg, { recursive: true, force: true }));

describe('resolveEngine', () => {
  it('is the local socket when nothing says otherwise', () => {
    const t = resolveEngine(undefined, env());
    expect(t).toMatchObject({ name: 'default', host: 'unix:///var/run/docker.sock', transport: 'unix', source: 'default' });
    expect(isLocal(t)).toBe(true);
  });

  it('names context folders by the SHA-256 of the name, as Docker does', () => {
    expect(contextDirName('default')).toBe('37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
    expect([...dockerContexts(env()).keys()]).toEqual(expect.arrayContaining(['remote-ssh', 'remote-tls', 'lax', 'plain']));
    expect(dockerContexts(env()).has('stray')).toBe(false);
  });

  it('follows the config\'s currentContext, then DOCKER_CONTEXT over it, then DOCKER_HOST over both', () => {
    fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'remote-ssh' }));
    try {
      expect(resolveEngine(undefined, env())).toMatchObject({ name: 'remote-ssh', transport: 'ssh', source: 'config', description: 'the remote-ssh one' });
      expect(resolveEngine(undefined, env({ DOCKER_CONTEXT: 'remote-tls' }))).toMatchObject({ name: 'remote-tls', source: 'DOCKER_CONTEXT' });
      expect(resolveEngine(undefined, env({ DOCKER_CONTEXT: 'remote-tls', DOCKER_HOST: 'unix:///run/other.sock' }))).toMatchObject({ name: 'default', host: 'unix:///run/other.sock', source: 'DOCKER_HOST' });
      // --engine wins over everything
      expect(resolveEngine('plain', env({ DOCKER_HOST: 'tcp://h:1' }))).toMatchObject({ name: 'plain', source: 'option' });
    } finally {
      fs.rmSync(path.join(cfg, 'config.json'));
    }
  });

  it('reads a context\'s TLS material from contexts/tls/<hash>/docker, verifying unless SkipTLSVerify', () => {
    const t = resolveEngine('remote-tls', env());
    expect(t.transport).toBe('tcp');
    expect(t.tls?.verify).toBe(true);
    expect(t.tls?.ca?.toString()).toBe('remote-tls ca.pem');
    expect(t.tls?.cert?.toString()).toBe('remote-tls cert.pem');
    expect(t.tls?.key?.toString()).toBe('remote-tls key.pem');
    expect(resolveEngine('lax', env()).tls?.verify).toBe(false);
    expect(resolveEngine('plain', env()).tls).toBeUndefined();
    expect(isLocal(t)).toBe(false);
  });

  it('takes DOCKER_TLS_VERIFY and DOCKER_CERT_PATH with DOCKER_HOST, and with an address given to --engine', () => {
    const t = resolveEngine(undefined, env({ DOCKER_HOST: 'tcp://10.9.9.9:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }));
    expect(t).toMatchObject({ name: 'default', host: 'tcp://10.9.9.9:2376', source: 'DOCKER_HOST' });
    expect(t.tls?.verify).toBe(true);
    expect(t.tls?.ca?.toString()).toBe('env ca.pem');
    const u = resolveEngine('ssh://me@host.example', env());
    expect(u).toMatchObject({ name: 'ssh://me@host.example', host: 'ssh://me@host.example', transport: 'ssh', source: 'option' });
    // a bare host:port is tcp, as with docker -H
    expect(resolveEngine(undefined, env({ DOCKER_HOST: '10.0.0.1:2375' })).host).toBe('tcp://10.0.0.1:2375');
  });

  it('says which contexts exist when a name is unknown, and refuses addresses it cannot use', () => {
    expect(() => resolveEngine('nope', env())).toThrow(/^no Docker context named nope \(known: default, .*remote-ssh.*\)/);
    expect(() => resolveEngine('ftp://x', env())).toThrow(/^not a Docker engine address: ftp:\/\/x/);
  });
});

describe('knownEngines', () => {
  it('lists default and every context, the current one named; an address given is listed too', () => {
    const k = knownEngines(undefined, env({ DOCKER_CONTEXT: 'lax' }));
    expect(k.current).toBe('lax');
    expect(k.targets.map((t) => t.name)).toEqual(['default', ...[...dockerContexts(env()).keys()]]);
    const u = knownEngines('tcp://198.18.0.9:2375', env());
    expect(u.current).toBe('tcp://198.18.0.9:2375');
    expect(u.targets.at(-1)?.host).toBe('tcp://198.18.0.9:2375');
    expect(knownEngines('missing', env()).problems[0]).toMatch(/no Docker context named missing/);
  });
});
