// A comparison as CSV: a header row, then one row per run. Backends and
// balancer interfaces become columns of their own (share_<node>,
// <iface>_rx_bytes, <iface>_tx_bytes), the union over every run.
import type { Comparison } from '../../api';

/** RFC 4180 quoting: only when needed. */
export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(Number(v.toFixed(6))) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export function comparisonToCsv(c: Comparison): string {
  const backends = [...new Set(c.runs.flatMap((r) => Object.keys(r.backendShares)))].sort(byName);
  const ifaces = [...new Set(c.runs.flatMap((r) => Object.keys(r.balancerBytes)))].sort(byName);
  // a comparison across gateways: what each gateway cost, per run
  const gw = !!c.workload.gateways;
  // the balancer's eBPF program, when any run measured it
  const prog = c.runs.some((r) => r.program);
  // a comparison across tier sizes: the size of each run and every member's CPU use
  const tier = c.workload.members ? [...new Set(c.runs.flatMap((r) => Object.keys(r.memberCpu ?? {})))].sort(byName) : [];
  const header = [
    'comparison', 'lab', 'service', 'mode', 'repetition', 'object', 'connections', 'duration_s',
    'throughput_mbps', 'requests_per_sec', 'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms', 'errors',
    'response_bytes', 'balancer_cpu_seconds',
    ...(gw ? ['gateway', 'gateway_memory_bytes', 'gateway_processes', 'gateway_threads', 'gateway_context_switches', 'waited_for_worker', 'failed_requests'] : []),
    ...(c.workload.members ? ['members', ...tier.map((m) => `cpu_${m}`)] : []),
    ...(c.workload.hooks ? ['hook'] : []),
    ...(prog ? ['program_cpu_seconds', 'program_packets', 'program_ns_per_packet'] : []),
    ...backends.map((b) => `share_${b}`),
    ...ifaces.flatMap((i) => [`${i}_rx_bytes`, `${i}_tx_bytes`]),
    'error',
  ];
  const rows = c.runs.map((r) => [
    c.id, c.lab, c.service, r.mode, r.repetition, c.workload.object, c.workload.connections, c.workload.duration,
    r.throughputMbps, r.requestsPerSec, r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.errors,
    r.responseBytes, r.balancerCpuSeconds,
    ...(gw ? [r.gateway, r.gatewayMemoryBytes, r.gatewayProcesses, r.gatewayThreads, r.gatewayContextSwitches, r.waitedForWorker, r.failedRequests] : []),
    ...(c.workload.members ? [r.members, ...tier.map((m) => r.memberCpu?.[m])] : []),
    ...(c.workload.hooks ? [r.hook] : []),
    ...(prog ? [r.program?.cpuSeconds, r.program?.packets, r.program?.nsPerPacket] : []),
    ...backends.map((b) => r.backendShares[b]),
    ...ifaces.flatMap((i) => [r.balancerBytes[i]?.rx, r.balancerBytes[i]?.tx]),
    r.error,
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}
