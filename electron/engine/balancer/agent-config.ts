// Plan + runtime facts → the config `lbagent apply` takes. Pure (no Docker):
// control.ts gathers the facts, this decides. Interfaces are matched by
// address (never by Docker's attach order); backend MACs are the L2 next hop:
// the backend itself on a shared network, else the router the balancer's
// static route points at.
import { membersOf, type LabPlan, type PlannedBackend, type PlannedNode, type PlannedService } from '../topology/plan-types';
import { DEFAULT_MAX_FLOWS, isDirectReturnMode, isProxyMode, type AgentConfigInput } from './contract';

/** One interface as `ip -j addr` reports it. */
export interface IpLink {
  ifname: string;
  address?: string; // MAC
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

export interface RuntimeFacts {
  links: IpLink[]; // the balancer's interfaces
  macs: Record<string, string>; // `${node}/${network}` → MAC of that node's interface on that lab network
}

const ipToInt = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

/** Prefix length of the route to `ip` in `cidr` ("default" = 0), or -1 when it does not cover it. */
export function routeMatch(cidr: string, ip: string): number {
  if (cidr === 'default') return 0;
  const [net, p] = cidr.split('/');
  const len = p === undefined ? 32 : Number(p);
  const size = 2 ** (32 - len);
  return Math.floor(ipToInt(net) / size) === Math.floor(ipToInt(ip) / size) ? len : -1;
}

export const macKey = (node: string, network: string) => `${node}/${network}`;

function interfacesOf(lb: PlannedNode, facts: RuntimeFacts): AgentConfigInput['interfaces'] {
  return lb.interfaces.map((pi) => {
    const link = facts.links.find((l) => (l.addr_info ?? []).some((a) => a.family === 'inet' && a.local === pi.address));
    if (!link) throw new Error(`balancer ${lb.name}: no interface holds ${pi.address} (network ${pi.network}); is the container attached to it?`);
    const address6 = pi.address6 && pi.prefixLen6 !== undefined ? { address6: `${pi.address6}/${pi.prefixLen6}` } : {};
    return { name: link.ifname, network: pi.network, address: `${pi.address}/${pi.prefixLen}`, ...address6, mac: (link.address ?? '').toLowerCase() };
  });
}

/** MAC of the next hop from the balancer toward `b`, '' when it cannot be known here. */
export function nextHopMac(plan: LabPlan, lb: PlannedNode, b: PlannedBackend, facts: RuntimeFacts): string {
  if (lb.interfaces.some((i) => i.network === b.network)) {
    const mac = facts.macs[macKey(b.node, b.network)];
    if (!mac) throw new Error(`balancer ${lb.name}: no MAC known for backend ${b.node} on network ${b.network}; is it running?`);
    return mac.toLowerCase();
  }
  const route = lb.routes
    .map((r) => ({ r, len: routeMatch(r.dst, b.address) }))
    .filter((x) => x.len >= 0)
    .sort((x, y) => y.len - x.len)[0]?.r;
  if (!route) return '';
  for (const n of plan.nodes) {
    const hop = n.interfaces.find((i) => i.address === route.via);
    if (hop) return (facts.macs[macKey(n.name, hop.network)] ?? '').toLowerCase();
  }
  return '';
}

function backendsOf(plan: LabPlan, lb: PlannedNode, list: PlannedBackend[], facts: RuntimeFacts) {
  return list.map((b) => ({ node: b.node, address: b.address, ...(b.address6 && { address6: b.address6 }), mac: nextHopMac(plan, lb, b, facts), weight: b.weight }));
}

function serviceOf(plan: LabPlan, lb: PlannedNode, s: PlannedService, facts: RuntimeFacts): AgentConfigInput['services'][number] {
  const interval = s.health.intervalMs;
  return {
    name: s.name,
    vip: s.vip,
    ...(s.vip6 && { vip6: s.vip6 }),
    ...(s.mode === 'tunnel' && s.underlay && { underlay: s.underlay }),
    port: s.port,
    proto: 'tcp',
    mode: s.mode,
    scheduler: s.scheduler,
    backends: backendsOf(plan, lb, s.backends, facts),
    routes:
      s.mode === 'l7'
        ? s.routes.map((r) => ({ path: r.path, host: r.host, header: r.header, backends: backendsOf(plan, lb, r.backends, facts) }))
        : [],
    // a check must finish before the next one is due
    health: { type: s.health.type, path: s.health.path, intervalMs: interval, timeoutMs: Math.min(400, Math.max(50, interval - 50)) },
    snatAddress: s.snatAddress,
    ...(s.vip6 && s.snatAddress6 && { snatAddress6: s.snatAddress6 }),
    ...(s.snatAddresses && { snatAddresses: s.snatAddresses }),
    ...(s.mode === 'l7' && s.gateway !== undefined && { gateway: s.gateway }),
    ...(s.mode === 'l7' && s.workers !== undefined && { workers: s.workers }),
    alsoBind: isProxyMode(s.mode) ? lowerTierVips(plan, lb, s) : [],
  };
}

/**
 * Multi-tier: when this balancer is itself a backend of a dsr/tunnel service
 * (a gateway behind an L4 tier), packets arrive addressed to that service's
 * VIP:port, which the plan puts on our lo. The first proxy service of this
 * node answers them too.
 */
function lowerTierVips(plan: LabPlan, lb: PlannedNode, s: PlannedService): string[] {
  const first = plan.services.find((x) => membersOf(x).includes(lb.name) && isProxyMode(x.mode));
  if (first?.name !== s.name) return [];
  // the VIP for the forwarded traffic, and our own address there for the
  // lower tier's health checks (they connect to the backend's address)
  return plan.services
    .filter((x) => isDirectReturnMode(x.mode) && x.backends.some((b) => b.node === lb.name))
    .flatMap((x) => [`${x.vip}:${x.port}`, ...x.backends.filter((b) => b.node === lb.name).map((b) => `${b.address}:${x.port}`)]);
}

export function buildAgentConfig(plan: LabPlan, balancer: string, facts: RuntimeFacts): AgentConfigInput {
  const lb = plan.nodes.find((n) => n.name === balancer);
  if (!lb) throw new Error(`lab ${plan.name}: no node named ${balancer}`);
  if (lb.kind !== 'balancer') throw new Error(`lab ${plan.name}: node ${balancer} is a ${lb.kind}, not a balancer`);
  return {
    version: 1,
    balancer,
    interfaces: interfacesOf(lb, facts),
    services: plan.services.filter((s) => membersOf(s).includes(balancer)).map((s) => serviceOf(plan, lb, s, facts)),
    // one flow table for the balancer's eBPF services: the largest any of them asks
    // the eBPF core at XDP (the agent's default: tc)
    ...(lb.hook && { hook: lb.hook }),
    maxFlows: Math.max(0, ...plan.services.filter((s) => membersOf(s).includes(balancer)).map((s) => s.maxFlows ?? 0)) || DEFAULT_MAX_FLOWS,
  };
}
