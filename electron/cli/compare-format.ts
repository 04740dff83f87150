// `lblab compare` output: the progress step and the final table (per mode the
// median and range of throughput and requests/s, latency, errors, the
// balancer's share of the response bytes, the ratio to the first mode).
import { offloadOf, type CompareEvent, type Comparison, type CompareSummary } from '../api';

/** 75 → "1m15s", 9 → "9s". */
export function duration(s: number): string {
  const t = Math.max(0, Math.round(s));
  return t >= 60 ? `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s` : `${t}s`;
}

type Progress = Extract<CompareEvent, { type: 'compare-progress' }>;

/** The progress step; with `clock`, the time left (on a terminal, where the line is rewritten in place). */
export function progressStep(e: Progress, repeat: number, clock: boolean): string {
  const what = e.phase === 'restoring' ? 'restoring the lab' : `${e.gateway ?? e.mode}${e.hook ? ` at ${e.hook}` : ''}${e.members ? ` × ${e.members} members` : ''}, round ${e.repetition}/${repeat}: ${e.phase}`;
  return clock && e.phase !== 'restoring' ? `${what}, ${duration(e.secondsLeft)} left` : what;
}

const num = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const range = (s: { min: number; max: number }) => `${num(s.min)}–${num(s.max)}`;

/** Columns: the first left-aligned, the others right-aligned. A row of two cells is a name and a note running across. */
function table(head: string[], rows: string[][]): string {
  const full = rows.filter((r) => r.length === head.length);
  const w = head.map((h, i) => Math.max(h.length, ...(i === 0 ? rows : full).map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells.length === head.length ? cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd() : `${cells[0].padEnd(w[0])}  ${cells.slice(1).join(' ')}`;
  return [line(head), ...rows.map(line)].join('\n');
}

const mb = (b: number | undefined) => ((b ?? 0) / 1048576).toFixed(1);

/** A comparison across gateways: per gateway its load figures and what it cost (memory, processes, threads, waiting). */
function gatewayTable(c: Comparison): string {
  const head = ['gateway', 'req/s', 'min–max', 'p50 ms', 'p99 ms', 'failed', 'waited', 'memory MB', 'kB/conn', 'procs', 'threads', 'ctx sw'];
  const rows = (c.workload.gateways ?? []).map((g) => {
    const s = c.summary.find((x) => x.gateway === g);
    if (!s) {
      const failed = c.runs.find((r) => r.gateway === g && r.error);
      return [g, failed ? `failed: ${failed.error}` : 'not run'];
    }
    return [
      g, num(s.requestsPerSec.median), range(s.requestsPerSec), num(s.latencyMs.p50), num(s.latencyMs.p99), String(s.failedRequests ?? 0), String(s.waitedForWorker ?? 0),
      mb(s.gatewayMemoryBytes), ((s.memoryPerConnectionBytes ?? 0) / 1024).toFixed(1), String(s.gatewayProcesses ?? 0), String(s.gatewayThreads ?? 0), String(s.gatewayContextSwitches ?? 0),
    ];
  });
  return table(head, rows);
}

/** A comparison across tier sizes: per mode and size its load figures, its req/s against the smallest size, each member's CPU use. */
function membersTable(c: Comparison): string {
  const sizes = c.workload.members ?? [];
  const tier = [...new Set(c.runs.flatMap((r) => Object.keys(r.memberCpu ?? {})))];
  const head = ['mode', 'members', 'req/s', 'min–max', 'Mbit/s', 'p50 ms', 'p99 ms', 'errors', `× ${Math.min(...sizes)}`, ...tier.map((m) => `${m} CPU`)];
  const rows = c.workload.modes.flatMap((mode) =>
    sizes.map((n) => {
      const s = c.summary.find((x) => x.mode === mode && x.members === n);
      if (!s) {
        const failed = c.runs.find((r) => r.mode === mode && r.members === n && r.error);
        return [`${mode} × ${n}`, failed ? `failed: ${failed.error}` : 'not run'];
      }
      return [
        mode, String(n), num(s.requestsPerSec.median), range(s.requestsPerSec), num(s.throughputMbps.median), num(s.latencyMs.p50), num(s.latencyMs.p99), String(s.errors),
        s.scale === undefined ? '' : s.scale.toFixed(2), ...tier.map((m) => (s.memberCpu?.[m] ?? 0).toFixed(2)),
      ];
    }),
  );
  return table(head, rows);
}

/** The balancer's eBPF program in a summary row: CPUs, ns per packet, packets (blank cells when not measured). */
export function programCells(p: CompareSummary['program']): string[] {
  if (!p) return ['', '', ''];
  return [p.cpu.toFixed(p.cpu >= 0.1 ? 2 : 3), p.nsPerPacket >= 100 ? p.nsPerPacket.toFixed(0) : p.nsPerPacket.toFixed(1), String(p.packets)];
}

/**
 * A comparison across hooks: per mode and hook its load figures, the balancer's eBPF program (its own CPU from the
 * kernel's statistics) and the ratio to the mode at the first hook. The container's cgroup CPU is not shown: the
 * program runs in softirq, which no cgroup is charged for, so that figure is the agent's own and the same at both
 * hooks (it stays in the JSON and CSV as balancerCpuSeconds).
 */
function hooksTable(c: Comparison): string {
  const hooks = c.workload.hooks ?? [];
  const head = ['mode', 'hook', 'Mbit/s', 'min–max', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'prog CPU', 'ns/pkt', 'packets', `× ${hooks[0] ?? ''}`];
  const rows = c.workload.modes.flatMap((mode) => {
    const base = c.summary.find((x) => x.mode === mode && x.hook === hooks[0]);
    return hooks.map((hook) => {
      const s = c.summary.find((x) => x.mode === mode && x.hook === hook);
      if (!s) {
        const failed = c.runs.find((r) => r.mode === mode && r.hook === hook && r.error);
        return [`${mode} at ${hook}`, failed ? `failed: ${failed.error}` : 'not run'];
      }
      const ratio = base && base.throughputMbps.median > 0 ? (s.throughputMbps.median / base.throughputMbps.median).toFixed(2) : '';
      return [
        mode, hook, num(s.throughputMbps.median), range(s.throughputMbps), num(s.requestsPerSec.median), num(s.latencyMs.p50), num(s.latencyMs.p99), String(s.errors),
        ...programCells(s.program), ratio,
      ];
    });
  });
  return table(head, rows);
}

export function formatComparison(c: Comparison): string {
  const w = c.workload;
  const lines: string[] = [];
  const state = c.complete ? 'complete' : `incomplete${c.error ? ` (${c.error})` : ''}`;
  lines.push(
    `${c.lab}/${c.service}${w.family === 6 ? ' over IPv6' : ''}: ${w.object} from ${w.clients.join(', ')} with ${w.connections} connections; ` +
      `${w.repeat} × ${w.duration} s per ${w.gateways ? 'gateway' : w.members ? 'mode and tier size' : w.hooks ? 'mode and hook' : 'mode'}${w.keepAlive === false ? ', a new connection per request' : ''}${w.warmup ? ` after ${w.warmup} s warm-up` : ''}, rotating rounds; ${state}`,
  );
  const first = c.summary[0];
  const head = ['mode', 'Mbit/s', 'min–max', 'req/s', 'min–max', 'p50 ms', 'p99 ms', 'errors', 'via lb', first ? `× ${first.mode}` : '×'];
  const rows = w.modes.map((mode) => {
    const s = c.summary.find((x) => x.mode === mode);
    if (!s) {
      const failed = c.runs.find((r) => r.mode === mode && r.error);
      return [mode, failed ? `failed: ${failed.error}` : 'not run'];
    }
    const ratio = first && first.throughputMbps.median > 0 ? (s.throughputMbps.median / first.throughputMbps.median).toFixed(2) : '';
    return [
      mode,
      num(s.throughputMbps.median),
      range(s.throughputMbps),
      num(s.requestsPerSec.median),
      range(s.requestsPerSec),
      num(s.latencyMs.p50),
      num(s.latencyMs.p99),
      String(s.errors),
      `${(s.balancerResponseShare * 100).toFixed(0)}%`,
      ratio,
    ];
  });
  lines.push(w.gateways ? gatewayTable(c) : w.members ? membersTable(c) : w.hooks ? hooksTable(c) : table(head, rows));
  if (w.hooks) {
    lines.push(
      "prog CPU: CPUs the balancer's eBPF program used (seconds in the program ÷ seconds), the kernel's run-time statistics of the program itself, " +
        'on only during each run: its own time, not the driver or stack around it; ns/pkt: that time per packet it ran for; ' +
        `packets: its runs (both directions, every interface), median of the rounds; × ${w.hooks[0]}: Mbit/s ÷ the same mode's at ${w.hooks[0]}`,
    );
  }
  if (w.members) lines.push("member CPU: CPUs each member used (CPU seconds ÷ seconds, its container's cgroup); × : req/s ÷ the smallest tier's, per round, median");
  if (c.verdict) lines.push(c.verdict);
  const failedRuns = c.runs.filter((r) => r.error);
  if (failedRuns.length) lines.push(`${failedRuns.length} of ${c.runs.length} runs failed; first: ${failedRuns[0].mode}${failedRuns[0].hook ? ` at ${failedRuns[0].hook}` : ''} round ${failedRuns[0].repetition}: ${failedRuns[0].error}`);
  const e = c.environment;
  const load = (l: number[]) => (l.length ? l[0].toFixed(1) : '?');
  const offload = offloadOf(e);
  lines.push(
    `via lb: bytes the balancer sent ÷ response bytes the clients received. ` +
      `Host: ${e.cpus} × ${e.cpuModel || '?'}, kernel ${e.kernel || '?'}, Docker ${e.docker || '?'}, load ${load(e.loadBefore)} → ${load(e.loadAfter)}` +
      `${offload === undefined ? '' : `, offload ${offload ? 'on' : 'off'}`}` +
      `${Object.keys(e.linkRates).length ? `; shaped links: ${Object.entries(e.linkRates).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`,
  );
  if (e.hosts?.length) {
    const rtt = (h: NonNullable<typeof e.hosts>[number]) => (h.rttMs === undefined ? '' : `, ${h.rttMs.toFixed(2)} ms from ${e.hosts![0].name} (${h.rttPath})`);
    lines.push(`Hosts: ${e.hosts.map((h) => `${h.name} (${h.engine}: ${h.nodes.join(', ')}${rtt(h)})`).join('; ')}`);
  }
  return lines.join('\n');
}
