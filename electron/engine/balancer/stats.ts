// The agent's stats JSON → the LabApi's ServiceStats (adds the lab name; the
// agent knows only its own container).
import type { ServiceStats } from '../../api';
import type { AgentStats } from './contract';

/** `tiers`: services run by a tier, whose entries name the member (st.balancer) they come from. */
export function toServiceStats(lab: string, st: AgentStats, only?: Set<string>, tiers?: Set<string>): ServiceStats[] {
  return st.services
    .filter((s) => !only || only.has(s.name))
    .map((s) => ({
      lab,
      service: s.name,
      ...(tiers?.has(s.name) && { balancer: st.balancer }),
      mode: s.mode,
      scheduler: s.scheduler,
      at: st.at,
      backends: s.backends.map((b) => ({
        node: b.node, address: b.address, weight: b.weight, healthy: b.healthy, packets: b.packets, bytes: b.bytes, activeFlows: b.activeFlows,
        ...(b.snatPorts !== undefined && { snatPorts: b.snatPorts }),
      })),
      // proxies count connections, not packets: expose them per backend through counters
      counters: { ...s.counters, ...Object.fromEntries(s.backends.filter((b) => b.sessions !== undefined).map((b) => [`sessions.${b.node}`, b.sessions!])) },
      drops: { ...s.drops },
    }));
}

/** The flows a balancer took for a service: new flows (eBPF), or sessions handed to backends (proxies). */
export function flowsTaken(s: Pick<ServiceStats, 'counters'>): number {
  const sessions = Object.entries(s.counters).filter(([k]) => k.startsWith('sessions.'));
  return sessions.length ? sessions.reduce((a, [, v]) => a + v, 0) : (s.counters.new_flow ?? 0);
}

/** A tier's members' shares of its flows, per service: member → fraction (0 when none were counted yet). */
export function memberShares(list: ServiceStats[]): Map<string, { member: string; flows: number; share: number }[]> {
  const out = new Map<string, { member: string; flows: number; share: number }[]>();
  for (const s of list) {
    if (!s.balancer) continue;
    out.set(s.service, [...(out.get(s.service) ?? []), { member: s.balancer, flows: flowsTaken(s), share: 0 }]);
  }
  for (const rows of out.values()) {
    const total = rows.reduce((a, r) => a + r.flows, 0);
    for (const r of rows) r.share = total ? r.flows / total : 0;
  }
  return out;
}
