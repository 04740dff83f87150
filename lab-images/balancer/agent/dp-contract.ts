// The data plane's contract as the agent uses it (dataplane.ts implements
// it). Kept as types here so the control logic and its unit tests do not need
// the BPF loader; main.ts wires in the real class.
import type { FlowTableSizes } from '../contract/flow-table';
import type { DataplaneMode, Hook, Scheduler } from '../contract/vocabulary';

/** `id` is unique per balancer (one id per service x server pair, 0..MAX_BACKENDS-1):
 * it indexes the backend array and the per-backend stats. */
export interface DpBackend {
  id: number; address: string; mac: string; weight: number; healthy: boolean;
  /** the backend's IPv6 address: where the service's vip6 traffic goes, and its 4in6 tunnel (required with vip6
   * or an ipv6 underlay) */
  address6?: string;
  /** Optional: how to reach the backend, skipping route resolution (tests,
   * or an agent that already knows). Without it, `ip route get` decides. */
  egress?: DpEgress;
}
export interface DpEgress {
  ifindex: number;
  srcMac: string;       // MAC of the egress interface
  srcAddress: string;   // our address on that network (IPIP outer source)
  srcAddress6?: string; // our IPv6 address toward the backend (ip6ip6 outer source)
  nextHopMac?: string;  // set: rewrite MACs + bpf_redirect; unset: fib lookup in BPF
  mtu?: number;         // egress MTU: tunnel answers bigger packets with ICMP frag-needed
}
export interface DpService {
  id: number;
  vip: string;
  port: number;
  proto: 'tcp' | 'udp';
  mode: DataplaneMode;
  scheduler: Scheduler;
  snatAddress?: string; // snat: balancer's source address toward backends
  /** snat: every source address (snatAddress first); unset: snatAddress alone */
  snatAddresses?: string[];
  /** dual-stack: the IPv6 VIP, served in the same mode by the same backends (their address6) */
  vip6?: string;
  /** snat with vip6: the IPv6 source address toward the backends (NAT66) */
  snatAddress6?: string;
  /** tunnel: the network the encapsulated packets cross toward the backends; ipv6 wraps the IPv4 VIP's
   * packets in IPv6 ("4in6") to the backends' address6 (unset: ipv4, IPIP) */
  underlay?: 'ipv4' | 'ipv6';
  backends: DpBackend[];
  /** backend ids: Maglev table (len 65537) for maglev/sh, weighted sequence for rr/wrr, [] for lc */
  table: number[];
}
export interface DpStats {
  /** by backend id; flows / snatPorts: what the last sweep found in the flow table */
  backends: Record<number, { packets: number; bytes: number; activeFlows: number; newFlows?: number; flows?: number; snatPorts?: number }>;
  counters: Record<string, number>;
  drops: Record<string, number>;
  /** the flow table: its entries (2 per flow), memory (the kernel's figure), the flows it was sized for, the entries
   * the last sweep found, and how many its LRU evicted to make room */
  flowTable?: { entries: number; bytes: number; bytes6: number; maxFlows: number; live: number; evicted: number };
}
/** Flow lifetimes by state, in seconds (the contract's FlowTimeouts). */
export interface DpFlowTimeouts { tcpSyn: number; tcpEstablished: number; tcpFin: number; tcpClosed: number; udp: number }
export interface DataplaneLike {
  applyService(s: DpService): Promise<void>;
  /** Remove a service and everything of it in the flow table (its ids may be reused at once). */
  removeService(id: number): Promise<void>;
  setFlowTimeouts(t: DpFlowTimeouts): Promise<void>;
  /** One pass of the flow-table sweep: expired flows go (their snat ports and active counts with them). */
  sweep(): Promise<void>;
  readStats(): Promise<DpStats>;
  /** Flows scheduled to each backend so far, by backend id (their rate: snat capacity). */
  readNewFlows?(): Promise<Record<number, number>>;
  unload(): Promise<void>;
  /** Attach on ingress of these interfaces (again, after detachAll). */
  attach?(interfaces: string[]): Promise<void>;
  /** The pinned paths of the programs that now see traffic (none while detached). */
  attachedPrograms?(): string[];
  /** Detach from every interface, staying loaded (a data plane with no service for now). */
  detachAll?(): Promise<void>;
}
/** sizes: what the flow tables are sized for (they cannot grow once created: other sizes are another load);
 * hook: where it attaches (tc when unset; another hook is another load) */
export type DataplaneLoader = (interfaces: string[], sizes: FlowTableSizes, hook?: Hook) => Promise<DataplaneLike>;
