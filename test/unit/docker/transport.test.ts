// How dockerode reaches each kind of engine, and the ssh host-key check
// against known_hosts (plain, hashed, non-default port, changed, unknown).
import crypto from 'node:crypto';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import type { EngineTarget } from '../../../electron/engine/docker/engine-target';
import { SshAgent } from '../../../electron/engine/docker/ssh-agent';
import { checkHostKey, dockerOptions, sshEndpoint } from '../../../electron/engine/docker/transport';

const target = (host: string, more: Partial<EngineTarget> = {}): EngineTarget => ({ name: host, host, transport: host.startsWith('ssh') ? 'ssh' : host.startsWith('unix') ? 'unix' : 'tcp', source: 'option', ...more });

/** An ssh public key blob: string type, then key material. */
function blob(type: string, material: string): Buffer {
  const t = Buffer.from(type);
  const m = Buffer.from(material);
  const len = (n: number) => Buffer.from([0, 0, 0, n]);
  return Buffer.concat([len(t.length), t, len(m.length), m]);
}

describe('dockerOptions', () => {
  it('a unix socket, with none of DOCKER_HOST\'s settings mixed in', () => {
    const o = dockerOptions(target('unix:///run/user.sock')) as Record<string, unknown>;
    expect(o.socketPath).toBe('/run/user.sock');
    expect('host' in o && o.host).toBe(undefined); // set, to undefined: docker-modem would take DOCKER_HOST's
  });

  it('ssh: host, port and user from the address', () => {
    const o = dockerOptions(target('ssh://ops@build.example:2222'), { HOME: '/nonexistent' }) as Record<string, unknown>;
    // plain HTTP through an agent that holds the ssh connections (ssh-agent.test.ts drives one)
    expect(o).toMatchObject({ protocol: 'http', host: 'api.moby.localhost' });
    expect(o.agent).toBeInstanceOf(SshAgent);
    const connect = (o.agent as SshAgent).opts.connect;
    expect(connect).toMatchObject({ host: 'build.example', port: 2222, username: 'ops' });
    expect(typeof connect.hostVerifier).toBe('function');
    expect(sshEndpoint('ssh://h.example').port).toBe(22);
  });

  it('tcp with TLS: https through an agent holding the certificates; plain tcp is http', () => {
    const o = dockerOptions(target('tcp://10.1.2.3:2376', { tls: { ca: Buffer.from('ca'), cert: Buffer.from('c'), key: Buffer.from('k'), verify: false } })) as Record<string, unknown>;
    expect(o).toMatchObject({ protocol: 'https', host: '10.1.2.3', port: '2376' });
    expect(o.agent).toBeInstanceOf(https.Agent);
    expect((o.agent as https.Agent).options.rejectUnauthorized).toBe(false);
    expect(dockerOptions(target('tcp://10.1.2.3:2375'))).toMatchObject({ protocol: 'http', port: '2375' });
  });
});

describe('checkHostKey', () => {
  const key = blob('ssh-ed25519', 'the-host-key');
  const other = blob('ssh-ed25519', 'another-key');
  const b64 = key.toString('base64');
  const e = { host: '198.19.255.2', port: 22, username: 'root' };

  it('accepts the key known_hosts holds for the host, plain or hashed', () => {
    expect(checkHostKey(`# comment\nother.example ssh-ed25519 AAAA\n198.19.255.2,gw ssh-ed25519 ${b64}\n`, e, key)).toBe('known');
    const salt = crypto.randomBytes(20);
    const hash = crypto.createHmac('sha1', salt).update('198.19.255.2').digest('base64');
    expect(checkHostKey(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${b64}\n`, e, key)).toBe('known');
  });

  it('names hosts off port 22 as [host]:port', () => {
    expect(checkHostKey(`[198.19.255.2]:2222 ssh-ed25519 ${b64}\n`, { ...e, port: 2222 }, key)).toBe('known');
    expect(checkHostKey(`198.19.255.2 ssh-ed25519 ${b64}\n`, { ...e, port: 2222 }, key)).toBe('unknown');
  });

  it('tells a changed key from an unknown host', () => {
    expect(checkHostKey(`198.19.255.2 ssh-ed25519 ${other.toString('base64')}\n`, e, key)).toBe('changed');
    expect(checkHostKey('', e, key)).toBe('unknown');
    expect(checkHostKey(`@cert-authority 198.19.255.2 ssh-ed25519 ${b64}\n`, e, key)).toBe('unknown');
  });
});
