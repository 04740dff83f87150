// Which nodes run balancers, and what each balancer's configuration waits
// for: shared by a deploy (deploy/up.ts) and a repair (deploy/repair.ts).
import { serviceBackendNodes } from '../topology/plan';
import { membersOf, type LabPlan, type PlannedNode } from '../topology/plan-types';

/** Nodes that run a balancer for at least one service. */
export function balancerNodes(plan: LabPlan): PlannedNode[] {
  const names = new Set(plan.services.flatMap(membersOf));
  return plan.nodes.filter((n) => names.has(n.name));
}

/** What a balancer must wait for before its config is applied: its own plumbing, its backends' (and
 * the routers', which carry health checks to remote backends), and the configuration of any backend
 * that is itself a balancer (multi-tier: a gateway answers the edge's checks once its proxy runs). */
export function balancerDependencies(plan: LabPlan, balancer: string): { plumbed: string[]; configured: string[] } {
  // every node a balancer's services send to: backends and l7 routes' backends
  const backendNodes = (lb: string) => plan.services.filter((s) => membersOf(s).includes(lb)).flatMap(serviceBackendNodes);
  const backends = new Set(backendNodes(balancer));
  const plumbed = plan.nodes.filter((n) => n.name === balancer || n.kind === 'router' || backends.has(n.name)).map((n) => n.name);
  const lbs = new Set(plan.services.flatMap(membersOf));
  // a balancer that (directly or not) waits for us must not be waited for: no deadlock on a cycle
  const waitsFor = (a: string, b: string, seen = new Set<string>()): boolean => {
    if (seen.has(a)) return false;
    seen.add(a);
    const deps = backendNodes(a).filter((x) => lbs.has(x) && x !== a);
    return deps.includes(b) || deps.some((x) => waitsFor(x, b, seen));
  };
  const configured = [...backends].filter((b) => lbs.has(b) && b !== balancer && !waitsFor(b, balancer));
  return { plumbed, configured };
}
