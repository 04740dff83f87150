// A comparison's load in the service's own protocol, as shell lines for the
// clients (wrk.ts puts them in its load script):
// - http: wrk GETs of the object (wrk.ts's own line);
// - tcp (etcd): wrk POSTs of etcd puts to the etcd's JSON gateway (/v3/kv/put,
//   on the same client port as its gRPC): each request is one real put, through
//   the same connection-level balancing as etcdctl's gRPC;
// - websocket: lblab-ws --load: connections held open for the whole run, each
//   sending messages back to back, the echoes counted as requests.
// lblab-ws prints one JSON summary; parseWsLoad makes it a wrk-shaped report.
import type { Protocol } from '../../api';
import type { WrkReport } from './wrk';

/** Where a load goes, as the serve check and the job lines address it. */
export function loadUrl(protocol: Protocol | undefined, target: string, port: number, path: string): string {
  // an IPv6 address in brackets (RFC 3986)
  const host = target.includes(':') ? `[${target}]:${port}` : `${target}:${port}`;
  if (protocol === 'tcp') return `http://${host}/v3/kv/put`;
  if (protocol === 'websocket') return `ws://${host}${path}`;
  return `http://${host}${path}`;
}

/** A shell condition true when the URL answers in its protocol (etcd: its health endpoint; WebSocket: one echo). */
export function serveCheck(protocol: Protocol | undefined, url: string): string {
  // -g: an IPv6 address's brackets are the URL's, not a glob
  if (protocol === 'tcp') return `curl -gfsS -o /dev/null --max-time 2 '${url.replace(/\/v3\/kv\/put$/, '/health')}' 2>/dev/null`;
  if (protocol === 'websocket') return `lblab-ws --timeout 2 '${url}' lblab-serving >/dev/null 2>&1`;
  return `curl -gfsS -o /dev/null --max-time 2 '${url}' 2>/dev/null`;
}

/** etcd puts for wrk, all of one key (the store grows by its revisions only). */
export const ETCD_PUT_LUA = [
  'wrk.method = "POST"',
  // {"key": base64("lblab/compare"), "value": base64("x")} (the JSON gateway takes bytes as base64)
  'wrk.body = \'{"key":"bGJsYWIvY29tcGFyZQ==","value":"eA=="}\'',
  'wrk.headers["Content-Type"] = "application/json"',
].join('\n');

/** Setup lines (once per run, in its folder) a protocol's load needs. */
export function loadSetup(protocol: Protocol | undefined, dir: string): string[] {
  return protocol === 'tcp' ? [`cat > ${dir}/etcd-put.lua <<'LUA'\n${ETCD_PUT_LUA}\nLUA`] : [];
}

/** One load process for a job (its output to `out`); the wrk command as wrk.ts writes it for http and tcp. */
export function loadCommand(protocol: Protocol | undefined, o: { url: string; connections: number; seconds: number; header: string; dir: string; out: string }): string {
  if (protocol === 'websocket') return `lblab-ws --load -c ${o.connections} -d ${o.seconds} --timeout 5 '${o.url}' > ${o.out} 2>&1`;
  const script = protocol === 'tcp' ? ` -s ${o.dir}/etcd-put.lua` : '';
  return `wrk -t${Math.min(2, o.connections)} -c${o.connections} -d${o.seconds}s --timeout 5s --latency${o.header}${script} '${o.url}' > ${o.out} 2>&1`;
}

interface WsLoadSummary {
  seconds: number;
  messages: number;
  /** bytes of the echoes received */
  bytes?: number;
  errors: { connect: number; message: number };
  latencyMs: { p50: number | null; p90: number | null; p99: number | null };
}

/** lblab-ws --load's summary as a wrk report (messages as requests); undefined when the text is not one. */
export function parseWsLoad(out: string): WrkReport | undefined {
  const line = out.trim().split('\n').find((l) => l.startsWith('{"connections"'));
  if (!line) return undefined;
  const s = JSON.parse(line) as WsLoadSummary;
  return {
    requests: s.messages,
    seconds: s.seconds,
    bytes: s.bytes ?? 0,
    requestsPerSec: s.seconds > 0 ? s.messages / s.seconds : 0,
    latencyMs: { p50: s.latencyMs.p50 ?? 0, p90: s.latencyMs.p90 ?? 0, p99: s.latencyMs.p99 ?? 0 },
    non2xx: 0,
    socketErrors: { connect: s.errors.connect, read: s.errors.message, write: 0, timeout: 0 },
  };
}
