// Static routes across routers, and the per-mode overrides.
//
// Model: networks are the vertices; a `router` node joins every network it is
// linked to. Only routers forward between networks for routing purposes
// (balancers forward their own services' traffic, not transit traffic).
// Every node gets a route for each lab subnet it is not attached to, via the
// first router on the shortest path (BFS; ties broken by the node's link order,
// then router names), addressed on the network the node shares with it.
//
// nat override: a nat backend's replies must return through the balancer, so
// its routes are replaced by ONE default route via the balancer's address on
// the network they share; the per-subnet routes are dropped, because any more
// specific route (e.g. to a client subnet via a router) would bypass the
// balancer and its reverse translation.
import { balancersOf, type LabDoc, type Mode } from '../../api';
import type { Addressing } from './addressing';
import type { Addressing6 } from './addressing6';
import type { PlannedRoute } from './plan-types';
import { byName } from './net4';
import { tierRoutes } from './tier';

/** What routing reads of an addressing: a subnet per network, an address per node and network (IPv4 or IPv6). */
export interface AddrView {
  subnets: Map<string, { cidr: string }>;
  nodeAddrs: Map<string, Map<string, string>>;
}

export interface Hop {
  dist: number; // 0 = attached
  firstNet: string; // the attached network the path leaves through
  via?: string; // next-hop router address on firstNet (undefined when attached)
  router?: string; // that router's name
}

/** Unique networks a node is linked to, in link order (dangling references dropped). */
export function nodeNetworks(doc: LabDoc, node: string): string[] {
  const nets: string[] = [];
  for (const l of doc.nodes[node]?.links ?? []) if (doc.networks[l.network] && !nets.includes(l.network)) nets.push(l.network);
  return nets;
}

/** routers on each network, in natural name order */
function routersByNetwork(doc: LabDoc): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of Object.keys(doc.nodes).sort(byName)) {
    if (doc.nodes[r].kind !== 'router') continue;
    for (const net of nodeNetworks(doc, r)) m.set(net, [...(m.get(net) ?? []), r]);
  }
  return m;
}

/** BFS from a node over networks joined by routers: how to reach every reachable network. */
export function reach(doc: LabDoc, addr: Pick<AddrView, 'nodeAddrs'>, node: string): Map<string, Hop> {
  const routers = routersByNetwork(doc);
  const out = new Map<string, Hop>();
  const queue: string[] = [];
  for (const net of nodeNetworks(doc, node)) {
    out.set(net, { dist: 0, firstNet: net });
    queue.push(net);
  }
  while (queue.length) {
    const net = queue.shift()!;
    const hop = out.get(net)!;
    for (const r of routers.get(net) ?? []) {
      if (r === node) continue;
      for (const next of nodeNetworks(doc, r)) {
        if (out.has(next)) continue;
        const first: Hop =
          hop.dist === 0 ? { dist: 1, firstNet: net, via: addr.nodeAddrs.get(r)?.get(net), router: r } : { ...hop, dist: hop.dist + 1 };
        out.set(next, first);
        queue.push(next);
      }
    }
  }
  return out;
}

/** The routes a node needs to reach every other lab subnet (no mode overrides). */
export function baseRoutes(doc: LabDoc, addr: AddrView, node: string): PlannedRoute[] {
  const routes: PlannedRoute[] = [];
  for (const [net, hop] of reach(doc, addr, node)) {
    const s = addr.subnets.get(net);
    if (hop.dist === 0 || !s || !hop.via) continue;
    routes.push({ dst: s.cidr, via: hop.via });
  }
  return routes;
}

/** The network a balancer reaches a backend on: a shared one (first in the backend's link order),
 * else the backend network closest by routing. Undefined when unreachable. */
export function backendNetwork(doc: LabDoc, addr: Pick<AddrView, 'nodeAddrs'>, balancer: string, backend: string): { network: string; hop: Hop } | undefined {
  const fromLb = reach(doc, addr, balancer);
  let best: { network: string; hop: Hop } | undefined;
  for (const net of nodeNetworks(doc, backend)) {
    const hop = fromLb.get(net);
    if (hop && (!best || hop.dist < best.hop.dist)) best = { network: net, hop };
  }
  return best;
}

/** Routes of every node for the given effective modes (service → mode). */
export function allRoutes(doc: LabDoc, addr: Addressing, modes: Record<string, Mode>): Map<string, PlannedRoute[]> {
  const routes = new Map<string, PlannedRoute[]>();
  for (const n of Object.keys(doc.nodes)) routes.set(n, baseRoutes(doc, addr, n));
  for (const [svc, sd] of Object.entries(doc.services ?? {})) {
    if (modes[svc] !== 'nat') continue;
    for (const b of sd.backends) {
      const name = typeof b === 'string' ? b : b.node;
      const lb = balancersOf(sd)[0]; // nat runs on one balancer (a tier is refused)
      const bn = backendNetwork(doc, addr, lb, name);
      const via = bn && bn.hop.dist === 0 ? addr.nodeAddrs.get(lb)?.get(bn.network) : undefined;
      if (via) routes.set(name, [{ dst: 'default', via }]);
    }
  }
  // tiers: clients and routers reach a tier's VIP through the router in front (tier.ts)
  for (const [node, extra] of tierRoutes(doc, addr).plain) routes.set(node, [...(routes.get(node) ?? []), ...extra]);
  return routes;
}

/** The lab as IPv6 sees it: only its dual-stack networks (links to the others drop out), with the IPv6 addresses. */
export function dualStackView(doc: LabDoc, a6: Pick<Addressing6, 'subnets6' | 'nodeAddrs6'>): { doc: LabDoc; addr: AddrView } {
  const networks = Object.fromEntries(Object.entries(doc.networks).filter(([n]) => a6.subnets6.has(n)));
  return { doc: { ...doc, networks }, addr: { subnets: a6.subnets6, nodeAddrs: a6.nodeAddrs6 } };
}

/** IPv6 routes of every node: a route to every dual-stack subnet it is not on, via the first router
 * (over dual-stack networks only); nat: a backend of a service with a vip6 gets one default via the
 * balancer's IPv6 address, as it does in IPv4. */
export function allRoutes6(doc: LabDoc, addr: Pick<Addressing, 'nodeAddrs'>, a6: Addressing6, modes: Record<string, Mode>): Map<string, PlannedRoute[]> {
  const view = dualStackView(doc, a6);
  const routes = new Map<string, PlannedRoute[]>();
  for (const n of Object.keys(doc.nodes)) routes.set(n, baseRoutes(view.doc, view.addr, n));
  for (const [svc, sd] of Object.entries(doc.services ?? {})) {
    if (modes[svc] !== 'nat' || !a6.vips6.has(svc)) continue;
    const lb = balancersOf(sd)[0];
    for (const b of sd.backends) {
      const name = typeof b === 'string' ? b : b.node;
      const bn = backendNetwork(doc, addr, lb, name);
      const via = bn && bn.hop.dist === 0 ? a6.nodeAddrs6.get(lb)?.get(bn.network) : undefined;
      if (via) routes.set(name, [{ dst: 'default', via }]);
    }
  }
  return routes;
}
