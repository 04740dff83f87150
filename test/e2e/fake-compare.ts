// Fake comparisons for developing the Compare panel without Docker: plausible
// progress, per-second samples and a result shaped like the engine's (dsr and
// tunnel return past the balancer, the NAT family through it). Time runs
// faster: one measured second takes `secondMs`. l4proxy fails with the 10m
// object, to show a mode without results. Across gateways: each gateway's
// I/O model in its figures (a few event loops against a thread or a process
// per connection, Apache's workers as the limit asked for).
import { ApiError, APACHE_DEFAULT_WORKERS, COMPARE_ROWS, gatewayRefusal, type Gateway, type CompareEvent, type CompareModeAvailability, type CompareRequest, type CompareRow, type CompareRun, type CompareSummary, type Comparison, type LabDoc, type Mode } from '../../electron/api';

/** Mbit/s of a 1 MiB object on the fake host */
const BASE: Record<CompareRow, number> = { direct: 4200, dsr: 3950, tunnel: 3650, nat: 1420, snat: 1290, l4proxy: 880, l7: 610, 'kernel-nat': 1510 };
const OBJECT_BYTES: Record<string, number> = { '1k': 1024, '100k': 102_400, '1m': 1_048_576, '10m': 10_485_760 };
const PASSES_BALANCER = (m: CompareRow) => m !== 'dsr' && m !== 'tunnel' && m !== 'direct';

export interface FakeLabs {
  get(name: string): { doc: LabDoc; modes: Record<string, Mode> } | undefined;
}

export function createFakeCompare(emit: (e: CompareEvent) => void, labs: FakeLabs, opts: { secondMs?: number } = {}) {
  const secondMs = opts.secondMs ?? 200;
  const saved = new Map<string, Comparison>();
  const cancelled = new Set<string>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let seq = 0;
  // a little deterministic noise
  let seed = 7;
  const noise = (amp: number) => {
    seed = (seed * 16807) % 2147483647;
    return 1 + amp * ((seed / 2147483647) * 2 - 1);
  };

  const serviceOf = (lab: string, service?: string) => {
    const l = labs.get(lab);
    if (!l) throw new ApiError(`lab ${lab} is not running`, 'not-found');
    const services = l.doc.services ?? {};
    const name = service ?? Object.keys(services)[0];
    const svc = name ? services[name] : undefined;
    if (!name || !svc) throw new ApiError(service ? `lab ${lab} has no service ${service}` : `lab ${lab} has no service`, 'not-found');
    return { l, name, svc };
  };

  function compareModes(lab: string, service: string): CompareModeAvailability[] {
    const { l, svc } = serviceOf(lab, service);
    const routers = Object.values(l.doc.nodes).some((n) => n.kind === 'router');
    return COMPARE_ROWS.map((mode) => {
      if (mode === 'l7' && svc.protocol === 'tcp') return { mode, ok: false, reason: 'mode l7 cannot carry protocol tcp' };
      if ((mode === 'dsr' || mode === 'tunnel') && !routers && Object.keys(l.doc.networks).length > 1) return { mode, ok: false, reason: 'the servers have no route back to the clients' };
      return { mode, ok: true };
    });
  }

  function runNumbers(mode: CompareRow, repetition: number, req: Required<Omit<CompareRequest, 'service' | 'gateways' | 'keepAlive' | 'workers' | 'members' | 'family' | 'hooks'>>, backends: { node: string; weight: number }[]): CompareRun {
    const size = OBJECT_BYTES[req.object] ?? 4096;
    const scale = Math.min(1, Math.sqrt(size / OBJECT_BYTES['1m']) + 0.05);
    const mbps = BASE[mode] * scale * noise(0.08);
    const rps = (mbps * 1e6) / 8 / (size + 260);
    const p50 = (req.connections / rps) * 1000;
    const response = (mbps * 1e6 * req.duration) / 8;
    const requests = rps * req.duration * 180;
    const through = PASSES_BALANCER(mode);
    const total = backends.reduce((a, b) => a + b.weight, 0) || 1;
    const raw = backends.map((b) => (b.weight / total) * noise(0.06));
    const sum = raw.reduce((a, b) => a + b, 0);
    return {
      mode,
      repetition,
      throughputMbps: mbps,
      requestsPerSec: rps,
      latencyMs: { p50, p90: p50 * 1.7, p99: p50 * 3.4 },
      errors: 0,
      backendShares: Object.fromEntries(backends.map((b, i) => [b.node, raw[i] / sum])),
      balancerBytes:
        mode === 'direct'
          ? {}
          : {
              // eth0 faces the clients, eth1 the servers
              eth0: { rx: requests, tx: through ? response * 1.03 : 0 },
              eth1: { rx: through ? response * 1.03 : 0, tx: requests * (mode === 'tunnel' ? 1.12 : 1) },
            },
      responseBytes: response,
      balancerCpuSeconds: (through ? 0.9 : 0.2) * req.duration * noise(0.1),
    };
  }

  function summarise(runs: CompareRun[], modes: CompareRow[]): CompareSummary[] {
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const spread = (xs: number[]) => ({ median: med(xs), min: Math.min(...xs), max: Math.max(...xs) });
    return modes.flatMap((mode) => {
      const rs = runs.filter((r) => r.mode === mode && !r.error);
      if (!rs.length) return [];
      const tx = rs.reduce((a, r) => a + Object.values(r.balancerBytes).reduce((s, v) => s + v.tx, 0), 0);
      const resp = rs.reduce((a, r) => a + r.responseBytes, 0);
      return [
        {
          mode,
          throughputMbps: spread(rs.map((r) => r.throughputMbps)),
          requestsPerSec: spread(rs.map((r) => r.requestsPerSec)),
          latencyMs: { p50: med(rs.map((r) => r.latencyMs.p50)), p90: med(rs.map((r) => r.latencyMs.p90)), p99: med(rs.map((r) => r.latencyMs.p99)) },
          errors: rs.reduce((a, r) => a + r.errors, 0),
          balancerResponseShare: resp ? tx / resp : 0,
        },
      ];
    });
  }

  /** A run through one gateway: what its I/O model costs with `connections` held open, `workers` its limit (Apache). */
  function gatewayRun(gateway: Gateway, repetition: number, connections: number, workers: number | undefined): CompareRun {
    const apache = gateway.startsWith('apache-');
    const limit = apache ? (workers ?? APACHE_DEFAULT_WORKERS[gateway as keyof typeof APACHE_DEFAULT_WORKERS]) : connections;
    const served = Math.min(connections, limit);
    const rps = served * 4.2 * noise(0.05);
    const perConnection = gateway === 'apache-prefork' ? 2_400_000 : apache ? 180_000 : 12_000;
    return {
      mode: 'l7',
      repetition,
      throughputMbps: (rps * 300 * 8) / 1e6,
      requestsPerSec: rps,
      latencyMs: { p50: 201, p90: 204, p99: served < connections ? 201 * Math.ceil(connections / served) : 215 },
      errors: 0,
      backendShares: {},
      balancerBytes: {},
      responseBytes: rps * 300,
      balancerCpuSeconds: 0.5,
      gateway,
      gatewayMemoryBytes: 8_000_000 + perConnection * served,
      gatewayProcesses: gateway === 'apache-prefork' ? served + 1 : gateway === 'nginx' ? 3 : apache ? Math.ceil(served / 64) + 1 : 1,
      gatewayThreads: gateway === 'haproxy' ? 2 : gateway === 'nginx' ? 3 : gateway === 'apache-prefork' ? served + 1 : served + Math.ceil(served / 64) * 2,
      gatewayContextSwitches: Math.round(rps * (apache ? 9 : 2)),
      waitedForWorker: Math.max(0, connections - served),
      failedRequests: 0,
    };
  }

  async function runGateways(c: Comparison, gateways: Gateway[], req: { connections: number; duration: number; warmup: number; repeat: number; workers?: number }) {
    const total = gateways.length * req.repeat;
    let done = 0;
    for (let rep = 1; rep <= req.repeat; rep++) {
      for (const gateway of gateways) {
        if (cancelled.has(c.id)) break;
        emit({ type: 'compare-progress', id: c.id, mode: 'l7', gateway, repetition: rep, done, total, phase: 'measuring', secondsLeft: (total - done) * (req.duration + req.warmup + 2) });
        await sleep(secondMs * (req.duration + 1));
        c.runs.push(gatewayRun(gateway, rep, req.connections, req.workers));
        done++;
      }
    }
    c.complete = !cancelled.has(c.id);
    c.summary = gateways.flatMap((g): CompareSummary[] => {
      const r = c.runs.find((x) => x.gateway === g);
      if (!r) return [];
      const spread = (v: number) => ({ median: v, min: v, max: v });
      return [{ mode: 'l7', throughputMbps: spread(r.throughputMbps), requestsPerSec: spread(r.requestsPerSec), latencyMs: r.latencyMs, errors: 0, balancerResponseShare: 1,
        gateway: g, gatewayMemoryBytes: r.gatewayMemoryBytes, gatewayProcesses: r.gatewayProcesses, gatewayThreads: r.gatewayThreads, gatewayContextSwitches: r.gatewayContextSwitches,
        waitedForWorker: r.waitedForWorker, failedRequests: r.failedRequests, memoryPerConnectionBytes: r.gatewayMemoryBytes! / req.connections }];
    });
    const [best] = [...c.summary].sort((a, b) => (a.memoryPerConnectionBytes ?? 0) - (b.memoryPerConnectionBytes ?? 0));
    if (best) c.verdict = `${best.gateway} held ${req.connections} connections with the least memory per connection (an event loop, not a worker per connection).`;
    c.finishedAt = new Date().toISOString();
    emit({ type: 'compare-end', id: c.id, complete: c.complete });
  }

  async function run(c: Comparison, req: Required<Omit<CompareRequest, 'service' | 'gateways' | 'keepAlive' | 'workers' | 'members' | 'family' | 'hooks'>>, backends: { node: string; weight: number }[]) {
    const { modes, repeat, duration, warmup } = req;
    // like the engine: the service really is switched for each run, and restored at the end
    const lab = labs.get(c.lab);
    const before = lab?.modes[c.service];
    const switchTo = (m: Mode) => {
      if (lab) lab.modes[c.service] = m;
    };
    const total = modes.length * repeat;
    const perRun = duration + warmup + 2;
    let done = 0;
    const progress = (mode: CompareRow, repetition: number, phase: 'switching' | 'warmup' | 'measuring' | 'restoring', elapsedInRun: number) =>
      emit({ type: 'compare-progress', id: c.id, mode, repetition, done, total, phase, secondsLeft: Math.max(0, (total - done) * perRun - elapsedInRun) });
    try {
      for (let rep = 1; rep <= repeat; rep++) {
        // rotating rounds: each round starts one mode later
        const order = modes.map((_, i) => modes[(i + rep - 1) % modes.length]);
        for (const mode of order) {
          if (cancelled.has(c.id)) throw new Error('cancelled');
          progress(mode, rep, 'switching', 0);
          if (mode !== 'direct' && mode !== 'kernel-nat') switchTo(mode);
          await sleep(secondMs * 2);
          if (warmup > 0) {
            progress(mode, rep, 'warmup', 2);
            await sleep(secondMs * warmup);
          }
          const r = runNumbers(mode, rep, req, backends);
          if (mode === 'l4proxy' && req.object === '10m') {
            // a failing row, to see how the panel shows one: the proxy "drops" big objects
            await sleep(secondMs * duration);
            c.runs.push({ ...r, throughputMbps: 0, requestsPerSec: 0, backendShares: {}, balancerBytes: {}, responseBytes: 0, error: 'wrk exited 1: 12 connection resets' });
            done++;
            continue;
          }
          for (let t = 1; t <= duration; t++) {
            if (cancelled.has(c.id)) throw new Error('cancelled');
            progress(mode, rep, 'measuring', 2 + warmup + t - 1);
            await sleep(secondMs);
            const wobble = t === 1 ? 0.55 : noise(0.06);
            const mbps = r.throughputMbps * wobble;
            const through = PASSES_BALANCER(mode);
            emit({
              type: 'compare-sample',
              id: c.id,
              mode,
              repetition: rep,
              t,
              throughputMbps: mbps,
              requestsPerSec: r.requestsPerSec * wobble,
              balancerRxBps: mode === 'direct' ? 0 : (through ? mbps * 1.03 * 1e6 : r.requestsPerSec * 180 * 8) / 8,
              balancerTxBps: mode === 'direct' ? 0 : (through ? mbps * 1.03 * 1e6 : r.requestsPerSec * 180 * 8) / 8,
            });
          }
          c.runs.push(r);
          done++;
        }
      }
      emit({ type: 'compare-progress', id: c.id, mode: modes[0], repetition: repeat, done, total, phase: 'restoring', secondsLeft: 0 });
      await sleep(secondMs);
      c.complete = true;
    } catch {
      c.complete = false;
    }
    if (lab) {
      if (before) lab.modes[c.service] = before;
      else delete lab.modes[c.service];
    }
    c.summary = summarise(c.runs, modes);
    c.finishedAt = new Date().toISOString();
    emit({ type: 'compare-end', id: c.id, complete: c.complete });
  }

  return {
    async compareModes(lab: string, service: string) {
      return compareModes(lab, service);
    },
    async startCompare(r: CompareRequest) {
      const { l, name, svc } = serviceOf(r.lab, r.service);
      const avail = compareModes(r.lab, name);
      const current = (l.modes[name] ?? svc.mode) as CompareRow;
      if (r.gateways && !avail.find((x) => x.mode === 'l7')?.ok) throw new ApiError(`gateways need service ${name} in l7`, 'bad-request');
      for (const g of r.gateways ?? []) {
        const why = gatewayRefusal(g, { scheduler: svc.scheduler ?? 'maglev', routes: svc.routes });
        if (why) throw new ApiError(why, 'bad-request');
      }
      const modes: CompareRow[] = r.gateways ? ['l7'] : r.modes ?? [current, ...(['nat', 'dsr'] as const).filter((m) => m !== current).slice(0, 1)];
      for (const m of modes) {
        const a = avail.find((x) => x.mode === m);
        if (!a?.ok) throw new ApiError(`${m} cannot be compared on ${r.lab}/${name}: ${a?.reason ?? 'unknown mode'}`, 'bad-request');
      }
      if (saved.size && [...saved.values()].some((c) => !c.finishedAt && c.lab === r.lab)) throw new ApiError(`a comparison is already running on ${r.lab}`, 'conflict');
      const req = { lab: r.lab, modes, object: r.object ?? '1m', connections: r.connections ?? 4, duration: r.duration ?? 10, warmup: r.warmup ?? 2, repeat: r.repeat ?? 3 };
      const id = `${r.lab}-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}-${++seq}`;
      const backends = svc.backends.map((b) => (typeof b === 'string' ? { node: b, weight: 1 } : { node: b.node, weight: b.weight ?? 1 }));
      const c: Comparison = {
        id,
        lab: r.lab,
        service: name,
        complete: false,
        startedAt: new Date().toISOString(),
        environment: {
          kernel: '6.12.0-fake',
          docker: '28.0.0-fake',
          cpuModel: 'Fake CPU @ 3.0GHz',
          cpus: 2,
          loadBefore: [0.4, 0.5, 0.6],
          loadAfter: [1.8, 0.9, 0.7],
          linkRates: {},
          offloads: { eth0: { 'generic-receive-offload': 'on' } },
        },
        workload: { modes, ...(r.gateways && { gateways: r.gateways }), ...(r.keepAlive === false && { keepAlive: false }), ...(r.workers !== undefined && { workers: r.workers }), object: req.object, connections: req.connections, duration: req.duration, warmup: req.warmup, repeat: req.repeat, clients: Object.entries(l.doc.nodes).filter(([, n]) => n.kind === 'client').map(([k]) => k) },
        summary: [],
        runs: [],
      };
      saved.set(id, c);
      if (r.gateways) void runGateways(c, r.gateways, { ...req, workers: r.workers });
      else void run(c, req, backends);
      return { id };
    },
    async cancelCompare(id: string) {
      const c = saved.get(id);
      if (!c) throw new ApiError(`no comparison ${id}`, 'not-found');
      if (!c.finishedAt) cancelled.add(id);
    },
    async listComparisons() {
      return [...saved.values()].filter((c) => c.finishedAt).map((c) => ({ id: c.id, lab: c.lab, service: c.service, startedAt: c.startedAt, complete: c.complete, modes: c.workload.modes }));
    },
    async getComparison(id: string) {
      const c = saved.get(id);
      if (!c) throw new ApiError(`no comparison ${id}`, 'not-found');
      return structuredClone(c);
    },
    async comparisonCsv(id: string) {
      const c = saved.get(id);
      if (!c) throw new ApiError(`no comparison ${id}`, 'not-found');
      const head = 'mode,repetition,throughput_mbps,requests_per_sec,p50_ms,p90_ms,p99_ms,errors,response_bytes,balancer_tx_bytes';
      const rows = c.runs.map((r) =>
        [r.mode, r.repetition, r.throughputMbps.toFixed(1), r.requestsPerSec.toFixed(0), r.latencyMs.p50.toFixed(2), r.latencyMs.p90.toFixed(2), r.latencyMs.p99.toFixed(2), r.errors, Math.round(r.responseBytes), Math.round(Object.values(r.balancerBytes).reduce((a, v) => a + v.tx, 0))].join(','),
      );
      return [head, ...rows].join('\n') + '\n';
    },
  };
}
