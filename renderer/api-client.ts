// How the renderer reaches the LabApi: the Electron preload bridge when present,
// otherwise the web transport (POST /api/invoke + WebSocket /api/events).
import type { ApiMethod, LabApi, LabEvent, PreloadBridge, ShellApi } from '../electron/api';
import { API_METHODS, oneLine } from '../electron/api';

/** Anything thrown as one readable line: the helper every side shares. */
export { oneLine };

export type EventListener = (e: LabEvent) => void;
export interface ApiClient {
  api: LabApi;
  onEvent(listener: EventListener): () => void;
  shell?: ShellApi;
}

function makeApi(invoke: (method: ApiMethod, args: unknown[]) => Promise<unknown>): LabApi {
  const api: Record<string, unknown> = {};
  for (const m of API_METHODS) api[m] = (...args: unknown[]) => invoke(m, args);
  return api as unknown as LabApi;
}

export function bridgeClient(bridge: PreloadBridge): ApiClient {
  return {
    api: makeApi(async (method, args) => {
      try {
        return await bridge.invoke(method, args);
      } catch (e) {
        throw new Error(oneLine(e));
      }
    }),
    onEvent: (l) => bridge.onEvent(l),
    shell: bridge.shell,
  };
}

export interface WebClientOptions {
  /** base URL of the server, default: the page's origin */
  base?: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

/** Calls retried when the request never got an answer. A browser aborts in-flight
 * requests when the host's network changes (Chromium: ERR_NETWORK_CHANGED), which
 * happens every time Docker creates or removes a bridge. Reads and idempotent calls
 * are safe to repeat; terminal calls are repeated too (a lost keystroke or session
 * is worse than a rare duplicate). Only deploy is never repeated: it is long and a
 * second concurrent deploy of the same lab would be refused. */
export const RETRYABLE: ReadonlySet<ApiMethod> = new Set<ApiMethod>([
  'info', 'parseLab', 'validateLab', 'formatLab', 'listTemplates', 'getTemplate', 'listLabs',
  'status', 'stats', 'setMode', 'destroy',
  'openTerminal', 'terminalInput', 'resizeTerminal', 'closeTerminal', 'modeAvailability', 'listEngines', 'useEngine',
]);

const QUICK_MS: Partial<Record<ApiMethod, number>> = {
  info: 20_000, parseLab: 20_000, validateLab: 20_000, formatLab: 20_000, listTemplates: 20_000, getTemplate: 20_000,
  modeAvailability: 20_000, listLabs: 20_000, status: 30_000, stats: 30_000, openTerminal: 60_000, terminalInput: 20_000, resizeTerminal: 20_000, closeTerminal: 20_000,
  // each engine is asked for 5 s at most, all at once
  listEngines: 30_000, useEngine: 30_000,
};

/** POST {method,args} → 200 {result} | 4xx/5xx {error}. */
export function webInvoke(opts: WebClientOptions & { retries?: number; retryDelayMs?: number } = {}) {
  const f = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const base = opts.base ?? '';
  const retries = opts.retries ?? 6;
  const delay = opts.retryDelayMs ?? 250;
  return async (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    let res: Response;
    for (let attempt = 0; ; attempt++) {
      // quick calls get a deadline per attempt: a request caught in a network change can
      // also hang instead of failing; long calls (deploy, destroy, setMode) have none
      const limit = QUICK_MS[method];
      const ctl = limit ? new AbortController() : undefined;
      const timer = ctl && limit ? setTimeout(() => ctl.abort(new Error(`no answer in ${limit / 1000} s`)), limit) : undefined;
      try {
        res = await f(`${base}/api/invoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ method, args }),
          signal: ctl?.signal,
        });
        clearTimeout(timer);
        break;
      } catch (e) {
        clearTimeout(timer);
        if (attempt < retries && RETRYABLE.has(method)) {
          await new Promise((r) => setTimeout(r, delay * (attempt + 1)));
          continue;
        }
        throw new Error(`${method}: cannot reach the lblab server (${oneLine(e)})`);
      }
    }
    let body: unknown;
    const text = await res.text();
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const err = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : undefined;
      if (typeof err === 'string' && err.trim()) throw new Error(oneLine(err));
      throw new Error(`${method}: server answered ${res.status} ${res.statusText || ''}`.trim());
    }
    if (!body || typeof body !== 'object') throw new Error(`${method}: malformed answer from the server`);
    return (body as { result?: unknown }).result;
  };
}

/** One WebSocket for events, reconnecting with backoff (0.5 s doubling to 10 s). */
export function webEvents(opts: WebClientOptions = {}) {
  const listeners = new Set<EventListener>();
  const WS = opts.WebSocket ?? globalThis.WebSocket;
  let ws: WebSocket | null = null;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const url = () => {
    if (opts.base) return opts.base.replace(/^http/, 'ws') + '/api/events';
    const loc = globalThis.location;
    return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/events`;
  };
  const connect = () => {
    timer = null;
    if (!WS || listeners.size === 0) return;
    try {
      ws = new WS(url());
    } catch {
      schedule();
      return;
    }
    ws.onopen = () => {
      delay = 500;
    };
    ws.onmessage = (m) => {
      let e: LabEvent;
      try {
        e = JSON.parse(typeof m.data === 'string' ? m.data : '') as LabEvent;
      } catch {
        return;
      }
      for (const l of [...listeners]) l(e);
    };
    ws.onclose = () => {
      ws = null;
      schedule();
    };
  };
  const schedule = () => {
    if (timer || listeners.size === 0) return;
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10_000);
  };
  return (listener: EventListener) => {
    listeners.add(listener);
    if (!ws && !timer) connect();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        if (timer) clearTimeout(timer);
        timer = null;
        const s = ws;
        ws = null;
        if (s) {
          s.onclose = null;
          s.close();
        }
      }
    };
  };
}

export function webClient(opts: WebClientOptions & { retries?: number; retryDelayMs?: number } = {}): ApiClient {
  return { api: makeApi(webInvoke(opts)), onEvent: webEvents(opts) };
}

let cached: ApiClient | null = null;
export function getApi(): ApiClient {
  if (cached) return cached;
  const bridge = (globalThis as { lblab?: PreloadBridge }).lblab;
  cached = bridge ? bridgeClient(bridge) : webClient();
  return cached;
}
