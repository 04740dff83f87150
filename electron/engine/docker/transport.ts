// How dockerode reaches an engine target: a unix socket, https with the
// context's CA / client certificate, or ssh (`docker system dial-stdio` on the
// remote host, as the Docker CLI does, through ssh-agent.ts's few ssh
// connections). Every option is given explicitly: docker-modem
// otherwise mixes DOCKER_HOST's settings into any client it makes.
//
// ssh: the user's key is found like OpenSSH does (the agent, then
// ~/.ssh/id_ed25519, id_ecdsa, id_rsa), and the host key must be in
// ~/.ssh/known_hosts (plain or hashed entries) — lblab never accepts an
// unknown host on its own; `ssh user@host` once does.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import type { AgentAuthMethod, ConnectConfig, PublicKeyAuthMethod } from 'ssh2';
import { EngineError } from '../errors';
import type { EngineTarget } from './engine-target';
import { SshAgent } from './ssh-agent';

type Env = Record<string, string | undefined>;

const sshDir = (env: Env) => path.join(env.HOME || os.homedir(), '.ssh');

export interface SshEndpoint { host: string; port: number; username: string }

export function sshEndpoint(host: string): SshEndpoint {
  const u = new URL(host);
  if (u.pathname && u.pathname !== '/') throw new EngineError(`ssh engine ${host}: a path is not supported (ssh://USER@HOST[:PORT])`, 'bad-request');
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 22, username: decodeURIComponent(u.username) || os.userInfo().username };
}

/** The known_hosts names of a host: `host`, or `[host]:port` off port 22. */
const knownName = (e: SshEndpoint) => (e.port === 22 ? e.host : `[${e.host}]:${e.port}`);

function hostMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern.split(',').some((p) => p === name);
}

export type HostKeyVerdict = 'known' | 'unknown' | 'changed';

/** Whether `key` (the host's public key blob) is the one known_hosts holds for the endpoint. */
export function checkHostKey(knownHosts: string, e: SshEndpoint, key: Buffer): HostKeyVerdict {
  const name = knownName(e);
  const b64 = key.toString('base64');
  let sawHost = false;
  for (const raw of knownHosts.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    if (f[0].startsWith('@')) continue; // @cert-authority / @revoked: not handled, never trusted
    if (f.length < 3 || !hostMatches(f[0], name)) continue;
    // a host may have one entry per key type: the same type with another key means it changed
    const keyType = key.subarray(4, 4 + key.readUInt32BE(0)).toString();
    if (f[2] === b64) return 'known';
    if (f[1] === keyType) sawHost = true;
  }
  return sawHost ? 'changed' : 'unknown';
}

function privateKeys(env: Env): { file: string; key: Buffer }[] {
  const out: { file: string; key: Buffer }[] = [];
  for (const n of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const file = path.join(sshDir(env), n);
    try {
      out.push({ file, key: fs.readFileSync(file) });
    } catch {
      // no such key: try the next
    }
  }
  return out;
}

/** Why the last ssh connection to a host was refused by us (host key), for the one-line error. */
const sshRefusals = new Map<string, string>();
export const sshRefusal = (host: string) => sshRefusals.get(host);

function sshOptions(target: EngineTarget, env: Env, timeoutMs: number): ConnectConfig {
  const e = sshEndpoint(target.host);
  const auth: (AgentAuthMethod | PublicKeyAuthMethod)[] = [];
  if (env.SSH_AUTH_SOCK) auth.push({ type: 'agent', username: e.username, agent: env.SSH_AUTH_SOCK });
  for (const k of privateKeys(env)) auth.push({ type: 'publickey', username: e.username, key: k.key });
  const knownHostsFile = path.join(sshDir(env), 'known_hosts');
  return {
    readyTimeout: timeoutMs,
    authHandler: auth,
    hostVerifier: (key: Buffer) => {
      let text = '';
      try {
        text = fs.readFileSync(knownHostsFile, 'utf8');
      } catch {
        // no known_hosts: every host is unknown
      }
      const v = checkHostKey(text, e, key);
      if (v === 'known') {
        sshRefusals.delete(target.host);
        return true;
      }
      sshRefusals.set(
        target.host,
        v === 'changed'
          ? `the ssh host key of ${knownName(e)} is not the one in ${knownHostsFile}: refusing to connect (if the host was reinstalled, fix known_hosts with \`ssh-keygen -R ${knownName(e)}\`)`
          : `the ssh host key of ${knownName(e)} is not in ${knownHostsFile}: connect once with \`ssh ${e.port === 22 ? '' : `-p ${e.port} `}${e.username}@${e.host}\` to check and accept it`,
      );
      return false;
    },
  };
}

/** dockerode's options for a target. */
export function dockerOptions(target: EngineTarget, env: Env = process.env, timeoutMs = 15_000): Docker.DockerOptions {
  // every key set, so that none of DOCKER_HOST's leaks in through docker-modem's defaults
  const base = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined, agent: undefined } as Record<string, unknown>;
  switch (target.transport) {
    case 'unix':
      return { ...base, socketPath: target.host.slice('unix://'.length) || '/var/run/docker.sock' } as Docker.DockerOptions;
    case 'npipe':
      return { ...base, socketPath: target.host.slice('npipe://'.length) || '//./pipe/docker_engine' } as Docker.DockerOptions;
    case 'ssh': {
      const e = sshEndpoint(target.host);
      // plain HTTP through an agent of our own (ssh-agent.ts: few ssh connections, not one per request);
      // the address is only the Host header, as the Docker CLI's over dial-stdio
      const agent = new SshAgent({ connect: { host: e.host, port: e.port, username: e.username, ...sshOptions(target, env, timeoutMs) } });
      return { ...base, protocol: 'http', host: 'api.moby.localhost', port: 80, agent } as Docker.DockerOptions;
    }
    case 'tcp': {
      const u = new URL(target.host.replace(/^tcp:/, 'http:'));
      const tls = target.tls;
      const secure = !!tls || u.port === '2376' || target.host.startsWith('https:');
      const port = u.port || (secure ? '2376' : '2375');
      if (!secure) return { ...base, protocol: 'http', host: u.hostname, port } as Docker.DockerOptions;
      // an agent of our own: keep-alive, and SkipTLSVerify (docker-modem has no option for it)
      const agent = new https.Agent({ keepAlive: true, ca: tls?.ca, cert: tls?.cert, key: tls?.key, rejectUnauthorized: tls?.verify ?? true });
      return { ...base, protocol: 'https', host: u.hostname.replace(/^\[|\]$/g, ''), port, ca: tls?.ca, cert: tls?.cert, key: tls?.key, agent } as Docker.DockerOptions;
    }
  }
}
