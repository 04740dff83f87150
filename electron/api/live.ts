// A running lab, live: switching a service's mode without restarting
// anything, and the balancers' counters read back from their data planes.
import { z } from 'zod';
import { MODES, nameSchema, type Mode, type Scheduler } from '../../lab-images/balancer/contract/vocabulary';
import type { ServiceStatus } from './lab';

export interface BackendStats {
  node: string;
  address: string;
  weight: number;
  healthy: boolean;
  packets: number;
  bytes: number;
  activeFlows: number;
  snatPorts?: number; // eBPF snat: source ports its flows hold (open or lingering)
  newFlowsPerSec?: number; // eBPF: flows scheduled to it a second, over the last ~10 s
  snatCapacity?: number; // eBPF snat: new connections a second its snat ports × addresses sustain (÷ 60 s TIME_WAIT)
}
export interface ServiceStats {
  lab: string;
  service: string;
  /** a tier: the member these numbers are from (each member counts its own share of the flows) */
  balancer?: string;
  mode: Mode;
  scheduler: Scheduler;
  at: number; // ms since epoch
  backends: BackendStats[];
  counters: Record<string, number>; // per-mode counters (e.g. rx, tx, encap, nat_fwd, nat_rev)
  drops: Record<string, number>; // drops by reason
  /** eBPF: the balancer's flow table (shared by its eBPF services): the flows it is sized for, its entries (2 a
   * flow) and memory, the entries the last sweep found and those its LRU evicted to make room */
  flowTable?: { maxFlows: number; entries: number; bytes: number; bytes6?: number; live: number; evicted: number };
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

/** A deployed lab while it runs (Docker needed: fails `engine` without it). */
export interface LiveLabMethods {
  /** Switch `service` to `mode` in place: re-plan, re-plumb the nodes whose script changes, reconfigure the balancers
   * (progress events meanwhile; on failure the lab is put back). The service as it now runs. Fails bad-request (the
   * topology does not allow the mode, with the reason), not-found (no such lab or service), conflict (a node is not
   * running, another call is changing the lab) or engine (a step failed). */
  setMode(lab: string, service: string, mode: Mode): Promise<ServiceStatus>;
  /** Every service's counters, drops and per-backend health and traffic, read from its balancer now. Fails not-found
   * (no such lab) or conflict (the lab's document is unreadable: redeploy it). */
  stats(lab: string): Promise<ServiceStats[]>;
}

export const liveLabArgs = {
  setMode: z.tuple([nameSchema, nameSchema, z.enum(MODES)]),
  stats: z.tuple([nameSchema]),
} satisfies Record<keyof LiveLabMethods, z.ZodTypeAny>;
