// Comparisons for the Compare panel tests, built the way the engine reports them.
import type { CompareRow, CompareRun, CompareSummary, Comparison } from '../../../electron/api';

export function run(mode: CompareRow, repetition: number, mbps: number, o: Partial<CompareRun> = {}): CompareRun {
  return {
    mode,
    repetition,
    throughputMbps: mbps,
    requestsPerSec: mbps / 8,
    latencyMs: { p50: 1, p90: 2, p99: 4 },
    errors: 0,
    backendShares: { web1: 0.5, web2: 0.5 },
    balancerBytes: { eth0: { rx: 100, tx: 10 }, eth1: { rx: 0, tx: 100 } },
    responseBytes: 1000,
    balancerCpuSeconds: 0.1,
    ...o,
  };
}

/** A run that failed: an error and none of the numbers (what a crashed wrk leaves). */
export function failedRun(mode: CompareRow, repetition: number, error: string): CompareRun {
  return { mode, repetition, error } as unknown as CompareRun;
}

export function summary(mode: CompareRow, median: number, o: Partial<CompareSummary> = {}): CompareSummary {
  return {
    mode,
    throughputMbps: { median, min: median * 0.9, max: median * 1.2 },
    requestsPerSec: { median: median / 8, min: median / 10, max: median / 6 },
    latencyMs: { p50: 1, p90: 2, p99: 4 },
    errors: 0,
    balancerResponseShare: 0.5,
    ...o,
  };
}

export function comparison(modes: CompareRow[], summaries: CompareSummary[], runs: CompareRun[], o: Partial<Comparison> = {}): Comparison {
  return {
    id: 'cmp-1',
    lab: 'demo',
    service: 'web',
    complete: true,
    startedAt: '2026-11-28T10:00:00.000Z',
    finishedAt: '2026-11-28T10:05:00.000Z',
    environment: { kernel: '6.12', docker: '28', cpuModel: 'cpu', cpus: 2, loadBefore: [0.5], loadAfter: [1.5], linkRates: {}, offloads: {} },
    workload: { modes, object: '1m', connections: 4, duration: 10, warmup: 2, repeat: 3, clients: ['client1'] },
    summary: summaries,
    runs,
    ...o,
  };
}

/** dsr (3 good runs), nat (2 good, 1 failed), tunnel (every run failed, no summary), l7 (asked for, never run). */
export function mixed(): Comparison {
  return comparison(
    ['dsr', 'nat', 'tunnel', 'l7'],
    [summary('dsr', 2800, { balancerResponseShare: 0.02 }), summary('nat', 1000, { balancerResponseShare: 1.0 })],
    [
      run('dsr', 1, 2700, { backendShares: { web1: 0.2, web2: 0.3, web10: 0.5 }, balancerBytes: { eth0: { rx: 50, tx: 0 }, eth1: { rx: 0, tx: 50 } }, responseBytes: 3000 }),
      run('nat', 1, 1000, { backendShares: { web1: 0.5, web2: 0.5 }, balancerBytes: { eth0: { rx: 50, tx: 1000 }, eth1: { rx: 1000, tx: 50 } }, responseBytes: 1000 }),
      failedRun('tunnel', 1, 'wrk exited 1: connection refused'),
      run('dsr', 2, 2800, { backendShares: { web1: 0.4, web2: 0.3, web10: 0.3 }, balancerBytes: { eth0: { rx: 70, tx: 0 }, eth1: { rx: 0, tx: 70 } }, responseBytes: 3200 }),
      failedRun('nat', 2, 'switch timed out'),
      failedRun('tunnel', 2, 'wrk exited 1: connection refused'),
      run('dsr', 3, 2900, { backendShares: { web1: 0.3, web2: 0.3, web10: 0.4 }, balancerBytes: { eth0: { rx: 60, tx: 0 }, eth1: { rx: 0, tx: 60 } }, responseBytes: 3100 }),
      run('nat', 3, 1100, { backendShares: { web1: 0.7, web2: 0.3 }, balancerBytes: { eth0: { rx: 60, tx: 1200 }, eth1: { rx: 1200, tx: 60 } }, responseBytes: 1200 }),
    ],
    { complete: false, error: 'cancelled' },
  );
}
