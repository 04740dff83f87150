// The daemon's brain: turns a validated config into data-plane services
// (dsr/tunnel/nat/snat) and an HAProxy config (l4proxy/l7), keeps both in sync
// with the health checker, and assembles stats. All changes run one at a time
// (a promise queue) so a health flap never interleaves with an apply.
import type { AgentConfig, BackendConfig, ServiceConfig } from '../contract/config';
import { MAX_BACKENDS, MAX_SERVICES } from '../contract/limits';
import { snatCapacityPerBackend } from '../contract/snat';
import { flowTableSizes } from '../contract/flow-table';
import type { AgentBackendStats, AgentHealth, AgentServiceStats, AgentStats } from '../contract/report';
import { isDataplaneMode } from '../contract/vocabulary';
import type { DataplaneLike, DataplaneLoader, DpService, DpStats } from './dp-contract';
import type { GatewayProcLike } from './gateway-proc';
import { OTHER_GATEWAYS, renderGateway, type OtherGateway } from './gateways';
import { haproxyConfig, servedByHaproxy, serverRefs, serviceOfBackend } from './haproxy';
import type { HaproxyLike, StatRow } from './haproxy-proc';
import { FlowRate } from './flow-rate';
import { HealthChecker, type HealthTarget, type Probe } from './health';
import { maglevTable } from './maglev';
import { rrSequence, wrrSequence } from './sequence';

/** How often the data plane's flow table is swept (expired flows removed, snat ports given back). */
export const SWEEP_INTERVAL_MS = 1000;
/** Every how many sweeps the new-flow totals are sampled (the rate snat capacity is compared with). */
const RATE_SAMPLE_SWEEPS = 2;

export interface AgentDeps {
  loadDataplane: DataplaneLoader;
  /** sweep period (tests); SWEEP_INTERVAL_MS by default, 0: no periodic sweep */
  sweepIntervalMs?: number;
  /** drop a data plane loaded ahead of the first config when that config needs none */
  discardPreparedDataplane?: () => Promise<void>;
  haproxy: HaproxyLike;
  /** the l7 gateways other than HAProxy (nginx, Apache's MPMs); absent ones refuse the services that pick them */
  gateways?: Partial<Record<OtherGateway, GatewayProcLike>>;
  probe?: Probe;
  persist?: (cfg: AgentConfig) => Promise<void>;
  log?: (line: string) => void;
  /** holds the kernel's eBPF run-time statistics on while a comparison runs (prog-stats.ts) */
  progStats?: { start(programs: string[], seconds: number): Promise<void>; stop(): void; readonly holding?: boolean };
}

/** Every backend a service can send to: its pool plus the l7 routes' pools, once per node. */
export function allBackends(s: ServiceConfig): BackendConfig[] {
  const seen = new Map<string, BackendConfig>();
  for (const b of [...s.backends, ...s.routes.flatMap((r) => r.backends)]) if (!seen.has(b.node)) seen.set(b.node, b);
  return [...seen.values()];
}

export function healthTargets(cfg: AgentConfig): HealthTarget[] {
  return cfg.services.flatMap((s) => allBackends(s).map((b) => ({ service: s.name, node: b.node, address: b.address, port: s.port, spec: s.health })));
}

/** The table the data plane walks, from the backends that may take new flows. */
export function scheduleTable(scheduler: ServiceConfig['scheduler'], eligible: { id: number; key: string; weight: number }[]): number[] {
  switch (scheduler) {
    case 'maglev':
    case 'sh':
      return maglevTable(eligible);
    case 'rr':
      return rrSequence(eligible);
    case 'wrr':
      return wrrSequence(eligible);
    case 'lc':
      return []; // the data plane picks the eligible backend with the fewest active flows
  }
}

/** Small integer ids for names, lowest free first, starting at 1 (0 stays unused as "none"). */
export class IdPool {
  private ids = new Map<string, number>();
  constructor(private limit: number) {}
  get(name: string): number {
    let id = this.ids.get(name);
    if (id !== undefined) return id;
    const used = new Set(this.ids.values());
    for (id = 1; used.has(id); id++);
    if (id >= this.limit) throw new Error(`the data plane holds at most ${this.limit - 1} ids (asked for ${name})`);
    this.ids.set(name, id);
    return id;
  }
  /** Forget every name not in `names`. */
  keep(names: Set<string>): void {
    for (const k of [...this.ids.keys()]) if (!names.has(k)) this.ids.delete(k);
  }
}

const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : 0);

export class Agent {
  private config?: AgentConfig;
  private dp?: DataplaneLike;
  private dpInterfaces = '';
  private dpSizes = '';
  /** loaded but attached nowhere: no eBPF service for now */
  private parked = false;
  private installed = new Map<string, { id: number; mode: string }>();
  // The data plane's maps are small (MAX_SERVICES, MAX_BACKENDS): ids are reused once their owner is gone.
  private serviceIds = new IdPool(MAX_SERVICES);
  private backendIds = new IdPool(MAX_BACKENDS);
  private queue: Promise<unknown> = Promise.resolve();
  private sweeper?: ReturnType<typeof setInterval>;
  private readonly flowRate = new FlowRate();
  private timeouts = '';
  /** the program statistics are asked on until then (ms); held on whichever program is attached meanwhile */
  private statsUntil?: number;
  /** the programs the statistics hold now ('' when none) */
  private statsHeld = '';
  readonly health: HealthChecker;
  private log: (line: string) => void;

  constructor(private deps: AgentDeps) {
    this.log = deps.log ?? (() => {});
    this.health = new HealthChecker((svc, node, up) => void this.onHealth(svc, node, up), deps.probe);
  }

  get current(): AgentConfig | undefined {
    return this.config;
  }

  /** Run `fn` after every earlier change finished (its failure does not block later ones). */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => {});
    return p;
  }

  apply(cfg: AgentConfig): Promise<void> {
    return this.serialize(() => this.doApply(cfg));
  }

  private serviceId(name: string): number {
    return this.serviceIds.get(name);
  }

  /** Stable per (service, node) while it stays configured, so stats and conntrack keep their meaning across applies. */
  backendId(service: string, node: string): number {
    return this.backendIds.get(`${service}/${node}`);
  }

  dpService(s: ServiceConfig): DpService {
    if (!isDataplaneMode(s.mode)) throw new Error(`service ${s.name}: ${s.mode} is not a data-plane mode`);
    const backends = s.backends.map((b) => ({
      id: this.backendId(s.name, b.node),
      address: b.address,
      ...(b.address6 && { address6: b.address6 }),
      mac: b.mac,
      weight: b.weight,
      healthy: this.health.isHealthy(s.name, b.node),
    }));
    const eligible = backends.filter((b) => b.healthy && b.weight > 0).map((b) => ({ id: b.id, key: b.address, weight: b.weight }));
    return {
      id: this.serviceId(s.name),
      vip: s.vip,
      port: s.port,
      proto: s.proto,
      mode: s.mode,
      scheduler: s.scheduler,
      snatAddress: s.snatAddress,
      ...(s.snatAddresses && { snatAddresses: s.snatAddresses }),
      ...(s.vip6 && { vip6: s.vip6 }),
      ...(s.snatAddress6 && { snatAddress6: s.snatAddress6 }),
      ...(s.underlay && { underlay: s.underlay }),
      backends,
      table: scheduleTable(s.scheduler, eligible),
    };
  }

  private renderHaproxy(cfg: AgentConfig): string {
    return haproxyConfig(cfg.services, { healthy: (svc, node) => this.health.isHealthy(svc, node) });
  }

  private renderOther(gw: OtherGateway, cfg: AgentConfig): string | undefined {
    return renderGateway(gw, cfg.services, { healthy: (svc, node) => this.health.isHealthy(svc, node) });
  }

  /** Gateways left without a service stop first (a VIP moving between gateways must be free to bind), then the others (re)load. */
  private async applyGateways(cfg: AgentConfig): Promise<void> {
    const wanted = new Map<OtherGateway, string>();
    for (const gw of OTHER_GATEWAYS) {
      const text = this.renderOther(gw, cfg);
      if (text === undefined) continue;
      if (!this.deps.gateways?.[gw]) throw new Error(`gateway ${gw} is not available in this balancer`);
      wanted.set(gw, text);
    }
    // every new config checked before anything stops: a refused one leaves the old gateways serving
    for (const [gw, text] of wanted) await this.deps.gateways![gw]!.check(text);
    const haproxyNeeded = cfg.services.some(servedByHaproxy);
    if (!haproxyNeeded && this.deps.haproxy.running()) await this.deps.haproxy.stop();
    for (const gw of OTHER_GATEWAYS) {
      const proc = this.deps.gateways?.[gw];
      if (proc?.running() && !wanted.has(gw)) {
        await proc.stop();
        this.log(`${gw}: stopped (no service left)`);
      }
    }
    // checked before it is (re)loaded, so a bad config leaves the old one serving
    if (haproxyNeeded) await this.deps.haproxy.apply(this.renderHaproxy(cfg));
    for (const [gw, text] of wanted) await this.deps.gateways![gw]!.apply(text);
  }

  private async doApply(cfg: AgentConfig): Promise<void> {
    this.health.setTargets(healthTargets(cfg));
    const dpSvcs = cfg.services.filter((s) => isDataplaneMode(s.mode));

    // 1. Services leaving the data plane go first: a VIP moving to HAProxy must not still be caught by BPF.
    // One that only changes its eBPF mode stays: the data plane switches it in place (its table is kept).
    for (const [name, inst] of [...this.installed]) {
      const next = dpSvcs.find((s) => s.name === name);
      if (!next || !this.dp) {
        await this.dp?.removeService(inst.id);
        this.installed.delete(name);
        this.log(`dataplane: removed ${name} (${inst.mode})`);
      }
    }
    // ids of services / backends gone from the data plane become free (after their removal above)
    this.serviceIds.keep(new Set(dpSvcs.map((s) => s.name)));
    this.backendIds.keep(new Set(dpSvcs.flatMap((s) => s.backends.map((b) => `${s.name}/${b.node}`))));
    // 2. The proxies: HAProxy and the other l7 gateways.
    await this.applyGateways(cfg);
    // 3. Data plane: loaded only when an eBPF mode is in use (proxy-only balancers need no SYS_ADMIN).
    const ifaces = cfg.interfaces.map((i) => i.name).join(',');
    if (dpSvcs.length > 0) {
      // the flow tables' sizes are fixed when they are created: other sizes are another load
      const sizes = flowTableSizes(cfg.maxFlows, dpSvcs.some((s) => s.vip6));
      // so is the hook: the one it runs at is detached (unload) before the other attaches
      const sized = `${sizes.v4}/${sizes.v6}/${cfg.hook}`;
      if (this.dp && (this.dpInterfaces !== ifaces || this.dpSizes !== sized)) await this.unloadDataplane();
      if (this.dp && this.parked) {
        const t = Date.now();
        await this.dp.attach!(cfg.interfaces.map((i) => i.name));
        this.parked = false;
        this.startSweeper();
        this.log(`dataplane: attached again to ${ifaces}${cfg.hook === 'xdp' ? ' at xdp' : ''} (${Date.now() - t} ms)`);
      }
      if (!this.dp) {
        const t = Date.now();
        this.dp = await this.deps.loadDataplane(cfg.interfaces.map((i) => i.name), sizes, cfg.hook);
        this.dpInterfaces = ifaces;
        this.dpSizes = sized;
        this.timeouts = '';
        this.startSweeper();
        this.log(`dataplane: attached to ${ifaces}${cfg.hook === 'xdp' ? ' at xdp' : ''} (${Date.now() - t} ms)`);
      }
      const to = JSON.stringify(cfg.flowTimeouts);
      if (to !== this.timeouts) {
        await this.dp.setFlowTimeouts(cfg.flowTimeouts);
        this.timeouts = to;
      }
      for (const s of dpSvcs) {
        const t = Date.now();
        const d = this.dpService(s);
        await this.dp.applyService(d);
        this.installed.set(s.name, { id: d.id, mode: s.mode });
        this.log(`dataplane: ${s.name} ${s.mode}/${s.scheduler} ${s.vip}:${s.port} → ${d.backends.filter((b) => b.healthy).length}/${d.backends.length} healthy (${Date.now() - t} ms)`);
      }
    } else if (this.dp && !this.parked && this.dp.detachAll && this.dp.attach) {
      // no eBPF service left: detached (no packet of the proxies goes through it) but kept loaded,
      // so a switch back to an eBPF mode re-attaches it rather than loading it again
      this.stopSweeper();
      await this.dp.detachAll();
      this.parked = true;
      this.log('dataplane: detached, kept loaded (no eBPF service left)');
    } else if (this.dp && !this.parked) {
      await this.unloadDataplane();
      this.log('dataplane: unloaded (no eBPF service left)');
    } else if (!this.dp) await this.deps.discardPreparedDataplane?.();
    this.config = cfg;
    await this.deps.persist?.(cfg);
    // a comparison's statistics follow the switch: held on the program now attached, or none
    await this.holdStats().catch((e: Error) => this.log(`program statistics: ${e.message}`));
  }

  /** Sweep the flow table every interval, one pass at a time (a slow pass is not stacked). */
  private startSweeper(): void {
    const every = this.deps.sweepIntervalMs ?? SWEEP_INTERVAL_MS;
    if (this.sweeper || every <= 0) return;
    let busy = false;
    let failed = false;
    let sweeps = 0;
    this.sweeper = setInterval(() => {
      const dp = this.dp;
      if (busy || !dp) return;
      busy = true;
      dp.sweep()
        .then(async () => {
          failed = false;
          // the new-flow rate (snat capacity) needs a sample every few seconds, stats read or not
          if (++sweeps % RATE_SAMPLE_SWEEPS === 0 && dp.readNewFlows) this.flowRate.record(Date.now(), await dp.readNewFlows());
        })
        .catch((e: Error) => {
          if (!failed) this.log(`dataplane: sweep failed: ${e.message}`);
          failed = true;
        })
        .finally(() => { busy = false; });
    }, every);
    this.sweeper.unref?.();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private async unloadDataplane(): Promise<void> {
    this.stopSweeper();
    // a held program would outlive its unload, counting nothing
    this.deps.progStats?.stop();
    this.statsHeld = '';
    await this.dp?.unload();
    this.dp = undefined;
    this.parked = false;
    this.installed.clear();
  }

  private onHealth(service: string, node: string, up: boolean): Promise<void> {
    this.log(`health: ${service}/${node} is ${up ? 'up' : 'DOWN'}`);
    return this.serialize(async () => {
      const s = this.config?.services.find((x) => x.name === service);
      if (!s || !this.config) return;
      try {
        if (isDataplaneMode(s.mode)) {
          if (this.dp && this.installed.has(s.name)) await this.dp.applyService(this.dpService(s));
          return;
        }
        if (!servedByHaproxy(s)) {
          // nginx and Apache have no runtime API here: the member is rewritten down (or up) and the gateway reloads
          const gw = s.gateway as OtherGateway;
          const text = this.renderOther(gw, this.config);
          if (text !== undefined) await this.deps.gateways?.[gw]?.apply(text);
          return;
        }
        try {
          for (const ref of serverRefs(s, node)) await this.deps.haproxy.setServer(ref, up);
        } catch (e) {
          this.log(`haproxy runtime update failed (${(e as Error).message}); reloading`);
          await this.deps.haproxy.apply(this.renderHaproxy(this.config));
        }
      } catch (e) {
        this.log(`health: could not update ${service}: ${(e as Error).message}`);
      }
    });
  }

  /** The programs' run-time statistics on for the next `seconds` (a comparison), or off again. While on they follow
   * the data plane: a mode or hook switch holds the program then attached, a proxy mode none (no program sees
   * its traffic), without being asked again: a comparison's runs pay no command of their own. */
  progStats(on: boolean, seconds = 600): Promise<{ programs: string[] }> {
    return this.serialize(async () => {
      if (!this.deps.progStats) throw new Error('this agent cannot read program statistics');
      this.statsUntil = on ? Date.now() + seconds * 1000 : undefined;
      // asked again: held anew, for the time now asked
      return { programs: await this.holdStats(true) };
    });
  }

  /** Hold the statistics on the programs attached now, while they are asked on; let go otherwise. */
  private async holdStats(anew = false): Promise<string[]> {
    const holder = this.deps.progStats;
    if (!holder) return [];
    const left = this.statsUntil !== undefined ? (this.statsUntil - Date.now()) / 1000 : 0;
    const programs = left >= 1 && this.dp && !this.parked ? (this.dp.attachedPrograms?.() ?? []) : [];
    const key = programs.join(' ');
    if (!anew && key === this.statsHeld && (holder.holding ?? true)) return programs;
    holder.stop();
    this.statsHeld = '';
    if (!programs.length) return programs;
    await holder.start(programs, left);
    this.statsHeld = key;
    return programs;
  }

  healthReport(balancer = this.config?.balancer ?? ''): AgentHealth {
    return { at: Date.now(), balancer, configured: this.config !== undefined, backends: this.health.report() };
  }

  async stats(): Promise<AgentStats> {
    const cfg = this.config;
    const at = Date.now();
    if (!cfg) return { at, balancer: '', services: [] };
    const dpStats: DpStats | undefined = this.dp ? await this.dp.readStats() : undefined;
    if (dpStats) this.flowRate.record(Date.now(), Object.fromEntries(Object.entries(dpStats.backends).map(([id, b]) => [id, b.newFlows ?? 0])));
    const rows: StatRow[] = this.deps.haproxy.running() ? await this.deps.haproxy.showStat().catch(() => []) : [];
    const names = cfg.services.map((s) => s.name);
    const services: AgentServiceStats[] = await Promise.all(
      cfg.services.map((s) =>
        isDataplaneMode(s.mode) ? this.dpStatsOf(s, dpStats) : servedByHaproxy(s) ? this.proxyStatsOf(s, rows, names) : this.gatewayStatsOf(s),
      ),
    );
    return { at, balancer: cfg.balancer, services };
  }

  private dpStatsOf(s: ServiceConfig, st: DpStats | undefined): AgentServiceStats {
    const backends: AgentBackendStats[] = s.backends.map((b) => {
      const c = st?.backends[this.backendId(s.name, b.node)];
      const row: AgentBackendStats = {
        node: b.node, address: b.address, weight: b.weight, healthy: this.health.isHealthy(s.name, b.node),
        packets: c?.packets ?? 0, bytes: c?.bytes ?? 0, activeFlows: c?.activeFlows ?? 0,
        ...(s.mode === 'snat' && { snatPorts: c?.snatPorts ?? 0, snatCapacity: snatCapacityPerBackend(s.snatAddresses?.length ?? 1) }),
      };
      const rate = this.flowRate.perSec(this.backendId(s.name, b.node));
      if (rate !== undefined) row.newFlowsPerSec = rate;
      return row;
    });
    // counters and drops are balancer-wide in the data plane
    return {
      name: s.name, mode: s.mode, scheduler: s.scheduler, vip: s.vip, port: s.port, engine: 'ebpf', backends, counters: { ...(st?.counters ?? {}) }, drops: { ...(st?.drops ?? {}) },
      ...(st?.flowTable && { flowTable: { ...st.flowTable } }),
    };
  }

  private proxyStatsOf(s: ServiceConfig, rows: StatRow[], names: string[]): AgentServiceStats {
    const mine = rows.filter((r) => serviceOfBackend(r.pxname, names) === s.name);
    const backends: AgentBackendStats[] = allBackends(s).map((b) => {
      const rs = mine.filter((r) => r.svname === b.node);
      const sum = (f: string) => rs.reduce((a, r) => a + num(r[f]), 0);
      return { node: b.node, address: b.address, weight: b.weight, healthy: this.health.isHealthy(s.name, b.node), packets: 0, bytes: sum('bin') + sum('bout'), activeFlows: sum('scur'), sessions: sum('stot') };
    });
    const fe = rows.find((r) => r.pxname === `fe_${s.name}` && r.svname === 'FRONTEND');
    const pools = mine.filter((r) => r.svname === 'BACKEND');
    const poolSum = (f: string) => pools.reduce((a, r) => a + num(r[f]), 0);
    const counters: Record<string, number> = {
      sessions: num(fe?.stot),
      current_sessions: num(fe?.scur),
      bytes_in: num(fe?.bin),
      bytes_out: num(fe?.bout),
    };
    if (s.mode === 'l7') {
      counters.http_requests = num(fe?.req_tot);
      for (const c of ['1xx', '2xx', '3xx', '4xx', '5xx']) counters[`http_${c}`] = num(fe?.[`hrsp_${c}`]);
    }
    const drops: Record<string, number> = {
      denied_requests: num(fe?.dreq),
      request_errors: num(fe?.ereq),
      connect_errors: poolSum('econ'),
      response_errors: poolSum('eresp'),
      retries: poolSum('wretr'),
      redispatches: poolSum('wredis'),
    };
    return { name: s.name, mode: s.mode, scheduler: s.scheduler, vip: s.vip, port: s.port, engine: 'haproxy', backends, counters, drops };
  }

  /** nginx / Apache: requests and bytes from the access log, connections from the status page. */
  private async gatewayStatsOf(s: ServiceConfig): Promise<AgentServiceStats> {
    const proc = this.deps.gateways?.[s.gateway as OtherGateway];
    const counts = (await proc?.counts().catch(() => undefined))?.get(s.name);
    const status = (await proc?.status()) ?? {};
    const backends: AgentBackendStats[] = allBackends(s).map((b) => {
      const n = counts?.nodes.get(b.node);
      return { node: b.node, address: b.address, weight: b.weight, healthy: this.health.isHealthy(s.name, b.node), packets: 0, bytes: n?.bytes ?? 0, activeFlows: 0, sessions: n?.requests ?? 0 };
    });
    const counters: Record<string, number> = {
      sessions: status.sessions ?? counts?.requests ?? 0,
      current_sessions: status.current_sessions ?? 0,
      bytes_in: counts?.bytesIn ?? 0,
      bytes_out: counts?.bytesOut ?? 0,
      http_requests: counts?.requests ?? 0,
    };
    for (const c of ['1xx', '2xx', '3xx', '4xx', '5xx']) counters[`http_${c}`] = counts?.status[c] ?? 0;
    for (const [k, v] of Object.entries(status)) if (!(k in counters)) counters[k] = v;
    // requests no backend answered (the gateway's own 502/503/504)
    const drops: Record<string, number> = { gateway_errors: counts?.status['5xx'] ?? 0 };
    return { name: s.name, mode: s.mode, scheduler: s.scheduler, vip: s.vip, port: s.port, engine: s.gateway, backends, counters, drops };
  }

  async shutdown(): Promise<void> {
    this.health.stop();
    this.statsUntil = undefined;
    this.deps.progStats?.stop();
    await this.serialize(async () => {
      await this.unloadDataplane();
      for (const gw of OTHER_GATEWAYS) if (this.deps.gateways?.[gw]?.running()) await this.deps.gateways[gw]!.stop();
      if (this.deps.haproxy.running()) await this.deps.haproxy.stop();
    });
  }
}
