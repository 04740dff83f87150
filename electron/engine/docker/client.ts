// One shared dockerode client per engine. The engine lblab drives is chosen
// once per process (useEngine: `lblab --engine`), else found the way the
// Docker CLI finds it (engine-target.ts: DOCKER_HOST, DOCKER_CONTEXT, the
// current context, the local socket).
import Docker from 'dockerode';
import fs from 'node:fs';
import type { DockerInfo } from '../../api';
import { HOW_TO_START_DOCKER } from '../errors';
import { contextByName, DEFAULT_SOCKET, isLocal, resolveEngine, type EngineTarget } from './engine-target';
import { dockerOptions, sshRefusal } from './transport';

let choice: string | undefined;
let target: EngineTarget | undefined;
const clients = new Map<string, Docker>();

/** Drive this engine (a context name or an address) from now on; undefined: Docker's own choice.
 * Resolved on first use: an unknown name is the first Docker call's one-line error. */
export function useEngine(selector: string | undefined): void {
  choice = selector || undefined;
  target = undefined;
}

/** What `lblab --engine` chose, if anything. */
export const engineChoice = (): string | undefined => choice;

/** The engine this process drives (resolving it may fail: an unknown context name). */
export function engineTarget(): EngineTarget {
  return (target ??= resolveEngine(choice));
}

/** Whether the engine is reached over the network (tcp://, ssh://): its host is not this machine's. */
export const engineIsRemote = (): boolean => !isLocal(engineTarget());

/** The shared client of a target (one per address and TLS folder). */
export function clientFor(t: EngineTarget): Docker {
  const key = `${t.host} ${t.tls?.dir ?? ''} ${t.tls?.verify ?? ''}`;
  let c = clients.get(key);
  if (!c) clients.set(key, (c = new Docker(dockerOptions(t))));
  return c;
}

export function docker(): Docker {
  return clientFor(engineTarget());
}

/** This machine's own engine (the `default` context when it is a local socket), or undefined. */
export function localDocker(): Docker | undefined {
  try {
    const t = contextByName('default', { ...process.env, DOCKER_HOST: process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST : undefined });
    if (!isLocal(t)) return undefined;
    const sock = t.host.replace(/^\w+:\/\//, '');
    if (t.transport === 'unix' && !fs.existsSync(sock)) return undefined;
    return clientFor(t);
  } catch {
    return undefined;
  }
}

/** The socket path of a local engine, or undefined for a remote one. */
export function dockerSocketPath(): string | undefined {
  const t = engineTarget();
  return t.transport === 'unix' ? t.host.slice('unix://'.length) : undefined;
}

/** Why an engine does not answer, in words (no stack): a refused host key, a certificate, a timeout, a refusal. */
export function engineFailure(t: EngineTarget, e: unknown): string {
  const refusal = t.transport === 'ssh' ? sshRefusal(t.host) : undefined;
  if (refusal) return refusal;
  const err = e as NodeJS.ErrnoException & { level?: string; reason?: string };
  const msg = (err?.message ?? String(e)).split('\n')[0];
  const code = err?.code ?? '';
  const where = `the Docker engine ${t.name === t.host ? t.host : `${t.name} (${t.host})`}`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|certificate|SSL/i.test(`${code} ${msg}`)) return `${where} refused the TLS connection: ${msg}`;
  if (code === 'ECONNREFUSED') return `${where} refused the connection (is dockerd listening there?)`;
  // the local default socket gets the how-to-start hint; another socket (a lab host's) is not ours to start
  if (code === 'ENOENT' && t.transport === 'unix') return `${where}: no socket there (${t.host === `unix://${DEFAULT_SOCKET}` ? HOW_TO_START_DOCKER : 'is its dockerd running?'})`;
  if (code === 'EACCES') return `${where}: permission denied (${msg})`;
  if (/timed? ?out|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(`${code} ${msg}`)) return `${where} did not answer in time (${code || msg})`;
  if (err?.level === 'client-authentication' || /authentication/i.test(msg)) return `${where}: ssh authentication failed (no key in the agent or ~/.ssh was accepted)`;
  if (/dial-stdio|docker: (command )?not found/i.test(msg)) return `${where}: the remote host has no docker CLI to run \`docker system dial-stdio\``;
  return `${where} does not answer: ${msg}`;
}

/** A failure to reach the engine driven, in words: the "start Docker" hint only when it is this
 * machine's default engine; any other (a remote one, a socket asked for) is named, with the reason. */
export function engineDownWords(e: unknown): string {
  let t: EngineTarget;
  try {
    t = engineTarget();
  } catch {
    return HOW_TO_START_DOCKER;
  }
  return isLocal(t) && t.source === 'default' ? HOW_TO_START_DOCKER : engineFailure(t, e);
}

/** Ask a promise to settle within ms, else reject with a timeout. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(Object.assign(new Error(`${what} timed out after ${ms / 1000} s`), { code: 'ETIMEDOUT' })), ms).unref())]);
}

/** Ping the engine; resolves with its version or an explanation, never throws. The engine's one Docker check. */
export async function probeDocker(): Promise<DockerInfo> {
  let t: EngineTarget;
  try {
    t = engineTarget();
  } catch (e) {
    return { available: false, message: (e as Error).message };
  }
  const local = isLocal(t);
  const sock = dockerSocketPath();
  if (sock && !fs.existsSync(sock)) return { available: false, message: t.source === 'default' ? HOW_TO_START_DOCKER : `no Docker engine at ${t.host} (${HOW_TO_START_DOCKER})` };
  try {
    const v = await within(docker().version(), local ? 30_000 : 15_000, 'connecting');
    return { available: true, version: v.Version };
  } catch (e) {
    return { available: false, message: local && t.source === 'default' ? `${HOW_TO_START_DOCKER} (${(e as Error).message})` : engineFailure(t, e) };
  }
}
