// Shared fixtures: a lab's worth of addresses, and a reference Maglev table
// builder (the real one lives in the control plane; this one only has to be
// a correct weighted Maglev so the BPF lookup can be checked against it).
import type { DpBackend, DpService } from '../../lab-images/balancer/agent/dataplane';
import { RING_SIZE } from '../../lab-images/balancer/agent/dataplane-abi';
import { LO_IFINDEX } from '../support/bpf/harness';

export const VIP = '198.18.0.100';
export const CLIENT = '198.18.0.50';
export const LB_ADDR = '198.18.0.2';
export const SNAT_ADDR = '198.18.0.3';
export const LB_EGRESS_MAC = '02:00:00:00:00:b1';
/** The backends' egress interface: one that exists (the core checks), lo. */
export const EGRESS_IFINDEX = LO_IFINDEX;
/** The interface requests "arrive on" (test-run ctx): replies of nat/snat flows go back out of it. */
export const CLIENT_IFINDEX = LO_IFINDEX;

export function backend(id: number, opts: Partial<DpBackend> = {}): DpBackend {
  const addr = `198.18.1.${10 + id}`;
  const m = `02:00:00:00:01:${(0x10 + id).toString(16).padStart(2, '0')}`;
  return {
    id, address: addr, mac: m, weight: 1, healthy: true,
    egress: { ifindex: EGRESS_IFINDEX, srcMac: LB_EGRESS_MAC, srcAddress: LB_ADDR, nextHopMac: m },
    ...opts,
  };
}
export const beMac = (id: number): string => `02:00:00:00:01:${(0x10 + id).toString(16).padStart(2, '0')}`;
/** Backend id from the destination MAC the balancer wrote (-1: not a backend). */
export const beOfMac = (m: string): number => (m.startsWith('02:00:00:00:01:') ? parseInt(m.slice(15), 16) - 0x10 : -1);
export const beAddr = (id: number): string => `198.18.1.${10 + id}`;

function fnv(s: string, seed: number): number {
  let h = seed >>> 0;
  for (const c of s) { h ^= c.charCodeAt(0); h = Math.imul(h, 16777619) >>> 0; }
  return h;
}

/** Weighted Maglev population (Eisenbud et al. 2016, weights as turns). */
export function maglevTable(backends: { id: number; weight: number }[], m = RING_SIZE): number[] {
  const live = backends.filter((b) => b.weight > 0);
  if (live.length === 0) return [];
  const table = new Array<number>(m).fill(-1);
  const offset = live.map((b) => fnv(`be${b.id}`, 2166136261) % m);
  const skip = live.map((b) => (fnv(`be${b.id}`, 0x9747b28c) % (m - 1)) + 1);
  const next = live.map(() => 0);
  const maxW = Math.max(...live.map((b) => b.weight));
  let filled = 0;
  for (let round = 0; filled < m; round++) {
    for (let i = 0; i < live.length && filled < m; i++) {
      // backend i takes a turn in `weight` of every `maxW` rounds
      if ((round % maxW) >= live[i].weight) continue;
      let c: number;
      do { c = (offset[i] + next[i] * skip[i]) % m; next[i]++; } while (table[c] >= 0);
      table[c] = live[i].id;
      filled++;
    }
  }
  return table;
}

/** rr/wrr sequence: interleaved, each backend repeated by its weight. */
export function wrrSequence(backends: { id: number; weight: number }[]): number[] {
  const seq: number[] = [];
  const maxW = Math.max(0, ...backends.map((b) => b.weight));
  for (let r = 0; r < maxW; r++) for (const b of backends) if (b.weight > r) seq.push(b.id);
  return seq;
}

// The same lab in IPv6 (a ULA range): the client, the VIP, our address towards the backends, the snat address.
export const VIP6 = 'fd00:18::100';
export const CLIENT6 = 'fd00:18::50';
export const LB6 = 'fd00:18:1::2';
export const SNAT6 = 'fd00:18:1::3';
export const be6 = (id: number): string => `fd00:18:1::${(0x10 + id).toString(16)}`;

/** Backend `id` with its IPv6 address too, reached from our IPv6 address (over a link of `mtu`, if given). */
export function backend6(id: number, opts: Partial<DpBackend> & { mtu?: number } = {}): DpBackend {
  const { mtu, ...over } = opts;
  const b = backend(id, over);
  return { ...b, address6: be6(id), egress: { ...b.egress!, srcAddress6: LB6, ...(mtu && { mtu }) } };
}

/** Service `id` in `mode` on `port` with an IPv4 and an IPv6 VIP, its backends (2id-1, 2id) dual-stack. */
export function service46(id: number, mode: DpService['mode'], port: number, opts: { proto?: 'tcp' | 'udp'; mtu?: number } = {}): DpService {
  const backends = [2 * id - 1, 2 * id].map((i) => backend6(i, { mtu: opts.mtu }));
  return service({ id, mode, port, proto: opts.proto ?? 'tcp', backends, vip6: VIP6, ...(mode === 'snat' && { snatAddress: SNAT_ADDR, snatAddress6: SNAT6 }) });
}

export function service(over: Partial<DpService> & Pick<DpService, 'id' | 'mode'>): DpService {
  // backend ids are unique per balancer: service n gets backends 2n-1, 2n
  const backends = over.backends ?? [backend(2 * over.id - 1), backend(2 * over.id)];
  const scheduler = over.scheduler ?? 'maglev';
  const table = over.table ?? (scheduler === 'lc' ? [] : scheduler === 'rr' || scheduler === 'wrr'
    ? wrrSequence(backends.filter((b) => b.healthy)) : maglevTable(backends.filter((b) => b.healthy)));
  return { vip: VIP, port: 80, proto: 'tcp', scheduler, backends, table, ...over };
}
