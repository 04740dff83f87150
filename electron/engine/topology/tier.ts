// A tier of balancers: a service that names several balancers (`balancer: [lb1, lb2, lb3]`).
// A router in front holds one multipath route to the VIP through every member (the kernel's
// ECMP with an L4 hash), and each member holds the VIP on `lo` without announcing it; the
// others reach the VIP through that router. Maglev (or sh) gives every member the same
// answer per flow, so a flow that ECMP moves to another member keeps its backend.
//
// Rules (validate.ts calls checkTier):
// - members are balancers, each listed once;
// - no client shares a network with a member, and a router shares a network with them: the
//   router in front is what spreads flows (a client on a member's network would send to one);
// - nat and snat are refused: the backend's answers must come back through the member that holds
//   the translation, and ECMP does not know which one that is;
// - rr, wrr and lc are allowed, with a warning: each member picks on its own, so a flow that moves
//   to another member lands on another backend.
import { balancersOf, isTier, type LabDoc, type LabIssue, type Mode, type ServiceDoc } from '../../api';
import type { Addressing } from './addressing';
import { issue } from './issues';
import { byName } from './net4';
import type { PlannedRoute, TierRoute } from './plan-types';
import { nodeNetworks, reach } from './routes';
import { serviceProtocol, servicePort } from './schema';

/** Schedulers that give every member the same backend for a flow (one consistent table). */
export const CONSISTENT_SCHEDULERS = ['maglev', 'sh'] as const;

/** One line when a tier's scheduler lets members disagree (a plan warning, not an error). */
export function tierWarning(svc: string, sd: ServiceDoc): string | undefined {
  const sched = sd.scheduler ?? 'maglev';
  if (!isTier(sd) || (CONSISTENT_SCHEDULERS as readonly string[]).includes(sched)) return undefined;
  return `service ${svc}: scheduler ${sched} on a tier: each member picks on its own, so flows move to another backend when a member goes (maglev and sh keep them)`;
}

/** Routers that share a network with a member: they hold the multipath route. */
export function frontRouters(doc: LabDoc, members: string[]): string[] {
  const memberNets = new Set(members.flatMap((m) => nodeNetworks(doc, m)));
  return Object.keys(doc.nodes)
    .filter((r) => doc.nodes[r].kind === 'router' && nodeNetworks(doc, r).some((n) => memberNets.has(n)))
    .sort(byName);
}

/** Tier rules for one service; pushes one issue per problem and returns whether the tier is sound. */
export function checkTier(doc: LabDoc, svc: string, sd: ServiceDoc, mode: Mode, issues: LabIssue[]): boolean {
  if (!isTier(sd)) return true;
  const at = (...p: (string | number)[]) => ['services', svc, ...p];
  const members = balancersOf(sd);
  const before = issues.length;
  const seen = new Map<string, number>();
  members.forEach((m, i) => {
    if (seen.has(m)) issues.push(issue(at('balancer', i), `balancer ${m} is listed twice in the tier (balancer[${seen.get(m)}])`, { node: m }));
    else seen.set(m, i);
  });
  if (issues.length > before) return false;
  if (mode === 'nat' || mode === 'snat') {
    issues.push(issue(at('mode'), `mode ${mode} cannot run on a tier of balancers: the backend's answers must return through the member that holds the translation, and the router's ECMP does not know which one that is (use dsr, tunnel, l4proxy or l7)`));
    return false;
  }
  for (const c of Object.keys(doc.nodes).filter((n) => doc.nodes[n].kind === 'client').sort(byName)) {
    const net = nodeNetworks(doc, c).find((n) => members.some((m) => nodeNetworks(doc, m).includes(n)));
    if (net) {
      const m = members.find((x) => nodeNetworks(doc, x).includes(net))!;
      issues.push(issue(at('balancer'), `the tier has no router between it and client ${c}: ${c} shares network ${net} with ${m}; put a router in front of the tier (it spreads flows over the members)`, { node: c, network: net }));
      return false;
    }
  }
  if (frontRouters(doc, members).length === 0) {
    issues.push(issue(at('balancer'), `the tier ${members.join(', ')} has no router in front: link a router to a network of the members (it holds the route to the VIP through them)`));
    return false;
  }
  return true;
}

/** Where the kernel's nexthop ids of the tiers start (ids the plumbing owns in a router's namespace). */
export const TIER_NH_BASE = 7600;

/**
 * The VIP routes of every tier: a front router gets a multipath route through the members it shares a
 * network with; a client or another router gets `vip/32 via` its first router toward the members.
 */
export function tierRoutes(doc: LabDoc, addr: Addressing): { plain: Map<string, PlannedRoute[]>; multipath: Map<string, TierRoute[]> } {
  const plain = new Map<string, PlannedRoute[]>();
  const multipath = new Map<string, TierRoute[]>();
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
  Object.entries(doc.services ?? {}).forEach(([svc, sd], si) => {
    if (!isTier(sd)) return;
    const vip = addr.vips.get(svc);
    if (!vip) return;
    const members = balancersOf(sd);
    const memberNets = new Set(members.flatMap((m) => nodeNetworks(doc, m)));
    const front = new Set(frontRouters(doc, members));
    const dst = `${vip}/32`;
    for (const r of front) {
      const rNets = nodeNetworks(doc, r);
      const hops = members.flatMap((m) => {
        const net = nodeNetworks(doc, m).find((n) => rNets.includes(n));
        const via = net && addr.nodeAddrs.get(m)?.get(net);
        return via ? [{ member: m, via }] : [];
      });
      if (hops.length) push(multipath, r, { service: svc, vip, port: servicePort(sd), protocol: serviceProtocol(sd), group: TIER_NH_BASE + si * 64, hops });
    }
    for (const n of Object.keys(doc.nodes)) {
      const kind = doc.nodes[n].kind;
      if (front.has(n) || (kind !== 'client' && kind !== 'router')) continue;
      // the nearest member network, reached through a router
      let best: { dist: number; via: string } | undefined;
      for (const [net, hop] of reach(doc, addr, n)) {
        if (memberNets.has(net) && hop.via && (!best || hop.dist < best.dist)) best = { dist: hop.dist, via: hop.via };
      }
      if (best) push(plain, n, { dst, via: best.via });
    }
  });
  return { plain, multipath };
}
