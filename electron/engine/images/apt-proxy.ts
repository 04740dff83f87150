// A small caching HTTP proxy for apt, alive only while images are built.
//
// Cold builds are dominated by downloads from the Debian mirror: every image
// runs its own `apt-get update` (the same ~9 MB index each time), the base
// (mmdebstrap/debootstrap) and the images fetch overlapping packages, and the BPF
// toolchain (~80 MB) is usually already sitting in the host's own apt cache
// (.ci/run and ensure-docker.sh install clang/libbpf-dev on the host). The
// builds reach this proxy through the predefined `http_proxy` build argument,
// which the engine keeps out of the layer cache key, so builds with and
// without the proxy share their layers.
//
// Only content that can never change is served locally, and always checked:
//   - `.../by-hash/SHA256/<hex>` index files: cached after their SHA-256 is verified;
//   - `.../pool/...*.deb` packages (Debian never reuses a pool file name for
//     other content): from the proxy's cache, or from the host's
//     /var/cache/apt/archives when the mirror reports the same size; apt checks
//     every package's hash against the signed index anyway.
// Everything else (InRelease, Release, redirects, ranges) is forwarded as is.
// With an empty cache the proxy is just a pass-through: nothing depends on it.
//
// It forwards only to the host's own Debian mirrors, at a public address
// (apt-mirrors.ts): anything else gets 403 and the reason, before any cache or
// connection — it listens on the Docker bridge, so it must not be a way in to
// the host's loopback or its private networks.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { hostMirrors, publicAddress, targetRefusal, type Mirror, type Resolve } from './apt-mirrors';

export interface AptProxyOptions {
  /** address to listen on (the Docker bridge gateway, reachable from build containers) */
  host: string;
  /** where immutable downloads are kept between builds; none: a throwaway temp dir */
  cacheDir?: string;
  /** folders holding .debs the host's apt already downloaded (name_[epoch%3a]version_arch.deb) */
  hostArchives?: string[];
  /** upstream timeout for one request without progress (ms) */
  timeoutMs?: number;
  /** the mirrors it forwards to; default: the host's own (hostMirrors()) */
  mirrors?: Mirror[];
  /** name resolution for the address check (tests) */
  resolve?: Resolve;
  /** tests only: where an allowed mirror's requests really go (a local stand-in; its address is not checked) */
  dial?: (u: URL) => { host: string; port: number };
}

export interface AptProxyStats { fromHost: number; fromCache: number; fetched: number; forwarded: number; bytesLocal: number; bytesFetched: number }

export interface AptProxy {
  /** http://host:port — the value for http_proxy */
  url: string;
  stats: AptProxyStats;
  close(): Promise<void>;
}

type Kind = 'deb' | 'byhash' | 'other';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate']);
const endToEnd = (h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders =>
  Object.fromEntries(Object.entries(h).filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k)));

export function classify(pathname: string): Kind {
  if (/\/by-hash\/SHA256\/[0-9a-f]{64}$/.test(pathname)) return 'byhash';
  if (/\/pool\/.+\.deb$/.test(pathname)) return 'deb';
  return 'other';
}

/** `libllvm14_1%3a14.0.6-12_amd64.deb` (apt's archive name) → `libllvm14_14.0.6-12_amd64.deb` (the pool's). */
export const poolName = (archiveName: string) => archiveName.replace(/_\d+%3a/i, '_');

/** Index of host-cached .debs by their pool file name. */
function indexArchives(dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.deb')) out.set(poolName(n), path.join(dir, n));
  }
  return out;
}

/** Drop cached files nobody used for a month (each use refreshes the mtime). */
function prune(dir: string, maxAgeMs = 30 * 86400_000): void {
  const now = Date.now();
  for (const n of fs.readdirSync(dir)) {
    const p = path.join(dir, n);
    try {
      const st = fs.statSync(p);
      // .part files: downloads cut short (another build may be writing a fresh one)
      if (st.isFile() && (now - st.mtimeMs > maxAgeMs || (n.endsWith('.part') && now - st.mtimeMs > 3600_000))) fs.rmSync(p, { force: true });
    } catch {}
  }
}

function cacheKey(u: URL, kind: Kind): string {
  const base = decodeURIComponent(u.pathname.split('/').pop() ?? '');
  if (kind === 'byhash') return `sha256-${base}`;
  const h = crypto.createHash('sha256').update(`${u.host}${u.pathname}`).digest('hex').slice(0, 12);
  return `${h}-${base.replace(/[^\w.+~%-]/g, '_')}`;
}

export async function startAptProxy(opts: AptProxyOptions): Promise<AptProxy> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let tempDir: string | undefined;
  let cacheDir = opts.cacheDir;
  if (cacheDir) {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      fs.accessSync(cacheDir, fs.constants.W_OK);
      prune(cacheDir);
    } catch {
      cacheDir = undefined;
    }
  }
  if (!cacheDir) cacheDir = tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-apt-'));
  const dir = cacheDir;
  const archives = indexArchives(opts.hostArchives ?? []);
  const stats: AptProxyStats = { fromHost: 0, fromCache: 0, fetched: 0, forwarded: 0, bytesLocal: 0, bytesFetched: 0 };
  const inflight = new Map<string, Promise<boolean>>();
  const sizeChecks = new Map<string, Promise<number | undefined>>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  const mirrors = opts.mirrors ?? hostMirrors();
  // each mirror's name resolved once, checked, and that address used: a name cannot turn private later
  const dests = new Map<string, Promise<{ host: string; port: number } | { refusal: string }>>();
  const destOf = (u: URL) => {
    const key = u.host;
    let d = dests.get(key);
    if (!d) {
      const port = Number(u.port || 80);
      d = opts.dial ? Promise.resolve(opts.dial(u)) : publicAddress(u.hostname, opts.resolve).then((r) => ('refusal' in r ? r : { host: r.address, port }));
      d.catch(() => dests.delete(key)); // a failed lookup is tried again by the next request
      dests.set(key, d);
    }
    return d;
  };

  const upstream = async (u: URL, method: string, headers: http.OutgoingHttpHeaders = {}) => {
    const d = await destOf(u);
    if ('refusal' in d) throw new Error(d.refusal); // handle() refused it already
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const r = http.request({ host: d.host, port: d.port, path: `${u.pathname}${u.search}`, method, headers: { ...headers, host: u.host, 'user-agent': 'lblab-apt-proxy' }, agent }, resolve);
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`upstream timeout: ${u.href}`)));
      r.on('error', reject);
      r.end();
    });
  };

  /** The mirror's size for a URL (one HEAD per URL and build), undefined when unknown. */
  const remoteSize = (u: URL) => {
    let p = sizeChecks.get(u.href);
    if (!p) {
      p = upstream(u, 'HEAD').then(
        (r) => {
          r.resume();
          const n = Number(r.headers['content-length']);
          return r.statusCode === 200 && Number.isFinite(n) ? n : undefined;
        },
        () => undefined,
      );
      sizeChecks.set(u.href, p);
    }
    return p;
  };

  const sendFile = (file: string, req: http.IncomingMessage, res: http.ServerResponse, kind: 'host' | 'cache') => {
    const st = fs.statSync(file);
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream', 'last-modified': st.mtime.toUTCString() });
    if (req.method === 'HEAD') return res.end();
    if (kind === 'host') stats.fromHost++;
    else stats.fromCache++;
    stats.bytesLocal += st.size;
    fs.createReadStream(file).pipe(res);
  };

  /** Plain pass-through (status, headers and body), nothing stored. */
  const forward = async (u: URL, req: http.IncomingMessage, res: http.ServerResponse) => {
    const pass: http.OutgoingHttpHeaders = {};
    for (const h of ['range', 'if-modified-since', 'if-range', 'if-none-match', 'cache-control', 'accept', 'accept-encoding']) {
      if (req.headers[h]) pass[h] = req.headers[h];
    }
    const r = await upstream(u, req.method ?? 'GET', pass);
    stats.forwarded++;
    res.writeHead(r.statusCode ?? 502, endToEnd(r.headers));
    r.pipe(res);
  };

  /**
   * Download an immutable file into the cache while streaming it to the
   * client. True when the cache now holds it (complete and, for by-hash,
   * verified); false when the client got the upstream's answer as is.
   */
  const fetchInto = async (u: URL, key: string, kind: Kind, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const r = await upstream(u, 'GET');
    const len = Number(r.headers['content-length']);
    if (r.statusCode !== 200) {
      stats.forwarded++;
      res.writeHead(r.statusCode ?? 502, endToEnd(r.headers));
      r.pipe(res);
      return false;
    }
    stats.fetched++;
    const part = path.join(dir, `${key}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`);
    const out = fs.createWriteStream(part);
    const sha = crypto.createHash('sha256');
    let got = 0;
    const headers: http.OutgoingHttpHeaders = { 'content-type': r.headers['content-type'] ?? 'application/octet-stream' };
    if (Number.isFinite(len)) headers['content-length'] = len;
    if (r.headers['last-modified']) headers['last-modified'] = r.headers['last-modified'];
    res.writeHead(200, headers);
    return new Promise<boolean>((resolve) => {
      r.on('data', (b: Buffer) => {
        got += b.length;
        sha.update(b);
        out.write(b);
        if (req.method !== 'HEAD') res.write(b);
      });
      const fail = () => {
        out.destroy();
        fs.rmSync(part, { force: true });
        res.destroy();
        resolve(false);
      };
      r.on('error', fail);
      r.on('aborted', fail);
      r.on('end', () => {
        stats.bytesFetched += got;
        out.end(() => {
          const complete = !Number.isFinite(len) || got === len;
          const verified = kind !== 'byhash' || sha.digest('hex') === key.slice('sha256-'.length);
          let kept = false;
          try {
            if (complete && verified) {
              fs.renameSync(part, path.join(dir, key));
              kept = true;
            }
          } catch {}
          if (!kept) fs.rmSync(part, { force: true });
          res.end();
          resolve(kept);
        });
      });
    });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let u: URL;
    try {
      u = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (u.protocol !== 'http:') {
      res.writeHead(400).end();
      return;
    }
    const refused = (why: string) => void res.writeHead(403, { 'content-type': 'text/plain' }).end(`lblab apt proxy: refused: ${why}\n`);
    const why = targetRefusal(u, mirrors);
    if (why) return refused(why);
    const dest = await destOf(u);
    if ('refusal' in dest) return refused(dest.refusal);
    const kind = classify(u.pathname);
    if (kind === 'other' || req.headers.range) return forward(u, req, res);
    const key = cacheKey(u, kind);
    const cached = path.join(dir, key);
    const fromCache = async () => {
      const pending = inflight.get(key);
      if (pending) await pending;
      if (!fs.existsSync(cached)) return false;
      const now = new Date();
      fs.utimesSync(cached, now, now);
      sendFile(cached, req, res, 'cache');
      return true;
    };
    if (await fromCache()) return;
    if (kind === 'deb') {
      const local = archives.get(decodeURIComponent(u.pathname.split('/').pop() ?? ''));
      if (local) {
        const size = await remoteSize(u);
        let st: fs.Stats | undefined;
        try {
          st = fs.statSync(local);
        } catch {}
        if (st && size === st.size) return sendFile(local, req, res, 'host');
      }
      if (await fromCache()) return; // fetched by another request meanwhile
    }
    const p = fetchInto(u, key, kind, req, res);
    inflight.set(key, p);
    try {
      await p;
    } finally {
      inflight.delete(key);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`lblab apt proxy: ${e.message}\n`);
      else res.destroy();
    });
  });
  // No tunnels (https, anything else): apt's http sources are all it serves.
  server.on('connect', (_req, socket: import('node:net').Socket) => socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n'));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
        if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
      }),
  };
}

/** Where the proxy keeps its downloads between builds. */
export function defaultAptCacheDir(): string {
  if (process.env.LBLAB_APT_CACHE) return path.resolve(process.env.LBLAB_APT_CACHE);
  if (process.getuid?.() === 0) return '/var/cache/lblab/apt';
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'lblab', 'apt');
}
