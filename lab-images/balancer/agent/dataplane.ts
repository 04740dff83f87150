// Control interface of the balancer data plane (lab-images/balancer/core),
// run INSIDE the balancer container by the agent. It loads the BPF object
// with bpftool, attaches it with tc, and writes services, backends and
// scheduling tables into the pinned maps.
//
// Pin layout (pinDir, e.g. /sys/fs/bpf/lblab — no dots: libbpf rewrites
// '.' in pin paths):
//   <pinDir>/progs/<name>  the programs (lb_ingress: the balancer, sched_cls)
//   <pinDir>/maps/<name>   the maps of core/maps.h (lb_services, lb_ring, ...)
//
// Shell equivalent of load() (e.g. via `docker exec` for debugging):
//   mount -t bpf bpf /sys/fs/bpf            # if not mounted
//   mkdir -p /sys/fs/bpf/lblab/maps
//   bpftool prog loadall balancer.bpf.o /sys/fs/bpf/lblab/progs type classifier pinmaps /sys/fs/bpf/lblab/maps
//   tc qdisc replace dev eth0 clsact
//   tc filter replace dev eth0 ingress pref 100 handle 1 bpf object-pinned /sys/fs/bpf/lblab/progs/lb_ingress direct-action
// and of unload():
//   tc filter del dev eth0 ingress pref 100 handle 1 bpf; rm -rf /sys/fs/bpf/lblab
// At XDP (hook 'xdp'): the same maps, another object and program, native mode:
//   bpftool prog loadall balancer_xdp.bpf.o /sys/fs/bpf/lblab/progs type xdp pinmaps /sys/fs/bpf/lblab/maps
//   ip -force link set dev eth0 xdpdrv pinned /sys/fs/bpf/lblab/progs/lb_xdp
//   ip link set dev eth0 xdpdrv off          # unload
// A frame the core sends back out (XDP_TX) or to another veth (redirect) is
// received only if that veth's peer runs NAPI: the engine turns GRO on for the
// host-side peers (deploy/xdp-peers.ts).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MapWrites, bpftoolJson, ensureBpffs, run, writeMaps } from './bpf-tool';
import { DEFAULT_FLOW_TIMEOUTS } from '../contract/config';
import { DEFAULT_HOOK, type Hook } from '../contract/vocabulary';
import { MAX_MAX_FLOWS, MIN_MAX_FLOWS, flowTableEntries, type FlowTableSizes } from '../contract/flow-table';
import {
  FLOW6_KEY_SIZE, FLOW6_VAL_SIZE, FLOW_KEY_SIZE, FLOW_VAL_SIZE,
  BE_F_HEALTHY, BE_F_L2, BE_F_TUNNEL6, COUNTER_NAMES, DROP_NAMES, GC_PROG, MAPS, MAX_BACKENDS, MAX_SERVICES, MAX_SNAT_ADDRS, MODE, PROTO,
  RING_SIZE, SCHED, backend6Value, backendValue, flowTimeoutsValue, ipv6Bytes, svc6Key, gcReqValue, readLe, snatPoolValue, svcBackendsValue, svcInfo, svcKey, u32Key,
  type BackendEntry, type CounterName,
} from './dataplane-abi';
import type { DpBackend, DpEgress, DpFlowTimeouts, DpService, DpStats } from './dp-contract';

export type { DpBackend, DpEgress, DpFlowTimeouts, DpService, DpStats } from './dp-contract';

const PREF = '100';
const HANDLE = '1';
/** Per hook: the object, the program attached, and bpftool's program type for it (lb_gc is test-run only, any type). */
export const HOOK_OBJECT: Record<Hook, string> = { tc: 'balancer.bpf.o', xdp: 'balancer_xdp.bpf.o' };
export const HOOK_PROGRAM: Record<Hook, string> = { tc: 'lb_ingress', xdp: 'lb_xdp' };
const HOOK_TYPE: Record<Hook, string> = { tc: 'classifier', xdp: 'xdp' };
/** svc_id of a backend that no longer belongs to any service: its flows re-schedule. */
const NO_SERVICE = 0xffffffff;

type JsonEntry = { key: string[]; value?: string[]; values?: { cpu: number; value: string[] }[] };
const bytesOf = (a: string[]): number[] => a.map((h) => parseInt(h, 16));

export class Dataplane {
  private readonly services = new Map<number, DpService>();
  /** what the flow tables were sized for (undefined: the object's compiled sizes) */
  sizes: FlowTableSizes | undefined;
  /** Sweeps and stats reads one at a time: a sweep rewrites the gauges the stats read. */
  private gate: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly pinDir: string,
    private interfaces: string[],
    /** network namespace (ip netns name) the interfaces live in; unset: ours */
    private readonly netns?: string,
    /** where the program attaches: tc clsact ingress, or XDP (native) */
    readonly hook: Hook = DEFAULT_HOOK,
  ) {}

  get progPath(): string { return this.programPath(HOOK_PROGRAM[this.hook]); }
  programPath(name: string): string { return join(this.pinDir, 'progs', name); }
  mapPath(name: string): string { return join(this.pinDir, 'maps', name); }

  /** Load balancer.bpf.o from objDir, pin under pinDir, attach on ingress of
   * every interface. An earlier load at the same pinDir is replaced. */
  static async load(opts: {
    objDir: string; pinDir: string; interfaces: string[]; object?: string; netns?: string;
    /** concurrent flows each flow table holds (2 entries each: nat and snat keep both directions); unset: as compiled */
    sizes?: FlowTableSizes;
    /** tc (default) or xdp: which object loads and how it attaches */
    hook?: Hook;
  }): Promise<Dataplane> {
    if (opts.pinDir.includes('.')) throw new Error(`pinDir must not contain '.': ${opts.pinDir}`);
    const hook = opts.hook ?? DEFAULT_HOOK;
    // `object` (default: the hook's) lets the bench load bench.bpf.o, same maps
    const obj = join(opts.objDir, opts.object ?? HOOK_OBJECT[hook]);
    if (!existsSync(obj)) throw new Error(`BPF object not found: ${obj}${hook === 'xdp' ? ' (this balancer image has no XDP core)' : ''}`);
    await ensureBpffs(opts.pinDir);
    const dp = new Dataplane(opts.pinDir, [], opts.netns, hook);
    await rm(opts.pinDir, { recursive: true, force: true });
    await mkdir(join(opts.pinDir, 'maps'), { recursive: true });
    const reuse = opts.sizes === undefined ? [] : await createFlowTables(opts.pinDir, opts.sizes);
    await run('bpftool', ['prog', 'loadall', obj, join(opts.pinDir, 'progs'), 'type', HOOK_TYPE[hook], ...reuse, 'pinmaps', join(opts.pinDir, 'maps')]);
    // pinned again under maps/ by pinmaps
    for (const path of reuse.filter((a) => a.startsWith(opts.pinDir))) await rm(path, { force: true });
    dp.sizes = opts.sizes;
    await dp.setFlowTimeouts(DEFAULT_FLOW_TIMEOUTS);
    await dp.attach(opts.interfaces);
    return dp;
  }

  /** How long idle flows are kept, by state (seconds; the data plane counts whole ~1.07 s ticks), and how
   * long a snat port rests once given back (the contract's SNAT_REST_S unless a test says otherwise). */
  async setFlowTimeouts(t: DpFlowTimeouts, snatRestS?: number): Promise<void> {
    const w = new MapWrites();
    w.update(this.mapPath(MAPS.timeouts), u32Key(0), flowTimeoutsValue(t, snatRestS));
    await writeMaps(w.ops);
  }

  /** One pass of the flow-table sweep (core/gc.h): expired flows are deleted, their snat ports and
   * active counts given back, the per-backend gauges recomputed. The agent runs it every second. */
  sweep(): Promise<void> {
    return this.exclusive(() => this.runSweep());
  }

  private async runSweep(): Promise<void> {
    // test-run of a tc program needs a frame of at least an Ethernet header; lb_gc ignores it
    await run('bpftool', ['prog', 'run', 'pinned', this.programPath(GC_PROG), 'data_in', '-', 'repeat', '1'], { input: '\0'.repeat(14) });
  }

  /** Delete every flow of these services / backends and reset the backends' counters: their ids
   * may be handed out again at once, and must not inherit flows, active counts or stats. */
  /** Flush these services' and backends' flows (one sweep), after writing `w` in the same batch. */
  private flush(svcIds: number[], backendIds: number[], w = new MapWrites()): Promise<void> {
    if (svcIds.length === 0 && backendIds.length === 0) return Promise.resolve();
    return this.exclusive(async () => {
      w.update(this.mapPath(MAPS.gcReq), u32Key(0), gcReqValue(svcIds, backendIds));
      await writeMaps(w.ops);
      await this.runSweep();
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.gate.then(fn, fn);
    this.gate = p.catch(() => {});
    return p;
  }

  /** Attach the loaded program on ingress of more interfaces (a dataplane loaded with none is
   * complete but sees no traffic: the agent loads it ahead of its first config). */
  async attach(interfaces: string[]): Promise<void> {
    await Promise.all(interfaces.filter((d) => !this.interfaces.includes(d)).map((dev) => attachPinned(dev, this.progPath, this.hook, this.netns)));
    for (const d of interfaces) if (!this.interfaces.includes(d)) this.interfaces.push(d);
  }

  attachedPrograms(): string[] {
    return this.interfaces.length ? [this.progPath] : [];
  }

  async applyService(s: DpService): Promise<void> {
    validate(s);
    for (const b of s.backends) {
      const owner = [...this.services.values()].find((o) => o.id !== s.id && o.backends.some((x) => x.id === b.id));
      // one lb_backends slot per id: ids are per balancer (service x server), not per server
      if (owner) throw new Error(`service ${s.id}: backend id ${b.id} already belongs to service ${owner.id}`);
    }
    const prev = this.services.get(s.id);
    // a live mode switch: the service stops (its entry goes) and so do the old mode's flows before it
    // comes back in the new mode below; its table and backend slots stay, so only what differs is written
    const [entries] = await Promise.all([Promise.all(s.backends.map((b) => this.backendEntry(s, b))), prev && prev.mode !== s.mode && this.retire(prev)]);
    if (needsBackends6(s)) {
      // our IPv6 address toward each backend (ip6ip6's or 4in6's outer source): the route's, unless given
      await Promise.all(s.backends.map(async (b, i) => {
        entries[i].srcAddress6 = b.egress?.srcAddress6 ?? (await resolveSrc6(b.address6!, this.netns));
      }));
    }
    const w = serviceWrites((m) => this.mapPath(m), prev, s, entries, (id) => this.ownedElsewhere(id, s.id));
    await writeMaps(w.ops);
    this.services.set(s.id, structuredClone(s));
    if (prev && prev.vip !== s.vip) await this.dropMarkerIfUnused(prev.vip);
    if (prev?.vip6 && prev.vip6 !== s.vip6) await this.dropMarker6IfUnused(prev.vip6);
    // backends that left: their flows would re-schedule on their next packet; flushed now, so
    // that their ids come back clean
    const gone = (prev?.backends ?? []).filter((o) => !s.backends.some((b) => b.id === o.id) && !this.ownedElsewhere(o.id, s.id));
    await this.flush([], gone.map((b) => b.id));
  }

  /** Take a service's entries out of the lookup and flush its flows and its backends' counts (not its table). */
  private retire(s: DpService): Promise<void> {
    const w = new MapWrites();
    this.deleteServiceKeys(w, s);
    return this.flush([s.id], this.ownBackendIds(s), w);
  }

  /** The service's lookup entries (its VIP, and VIP6), deleted in `w`. */
  private deleteServiceKeys(w: MapWrites, s: DpService): void {
    w.delete(this.mapPath(MAPS.services), svcKey(s.vip, s.port, PROTO[s.proto]));
    if (s.vip6) w.delete(this.mapPath(MAPS.services6), svc6Key(s.vip6, s.port, PROTO[s.proto]));
  }

  /** The service's backends no other service shares (their ids are its alone to flush). */
  private ownBackendIds(s: DpService): number[] {
    return s.backends.filter((b) => !this.ownedElsewhere(b.id, s.id)).map((b) => b.id);
  }

  /** Detach from every interface but stay loaded (maps and programs pinned): attach() puts it back in
   * milliseconds, where a load takes seconds (the verifier). */
  async detachAll(): Promise<void> {
    for (const dev of this.interfaces) await detach(dev, this.hook, this.netns);
    this.interfaces = [];
  }

  async removeService(id: number): Promise<void> {
    const s = this.services.get(id);
    if (!s) return;
    this.services.delete(id);
    const w = new MapWrites();
    this.deleteServiceKeys(w, s);
    for (const b of s.backends) {
      if (this.ownedElsewhere(b.id, id)) continue;
      w.update(this.mapPath(MAPS.backends), u32Key(b.id), backendValue(detachedBackend(b.address)));
    }
    await writeMaps(w.ops);
    await this.dropMarkerIfUnused(s.vip);
    if (s.vip6) await this.dropMarker6IfUnused(s.vip6);
    // nothing of it stays in the flow table: the agent reuses ids lowest first
    await this.flush([id], this.ownBackendIds(s));
  }

  readStats(): Promise<DpStats> {
    return this.exclusive(() => this.collectStats());
  }

  private async collectStats(): Promise<DpStats> {
    const [beStats, beActive, counters, drops, gauges, flowGauge, table] = await Promise.all([
      this.dump(MAPS.beStats), this.dump(MAPS.beActive), this.dump(MAPS.counters), this.dump(MAPS.drops), this.dump(MAPS.beGauge),
      this.dump(MAPS.flowGauge), this.flowTableInfo(),
    ]);
    const out: DpStats = { backends: {}, counters: {}, drops: {} };
    const known = new Set([...this.services.values()].flatMap((s) => s.backends.map((b) => b.id)));
    const perCpuSum = (e: JsonEntry, off: number, len: number) =>
      (e.values ?? []).reduce((acc, v) => acc + readLe(bytesOf(v.value), off, len), 0);
    for (const e of beStats) {
      const id = readLe(bytesOf(e.key), 0, 4);
      const packets = perCpuSum(e, 0, 8);
      if (!known.has(id) && packets === 0) continue;
      out.backends[id] = { packets, bytes: perCpuSum(e, 8, 8), newFlows: perCpuSum(e, 16, 8), activeFlows: 0 };
    }
    for (const e of beActive) {
      const id = readLe(bytesOf(e.key), 0, 4);
      const v = readLe(bytesOf(e.value ?? []), 0, 8);
      // an atomic u64 decremented below zero reads as 2^64-1: clamp
      const active = v > 2 ** 63 ? 0 : v;
      if (out.backends[id]) out.backends[id].activeFlows = active;
      else if (known.has(id) || active) out.backends[id] = { packets: 0, bytes: 0, activeFlows: active };
    }
    for (const e of gauges) {
      const id = readLe(bytesOf(e.key), 0, 4);
      const b = out.backends[id];
      if (!b) continue;
      const v = bytesOf(e.value ?? []);
      b.flows = readLe(v, 0, 4);
      b.snatPorts = readLe(v, 4, 4);
    }
    const counted: Record<string, number> = {};
    COUNTER_NAMES.forEach((n, i) => { counted[n] = counters[i] ? perCpuSum(counters[i], 0, 8) : 0; });
    DROP_NAMES.forEach((n, i) => { out.drops[n] = drops[i] ? perCpuSum(drops[i], 0, 8) : 0; });
    // the data plane counts neither rx nor tx: every packet ends in exactly
    // one of the counters below or a drop reason (core/abi.h, enum lb_counter)
    const sum = (names: readonly string[]) => names.reduce((acc, n) => acc + counted[n], 0);
    const tx = sum(TX_PARTS);
    const rx = sum(RX_PARTS) + Object.values(out.drops).reduce((a, b) => a + b, 0);
    out.counters = { rx, tx, ...counted };
    const live = flowGauge[0] ? readLe(bytesOf(flowGauge[0].value ?? []), 0, 8) : 0;
    // the LRU's evictions, by difference: every entry written under a new key is live, or was deleted by the
    // data plane or the sweep (each counted), or was evicted (abi.h CNT_FLOW_DROPPED)
    const evicted = counted.flow_added - counted.flow_dropped - counted.gc_expired - counted.gc_flushed - live;
    out.flowTable = { ...table, live, evicted: Math.max(0, evicted) };
    return out;
  }

  /** lb_flows' size and memory, as the kernel reports them, and lb_flows6's memory (at its minimum on a balancer
   * without an IPv6 service). */
  async flowTableInfo(): Promise<{ entries: number; bytes: number; bytes6: number; maxFlows: number }> {
    type MapInfo = { max_entries: number; bytes_memlock: number };
    const [m, m6] = await Promise.all([MAPS.flows, MAPS.flows6].map((name) => bpftoolJson<MapInfo>(['map', 'show', 'pinned', this.mapPath(name)])));
    return { entries: m.max_entries, bytes: m.bytes_memlock, bytes6: m6.bytes_memlock, maxFlows: this.sizes?.v4 ?? m.max_entries / 2 };
  }

  readNewFlows(): Promise<Record<number, number>> {
    return this.exclusive(async () => {
      const out: Record<number, number> = {};
      for (const e of await this.dump(MAPS.beStats)) {
        const n = (e.values ?? []).reduce((acc, v) => acc + readLe(bytesOf(v.value), 16, 8), 0);
        if (n) out[readLe(bytesOf(e.key), 0, 4)] = n;
      }
      return out;
    });
  }

  async unload(): Promise<void> {
    for (const dev of this.interfaces) await detach(dev, this.hook, this.netns);
    this.interfaces = [];
    this.services.clear();
    await rm(this.pinDir, { recursive: true, force: true });
  }

  // ------------------------------------------------------------ internals
  private async dump(name: string): Promise<JsonEntry[]> {
    return bpftoolJson<JsonEntry[]>(['map', 'dump', 'pinned', this.mapPath(name)]);
  }

  private ownedElsewhere(backendId: number, exceptSvc: number): boolean {
    return [...this.services.values()].some((o) => o.id !== exceptSvc && o.backends.some((b) => b.id === backendId));
  }

  private async dropMarkerIfUnused(vip: string): Promise<void> {
    if ([...this.services.values()].some((o) => o.vip === vip)) return;
    const w = new MapWrites();
    w.delete(this.mapPath(MAPS.services), svcKey(vip, 0, 0));
    await writeMaps(w.ops).catch(() => {});
  }

  private async dropMarker6IfUnused(vip6: string): Promise<void> {
    if ([...this.services.values()].some((o) => o.vip6 === vip6)) return;
    const w = new MapWrites();
    w.delete(this.mapPath(MAPS.services6), svc6Key(vip6, 0, 0));
    await writeMaps(w.ops).catch(() => {});
  }

  private async backendEntry(s: DpService, b: DpBackend): Promise<BackendEntry> {
    const eg = b.egress ?? (await resolveEgress(b, s.mode, this.netns));
    return {
      address: b.address,
      srcAddress: eg.srcAddress,
      ifindex: eg.ifindex,
      svcId: s.id,
      weight: b.weight,
      nhMac: eg.nextHopMac ?? '00:00:00:00:00:00',
      srcMac: eg.srcMac,
      flags: (b.healthy ? BE_F_HEALTHY : 0) | (eg.nextHopMac ? BE_F_L2 : 0) | (s.underlay === 'ipv6' ? BE_F_TUNNEL6 : 0),
      mtu: eg.mtu ?? 0,
    };
  }
}

/** Create lb_flows and lb_flows6 with room for their flows (two entries a flow, flowTableEntries) before the object is loaded, which
 * takes them instead of its own (bpftool's `map name ... pinned`): a map's size is fixed when it is created.
 * Returns the loader's arguments. */
async function createFlowTables(pinDir: string, sizes: FlowTableSizes): Promise<string[]> {
  for (const n of [sizes.v4, sizes.v6]) {
    if (!Number.isInteger(n) || n < MIN_MAX_FLOWS || n > MAX_MAX_FLOWS) {
      throw new Error(`maxFlows must be an integer ${MIN_MAX_FLOWS}..${MAX_MAX_FLOWS}, got ${n}`);
    }
  }
  const args: string[] = [];
  for (const [name, key, value, flows] of [
    [MAPS.flows, FLOW_KEY_SIZE, FLOW_VAL_SIZE, sizes.v4], [MAPS.flows6, FLOW6_KEY_SIZE, FLOW6_VAL_SIZE, sizes.v6],
  ] as const) {
    const path = join(pinDir, `${name}_sized`);
    await run('bpftool', ['map', 'create', path, 'type', 'lru_hash', 'key', String(key), 'value', String(value),
      'entries', String(flowTableEntries(flows)), 'name', name]);
    args.push('map', 'name', name, 'pinned', path);
  }
  return args;
}

/** The per-direction counters whose sum is tx (and the ICMP errors sent on for a flow). */
const TX_PARTS = ['dsr', 'encap', 'nat_fwd', 'nat_rev', 'snat_fwd', 'snat_rev', 'icmp_fwd', 'icmp_rev'] as const satisfies readonly CounterName[];
/** With the drops, where every received packet ends: sent on (tx), passed, or answered. */
const RX_PARTS = [...TX_PARTS, 'pass', 'icmp_too_big'] as const satisfies readonly CounterName[];

/** A backend slot that no longer belongs to any service: its flows re-schedule. */
function detachedBackend(address: string): BackendEntry {
  return { address, srcAddress: '0.0.0.0', ifindex: 0, svcId: NO_SERVICE, weight: 0, nhMac: '00:00:00:00:00:00', srcMac: '00:00:00:00:00:00', flags: 0 };
}

/**
 * The map writes that turn service `prev` (undefined: not installed) into `s`,
 * in an order that never lets the data plane see a half-written service:
 * backends first (the table never names a backend we have not written), then
 * the table, then the service and its VIP marker. The table is written as a
 * diff: a first apply writes every slot, a health change only the slots Maglev
 * moved, an unchanged table nothing. `entries[i]` is the entry of s.backends[i].
 */
export function serviceWrites(
  mapPath: (name: string) => string,
  prev: DpService | undefined,
  s: DpService,
  entries: BackendEntry[],
  ownedElsewhere: (backendId: number) => boolean = () => false,
): MapWrites {
  const w = new MapWrites();
  // the backends' IPv6 addresses before any entry that sends there (a 4in6 backend's flag, a vip6 service)
  if (needsBackends6(s)) {
    s.backends.forEach((b, i) => w.update(mapPath(MAPS.backends6), u32Key(b.id), backend6Value(b.address6!, entries[i].srcAddress6 ?? '::')));
  }
  s.backends.forEach((b, i) => w.update(mapPath(MAPS.backends), u32Key(b.id), backendValue(entries[i])));
  // backends that left the service: existing flows to them re-schedule
  for (const old of prev?.backends ?? []) {
    if (!s.backends.some((b) => b.id === old.id) && !ownedElsewhere(old.id)) {
      w.update(mapPath(MAPS.backends), u32Key(old.id), backendValue(detachedBackend(old.address)));
    }
  }
  w.update(mapPath(MAPS.svcBackends), u32Key(s.id), svcBackendsValue(s.backends.map((b) => b.id)));
  const old = prev?.table;
  const changed: number[] = [];
  for (let i = 0; i < s.table.length; i++) if (old?.[i] !== s.table[i]) changed.push(i);
  const keys = new Uint32Array(changed.length);
  const values = new Uint32Array(changed.length);
  changed.forEach((i, n) => {
    keys[n] = s.id * RING_SIZE + i; // ringKey(s.id, i)
    values[n] = s.table[i];
  });
  w.updateU32(mapPath(MAPS.ring), keys, values);
  if (prev && (prev.vip !== s.vip || prev.port !== s.port || prev.proto !== s.proto)) {
    w.delete(mapPath(MAPS.services), svcKey(prev.vip, prev.port, PROTO[prev.proto]));
  }
  if (prev?.vip6 && (prev.vip6 !== s.vip6 || prev.port !== s.port || prev.proto !== s.proto)) {
    w.delete(mapPath(MAPS.services6), svc6Key(prev.vip6, prev.port, PROTO[prev.proto]));
  }
  if (s.vip6) {
    // the IPv6 side (the backends' addresses written above): the snat source, then the service
    if (s.mode === 'snat') w.update(mapPath(MAPS.snat6), u32Key(s.id), ipv6Bytes(s.snatAddress6!));
    const info = svcInfo({ id: s.id, mode: MODE[s.mode], sched: SCHED[s.scheduler], tableLen: s.table.length });
    w.update(mapPath(MAPS.services6), svc6Key(s.vip6, s.port, PROTO[s.proto]), info);
    w.update(mapPath(MAPS.services6), svc6Key(s.vip6, 0, 0), svcInfo({ id: s.id, mode: MODE.vipMarker, sched: 0, tableLen: 0 }));
  }
  // a snat service's addresses before the service names them (other modes never read the pool)
  if (s.mode === 'snat') w.update(mapPath(MAPS.snatPool), u32Key(s.id), snatPoolValue(snatPool(s)));
  w.update(mapPath(MAPS.services), svcKey(s.vip, s.port, PROTO[s.proto]), svcInfo({
    id: s.id, mode: MODE[s.mode], sched: SCHED[s.scheduler], tableLen: s.table.length, snatAddress: s.snatAddress,
  }));
  w.update(mapPath(MAPS.services), svcKey(s.vip, 0, 0), svcInfo({ id: s.id, mode: MODE.vipMarker, sched: 0, tableLen: 0 }));
  return w;
}

/** Does the service send to its backends' IPv6 addresses (lb_backends6): a vip6, or a tunnel over IPv6? */
const needsBackends6 = (s: DpService): boolean => Boolean(s.vip6) || s.underlay === 'ipv6';

/** A snat service's source addresses, snatAddress first. */
const snatPool = (s: DpService): string[] => s.snatAddresses ?? (s.snatAddress ? [s.snatAddress] : []);

function validate(s: DpService): void {
  const where = `service ${s.id}`;
  if (!Number.isInteger(s.id) || s.id < 0 || s.id >= MAX_SERVICES) throw new Error(`${where}: id must be 0..${MAX_SERVICES - 1}`);
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new Error(`${where}: bad port ${s.port}`);
  if (s.mode === 'snat' && !s.snatAddress) throw new Error(`${where}: snat needs snatAddress`);
  if (s.snatAddresses && (s.snatAddresses[0] !== s.snatAddress || s.snatAddresses.length > MAX_SNAT_ADDRS)) {
    throw new Error(`${where}: snatAddresses must start with snatAddress and list at most ${MAX_SNAT_ADDRS}`);
  }
  if (s.table.length > RING_SIZE) throw new Error(`${where}: table longer than ${RING_SIZE}`);
  if (s.scheduler !== 'lc' && s.table.length === 0 && s.backends.some((b) => b.healthy && b.weight > 0)) {
    throw new Error(`${where}: scheduler ${s.scheduler} needs a table`);
  }
  if (s.vip6) {
    ipv6Bytes(s.vip6);
    if (s.mode === 'snat' && !s.snatAddress6) throw new Error(`${where}: snat with vip6 needs snatAddress6`);
    if (s.snatAddress6) ipv6Bytes(s.snatAddress6);
    for (const b of s.backends) {
      if (!b.address6) throw new Error(`${where}: backend ${b.id} needs address6 to serve vip6`);
      ipv6Bytes(b.address6);
    }
  }
  if (s.underlay === 'ipv6') {
    if (s.mode !== 'tunnel') throw new Error(`${where}: underlay ipv6 is for tunnel mode (mode is ${s.mode})`);
    for (const b of s.backends) {
      if (!b.address6) throw new Error(`${where}: backend ${b.id} needs address6 for underlay ipv6`);
      ipv6Bytes(b.address6);
    }
  }
  const ids = new Set(s.backends.map((b) => b.id));
  for (const b of s.backends) {
    if (!Number.isInteger(b.id) || b.id < 0 || b.id >= MAX_BACKENDS) throw new Error(`${where}: backend id ${b.id} must be 0..${MAX_BACKENDS - 1}`);
  }
  if (ids.size !== s.backends.length) throw new Error(`${where}: duplicate backend id`);
  for (const id of s.table) if (!ids.has(id)) throw new Error(`${where}: table names unknown backend ${id}`);
}

/** Find how to reach a backend from inside the balancer: `ip route get`
 * gives the egress device and our source address. On-link backends (no
 * gateway) get their MAC written directly (dsr needs it; for the L3 modes it
 * saves the fib lookup); routed backends are left to bpf_fib_lookup. */
export async function resolveEgress(b: DpBackend, mode: DpService['mode'], netns?: string): Promise<DpEgress> {
  const route = (await jsonCmd<{ dev: string; prefsrc?: string; gateway?: string }[]>(netns, 'ip', ['-j', 'route', 'get', b.address]))[0];
  if (!route) throw new Error(`no route to backend ${b.address}`);
  const link = await linkInfo(route.dev, netns);
  if (mode === 'dsr' && route.gateway) {
    throw new Error(`dsr: backend ${b.address} is behind router ${route.gateway}; dsr needs one L2 network`);
  }
  const macOk = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(b.mac ?? '');
  if (mode === 'dsr' && !macOk) throw new Error(`dsr: backend ${b.address} needs its MAC address (got '${b.mac}')`);
  return {
    ifindex: link.ifindex,
    srcMac: link.address,
    srcAddress: route.prefsrc ?? '0.0.0.0',
    mtu: link.mtu ?? 0,
    // unknown MAC or a router in between: the BPF program asks the FIB
    nextHopMac: route.gateway || !macOk ? undefined : b.mac,
  };
}

/** Our IPv6 source toward an IPv6 backend (`ip -6 route get`'s prefsrc; `::` when it names none). */
async function resolveSrc6(address6: string, netns?: string): Promise<string> {
  const route = (await jsonCmd<{ prefsrc?: string }[]>(netns, 'ip', ['-6', '-j', 'route', 'get', address6]))[0];
  if (!route) throw new Error(`no IPv6 route to backend ${address6}`);
  return route.prefsrc ?? '::';
}

/** ifindex, MAC and MTU of a device: from sysfs (no process to spawn) unless it lives in another namespace. */
async function linkInfo(dev: string, netns?: string): Promise<{ ifindex: number; address: string; mtu?: number }> {
  if (!netns && !/[/.]/.test(dev) && dev) {
    try {
      const f = (name: string) => readFile(join('/sys/class/net', dev, name), 'utf8').then((x) => x.trim());
      const [ifindex, address, mtu] = await Promise.all([f('ifindex'), f('address'), f('mtu')]);
      return { ifindex: Number(ifindex), address, mtu: Number(mtu) };
    } catch {
      /* no sysfs view of this device: ask ip */
    }
  }
  return (await jsonCmd<{ ifindex: number; address: string; mtu?: number }[]>(netns, 'ip', ['-j', 'link', 'show', 'dev', dev]))[0];
}

/** Run a command, inside `ip netns exec NS` when a namespace is given. */
function nsRun(netns: string | undefined, cmd: string, args: string[]) {
  return netns ? run('ip', ['netns', 'exec', netns, cmd, ...args]) : run(cmd, args);
}

async function jsonCmd<T>(netns: string | undefined, cmd: string, args: string[]): Promise<T> {
  return JSON.parse((await nsRun(netns, cmd, args)).stdout) as T;
}

/** Attach at `hook`; the other hook's program is taken off first (a hook change is another load, and a
 * packet must not meet the core twice). */
async function attachPinned(dev: string, prog: string, hook: Hook, netns?: string): Promise<void> {
  await detach(dev, hook === 'tc' ? 'xdp' : 'tc', netns);
  if (hook === 'xdp') {
    // native (xdpdrv): veth runs it in its NAPI poll; -force replaces a program already there
    await nsRun(netns, 'ip', ['-force', 'link', 'set', 'dev', dev, 'xdpdrv', 'pinned', prog]);
    return;
  }
  await nsRun(netns, 'tc', ['qdisc', 'replace', 'dev', dev, 'clsact']);
  await nsRun(netns, 'tc', ['filter', 'replace', 'dev', dev, 'ingress', 'pref', PREF, 'handle', HANDLE, 'bpf',
    'object-pinned', prog, 'direct-action']);
}

async function detach(dev: string, hook: Hook, netns?: string): Promise<void> {
  if (hook === 'xdp') await nsRun(netns, 'ip', ['link', 'set', 'dev', dev, 'xdpdrv', 'off']).catch(() => {});
  else await nsRun(netns, 'tc', ['filter', 'del', 'dev', dev, 'ingress', 'pref', PREF, 'handle', HANDLE, 'bpf']).catch(() => {});
}
