// Per mode: the median and range of its repeated runs (failed runs left out),
// and how much of the response traffic crossed the balancer.
import type { CompareRow, CompareRun, CompareSummary, Hook, Spread } from '../../api';

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function spread(xs: number[]): Spread {
  if (!xs.length) return { median: 0, min: 0, max: 0 };
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** (max − min) ÷ median: how far repeated runs of one mode scatter. */
export const relativeSpread = (s: Spread) => (s.median > 0 ? (s.max - s.min) / s.median : 0);

/** Bytes the balancer transmitted (all interfaces) ÷ response bytes the clients received, over the runs given. */
export function balancerResponseShare(runs: CompareRun[]): number {
  const tx = runs.reduce((a, r) => a + Object.values(r.balancerBytes).reduce((b, v) => b + v.tx, 0), 0);
  const rx = runs.reduce((a, r) => a + r.responseBytes, 0);
  return rx > 0 ? tx / rx : 0;
}

/** One entry per mode (in `modes` order) that has at least one run with numbers. */
export function summarize(modes: CompareRow[], runs: CompareRun[]): CompareSummary[] {
  const out: CompareSummary[] = [];
  for (const mode of modes) {
    const ok = runs.filter((r) => r.mode === mode && !r.error);
    if (!ok.length) continue;
    out.push({
      mode,
      throughputMbps: spread(ok.map((r) => r.throughputMbps)),
      requestsPerSec: spread(ok.map((r) => r.requestsPerSec)),
      latencyMs: {
        p50: median(ok.map((r) => r.latencyMs.p50)),
        p90: median(ok.map((r) => r.latencyMs.p90)),
        p99: median(ok.map((r) => r.latencyMs.p99)),
      },
      errors: ok.reduce((a, r) => a + r.errors, 0),
      balancerResponseShare: balancerResponseShare(ok),
    });
  }
  return out;
}

/** A comparison across hooks: one entry per mode and hook (mode-major, in the orders given), each with the
 * balancer's eBPF program (medians of the runs that measured it; CPU: its CPU seconds ÷ the measured seconds). */
export function summarizeHooks(modes: CompareRow[], hooks: Hook[], runs: CompareRun[], seconds: number): CompareSummary[] {
  return modes.flatMap((mode) =>
    hooks.flatMap((hook) => {
      const mine = runs.filter((r) => r.hook === hook);
      const [s] = summarize([mode], mine);
      if (!s) return [];
      const measured = mine.filter((r) => r.mode === mode && !r.error && r.program).map((r) => r.program!);
      if (!measured.length) return [{ ...s, hook }];
      const program = {
        cpu: Math.round(median(measured.map((x) => x.cpuSeconds / Math.max(1e-3, seconds))) * 1e4) / 1e4,
        nsPerPacket: Math.round(median(measured.map((x) => x.nsPerPacket)) * 10) / 10,
        packets: Math.round(median(measured.map((x) => x.packets))),
      };
      return [{ ...s, hook, program }];
    }),
  );
}

/** The median of per-round ratios a ÷ b of one measure (rounds where both ran): robust to load that moves between rounds. */
export function roundRatio(runs: CompareRun[], a: CompareRow, b: CompareRow, pick: (r: CompareRun) => number = (r) => r.throughputMbps): number | undefined {
  const ratios: number[] = [];
  for (const ra of runs.filter((r) => r.mode === a && !r.error)) {
    const rb = runs.find((r) => r.mode === b && r.repetition === ra.repetition && !r.error);
    if (rb && pick(rb) > 0) ratios.push(pick(ra) / pick(rb));
  }
  return ratios.length ? median(ratios) : undefined;
}
