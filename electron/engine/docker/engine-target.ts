// Which Docker engine lblab drives, found the way the Docker CLI finds it:
// an explicit choice (`lblab --engine NAME|URL`), else DOCKER_HOST, else
// DOCKER_CONTEXT, else the CLI config's currentContext, else `default` (the
// local socket). Contexts are read from the CLI's own files under
// DOCKER_CONFIG (~/.docker): contexts/meta/<sha256(name)>/meta.json and their
// TLS material in contexts/tls/<sha256(name)>/docker/. Nothing here connects:
// it only says where the engine is and how to reach it (docker/transport.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../errors';

export type EngineTransport = 'unix' | 'npipe' | 'tcp' | 'ssh';

/** How an engine was chosen, in Docker's order of precedence. */
export type EngineSource = 'option' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'config' | 'default';

export interface EngineTls {
  /** PEM files' contents; any may be missing (e.g. a server-only TLS setup) */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** check the engine's certificate (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify) */
  verify: boolean;
  /** where the files came from, for messages */
  dir?: string;
}

export interface EngineTarget {
  /** the context name, `default`, or the URL given */
  name: string;
  /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host */
  host: string;
  transport: EngineTransport;
  source: EngineSource;
  /** TLS for tcp:// */
  tls?: EngineTls;
  description?: string;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';
const DEFAULT_HOST = process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : `unix://${DEFAULT_SOCKET}`;

type Env = Record<string, string | undefined>;

/** The Docker CLI's config folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: Env = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/** The folder name Docker gives a context's files: the hex SHA-256 of its name. */
export const contextDirName = (name: string) => crypto.createHash('sha256').update(name).digest('hex');

/** A unix socket (or Windows pipe) is this machine's engine; anything over the network is remote. */
export const isLocal = (t: Pick<EngineTarget, 'transport'>) => t.transport === 'unix' || t.transport === 'npipe';

export function transportOf(host: string): EngineTransport {
  const scheme = /^([a-z]+):\/\//i.exec(host)?.[1]?.toLowerCase();
  if (scheme === 'unix' || scheme === 'npipe' || scheme === 'ssh' || scheme === 'tcp') return scheme;
  if (scheme === 'http' || scheme === 'https') return 'tcp';
  throw new EngineError(`not a Docker engine address: ${host} (unix://PATH, tcp://HOST:PORT or ssh://USER@HOST)`, 'bad-request');
}

const readIf = (file: string): Buffer | undefined => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

function tlsFrom(dir: string, verify: boolean): EngineTls | undefined {
  const tls = { ca: readIf(path.join(dir, 'ca.pem')), cert: readIf(path.join(dir, 'cert.pem')), key: readIf(path.join(dir, 'key.pem')), verify, dir };
  return tls.ca || tls.cert || tls.key ? tls : undefined;
}

/** What DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH say, as the `default` context. */
function defaultTarget(env: Env, source: EngineSource): EngineTarget {
  const host = env.DOCKER_HOST || DEFAULT_HOST;
  const transport = transportOf(host.includes('://') ? host : `tcp://${host}`);
  const target: EngineTarget = { name: 'default', host: host.includes('://') ? host : `tcp://${host}`, transport, source };
  if (transport === 'tcp') {
    const verify = !!env.DOCKER_TLS_VERIFY;
    // Docker reads the certificates from DOCKER_CERT_PATH (default: the config folder) only when TLS is asked for
    if (verify || env.DOCKER_TLS || env.DOCKER_CERT_PATH) {
      const tls = tlsFrom(env.DOCKER_CERT_PATH || dockerConfigDir(env), verify);
      target.tls = tls ?? { verify };
    }
  }
  return target;
}

interface ContextMeta {
  Name?: string;
  Metadata?: { Description?: string };
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

function readMeta(file: string): ContextMeta | undefined {
  const text = readIf(file);
  if (!text) return undefined;
  try {
    return JSON.parse(text.toString('utf8')) as ContextMeta;
  } catch {
    return undefined;
  }
}

function contextTarget(name: string, meta: ContextMeta, env: Env, source: EngineSource): EngineTarget {
  const host = meta.Endpoints?.docker?.Host;
  if (!host) throw new EngineError(`Docker context ${name} has no docker endpoint`, 'bad-request');
  const target: EngineTarget = { name, host, transport: transportOf(host), source, description: meta.Metadata?.Description || undefined };
  if (target.transport === 'tcp') {
    const verify = !meta.Endpoints?.docker?.SkipTLSVerify;
    const tls = tlsFrom(path.join(dockerConfigDir(env), 'contexts', 'tls', contextDirName(name), 'docker'), verify);
    if (tls) target.tls = tls;
  }
  return target;
}

/** Every context the Docker CLI knows (its meta.json files), by name; unreadable ones are left out. */
export function dockerContexts(env: Env = process.env): Map<string, ContextMeta> {
  const out = new Map<string, ContextMeta>();
  const dir = path.join(dockerConfigDir(env), 'contexts', 'meta');
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const meta = readMeta(path.join(dir, e, 'meta.json'));
    // the folder is named after the name's hash: a meta.json elsewhere is not Docker's
    if (meta?.Name && contextDirName(meta.Name) === e) out.set(meta.Name, meta);
  }
  return out;
}

/** The CLI config's currentContext, if any. */
export function currentContextName(env: Env = process.env): string | undefined {
  const text = readIf(path.join(dockerConfigDir(env), 'config.json'));
  if (!text) return undefined;
  try {
    const c = (JSON.parse(text.toString('utf8')) as { currentContext?: unknown }).currentContext;
    return typeof c === 'string' && c ? c : undefined;
  } catch {
    return undefined;
  }
}

/** A context by name (`default` is DOCKER_HOST or the local socket). */
export function contextByName(name: string, env: Env = process.env, source: EngineSource = 'option'): EngineTarget {
  if (name === 'default') return defaultTarget(env, source);
  const meta = readMeta(path.join(dockerConfigDir(env), 'contexts', 'meta', contextDirName(name), 'meta.json'));
  if (!meta) {
    const known = ['default', ...dockerContexts(env).keys()].join(', ');
    throw new EngineError(`no Docker context named ${name} (known: ${known}; \`docker context ls\` lists them)`, 'not-found');
  }
  return contextTarget(name, meta, env, source);
}

/**
 * The engine to drive. `choice` is `lblab --engine`: a context name, or an
 * address (unix://, tcp://, ssh://) used like `docker -H` (TLS then from
 * DOCKER_TLS_VERIFY / DOCKER_CERT_PATH). Without it, Docker's own order.
 */
export function resolveEngine(choice?: string, env: Env = process.env): EngineTarget {
  if (choice) {
    if (choice.includes('://')) return { ...defaultTarget({ ...env, DOCKER_HOST: choice }, 'option'), name: choice };
    return contextByName(choice, env, 'option');
  }
  if (env.DOCKER_HOST) return defaultTarget(env, 'DOCKER_HOST');
  if (env.DOCKER_CONTEXT) return contextByName(env.DOCKER_CONTEXT, env, 'DOCKER_CONTEXT');
  const current = currentContextName(env);
  if (current && current !== 'default') return contextByName(current, env, 'config');
  return defaultTarget(env, 'default');
}

/** Every engine worth listing: `default`, each context, and the chosen one if it is none of these (a URL). */
export function knownEngines(choice?: string, env: Env = process.env): { targets: EngineTarget[]; current: string; problems: string[] } {
  const problems: string[] = [];
  let current: EngineTarget | undefined;
  try {
    current = resolveEngine(choice, env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const targets: EngineTarget[] = [defaultTarget(env, 'default')];
  for (const [name, meta] of dockerContexts(env)) {
    try {
      targets.push(contextTarget(name, meta, env, 'config'));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (current && !targets.some((t) => t.name === current.name)) targets.push(current);
  return { targets, current: current?.name ?? '', problems };
}
