// wrk: the command lines a comparison runs in the clients, and the parser of
// wrk's `--latency` report. wrk prints sizes in 1024-based units (KB, MB, GB)
// and times in us/ms/s/m/h; `N requests in Xs, Y read` is the exact total.
import { COMPARE_OBJECTS, type Protocol } from '../../api';
import { loadCommand, loadSetup, loadUrl, parseWsLoad, serveCheck } from './protocol-load';

export interface WrkReport {
  requests: number;
  seconds: number;
  /** bytes wrk read (responses with their headers) */
  bytes: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number };
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
}

const SIZE: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** One wrk report; throws one line (wrk's own complaint) when there is none. */
export function parseWrk(out: string): WrkReport {
  const ws = parseWsLoad(out);
  if (ws) return ws;
  const total = out.match(/(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)(B|KB|MB|GB|TB) read/);
  if (!total) {
    const why = out.trim().split('\n').filter(Boolean).pop();
    throw new Error(`wrk printed no result${why ? `: ${why.trim()}` : ' (it was killed or never started)'}`);
  }
  const lat = (p: string) => {
    const m = out.match(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm'));
    return m ? Number(m[1]) * TIME_MS[m[2]] : 0;
  };
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const requests = Number(total[1]);
  const seconds = (Number(total[2]) * TIME_MS[total[3]]) / 1000;
  return {
    requests,
    seconds,
    bytes: Math.round(Number(total[4]) * SIZE[total[5]]),
    requestsPerSec: seconds > 0 ? requests / seconds : 0,
    latencyMs: { p50: lat('50'), p90: lat('90'), p99: lat('99') },
    non2xx: Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0),
    socketErrors: sock
      ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}

export const wrkErrors = (r: WrkReport) => r.non2xx + r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout;

export interface WrkTotals {
  requests: number;
  bytes: number;
  throughputMbps: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number };
  errors: number;
}

/**
 * Several wrk processes that ran at once, as one load: rates add up; the
 * percentiles are averaged weighted by each process's requests (wrk's
 * histograms are not in its output, so they cannot be merged exactly).
 */
export function combineWrk(reports: WrkReport[]): WrkTotals {
  const sum = (f: (r: WrkReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  const requests = sum((r) => r.requests);
  const weighted = (f: (r: WrkReport) => number) =>
    requests > 0 ? sum((r) => f(r) * r.requests) / requests : reports.length ? sum(f) / reports.length : 0;
  return {
    requests,
    bytes: sum((r) => r.bytes),
    throughputMbps: sum((r) => (r.seconds > 0 ? (r.bytes * 8) / r.seconds / 1e6 : 0)),
    requestsPerSec: sum((r) => r.requestsPerSec),
    latencyMs: { p50: weighted((r) => r.latencyMs.p50), p90: weighted((r) => r.latencyMs.p90), p99: weighted((r) => r.latencyMs.p99) },
    errors: sum(wrkErrors),
  };
}

/** The path a comparison fetches: a named object (1k → /1k.bin) or the path as given. */
export function objectPath(object: string): string {
  if ((COMPARE_OBJECTS as readonly string[]).includes(object)) return `/${object}.bin`;
  return object;
}

/** The header the lab servers count requests by (lab-images/server/nginx.conf). */
export const COUNT_HEADER = 'X-Lblab-Count: 1';

export interface WrkJob { target: string; port: number; connections: number }

/** A run's folder in the client (tag: `<comparison id>-<n>`): outputs and the pids to interrupt. */
export const wrkDir = (tag: string) => `/tmp/lblab-wrk-${tag}`;

/** Marker between the outputs of the wrk processes of one client. */
export const WRK_END = '=== lblab wrk end';

export interface LoadPlan {
  /** where the load goes, checked first: each must answer (curl) before any wrk starts */
  urls: string[];
  /** the service's protocol (absent: http): what the load speaks (protocol-load.ts) */
  protocol?: Protocol;
  jobs: WrkJob[];
  path: string;
  warmup: number;
  duration: number;
  tag: string;
  /** curl attempts (0.2 s apart) before a URL counts as not answering */
  serveTries: number;
  /**
   * Wall-clock ms (the kernel's, shared by every node) at which the measured
   * wrk starts, so several clients load at once; a client that gets there
   * later starts at once. Unset: right after the warm-up.
   */
  startAt?: number;
  /** false: wrk asks for a new connection per request (Connection: close) */
  keepAlive?: boolean;
}

/** Longest wait for `startAt` (a clock far off is not waited for). */
const MAX_BARRIER_MS = 5000;

/** Sleep until wall-clock ms `t` (GNU date's ms; with another image's date, or a time past or far off, no wait). */
export function waitUntilScript(t: number): string {
  return [
    `now=$(date +%s%3N 2>/dev/null); case "$now" in ''|*[!0-9]*) d=0 ;; *) d=$((${Math.round(t)} - now)) ;; esac`,
    `if [ $d -gt 0 ] && [ $d -lt ${MAX_BARRIER_MS} ]; then sleep $(printf '%d.%03d' $((d / 1000)) $((d % 1000))); fi`,
  ].join('\n');
}

/**
 * One client's whole run in one exec: wait until the targets answer, warm up
 * (wrk, not counted), then the measured wrk, bracketed by `mark start|end
 * <uptime>` lines (the kernel's clock, the one the samplers use), then the
 * reports. No exec round trip between the phases: the runner reads the marks
 * as they stream. Exit 3 when a target does not answer.
 */
/** Until each URL serves (tries × 0.2 s); then on, else why not on stderr and exit 3 (after `cleanup`). */
export function serveWaitLines(protocol: LoadPlan['protocol'], urls: string[], tries: number, cleanup = ''): string[] {
  return urls.map(
    (u) => `i=0; until ${serveCheck(protocol, u)}; do i=$((i+1)); if [ $i -ge ${tries} ]; then echo "${u}: $(curl -sS -o /dev/null --max-time 2 '${u}' 2>&1 | tail -n1)" >&2; ${cleanup}exit 3; fi; sleep 0.2; done`,
  );
}

export function loadScript(l: LoadPlan): string {
  const dir = wrkDir(l.tag);
  // threads: one per connection up to 2 (lab hosts are small; more threads than cores only add noise);
  // always a port in the URL: the lab images have no /etc/services to resolve "http"
  const wrkLines = (seconds: number, counted: boolean, prefix: string) =>
    l.jobs.map((j, i) => {
      const header = (counted ? ` -H '${COUNT_HEADER}'` : '') + (l.keepAlive === false ? " -H 'Connection: close'" : '');
      const url = loadUrl(l.protocol, j.target, j.port, l.path);
      return `${loadCommand(l.protocol, { url, connections: j.connections, seconds, header, dir, out: `${dir}/${prefix}${i}` })} &\necho $! >> ${dir}/pids`;
    });
  return [
    `rm -rf ${dir}; mkdir -p ${dir}`,
    ...loadSetup(l.protocol, dir),
    ...serveWaitLines(l.protocol, l.urls, l.serveTries, `rm -rf ${dir}; `),
    'echo "mark serving"',
    ...(l.warmup > 0 ? [...wrkLines(l.warmup, false, 'w'), 'wait'] : []),
    ...(l.startAt !== undefined ? [waitUntilScript(l.startAt)] : []),
    'read up idle < /proc/uptime; echo "mark start $up"',
    ...wrkLines(l.duration, true, ''),
    'wait',
    'read up idle < /proc/uptime; echo "mark end $up"',
    `for i in ${l.jobs.map((_, i) => i).join(' ')}; do cat ${dir}/$i; echo '${WRK_END}'; done`,
    `rm -rf ${dir}`,
    `echo '${LOAD_DONE}'`,
  ].join('\n');
}

/** The last line of a loadScript's output: everything is there (no need to wait for the exec's own end). */
export const LOAD_DONE = 'mark done';

/** The uptime marks of a loadScript run, in ms. */
export function parseMarks(out: string): { start?: number; end?: number } {
  const at = (k: string) => {
    const m = out.match(new RegExp(`^mark ${k} (\\d+(?:\\.\\d+)?)$`, 'm'));
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  };
  return { start: at('start'), end: at('end') };
}

/** Interrupt every wrk a comparison started in this node (SIGINT: wrk stops at once). */
export function killWrkScript(id: string): string {
  return `for f in /tmp/lblab-wrk-${id}-*/pids; do [ -f "$f" ] && kill -INT $(cat "$f") 2>/dev/null; done; true`;
}

/** The reports a wrkScript printed, in job order; throws the first missing one's reason. */
export function parseWrkScript(out: string, jobs: number): WrkReport[] {
  const parts = out.split(WRK_END);
  const complete = parts.length - 1; // text after the last marker is no report
  if (complete < jobs) throw new Error(`wrk printed ${complete} of ${jobs} reports (it was killed)`);
  return parts.slice(0, jobs).map(parseWrk);
}

/** Split `total` as evenly as possible into `n` parts (the first ones get the remainder). */
export function splitEven(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => base + (i < total % n ? 1 : 0));
}
