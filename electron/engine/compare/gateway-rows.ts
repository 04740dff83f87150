// A comparison across l7 gateways: the live switch, each run's gateway
// figures from the balancer's samples, the per-gateway summary and the
// one-sentence verdict on which I/O model held.
import { EVENT_DRIVEN, GATEWAY_MODELS, type CompareRun, type CompareSummary, type Gateway } from '../../api';
import type { Snapshot } from './counters';
import { balancerResponseShare, median, spread } from './summary';

/**
 * Switch the service to `gateway` started afresh: through another gateway
 * first, so a queue or memory the last run left (the same gateway runs twice
 * in a row where the rounds turn) is gone. Names are checked before (NAME_RE, the gateway list).
 */
export function gatewaySwitchScript(service: string, gateway: Gateway, workers?: number): string {
  const other: Gateway = gateway === 'haproxy' ? 'nginx' : 'haproxy';
  return `lbagent gateway ${service} ${other} >/dev/null && lbagent gateway ${service} ${gateway}${workers !== undefined ? ` --workers ${Math.round(workers)}` : ''}`;
}

type Figures = Required<Pick<CompareRun, 'gateway' | 'gatewayMemoryBytes' | 'gatewayProcesses' | 'gatewayThreads' | 'gatewayContextSwitches' | 'waitedForWorker' | 'failedRequests'>>;

/** Peaks over the run (memory, processes, threads, queue) and the context switches between its first and last sample. */
export function gatewayFigures(gateway: Gateway, snaps: Snapshot[], failed: number): Figures {
  const g = snaps.map((x) => x.gateway).filter((x) => x !== undefined);
  const peak = (f: (x: (typeof g)[number]) => number) => g.reduce((a, x) => Math.max(a, f(x)), 0);
  const cs = g.length > 1 ? g[g.length - 1].contextSwitches - g[0].contextSwitches : 0;
  return {
    gateway,
    gatewayMemoryBytes: peak((x) => x.rssBytes),
    gatewayProcesses: peak((x) => x.processes),
    gatewayThreads: peak((x) => x.threads),
    // processes that ended took their counts with them: never below zero
    gatewayContextSwitches: Math.max(0, cs),
    waitedForWorker: peak((x) => x.queued),
    failedRequests: failed,
  };
}

/** One entry per gateway (in order) that has a run with numbers: medians of its runs. */
export function summarizeGateways(gateways: Gateway[], runs: CompareRun[], connections: number): CompareSummary[] {
  const out: CompareSummary[] = [];
  for (const gateway of gateways) {
    const ok = runs.filter((r) => r.gateway === gateway && !r.error);
    if (!ok.length) continue;
    const med = (f: (r: CompareRun) => number | undefined) => median(ok.map((r) => f(r) ?? 0));
    const memory = med((r) => r.gatewayMemoryBytes);
    out.push({
      mode: 'l7',
      gateway,
      throughputMbps: spread(ok.map((r) => r.throughputMbps)),
      requestsPerSec: spread(ok.map((r) => r.requestsPerSec)),
      latencyMs: { p50: med((r) => r.latencyMs.p50), p90: med((r) => r.latencyMs.p90), p99: med((r) => r.latencyMs.p99) },
      errors: ok.reduce((a, r) => a + r.errors, 0),
      balancerResponseShare: balancerResponseShare(ok),
      gatewayMemoryBytes: Math.round(memory),
      gatewayProcesses: Math.round(med((r) => r.gatewayProcesses)),
      gatewayThreads: Math.round(med((r) => r.gatewayThreads)),
      gatewayContextSwitches: Math.round(med((r) => r.gatewayContextSwitches)),
      waitedForWorker: Math.round(med((r) => r.waitedForWorker)),
      failedRequests: Math.round(med((r) => r.failedRequests)),
      memoryPerConnectionBytes: connections > 0 ? Math.round(memory / connections) : 0,
    });
  }
  return out;
}

const kb = (b: number) => `${Math.round(b / 1024)} kB`;

/**
 * Which I/O model held, in one sentence: a gateway held when no request
 * failed, no connection waited for a worker (Apache) and it served at least
 * half the best rate; the others are named with what gave.
 */
export function gatewayVerdict(summary: CompareSummary[], connections: number): string | undefined {
  const rows = summary.filter((s) => s.gateway);
  if (!rows.length) return undefined;
  const best = Math.max(...rows.map((s) => s.requestsPerSec.median));
  // a queue in front of haproxy or nginx waits for a busy CPU, not for a worker: it counts against Apache's MPMs only
  const queued = (s: CompareSummary) => s.gateway!.startsWith('apache-') && (s.waitedForWorker ?? 0) >= Math.max(1, connections * 0.05);
  const held = rows.filter((s) => !s.failedRequests && !queued(s) && s.requestsPerSec.median >= best * 0.5);
  const gave = rows.filter((s) => !held.includes(s));
  const perConn = (s: CompareSummary) => kb(s.memoryPerConnectionBytes ?? 0);
  const first = held.length
    ? `${held.map((s) => `${s.gateway} (${perConn(s)}/connection)`).join(', ')} held ${connections} connections` +
      (held.every((s) => EVENT_DRIVEN.includes(s.gateway!)) ? ', an event loop parking each waiting connection for a few kB' : ` (${[...new Set(held.map((s) => GATEWAY_MODELS[s.gateway!]))].join('; ')})`)
    : `no gateway held ${connections} connections`;
  if (!gave.length) return `${first}.`;
  const why = (s: CompareSummary) => {
    const what = s.failedRequests ? `${s.failedRequests} requests failed` : queued(s) ? `${s.waitedForWorker} connections waited for a free worker` : `${Math.round(s.requestsPerSec.median)} requests/s`;
    return `${s.gateway} (${GATEWAY_MODELS[s.gateway!]}, ${s.gatewayProcesses} processes, ${s.gatewayThreads} threads, ${perConn(s)}/connection): ${what}`;
  };
  return `${first}; ${gave.map(why).join('; ')}.`;
}
