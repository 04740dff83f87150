// From a lab document to the deployable plan (pure; no Docker). The plan is
// the single source for deploy/ (networks, containers), plumbing.ts (what runs
// inside each node) and balancer/ (services, backends, addresses).
import { balancersOf, isTier, type LabDoc, type Mode } from '../../api';
import { BALANCER_LOCAL_PORTS, DEFAULT_MAX_FLOWS, flowTable6Bytes, flowTableBytes, isDataplaneMode, isDirectReturnMode, snatCapacityPerBackend } from '../balancer/contract';
import { containerName, networkName } from '../docker/labels';
import type { Addressing } from './addressing';
import { LabFileError } from './issues';
import { networkHosts, nodeHost } from './hosts';
import { contains, freeBlock, gatewayOf, intToIp, ipToInt, type Subnet } from './net4';
import type { LabPlan, PlannedBackend, PlannedDaemon, PlannedNetwork, PlannedNode, PlannedService } from './plan-types';
import { bigToIp6 } from './net6';
import { allRoutes, allRoutes6, backendNetwork } from './routes';
import { tierRoutes, tierWarning } from './tier';
import { DEFAULT_HEALTH, DEFAULT_SCHEDULER, DEFAULT_WEIGHT, durationMs, serviceProtocol, servicePort } from './schema';
import { isOwnImage, nodeCapabilities } from './trust';
import { analyzeLab, type ValidateOptions } from './validate';

export type PlanOptions = ValidateOptions;

/** A VXLAN overlay on a 1500-byte underlay: outer IPv4 (20) + UDP (8) + VXLAN (8) + the inner Ethernet header (14).
 * Every network of a lab with an overlay gets it, so no router forwards a full bridge packet into an overlay. */
export const OVERLAY_MTU = 1450;

export const SYSCTL = {
  ipForward: 'net.ipv4.ip_forward',
  ip6Forward: 'net.ipv6.conf.all.forwarding',
  arpIgnore: 'net.ipv4.conf.all.arp_ignore',
  arpAnnounce: 'net.ipv4.conf.all.arp_announce',
  rpFilterAll: 'net.ipv4.conf.all.rp_filter',
  rpFilterDefault: 'net.ipv4.conf.default.rp_filter',
  localPortRange: 'net.ipv4.ip_local_port_range',
  multipathHash: 'net.ipv4.fib_multipath_hash_policy',
} as const;

/** Plan a lab; throws LabFileError (one line: field path and reason) if the lab is invalid
 * for the given effective modes (`opts.modes` = live mode switches). */
/** Every node a service sends to: its backends and its l7 routes' backends (a node may be in both). */
export function serviceBackendNodes(s: PlannedService): string[] {
  return [...new Set([...s.backends, ...s.routes.flatMap((r) => r.backends)].map((b) => b.node))];
}

/** The nodes that run an image other than lblab's own with capabilities (the lab file trusts them), to say so. */
export function capabilityGrants(plan: LabPlan): { node: string; image: string; capAdd: string[] }[] {
  return plan.nodes.filter((n) => n.trusted).map((n) => ({ node: n.name, image: n.image, capAdd: n.capAdd }));
}

export function planLab(doc: LabDoc, opts: PlanOptions = {}): LabPlan {
  const a = analyzeLab(doc, opts);
  if (!a.doc || !a.addr || a.issues.length) throw new LabFileError(a.issues);
  return buildPlan(a.doc, a.addr, a.modes);
}

const backendRef = (b: string | { node: string; weight?: number }) => (typeof b === 'string' ? { node: b, weight: DEFAULT_WEIGHT } : { node: b.node, weight: b.weight ?? DEFAULT_WEIGHT });

function buildPlan(doc: LabDoc, addr: Addressing, modes: Record<string, Mode>): LabPlan {
  const lab = doc.name;
  const spread = Object.keys(doc.hosts ?? {}).length > 1;
  const netHosts = (net: string) => networkHosts(doc, net);
  const overlays = spread && Object.keys(doc.networks).some((net) => netHosts(net).length > 1);
  // an overlay's own addresses (one load-balancer endpoint per host) must not take a planned one
  const dockerRange = (net: string, s: Subnet) => {
    const used = [gatewayOf(s), ...[...addr.nodeAddrs.values()].map((m) => m.get(net)).filter((a): a is string => !!a).map(ipToInt), ...[...addr.vips.values()].map(ipToInt).filter((v) => contains(s, v))];
    const block = freeBlock(s, used, Math.max(4, 2 ** Math.ceil(Math.log2(Object.keys(doc.hosts ?? {}).length + 2))));
    return block ? { dockerRange: block.cidr } : {};
  };
  const networks: PlannedNetwork[] = Object.keys(doc.networks).map((net) => {
    const s = addr.subnets.get(net)!;
    const overlay = spread && netHosts(net).length > 1;
    const where = spread ? { hosts: netHosts(net), ...(overlay && { overlay: true as const, ...dockerRange(net, s) }) } : {};
    const s6 = addr.subnets6.get(net);
    const v6 = s6 && { subnet6: s6.cidr, gateway6: bigToIp6(s6.base + 1n) };
    // the lab's own mtu (a narrow link), never above what an overlay leaves; an overlay keeps its own
    const asked = doc.networks[net].mtu;
    const mtu = overlay ? OVERLAY_MTU : overlays ? Math.min(asked ?? OVERLAY_MTU, OVERLAY_MTU) : asked;
    return { name: net, docker: networkName(lab, net), subnet: s.cidr, gateway: intToIp(gatewayOf(s)), ...v6, ...where, ...(mtu && { mtu }) };
  });

  const routes = allRoutes(doc, addr, modes);
  const routes6 = addr.subnets6.size ? allRoutes6(doc, addr, addr, modes) : undefined;
  const loopbackVips6 = new Map<string, string[]>();
  const tiers = tierRoutes(doc, addr).multipath;
  const warnings: string[] = [];
  const services: PlannedService[] = [];
  const loopbackVips = new Map<string, string[]>();
  const decap = new Set<string>();
  /** node → addresses of the balancers that tunnel to it */
  const decapSenders = new Map<string, string[]>();
  const decapSenders6 = new Map<string, string[]>();
  const addTo = (m: Map<string, string[]>, k: string, v: string) => {
    const l = m.get(k) ?? [];
    if (!l.includes(v)) l.push(v);
    m.set(k, l);
  };
  // a tier's members hold its VIP on lo, unannounced: the router in front routes it to them
  const tierVips = new Map<string, string[]>();
  for (const [svc, sd] of Object.entries(doc.services ?? {})) if (isTier(sd)) for (const m of balancersOf(sd)) addTo(tierVips, m, addr.vips.get(svc)!);

  for (const [svc, sd] of Object.entries(doc.services ?? {})) {
    const mode = modes[svc];
    const vip = addr.vips.get(svc)!;
    const vip6 = addr.vips6.get(svc);
    const members = balancersOf(sd);
    const lb = members[0];
    const w = tierWarning(svc, sd);
    if (w) warnings.push(w);
    const resolve = (b: string | { node: string; weight?: number }): PlannedBackend => {
      const { node, weight } = backendRef(b);
      const bn = backendNetwork(doc, addr, lb, node)!;
      // the balancer's own address toward this backend: on the shared network, else where the route leaves
      const source = addr.nodeAddrs.get(lb)!.get(bn.hop.firstNet)!;
      const address6 = addr.nodeAddrs6.get(node)?.get(bn.network);
      return { node, address: addr.nodeAddrs.get(node)!.get(bn.network)!, ...(address6 && { address6 }), network: bn.network, weight, source };
    };
    const backends = sd.backends.map(resolve);
    for (const b of backends) {
      // dsr and tunnel deliver packets still addressed to the VIP: the server must own it (on lo, not announced)
      if (isDirectReturnMode(mode)) addTo(loopbackVips, b.node, vip);
      if (isDirectReturnMode(mode) && vip6) addTo(loopbackVips6, b.node, vip6);
      if (mode === 'tunnel') {
        decap.add(b.node);
        for (const m of members) for (const a of addr.nodeAddrs.get(m)?.values() ?? []) addTo(decapSenders, b.node, a);
        for (const m of members) for (const a of addr.nodeAddrs6.get(m)?.values() ?? []) addTo(decapSenders6, b.node, a);
      }
    }
    const h = sd.health ?? {};
    const pool = addr.snatPools.get(svc);
    const snatAddress = backends[0]?.source;
    // NAT66's source: the balancer's IPv6 address on the network of its first snat source
    const snatNet = snatAddress === undefined ? undefined : [...(addr.nodeAddrs.get(lb) ?? [])].find(([, a]) => a === snatAddress)?.[0];
    const snatAddress6 = vip6 && snatNet ? addr.nodeAddrs6.get(lb)?.get(snatNet) : undefined;
    const snatAddresses = pool && snatAddress ? [snatAddress, ...pool.addresses] : undefined;
    services.push({
      name: svc,
      balancer: lb,
      ...(isTier(sd) && { members: [...members] }),
      vip,
      ...(vip6 && { vip6 }),
      ...(mode === 'tunnel' && sd.underlay === 'ipv6' && { underlay: 'ipv6' as const }),
      port: servicePort(sd),
      protocol: serviceProtocol(sd),
      mode,
      scheduler: sd.scheduler ?? DEFAULT_SCHEDULER,
      backends,
      routes: mode === 'l7' ? (sd.routes ?? []).map((r) => ({ ...(r.path !== undefined && { path: r.path }), ...(r.host !== undefined && { host: r.host }), ...(r.header !== undefined && { header: { ...r.header } }), backends: r.backends.map(resolve) })) : [],
      health: {
        type: h.type ?? DEFAULT_HEALTH.type,
        path: h.path ?? DEFAULT_HEALTH.path,
        intervalMs: h.interval ? durationMs(h.interval) : DEFAULT_HEALTH.intervalMs,
      },
      snatAddress,
      ...(snatAddress6 && { snatAddress6 }),
      ...(snatAddresses && { snatAddresses }),
      ...(mode === 'snat' && { snatCapacityPerBackend: snatCapacityPerBackend(snatAddresses?.length ?? 1) }),
      ...(isDataplaneMode(mode) && { maxFlows: sd.maxFlows ?? DEFAULT_MAX_FLOWS, flowTableBytes: flowTableBytes(sd.maxFlows ?? DEFAULT_MAX_FLOWS) }),
      ...(isDataplaneMode(mode) && vip6 && { flowTable6Bytes: flowTable6Bytes(sd.maxFlows ?? DEFAULT_MAX_FLOWS) }),
      ...(mode === 'l7' && sd.gateway !== undefined && { gateway: sd.gateway }),
      ...(mode === 'l7' && sd.workers !== undefined && { workers: sd.workers }),
    });
  }

  // servers run each non-HTTP service they back (l7 routes name only the service's own backends)
  const serves = new Map<string, PlannedDaemon[]>();
  for (const s of services) {
    if (!s.protocol || s.protocol === 'http') continue;
    for (const b of s.backends) {
      if (doc.nodes[b.node]?.kind !== 'server') continue;
      const l = serves.get(b.node) ?? [];
      if (!l.some((d) => d.protocol === s.protocol && d.port === s.port)) l.push({ protocol: s.protocol, port: s.port });
      serves.set(b.node, l);
    }
  }

  const nodes: PlannedNode[] = Object.entries(doc.nodes).map(([name, nd]) => {
    const seen = new Set<string>();
    const interfaces = nd.links
      .filter((l) => !seen.has(l.network) && seen.add(l.network))
      .map((l) => ({
        network: l.network,
        address: addr.nodeAddrs.get(name)!.get(l.network)!,
        prefixLen: addr.subnets.get(l.network)!.prefix,
        ...(addr.nodeAddrs6.get(name)?.get(l.network) && { address6: addr.nodeAddrs6.get(name)!.get(l.network)!, prefixLen6: addr.subnets6.get(l.network)!.prefix }),
        ...(l.rate !== undefined && { rate: l.rate }),
      }));
    const vips = [...new Set([...(loopbackVips.get(name) ?? []), ...(tierVips.get(name) ?? [])])];
    const sysctls: Record<string, string> = {};
    if (nd.kind === 'router' || nd.kind === 'balancer') sysctls[SYSCTL.ipForward] = '1';
    // a dual-stack router or balancer forwards IPv6 too (its interfaces then ignore router advertisements: none are sent here)
    const dual = nd.links.some((l) => addr.subnets6.has(l.network));
    if (dual && (nd.kind === 'router' || nd.kind === 'balancer')) sysctls[SYSCTL.ip6Forward] = '1';
    // the balancer's own sockets take ports above every snat port (contract/snat.ts)
    if (nd.kind === 'balancer') sysctls[SYSCTL.localPortRange] = BALANCER_LOCAL_PORTS;
    if (nd.kind === 'router') {
      // dsr/tunnel replies come from the VIP on a network the VIP's subnet is not routed to:
      // strict reverse-path filtering on a router would drop them
      sysctls[SYSCTL.rpFilterAll] = '0';
      sysctls[SYSCTL.rpFilterDefault] = '0';
    }
    // ECMP over a tier's members by the L4 hash (addresses and ports), so the flows of one client spread
    if (tiers.has(name)) sysctls[SYSCTL.multipathHash] = '1';
    if (vips.length) {
      // hold the VIP without answering ARP for it: only the balancer may announce the VIP
      sysctls[SYSCTL.arpIgnore] = '1';
      sysctls[SYSCTL.arpAnnounce] = '2';
    }
    if (decap.has(name)) {
      // decapsulated packets carry the client's source, which is not routed via the tunnel path
      sysctls[SYSCTL.rpFilterAll] = '0';
      sysctls[SYSCTL.rpFilterDefault] = '0';
    }
    // NET_ADMIN for the plumbing script everywhere, SYS_ADMIN where BPF loads (trust.ts); validation
    // let a foreign image through only with trust: true, and the plan says so (`trusted`)
    const capAdd = nodeCapabilities(doc, name);
    return {
      name,
      kind: nd.kind,
      image: nd.image ?? `lblab/${nd.kind}`,
      container: containerName(lab, name),
      ...(doc.hosts && { host: nodeHost(doc, name) }),
      interfaces,
      routes: routes.get(name) ?? [],
      ...(interfaces.some((i) => i.address6) && { routes6: routes6?.get(name) ?? [] }),
      loopbackVips: vips,
      ...(loopbackVips6.has(name) && { loopbackVips6: loopbackVips6.get(name)! }),
      ...(tiers.has(name) && { tiers: tiers.get(name)! }),
      ...(nd.cpus !== undefined && { cpus: nd.cpus }),
      ...(nd.kind === 'balancer' && nd.hook === 'xdp' && { hook: 'xdp' as const }),
      tunnelDecap: decap.has(name),
      ...(decap.has(name) && { decapSenders: decapSenders.get(name) ?? [], decapSenders6: decapSenders6.get(name) ?? [] }),
      sysctls,
      capAdd,
      ...(serves.has(name) && { serves: serves.get(name)! }),
      ...(!isOwnImage(nd.image) && { trusted: true }),
    };
  });
  return { name: lab, ...(doc.offload ? { offload: true as const } : {}), ...(doc.hosts && { hosts: { ...doc.hosts } }), networks, nodes, services, ...(warnings.length && { warnings }) };
}
