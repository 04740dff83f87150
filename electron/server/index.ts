// Web mode: the renderer and the LabApi over HTTP + WebSocket, on loopback only.
//   GET  /?token=T     trades the token for a cookie, redirects to / (token.ts)
//   GET  /*            built renderer (SPA fallback to index.html); the page needs the token, assets do not
//   POST /api/invoke   {method, args} -> 200 {result} | 4xx/5xx {error: "<one line>"}
//   GET  /api/events   WebSocket: one JSON LabEvent per message
// Every /api/ request carries the token (cookie or Authorization: Bearer), else 401.
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { ApiError, dispatch, oneLine, type ApiMethod, type LabEvent } from '../api.js';
import type { LabService } from '../api/host.js';
import { applyHeaders, isJson, parseAllowedOrigins, refuseReason, securityHeaders } from './security.js';
import { serveStatic } from './static.js';
import { findAppRoot, RENDERER_OUT } from './paths.js';
import { ensureRendererBuilt } from './renderer-build.js';
import { withShell } from './with-shell.js';
import { authorized, newToken, sessionCookie, tokenMatches, UNAUTHORIZED } from './token.js';

export interface ServerOptions {
  /** 0 picks a free port; default 7470 */
  port?: number;
  /** loopback only: 127.0.0.1 (default) or localhost */
  host?: string;
  /** the LabApi and its events; defaults to the real engine (createLabEngine), then closed with the server */
  api?: Pick<LabService, ApiMethod | 'subscribe'>;
  /** defaults to <app>/.vite/renderer/main_window, built on first use */
  staticDir?: string;
  /** loopback origins trusted besides our own, e.g. a Vite dev server proxying to us; default: LBLAB_ALLOWED_ORIGINS */
  allowedOrigins?: string[];
  /** request body limit in bytes (parseLab accepts up to 1 MB of YAML, JSON-escaped) */
  maxBody?: number;
  log?: (line: string) => void;
  /** the API token; default: a new random one per start */
  token?: string;
}

export interface RunningServer {
  /** what to open: the base URL with `?token=…` */
  url: string;
  /** http://127.0.0.1:PORT/ */
  base: string;
  /** the API token (cookie or Authorization: Bearer) */
  token: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7470;
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);
const MAX_WS_BACKLOG = 16 * 1024 * 1024;

/** Paths that serve the page itself (index.html or the SPA fallback), not an asset. */
function isPage(pathname: string): boolean {
  const last = pathname.split('/').pop() ?? '';
  return !path.extname(last) || last.endsWith('.html');
}

export function statusFor(e: unknown): number {
  if (e instanceof ApiError) {
    return { 'bad-request': 400, 'not-found': 404, conflict: 409, engine: 500 }[e.code] ?? 500;
  }
  return 500;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

class TooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new TooLarge());
        req.pause();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`refusing to listen on ${host}: lblab serve binds to loopback only (it controls your Docker engine)`);
  const log = opts.log ?? ((l: string) => console.log(l));
  const allowedOrigins = parseAllowedOrigins(opts.allowedOrigins ?? process.env.LBLAB_ALLOWED_ORIGINS);
  const maxBody = opts.maxBody ?? 4 * 1024 * 1024;
  const appRoot = findAppRoot();
  const staticDir = path.resolve(opts.staticDir ?? path.join(appRoot, RENDERER_OUT));
  if (!opts.staticDir) await ensureRendererBuilt(appRoot, staticDir, log);

  const owned = opts.api ? undefined : (await import('../engine/lab-engine.js')).createLabEngine({ shell: 'web' });
  const api = opts.api ?? owned!;
  const webApi = withShell(api, 'web');
  let port = opts.port ?? DEFAULT_PORT;
  const token = opts.token ?? newToken();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { error: oneLine(e) });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    applyHeaders(res, securityHeaders(port));
    const refused = refuseReason(req, { port, allowedOrigins });
    if (refused) return sendJson(res, 403, { error: refused });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return sendJson(res, 400, { error: 'bad request: malformed URL' });
    }
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (isApi && !authorized(req, port, token)) return sendJson(res, 401, { error: UNAUTHORIZED });
    if (!isApi && url.searchParams.has('token') && (req.method === 'GET' || req.method === 'HEAD')) return login(url, res);
    // the page needs the token (without it every call would fail); its assets do not
    if (!isApi && isPage(url.pathname) && !authorized(req, port, token)) {
      res.statusCode = 401;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      return void res.end(`lblab: ${UNAUTHORIZED}\n`);
    }

    if (url.pathname === '/api/invoke') {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        return sendJson(res, 405, { error: 'method not allowed: use POST /api/invoke' });
      }
      if (!isJson(req)) return sendJson(res, 415, { error: 'unsupported media type: Content-Type must be application/json' });
      let body: string;
      try {
        body = await readBody(req, maxBody);
      } catch (e) {
        if (e instanceof TooLarge) {
          res.setHeader('Connection', 'close');
          return sendJson(res, 413, { error: `request body larger than ${maxBody} bytes` });
        }
        throw e;
      }
      let call: { method?: unknown; args?: unknown };
      try {
        call = JSON.parse(body);
      } catch {
        return sendJson(res, 400, { error: 'bad request: body is not valid JSON' });
      }
      if (!call || typeof call !== 'object' || typeof call.method !== 'string') {
        return sendJson(res, 400, { error: 'bad request: expected {"method": string, "args": [...]}' });
      }
      try {
        const result = await dispatch(webApi, call.method, call.args ?? []);
        return sendJson(res, 200, { result: result ?? null });
      } catch (e) {
        return sendJson(res, statusFor(e), { error: oneLine(e) });
      }
    }
    if (url.pathname === '/api/events') return sendJson(res, 426, { error: 'upgrade required: /api/events is a WebSocket' });
    if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: `no such endpoint: ${url.pathname}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `method not allowed: ${req.method}` });
    }
    serveStatic(staticDir, url.pathname, req, res);
  }

  /** `/?token=T`: a valid token becomes our cookie, and the token leaves the address bar (and history). */
  function login(url: URL, res: http.ServerResponse): void {
    res.setHeader('Cache-Control', 'no-store');
    if (!tokenMatches(token, url.searchParams.get('token') ?? undefined)) {
      res.statusCode = 401;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      return void res.end('lblab: this link\'s token is not the one of this server (lblab serve prints a new one at every start)\n');
    }
    url.searchParams.delete('token');
    res.statusCode = 303;
    res.setHeader('Set-Cookie', sessionCookie(port, token));
    res.setHeader('Location', `${url.pathname}${url.search}`);
    res.end();
  }

  // Events: one subscription to the engine while at least one client is
  // connected, fanned out to every client. When the last browser leaves, the
  // engine sees its last subscriber go (and stops what only a viewer needs:
  // live captures).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  let subscription: (() => void) | undefined;
  const fanOut = (e: LabEvent) => {
    const text = JSON.stringify(e);
    for (const client of wss.clients) {
      if (client.readyState !== WebSocket.OPEN) continue;
      // A tab that stopped reading (suspended, hung) must not make us buffer a terminal flood forever.
      if (client.bufferedAmount > MAX_WS_BACKLOG) client.terminate();
      else client.send(text);
    }
  };
  const unsubscribe = () => {
    subscription?.();
    subscription = undefined;
  };
  wss.on('connection', (ws: WebSocket) => {
    subscription ??= api.subscribe(fanOut);
    ws.on('close', () => {
      if (!wss.clients.size) unsubscribe();
    });
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    };
    socket.on('error', () => socket.destroy());
    const refused = refuseReason(req, { port, allowedOrigins });
    if (refused) return refuse(403, refused);
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (!authorized(req, port, token)) return refuse(401, UNAUTHORIZED);
    if (pathname !== '/api/events') return refuse(404, 'not found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      // The channel is server -> client only; anything the client sends is ignored.
      ws.on('error', () => ws.terminate());
      wss.emit('connection', ws, req);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      unsubscribe();
      if (e.code === 'EADDRINUSE') reject(new Error(`port ${port} on ${host} is already in use (choose another with --port, or --port 0 for any free port)`));
      else if (e.code === 'EACCES') reject(new Error(`not allowed to listen on ${host}:${port} (choose a port above 1024)`));
      else reject(new Error(`cannot listen on ${host}:${port}: ${oneLine(e)}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (e) => {
    await owned?.close().catch(() => undefined);
    throw e;
  });
  port = (server.address() as { port: number }).port;
  const urlHost = host;

  let closing: Promise<void> | undefined;
  const base = `http://${urlHost}:${port}/`;
  return {
    url: `${base}?token=${token}`,
    base,
    token,
    port,
    close() {
      closing ??= (async () => {
        unsubscribe();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await owned?.close();
      })();
      return closing;
    },
  };
}

/** `lblab serve`: start, print the URL line, stop cleanly on Ctrl-C / SIGTERM. */
export async function serveMain(port: number = DEFAULT_PORT, opts: Omit<ServerOptions, 'port'> = {}): Promise<RunningServer> {
  const running = await startServer({ ...opts, port });
  console.log(`lblab: web UI at ${running.url}`);
  const stop = () => {
    void running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return running;
}
