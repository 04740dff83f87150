// Byte layouts of the balancer's BPF map keys and values — the TypeScript
// mirror of lab-images/balancer/core/abi.h. Pure functions, no Node
// APIs, so tests and the bench can import them too. Multi-byte integers are
// little-endian (host order on x86_64/arm64) unless the C field is __be*,
// which are network order (addresses, ports).
import { MAX_BACKENDS, MAX_SERVICES, MAX_SNAT_ADDRS, MAX_SVC_BACKENDS, RING_SIZE } from '../contract/limits';
import { SNAT_REST_S } from '../contract/snat';
import { DATAPLANE_DROP_REASONS } from '../contract/report';
import type { DataplaneMode, Scheduler } from '../contract/vocabulary';

// The limits are the contract's (checked against abi.h by test/unit/balancer/contract-limits.test.ts).
export { FLOW6_KEY_SIZE, FLOW6_VAL_SIZE, FLOW_KEY_SIZE, FLOW_VAL_SIZE } from '../contract/flow-table';
export { MAX_BACKENDS, MAX_SERVICES, MAX_SNAT_ADDRS, MAX_SVC_BACKENDS, RING_SIZE, SNAT_PORT_MIN, SNAT_PORT_SPAN } from '../contract/limits';

/** enum lb_mode; vipMarker tags the {vip, 0, 0} entry of every VIP. */
export const MODE = { dsr: 0, tunnel: 1, nat: 2, snat: 3, vipMarker: 255 } as const satisfies Record<DataplaneMode | 'vipMarker', number>;
/** enum lb_sched. */
export const SCHED = { maglev: 0, rr: 1, wrr: 2, lc: 3, sh: 4 } as const satisfies Record<Scheduler, number>;
export const PROTO = { icmp: 1, ipip: 4, tcp: 6, udp: 17 } as const;

export const BE_F_HEALTHY = 0x1;
export const BE_F_L2 = 0x2;
/** tunnel: IPv4 in IPv6 ("4in6") toward the backend's lb_backends6 addresses */
export const BE_F_TUNNEL6 = 0x4;

/** enum lb_counter, in order (lb_counters index). rx and tx are not among them: readStats() adds them up. */
export const COUNTER_NAMES = [
  'pass', 'dsr', 'encap', 'nat_fwd', 'nat_rev', 'snat_fwd', 'snat_rev', 'new_flow',
  'resched', 'icmp_vip', 'ip_options', 'fib_lookup', 'redirect_neigh', 'flow_closed', 'icmp_too_big',
  'icmp_fwd', 'icmp_rev', 'flow_expired', 'gc_expired', 'gc_flushed', 'frag_first', 'frag_later', 'snat_early',
  'flow_added', 'flow_dropped',
  'ipv6_ext',
] as const;
/** enum lb_drop: DROP_NAMES[i] is the code -(i + 1) and lb_drops index i. The
 * names are the contract's (what `lbagent stats` reports under `drops`). */
export const DROP_NAMES = DATAPLANE_DROP_REASONS;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** Map names as pinned under <pinDir>/maps (see core/maps.h). */
export const MAPS = {
  services: 'lb_services', backends: 'lb_backends', ring: 'lb_ring', svcBackends: 'lb_svc_bes',
  rrCounter: 'lb_rr_ctr', flows: 'lb_flows', beStats: 'lb_be_stats',
  beActive: 'lb_be_active', counters: 'lb_counters', drops: 'lb_drops',
  timeouts: 'lb_timeouts', gcReq: 'lb_gc_req', beGauge: 'lb_be_gauge', snatNext: 'lb_snat_next',
  snatPool: 'lb_snat_pool', snatRest: 'lb_snat_rest', flowGauge: 'lb_flow_gauge',
  services6: 'lb_services6', backends6: 'lb_backends6', snat6: 'lb_snat6', flows6: 'lb_flows6',
} as const;
/** The sweep of lb_flows (core/gc.h), run with BPF_PROG_TEST_RUN. */
export const GC_PROG = 'lb_gc';

/** The data plane's clock tick (core/flow.h lb_now): 2^30 ns. */
export const TICK_NS = 2 ** 30;
/** Whole ticks for a timeout of `s` seconds (at least 1). */
export const ticksOf = (s: number): number => Math.max(1, Math.ceil((s * 1e9) / TICK_NS));

// ---------------------------------------------------------------- primitives
export function ipv4Bytes(addr: string): number[] {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${addr}`);
  }
  return parts;
}
/** The 16 bytes of an IPv6 address (text form, `::` allowed, an IPv4 tail too). */
export function ipv6Bytes(addr: string): number[] {
  const bad = () => new Error(`not an IPv6 address: ${addr}`);
  let s = addr;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    s = `${v4[1]}0:0`;
    tail.push(...ipv4Bytes(v4[2]));
  }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const words = (h: string) => (h === '' ? [] : h.split(':'));
  const head = words(halves[0]);
  const rest = halves.length === 2 ? words(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if ((halves.length === 2 && fill < 1) || (halves.length === 1 && fill !== 0)) throw bad();
  const all = [...head, ...new Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  const out: number[] = [];
  for (const w of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(w)) throw bad();
    const v = parseInt(w, 16);
    out.push(v >> 8, v & 0xff);
  }
  if (tail.length) out.splice(12, 4, ...tail);
  return out;
}
export function macBytes(mac: string): number[] {
  const parts = mac.split(':').map((h) => parseInt(h, 16));
  if (parts.length !== 6 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not a MAC address: ${mac}`);
  }
  return parts;
}
export const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const le16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
export const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export function readLe(bytes: number[], off: number, len: number): number {
  let v = 0;
  for (let i = len - 1; i >= 0; i--) v = v * 256 + bytes[off + i];
  return v;
}

// ---------------------------------------------------------------- structs
/** struct svc_key (8 bytes). */
export function svcKey(vip: string, port: number, proto: number): number[] {
  return [...ipv4Bytes(vip), ...be16(port), proto, 0];
}
/** struct svc_info (16 bytes). */
export function svcInfo(v: { id: number; mode: number; sched: number; tableLen: number; snatAddress?: string }): number[] {
  return [...le32(v.id), v.mode, v.sched, ...le16(0), ...le32(v.tableLen), ...ipv4Bytes(v.snatAddress ?? '0.0.0.0')];
}
/** struct svc6_key (20 bytes): an IPv6 VIP, port, protocol. */
export function svc6Key(vip6: string, port: number, proto: number): number[] {
  return [...ipv6Bytes(vip6), ...be16(port), proto, 0];
}
/** struct backend6 (32 bytes): the backend's IPv6 address, ours toward it. */
export function backend6Value(address6: string, srcAddress6: string): number[] {
  return [...ipv6Bytes(address6), ...ipv6Bytes(srcAddress6)];
}
export interface BackendEntry {
  address: string;
  srcAddress: string;
  ifindex: number;
  svcId: number;
  weight: number;
  nhMac: string;
  srcMac: string;
  flags: number;
  mtu?: number; // egress MTU; 0/unset = no check
  srcAddress6?: string; // vip6: our IPv6 address toward the backend (lb_backends6, not struct backend)
}
/** struct backend (36 bytes). */
export function backendValue(b: BackendEntry): number[] {
  return [
    ...ipv4Bytes(b.address), ...ipv4Bytes(b.srcAddress), ...le32(b.ifindex), ...le32(b.svcId >>> 0),
    ...le32(b.weight), ...macBytes(b.nhMac), ...macBytes(b.srcMac), b.flags, 0, ...le16(b.mtu ?? 0),
  ];
}
/** struct svc_backends (4 + 4*64 bytes). */
export function svcBackendsValue(ids: number[]): number[] {
  if (ids.length > MAX_SVC_BACKENDS) throw new Error(`at most ${MAX_SVC_BACKENDS} backends per service`);
  const out = [...le32(ids.length)];
  for (let i = 0; i < MAX_SVC_BACKENDS; i++) out.push(...le32(ids[i] ?? 0));
  return out;
}
/** Flow lifetimes in seconds (the contract's FlowTimeouts). */
export interface FlowTimeoutsS { tcpSyn: number; tcpEstablished: number; tcpFin: number; tcpClosed: number; udp: number }
/** struct flow_timeouts (6 x u32, ticks): the lifetimes, then how long a snat port rests (seconds). */
export function flowTimeoutsValue(t: FlowTimeoutsS, snatRestS: number = SNAT_REST_S): number[] {
  return [t.tcpSyn, t.tcpEstablished, t.tcpFin, t.tcpClosed, t.udp, snatRestS].flatMap((s) => le32(ticksOf(s)));
}
/** struct snat_pool (4 + 4 x MAX_SNAT_ADDRS bytes): a service's snat addresses. */
export function snatPoolValue(addrs: string[]): number[] {
  if (addrs.length > MAX_SNAT_ADDRS) throw new Error(`at most ${MAX_SNAT_ADDRS} snat addresses`);
  const out = [...le32(addrs.length)];
  for (let i = 0; i < MAX_SNAT_ADDRS; i++) out.push(...ipv4Bytes(addrs[i] ?? '0.0.0.0'));
  return out;
}
/** struct gc_req: the services and backends the next sweep flushes. */
export function gcReqValue(svcIds: number[], backendIds: number[]): number[] {
  let mask = 0;
  for (const id of svcIds) if (id >= 0 && id < MAX_SERVICES) mask |= 1 << id;
  const words = new Array<number>((MAX_BACKENDS / 64) * 8).fill(0);
  for (const id of backendIds) if (id >= 0 && id < MAX_BACKENDS) words[Math.floor(id / 8)] |= 1 << (id % 8);
  return [...le32(mask >>> 0), ...le32(0), ...words];
}
export const u32Key = (v: number): number[] => le32(v >>> 0);
export const ringKey = (svcId: number, i: number): number[] => le32(svcId * RING_SIZE + i);

export const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
