// What every check reads: the plan (what a healthy node has), the live look at
// each node, the container states and, when the balancers answered, their stats.
import type { Finding, NodeStatus, ServiceStats } from '../../../api';
import type { LabPlan, PlannedNode, PlannedService } from '../../topology/plan-types';
import type { NodeLook } from '../look';

export interface CheckContext {
  plan: LabPlan;
  /** container state per planned node (missing: no container) */
  states: Record<string, NodeStatus['state']>;
  /** the look at each running node that answered */
  looks: Record<string, NodeLook>;
  /** the balancers' stats; undefined when they could not be read */
  stats?: ServiceStats[];
  /** per service, the HTTP status each running backend gave a request of its own on the service's port (0: none) */
  answers?: Record<string, Record<string, number>>;
}

export type Check = (ctx: CheckContext) => Finding[];

export const nodeOf = (plan: LabPlan, name: string): PlannedNode | undefined => plan.nodes.find((n) => n.name === name);

/** Every (service, backend node) pair, each backend once per service. */
export function backendsOf(s: PlannedService): { node: string; address: string; network: string }[] {
  const seen = new Set<string>();
  return [...s.backends, ...s.routes.flatMap((r) => r.backends)].filter((b) => !seen.has(b.node) && seen.add(b.node));
}

/** The planned address a node has on a network. */
export const addressOn = (n: PlannedNode | undefined, network: string) => n?.interfaces.find((i) => i.network === network)?.address;
