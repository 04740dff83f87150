// Human-readable tables for `status` and `stats` (--json prints the raw objects).
import { memberShares, type LabStatus, type ServiceStats } from '../api';

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

export function formatStatus(s: LabStatus): string {
  const out = [`lab ${s.name}: ${s.state}${s.reason ? `: ${s.reason}` : ''}`, ''];
  if (s.hosts?.length) {
    const hrows = [['HOST', 'ENGINE', 'STATE']];
    for (const h of s.hosts) hrows.push([h.name, h.engine, h.reachable ? 'answers' : `unreachable: ${h.problem ?? ''}`]);
    out.push(table(hrows), '');
  }
  // a spread lab's nodes name their host
  const spread = s.nodes.some((n) => n.host);
  const rows = [['NODE', 'KIND', ...(spread ? ['HOST'] : []), 'STATE', 'INTERFACES']];
  for (const n of s.nodes) {
    const itfs = n.interfaces.map((i) => `${i.name} ${i.network} ${i.address}${i.rate ? ` @${i.rate}` : ''}`);
    const host = spread ? [n.host ?? '-'] : [];
    rows.push([n.name, n.kind, ...host, n.state, itfs[0] ?? '-']);
    for (const more of itfs.slice(1)) rows.push(['', '', ...host.map(() => ''), '', more]);
  }
  out.push(table(rows));
  if (s.services.length) {
    out.push('');
    const srows = [['SERVICE', 'BALANCER', 'VIP', 'MODE', 'SCHEDULER', 'BACKENDS']];
    for (const v of s.services)
      srows.push([v.name, v.balancer, `${v.vip}:${v.port}`, v.mode, v.scheduler, v.backends.map((b) => `${b.node}(${b.address}, w${b.weight})`).join(' ')]);
    out.push(table(srows));
  }
  const routed = s.nodes.filter((n) => n.routes.length);
  if (routed.length) {
    out.push('', 'ROUTES');
    for (const n of routed) for (const r of n.routes) out.push(`  ${n.name}: ${r}`);
  }
  return out.join('\n');
}

/** snat backends taking more new connections a second than their ports × addresses sustain: one line each. */
export function snatWarnings(list: ServiceStats[]): string[] {
  return list.flatMap((s) =>
    s.backends
      .filter((b) => b.snatCapacity !== undefined && b.newFlowsPerSec !== undefined && b.newFlowsPerSec > b.snatCapacity)
      .map((b) => `warning: ${s.service}: backend ${b.node} takes ${Math.round(b.newFlowsPerSec!)} new connections/s, above the ${b.snatCapacity}/s ` +
        'its snat ports sustain (ports × addresses ÷ 60 s TIME_WAIT): new SYNs meet old connections\' TIME_WAIT there; add snatAddresses'),
  );
}

export function formatStats(list: ServiceStats[]): string {
  // snat: the source ports each backend's flows hold (a gauge: it falls back once flows end), the new
  // connections a second it takes and what its ports × addresses sustain
  const ports = list.some((s) => s.backends.some((b) => b.snatPorts !== undefined));
  const rate = list.some((s) => s.backends.some((b) => b.newFlowsPerSec !== undefined));
  const dash = (v: number | undefined) => (v === undefined ? '-' : String(v));
  // a tier: one block per member, named
  const tier = list.some((s) => s.balancer);
  const rows = [['SERVICE', ...(tier ? ['BALANCER'] : []), 'MODE', 'BACKEND', 'ADDRESS', 'WEIGHT', 'HEALTHY', 'PACKETS', 'BYTES', 'FLOWS', ...(rate ? ['NEW/S'] : []), ...(ports ? ['PORTS', 'CAPACITY/S'] : [])]];
  for (const s of list)
    for (const b of s.backends)
      rows.push([s.service, ...(tier ? [s.balancer ?? '-'] : []), s.mode, b.node, b.address, String(b.weight), b.healthy ? 'yes' : 'no', String(b.packets), String(b.bytes), String(b.activeFlows),
        ...(rate ? [dash(b.newFlowsPerSec)] : []), ...(ports ? [dash(b.snatPorts), dash(b.snatCapacity)] : [])]);
  const extra = list
    .map((s) => {
      const c = Object.entries(s.counters).map(([k, v]) => `${k}=${v}`).join(' ');
      // drops by reason: the ones that happened
      const dropped = Object.entries(s.drops).filter(([, v]) => v > 0);
      const d = dropped.map(([k, v]) => `${k}=${v}`).join(' ');
      return `${s.service}${s.balancer ? ` on ${s.balancer}` : ''}: ${c || 'no counters'}${Object.keys(s.drops).length ? `; drops: ${d || 'none'}` : ''}`;
    })
    .join('\n');
  // the flow table is the balancer's: once per balancer
  const tables = new Map<string, NonNullable<ServiceStats['flowTable']>>();
  for (const s of list) if (s.flowTable) tables.set(s.balancer ?? '', s.flowTable);
  const tableLines = [...tables].map(([lb, t]) =>
    `flow table${lb ? ` on ${lb}` : ''}: ${t.live} of ${t.entries} entries (room for ${t.maxFlows} flows, 2 entries each), ` +
    `${(t.bytes / 2 ** 20).toFixed(0)} MiB (${Math.round(t.bytes / t.maxFlows)} B a flow)${t.bytes6 !== undefined ? `, IPv6 table ${(t.bytes6 / 2 ** 20).toFixed(0)} MiB` : ''}; evicted when full: ${t.evicted}`);
  const warn = snatWarnings(list);
  const shares = [...memberShares(list)].map(([svc, rows]) => `${svc}: flows per member: ${rows.map((r) => `${r.member} ${r.flows} (${(r.share * 100).toFixed(0)}%)`).join(', ')}`);
  return `${table(rows)}\n\n${extra}${tableLines.length ? `\n${tableLines.join('\n')}` : ''}${shares.length ? `\n${shares.join('\n')}` : ''}${warn.length ? `\n\n${warn.join('\n')}` : ''}`;
}
