// The deployable plan computed from a validated lab document. Produced by
// topology/plan.ts (pure: no Docker), consumed by deploy/ and balancer/.
import type { Gateway, Mode, NodeKind, Protocol, Scheduler } from '../../api';

export interface PlannedNetwork {
  name: string; // lab network name
  docker: string; // docker network name: lblab-<lab>-<net>
  subnet: string; // CIDR
  gateway: string; // the bridge's own address (host side), first usable address
  /** dual-stack: the IPv6 subnet (a ULA) and the bridge's own IPv6 address (::1 in it) */
  subnet6?: string;
  gateway6?: string;
  /** a lab spread over hosts: the hosts whose nodes link to it; more than one makes it a Swarm overlay */
  hosts?: string[];
  /** carried between hosts as VXLAN: a swarm-scoped attachable overlay, not a bridge */
  overlay?: true;
  /** the interface MTU Docker gives it (a lab with an overlay: every network gets the overlay's) */
  mtu?: number;
  /** an overlay: where Docker may take addresses of its own (each host's load-balancer endpoint), clear
   * of every planned node address and VIP, which Docker would otherwise hand out first come, first served */
  dockerRange?: string;
}

export interface PlannedInterface {
  network: string; // lab network name
  address: string; // plain IPv4, e.g. 198.18.0.10
  prefixLen: number;
  /** dual-stack network: the IPv6 address (same host number as `address`) and its prefix length */
  address6?: string;
  prefixLen6?: number;
  rate?: string; // tc rate, e.g. "200mbit" (shaped both directions)
}

export interface PlannedRoute {
  dst: string; // CIDR or "default"
  via: string; // next hop on a directly attached network (IPv4; IPv6 in `routes6`)
}

/** A front router's route to a tier's VIP through the members (plumbing.ts sets it; a health loop on the
 * router drops a dead member's next hop and takes it back when it answers again). */
export interface TierRoute {
  service: string;
  vip: string;
  /** what the router's check asks each member for: the service itself, through that member */
  port: number;
  protocol: Protocol;
  /** nexthop group id in the router's namespace; member i's next hop is group + 1 + i */
  group: number;
  hops: { member: string; via: string }[];
}

export interface PlannedNode {
  name: string;
  kind: NodeKind;
  image: string; // e.g. lblab/server (tag resolved by images/)
  container: string; // lblab-<lab>-<node>
  /** a lab spread over hosts: the host (a `hosts` key) this node runs on */
  host?: string;
  interfaces: PlannedInterface[]; // in lab-file order; map to ethN by subnet at runtime
  routes: PlannedRoute[]; // static routes, default route included, for the current modes
  /** the same for IPv6 over the lab's dual-stack networks (absent: an IPv4-only node) */
  routes6?: PlannedRoute[];
  /** VIPs this node holds on `lo` (dsr/tunnel real servers) */
  loopbackVips: string[];
  /** IPv6 VIPs it holds on `lo` (dsr/tunnel real servers of a service with a vip6) */
  loopbackVips6?: string[];
  /** tunnel-mode real server: decapsulate IPIP (tc-BPF, or the ipip module where present) */
  tunnelDecap: boolean;
  /** the only tunnel senders it accepts: the addresses of the balancers that tunnel to it */
  decapSenders?: string[];
  /** the same for ip6ip6: the balancers' IPv6 addresses (empty: no balancer of it has one, so none is accepted) */
  decapSenders6?: string[];
  /** a router in front of tiers: its multipath routes to their VIPs */
  tiers?: TierRoute[];
  /** the engine's CPU quota, in CPUs (the lab file's `cpus`) */
  cpus?: number;
  /** a balancer whose eBPF core runs at XDP (the lab file's `hook: xdp`; absent: tc) */
  hook?: 'xdp';
  sysctls: Record<string, string>; // applied inside the node, e.g. net.ipv4.conf.all.arp_ignore=1
  capAdd: string[]; // NET_ADMIN everywhere routes are set; SYS_ADMIN only where BPF is loaded
  /** the non-HTTP services this server runs beside nginx (etcd for tcp, websocketd for websocket), by port */
  serves?: PlannedDaemon[];
  /** set when `image` is not lblab's own: it gets capAdd because the lab file says `trust: true` */
  trusted?: true;
}

export interface PlannedDaemon {
  protocol: Exclude<Protocol, 'http'>;
  port: number;
}

export interface PlannedBackend {
  node: string;
  address: string; // the server's address the balancer reaches it on
  /** its IPv6 address on the same network (a service with a vip6) */
  address6?: string;
  network: string; // network of that address
  weight: number;
  /** the balancer's own address toward this backend (on `network` when shared, else where the route leaves): snat / l4proxy source */
  source?: string;
}

export interface PlannedL7Route {
  path?: string;
  host?: string;
  header?: Record<string, string>;
  backends: PlannedBackend[];
}

export interface PlannedService {
  name: string;
  balancer: string; // node name (a tier's first member)
  /** a tier: every member, in file order (each builds the same table); absent: `balancer` alone */
  members?: string[];
  vip: string;
  /** dual-stack: the IPv6 VIP, served in the same mode */
  vip6?: string;
  /** tunnel over IPv6 ("4in6"): the IPv4 VIP's packets go to the backends' address6 inside IPv6 (set only in
   * tunnel mode: a live switch to another mode leaves the lab's `underlay` dormant) */
  underlay?: 'ipv6';
  port: number;
  /** what the service speaks (absent in hand-made plans: http) */
  protocol?: Protocol;
  mode: Mode;
  scheduler: Scheduler;
  backends: PlannedBackend[];
  routes: PlannedL7Route[]; // l7 only
  health: { type: 'tcp' | 'http'; path: string; intervalMs: number };
  /** address the balancer uses as source in snat mode (on the backends' network) */
  snatAddress?: string;
  /** snat with a vip6: the balancer's IPv6 address toward the backends (NAT66 source) */
  snatAddress6?: string;
  /** snat: every source address (snatAddress first, then the extra ones the lab's `snatAddresses` asked for,
   * which the plumbing adds to the balancer's interface on that network); set only with more than one */
  snatAddresses?: string[];
  /** snat: new connections a second each backend sustains without a SYN meeting a TIME_WAIT there
   * (ports × addresses ÷ the servers' 60 s TIME_WAIT) */
  snatCapacityPerBackend?: number;
  /** eBPF modes: the flows its balancer's flow table is sized for (the lab's `maxFlows`, default 10^6), and that
   * table's memory (preallocated; shared by the balancer's eBPF services, sized for the largest maxFlows) */
  maxFlows?: number;
  flowTableBytes?: number;
  /** with a vip6: the IPv6 flow table's memory (the same flows; a balancer without an IPv6 service keeps that
   * table at its 1 024-flow minimum) */
  flowTable6Bytes?: number;
  /** l7: the gateway that serves it, and its worker limit (Apache) */
  gateway?: Gateway;
  workers?: number;
}

export interface LabPlan {
  name: string;
  /** the lab's `offload: true`: lab interfaces keep tx checksum/segmentation offload */
  offload?: true;
  /** a lab spread over hosts: host name → engine as the lab file writes it (first: the lab's first host) */
  hosts?: Record<string, string>;
  networks: PlannedNetwork[];
  nodes: PlannedNode[];
  services: PlannedService[];
  /** one line each, said at deploy: the lab runs, but not as one might expect (e.g. rr on a tier) */
  warnings?: string[];
}

/** The balancers that run a service: a tier's members, or its one balancer. */
export const membersOf = (s: Pick<PlannedService, 'balancer' | 'members'>): string[] => s.members ?? [s.balancer];
