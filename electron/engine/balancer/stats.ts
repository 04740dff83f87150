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
        ...(b.newFlowsPerSec !== undefined && { newFlowsPerSec: b.newFlowsPerSec }),
        ...(b.snatCapacity !== undefined && { snatCapacity: b.snatCapacity }),
      })),
      // proxies count connections, not packets: expose them per backend through counters
      counters: { ...s.counters, ...Object.fromEntries(s.backends.filter((b) => b.sessions !== undefined).map((b) => [`sessions.${b.node}`, b.sessions!])) },
      drops: { ...s.drops },
      ...(s.flowTable && { flowTable: { ...s.flowTable } }),
    }));
}

