// One comparison: the same wrk load from every client at once through each
// row (a balancer mode, or a reference row), in rotating rounds — round r runs
// every row once, alternately forwards and backwards so the row at a round's
// end needs no switch to start the next — so a burst of load elsewhere on
// this shared host hits every row alike. Each run: switch live (no redeploy),
// wait until the VIP serves, warm up, then measure with counters before and
// after and a live series once a second. Whatever happens (cancel, a failed
// run, wrk killed, an exception) the lab is put back: the service's own mode,
// nftables rules gone, our program attached again.
import type { CompareEvent, CompareRow, CompareRun, Comparison, Gateway, Hook, Mode } from '../../api';
import { gatewayFigures, gatewaySwitchScript, gatewayVerdict, summarizeGateways } from './gateway-rows';
import { backendShares, counterAt, delta, parseSnapshots, samplerScript, stopSamplersScript, sumRx, type Snapshot } from './counters';
import { programFigures, programStatsScript } from './program';
import { PROG_STATS_MAX_SECONDS } from '../balancer/contract';
import { hostDistances } from './host-distances';
import { ENVIRONMENT_SCRIPT, LOAD_SCRIPT, environment, labOffload, parseEnvironment, parseLoad } from './environment';
import { AbortedError, isAbort, raceAbort, type ComparePort, type PortExecOptions, type PortExecResult } from './port';
import { kernelNatSetupScript, kernelNatUndoScript, modeForDirect, parseDetached } from './reference-rows';
import type { PreparedCompare } from './request';
import { summarize, summarizeHooks } from './summary';
import { memberEntries, membersVerdict, routersOf, summarizeMembers, tierOnlyScript, viasOut } from './tier-rows';
import { loadUrl } from './protocol-load';
import { combineWrk, killWrkScript, LOAD_DONE, loadScript, parseMarks, parseWrkScript, serveWaitLines, type WrkJob } from './wrk';

export interface RunnerContext {
  port: ComparePort;
  emit: (e: CompareEvent) => void;
  signal: AbortSignal;
  /** called with the comparison after every run and at the end */
  save?: (c: Comparison) => void;
  now?: () => number;
  /** how long to wait for the VIP to serve after a switch */
  serveTimeoutMs?: number;
}

/** Seconds between two snapshots of a sampler: the counters at wrk's start and end are interpolated within it. */
const SAMPLE_PERIOD_S = 0.25;
/** How long after launching the clients' loads their measured wrk starts together (plus the warm-up). */
const BARRIER_MARGIN_MS = 1000;
/** Stop after this many failed runs in a row: the lab, not the moment, is at fault. */
const MAX_FAILED_IN_A_ROW = 3;
const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];
const sh = (script: string) => ['sh', '-c', script];

export async function runComparison(id: string, p: PreparedCompare, ctx: RunnerContext): Promise<Comparison> {
  const { port, emit, signal } = ctx;
  const now = ctx.now ?? Date.now;
  const lab = p.lab;
  const svc = p.service;
  const clients = p.clients.map((c) => c.node);
  const tier = p.members?.tier ?? [];
  // a comparison across tier sizes samples every member: its CPU use is part of each run
  const nodes = [...new Set([...clients, ...p.servers, p.balancer, ...tier])];
  // a comparison across gateways runs the service in l7 through each gateway in turn: one entry per gateway
  // across tier sizes: every row at every size
  // across hooks: every row at each hook, side by side
  const entries: { row: CompareRow; gateway?: Gateway; members?: number; hook?: Hook }[] = p.gateways
    ? p.gateways.map((gateway) => ({ row: 'l7' as const, gateway }))
    : p.members
      ? memberEntries(p.rows, p.members.sizes)
      : p.hooks
        ? p.rows.flatMap((row) => p.hooks!.map((hook) => ({ row, hook })))
        : p.rows.map((row) => ({ row }));
  const routers = p.members ? routersOf(p.status) : [];
  const cpuLimits = Object.fromEntries(tier.flatMap((m) => (p.status.doc?.nodes?.[m]?.cpus !== undefined ? [[m, p.status.doc.nodes[m].cpus!]] : [])));
  const total = entries.length * p.repeat;
  let seq = 0;
  let done = 0;
  let overhead = 2.5; // seconds a run costs beyond warm-up + measurement; learnt as runs go
  // members: the tier size the routers' routes now go through (undefined: every member, as deployed)
  // hook: where the balancer's core runs now; napi: whether its host-side peers run NAPI (what XDP needs)
  const ownHook: Hook = p.originalHook ?? 'tc';
  const state: { mode: Mode; kernelNat?: string[]; gateway?: Gateway; members?: number; hook: Hook; napi: boolean } = { mode: svc.mode, gateway: p.originalGateway, hook: ownHook, napi: ownHook === 'xdp' };
  // every node that may carry a run as "the balancer": its eBPF program's own time is read there
  const carriersAll = p.members ? tier : [p.balancer];
  /** false from a mode switch's start until it succeeded: the mode may then be neither state.mode nor the next */
  let modeKnown = true;
  const balancerIfaces = p.status.nodes.find((n) => n.name === p.balancer)?.interfaces.map((i) => i.name).filter((n) => n !== '?') ?? [];

  const c: Comparison = {
    id,
    lab,
    service: svc.name,
    complete: false,
    startedAt: new Date(now()).toISOString(),
    environment: { kernel: '', docker: '', cpuModel: '', cpus: 0, loadBefore: [], loadAfter: [], linkRates: {}, offloads: {}, ...labOffload(p.status) },
    workload: {
      modes: p.rows, object: p.object, connections: p.connections, duration: p.duration, warmup: p.warmup, repeat: p.repeat, clients,
      ...(p.gateways && { gateways: p.gateways }), ...(p.members && { members: p.members.sizes }), ...(!p.keepAlive && { keepAlive: false }), ...(p.workers !== undefined && { workers: p.workers }),
      ...(p.family && { family: p.family }), ...(p.hooks && { hooks: p.hooks }),
    },
    summary: [],
    runs: [],
  };
  const save = () => {
    try {
      ctx.save?.(c);
    } catch {
      // a full disk must not leave the lab switched: the result is still returned
    }
  };

  const exec = async (node: string, script: string, opts: PortExecOptions = {}) => port.exec(lab, node, sh(script), opts);
  const execOk = async (node: string, script: string, what: string, opts: PortExecOptions = {}) => {
    const r = await exec(node, script, opts);
    if (r.exitCode !== 0) throw new Error(`node ${node}: ${what} failed: ${(r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.exitCode}`}`);
    return r.stdout;
  };
  const killOurWrk = () => Promise.all(clients.map((n) => exec(n, killWrkScript(id), { timeoutMs: 10_000 }).catch(() => undefined)));
  // Cancel: wrk must stop now, not at the end of its run
  const onAbort = () => void killOurWrk();
  signal.addEventListener('abort', onAbort, { once: true });
  const checkAbort = () => {
    if (signal.aborted) throw new AbortedError();
  };

  const perRun = () => p.duration + p.warmup + overhead;
  let current: Gateway | undefined; // the gateway of the run under way
  let currentMembers: number | undefined; // the tier size of the run under way
  let currentHook: Hook | undefined; // the hook of the run under way
  const progress = (row: CompareRow, repetition: number, phase: 'switching' | 'warmup' | 'measuring' | 'restoring', inRunLeft = perRun()) =>
    emit({ type: 'compare-progress', id, mode: row, ...(current && { gateway: current }), ...(currentMembers && { members: currentMembers }), ...(currentHook && { hook: currentHook }), repetition, done, total, phase, secondsLeft: Math.max(0, Math.round(inRunLeft + (total - done - 1) * perRun())) });

  // ------------------------------------------------------------ rows
  const targetMode = (row: CompareRow): Mode => {
    if (row === 'kernel-nat') return 'nat';
    if (row === 'direct') return modeForDirect(state.mode, p.originalMode, p.available) ?? state.mode;
    return row;
  };

  async function undoKernelNat(): Promise<void> {
    if (!state.kernelNat) return;
    await execOk(p.balancer, kernelNatUndoScript(state.kernelNat), 'putting our program back in place of nftables', { timeoutMs: 30_000 });
    state.kernelNat = undefined;
  }

  /** Switch the l7 service's gateway live (the agent's own switch: the lab's document is not changed). */
  async function switchGateway(gateway: Gateway, workers?: number): Promise<void> {
    await execOk(p.balancer, gatewaySwitchScript(svc.name, gateway, workers), `switching to gateway ${gateway}`, { timeoutMs: 60_000 });
    state.gateway = gateway;
  }

  /** The routers' routes to the VIP through the tier's first `n` members only (undefined: all of them again). */
  async function setMembers(n: number | undefined): Promise<void> {
    const out = n === undefined ? [] : viasOut(p.status, tier, n);
    await Promise.all(routers.map((r) => execOk(r, tierOnlyScript(out), n === undefined ? 'putting every member back in the route' : `routing through ${n} members`, { timeoutMs: 20_000 })));
    state.members = n;
  }

  /** Run the balancer's core at `hook` (the agent's own switch: the lab's document is not changed), its host-side
   * peers with NAPI at XDP and as Docker left them at tc. */
  async function switchHook(hook: Hook): Promise<void> {
    const napi = hook === 'xdp';
    // NAPI before XDP attaches, and after it leaves: no frame sent back out meets a peer without it
    if (napi && !state.napi) await setNapi(true);
    if (state.hook !== hook) {
      await execOk(p.balancer, `lbagent hook ${hook}`, `running the eBPF core at ${hook}`, { timeoutMs: 60_000 });
      state.hook = hook;
    }
    if (!napi && state.napi) await setNapi(false);
  }
  async function setNapi(on: boolean): Promise<void> {
    if (!port.setPeerNapi) throw new Error('this engine cannot set the host side of the balancer\'s links (NAPI for XDP)');
    await port.setPeerNapi(lab, p.balancer, on);
    state.napi = on;
  }

  async function enter(row: CompareRow, gateway?: Gateway, members?: number, hook?: Hook): Promise<void> {
    if (state.kernelNat && row !== 'kernel-nat') await undoKernelNat();
    const mode = targetMode(row);
    if (state.mode !== mode) {
      modeKnown = false;
      await port.setMode(lab, svc.name, mode);
      state.mode = mode;
      modeKnown = true;
      // the engine's config carries the lab file's hook
      state.hook = ownHook;
    }
    if (hook) await switchHook(hook);
    // after the mode: a switch may plumb the routers afresh (every member in)
    if (members !== undefined) await setMembers(members);
    // every run starts its gateway afresh: a queue or memory left by the one before must not count
    if (gateway) await switchGateway(gateway, gateway.startsWith('apache-') ? p.workers : undefined);
    if (row === 'kernel-nat' && !state.kernelNat) {
      // until the swap says where it detached our program, a half-done swap is undone on every interface
      // (in nat mode the agent attaches it to all of the balancer's)
      state.kernelNat = balancerIfaces;
      const out = await execOk(p.balancer, kernelNatSetupScript(svc.vip, svc.port, svc.backends), 'swapping our program for nftables DNAT', { timeoutMs: 30_000 });
      const detached = parseDetached(out);
      if (detached.length) state.kernelNat = detached;
    }
  }

  /** The carriers' eBPF program statistics on for the comparison (they cost a little per packet, so not for longer):
   * the agents hold them on whichever program each switch attaches, so a run needs no command of its own. Whether
   * they covered a run's window is read from its samples (no program figures otherwise: a proxy mode, a gateway). */
  let statsUntil = 0;
  async function programStatsOn(): Promise<void> {
    const seconds = Math.min(PROG_STATS_MAX_SECONDS, Math.ceil((total - done) * perRun() + (ctx.serveTimeoutMs ?? 15_000) / 1000 + 120));
    const t = now();
    await Promise.all(carriersAll.map((n) => exec(n, programStatsScript(true, seconds), { timeoutMs: 20_000 }).catch(() => undefined)));
    statsUntil = t + seconds * 1000;
  }
  const programStatsOff = () => Promise.all(carriersAll.map((n) => exec(n, programStatsScript(false), { timeoutMs: 10_000 }).catch(() => undefined)));

  /** wrk jobs of each client: the VIP, or (direct) the backends, connections spread evenly over them. */
  function jobsOf(row: CompareRow): WrkJob[][] {
    if (row !== 'direct') return p.clients.map((cl) => [{ target: p.target, port: svc.port, connections: cl.connections }]);
    const backends = svc.backends;
    let slot = 0;
    return p.clients.map((cl) => {
      const per = new Map<string, number>();
      for (let k = 0; k < cl.connections; k++, slot++) {
        const b = p.family === 6 ? backends[slot % backends.length].address6! : backends[slot % backends.length].address;
        per.set(b, (per.get(b) ?? 0) + 1);
      }
      return [...per].map(([target, connections]) => ({ target, port: svc.port, connections }));
    });
  }

  /** Samplers in every node from the start of a run: the counters at the wrk marks are interpolated from them, the live series too. */
  function startSamplers(tag: string) {
    const stop = new AbortController();
    const series = new Map<string, Snapshot[]>(nodes.map((n) => [n, []]));
    let firstResolve!: () => void;
    let firstReject!: (e: Error) => void;
    const first = new Promise<void>((res, rej) => ((firstResolve = res), (firstReject = rej)));
    first.catch(() => undefined);
    const waiters = new Set<() => void>();
    // long enough for the slowest run; the runner stops them much earlier
    const maxCount = Math.ceil(((ctx.serveTimeoutMs ?? 15_000) / 1000 + p.warmup + p.duration + 120) / SAMPLE_PERIOD_S);
    for (const node of nodes) {
      let buf = '';
      const list = series.get(node)!;
      const onStdout = (t: string) => {
        buf += t;
        const end = buf.lastIndexOf('--\n');
        if (end < 0) return;
        for (const snap of parseSnapshots(buf.slice(0, end + 3))) if (snap.at !== undefined) list.push(snap);
        buf = buf.slice(end + 3);
        if (nodes.every((n) => series.get(n)!.length)) firstResolve();
        for (const w of waiters) w();
      };
      exec(node, samplerScript(tag, SAMPLE_PERIOD_S, maxCount, { gateway: !!p.gateways && node === p.balancer, program: carriersAll.includes(node) }), { signal: stop.signal, onStdout, timeoutMs: (maxCount * SAMPLE_PERIOD_S + 60) * 1000 }).then(
        (r) => !list.length && firstReject(new Error(`node ${node}: no counters read (${(r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.exitCode}`})`)),
        (e) => !list.length && firstReject(isAbort(e) ? new AbortedError() : new Error(`node ${node}: counters: ${oneLine(e)}`)),
      );
    }
    const netSum = (s: Snapshot, k: 'rx' | 'tx') => Object.values(s.net).reduce((x, v) => x + v[k], 0);
    /** per second over the last second of one node's series */
    const rate = (node: string, pick: (s: Snapshot) => number) => {
      const l = series.get(node)!;
      if (l.length < 2) return 0;
      const b = l[l.length - 1];
      const a = l.findLast((x) => x.at! <= b.at! - 900) ?? l[0];
      return b.at! > a.at! ? Math.max(0, pick(b) - pick(a)) / ((b.at! - a.at!) / 1000) : 0;
    };
    return {
      first: () => raceAbort(withTimeout(first, 20_000, 'counters: no first snapshot within 20 s'), signal),
      /** resolve once every node has a snapshot at or after `t` (the samplers tick every SAMPLE_PERIOD_S) */
      until: (t: number) =>
        raceAbort(
          withTimeout(
            new Promise<void>((res) => {
              const check = () => nodes.every((n) => (series.get(n)!.at(-1)?.at ?? -1) >= t) && (waiters.delete(check), res());
              waiters.add(check);
              check();
            }),
            10_000,
            'counters: no snapshot after the run within 10 s',
          ),
          signal,
        ),
      at: (node: string, t: number) => counterAt(series.get(node)!, t),
      /** the snapshots of one node between two instants */
      between: (node: string, from: number, to: number) => series.get(node)!.filter((x) => x.at! >= from && x.at! <= to),
      /** a node whose first snapshot is later than `t` */
      startedAfter: (t: number) => nodes.find((n) => (series.get(n)![0]?.at ?? Infinity) > t),
      live: () => ({
        throughputMbps: (clients.reduce((x, n) => x + rate(n, (s) => netSum(s, 'rx')), 0) * 8) / 1e6,
        requestsPerSec: p.servers.reduce((x, n) => x + rate(n, (s) => s.requests ?? 0), 0),
        balancerRxBps: rate(p.balancer, (s) => netSum(s, 'rx')),
        balancerTxBps: rate(p.balancer, (s) => netSum(s, 'tx')),
      }),
      stop: () => {
        stop.abort();
        // fire and forget: each sampler ends at its next tick once its file is gone
        void Promise.all(nodes.map((n) => exec(n, stopSamplersScript(tag), { timeoutMs: 10_000 }).catch(() => undefined)));
      },
    };
  }

  async function oneRun(row: CompareRow, repetition: number, gateway?: Gateway, members?: number, hook?: Hook): Promise<CompareRun> {
    const tag = `${id}-${++seq}`;
    current = gateway;
    currentMembers = members;
    currentHook = hook;
    progress(row, repetition, 'switching');
    const samplers = startSamplers(tag);
    let tick: NodeJS.Timeout | undefined;
    // a tier's run: the members that carried it make up "the balancer"
    const carriers = members !== undefined ? tier.slice(0, members) : [p.balancer];
    try {
      // a comparison longer than the agents' longest hold asks again, between runs
      if (now() + 2 * perRun() * 1000 > statsUntil) await programStatsOn();
      await enter(row, gateway, members, hook);
      checkAbort();
      // with a warm-up the samplers are running long before the measured wrk starts: no need to wait for them
      const sampling = samplers.first();
      if (p.warmup < 1) await sampling;
      else sampling.catch(() => undefined);
      const jobs = jobsOf(row);
      const tries = Math.max(1, Math.round((ctx.serveTimeoutMs ?? 15_000) / 250));
      let lead = '';
      const onLeadOutput = (t: string) => {
        lead += t;
        if (p.warmup > 0 && lead.includes('mark serving') && !lead.includes('mark start') && !tick) {
          progress(row, repetition, 'warmup', p.warmup + p.duration + overhead / 2);
          lead = lead.replace('mark serving', 'mark seen');
        }
        if (lead.includes('mark start') && !tick) {
          const start = now();
          progress(row, repetition, 'measuring', p.duration + overhead / 2);
          tick = setInterval(() => {
            const t = (now() - start) / 1000;
            emit({ type: 'compare-sample', id, mode: row, ...(gateway && { gateway }), ...(hook && { hook }), repetition, t: Math.round(t * 10) / 10, ...samplers.live() });
            progress(row, repetition, 'measuring', Math.max(0, p.duration - t) + overhead / 2);
          }, 1000);
        }
      };
      // several clients start their measured wrk together: exec start-up and the serve check vary by client.
      // Right after a switch, a client's first connection may wait for a SYN retransmit (1 s): each client
      // serves first, so that the barrier is set from when all of them do (a client that still cannot is
      // reported by its load below, which checks again).
      const urlsOf = jobs.map((js) => [...new Set(js.map((j) => loadUrl(svc.protocol, j.target, j.port, p.path)))]);
      if (p.clients.length > 1) {
        await Promise.all(p.clients.map((cl, i) =>
          exec(cl.node, serveWaitLines(svc.protocol, urlsOf[i], tries).join('\n'), { signal, timeoutMs: (tries * 2.5 + 10) * 1000 }).catch(() => undefined)));
        checkAbort();
      }
      const startAt = p.clients.length > 1 ? Date.now() + BARRIER_MARGIN_MS + p.warmup * 1000 : undefined;
      const loads = await Promise.all(
        p.clients.map(async (cl, i) => {
          const plan = { urls: urlsOf[i], protocol: svc.protocol, jobs: jobs[i], path: p.path, warmup: p.warmup, duration: p.duration, tag: `${tag}-${i}`, serveTries: tries, startAt, keepAlive: p.keepAlive };
          // done as soon as the last line has streamed: docker reports an exec's end up to 0.4 s later
          let out = '';
          let streamed!: (r: PortExecResult) => void;
          const whole = new Promise<PortExecResult>((res) => (streamed = res));
          const onStdout = (t: string) => {
            out += t;
            if (i === 0) onLeadOutput(t);
            if (out.endsWith(`${LOAD_DONE}\n`)) streamed({ exitCode: 0, stdout: out, stderr: '' });
          };
          const r = await Promise.race([whole, exec(cl.node, loadScript(plan), { signal, onStdout, timeoutMs: (tries * 2.5 + p.warmup + p.duration + 60) * 1000 })]);
          const why = (r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.exitCode}`;
          if (r.exitCode === 3) throw new Error(`${row}: ${cl.node} gets no answer from ${why}`);
          if (r.exitCode !== 0) throw new Error(`${cl.node}: the load failed: ${why}`);
          const marks = parseMarks(r.stdout);
          try {
            const reports = parseWrkScript(r.stdout, jobs[i].length);
            if (marks.start === undefined || marks.end === undefined) throw new Error('wrk ran without its time marks');
            return { node: cl.node, start: marks.start, end: marks.end, reports };
          } catch (e) {
            throw new Error(`${cl.node}: ${oneLine(e)}`);
          }
        }),
      );
      clearInterval(tick);
      checkAbort();
      const load = combineWrk(loads.flatMap((l) => l.reports));
      const start = Math.min(...loads.map((l) => l.start));
      const end = Math.max(...loads.map((l) => l.end));
      await sampling;
      await samplers.until(end);
      const late = samplers.startedAfter(start + SAMPLE_PERIOD_S * 1000);
      if (late) throw new Error(`node ${late}: its counters started after the measurement (the host is overloaded?)`);
      const d = (node: string) => delta(samplers.at(node, start), samplers.at(node, end));
      const lb = sumDeltas(carriers.map(d));
      const together = loads.length > 1 ? concurrent(loads, (from, to) => clients.reduce((x, n) => x + sumRx(delta(samplers.at(n, from), samplers.at(n, to))), 0)) : undefined;
      if (together && together.seconds < p.duration / 2)
        throw new Error(`the clients loaded together for only ${together.seconds.toFixed(1)} s of ${p.duration} (their wrk started too far apart: the host is overloaded?)`);
      const run: CompareRun = {
        mode: row,
        ...(hook && { hook }),
        repetition,
        throughputMbps: together ? (load.bytes * together.fraction * 8) / together.seconds / 1e6 : load.throughputMbps,
        requestsPerSec: together ? (load.requests * together.fraction) / together.seconds : load.requestsPerSec,
        latencyMs: load.latencyMs,
        errors: load.errors,
        backendShares: backendShares(Object.fromEntries(p.servers.map((n) => [n, d(n)]))),
        balancerBytes: roundBytes(lb.net),
        // the clients over the same window as the balancer: the share compares like with like
        responseBytes: Math.round(clients.reduce((x, n) => x + sumRx(d(n)), 0)),
        balancerCpuSeconds: lb.cpuSeconds ?? 0,
      };
      if (lb.program) run.program = programFigures(lb.program.seconds, lb.program.packets);
      if (members !== undefined) {
        const seconds = Math.max(1e-3, (end - start) / 1000);
        Object.assign(run, { members, memberCpu: Object.fromEntries(tier.map((m) => [m, Math.round(((d(m).cpuSeconds ?? 0) / seconds) * 1000) / 1000])) });
      }
      if (gateway) Object.assign(run, gatewayFigures(gateway, samplers.between(p.balancer, start, end), load.errors));
      if (load.requests === 0) run.error = `no request completed (${load.errors} errors)`;
      return run;
    } finally {
      clearInterval(tick);
      samplers.stop();
    }
  }

  // ------------------------------------------------------------ restore
  async function restore(): Promise<string | undefined> {
    const errors: string[] = [];
    // our load, the samplers and the statistics stop together (a lost "off" ends by itself at its time limit)
    await Promise.all([
      killOurWrk(),
      ...nodes.map((n) => exec(n, stopSamplersScript(`${id}-*`), { timeoutMs: 10_000 }).catch(() => undefined)),
      programStatsOff(),
    ]);
    if (state.kernelNat) {
      await undoKernelNat()
        .catch(() => undoKernelNat())
        .catch((e) => errors.push(`kernel-nat not undone: ${oneLine(e)}`));
    }
    if (state.members !== undefined) {
      await setMembers(undefined)
        .catch(() => setMembers(undefined))
        .catch((e) => errors.push(`the routers' routes not put back through every member: ${oneLine(e)}`));
    }
    if (p.originalGateway && state.gateway !== p.originalGateway) {
      try {
        // the mode first: the agent refuses a gateway other than haproxy outside l7
        if (state.mode === 'l7') await switchGateway(p.originalGateway);
      } catch (e) {
        errors.push(`service ${svc.name} not switched back to gateway ${p.originalGateway}: ${oneLine(e)}`);
      }
    }
    try {
      // a switch that failed may have gone part of the way: the lab says where it is
      const live = modeKnown ? state.mode : ((await port.status(lab)).services.find((s) => s.name === svc.name)?.mode ?? state.mode);
      if (live !== p.originalMode) {
        await port.setMode(lab, svc.name, p.originalMode);
        state.hook = ownHook;
      }
      state.mode = p.originalMode;
    } catch (e) {
      errors.push(`service ${svc.name} not switched back to ${p.originalMode}: ${oneLine(e)}`);
    }
    if (p.hooks) {
      await switchHook(ownHook)
        .catch(() => switchHook(ownHook))
        .catch((e) => errors.push(`the balancer's core not put back at ${ownHook}: ${oneLine(e)}`));
    }
    return errors.length ? `restoring the lab: ${errors.join('; ')}` : undefined;
  }

  function summaryOf(runs: CompareRun[]) {
    if (p.gateways) return summarizeGateways(p.gateways, runs, p.connections);
    if (p.members) return summarizeMembers(p.rows, p.members.sizes, runs);
    if (p.hooks) return summarizeHooks(p.rows, p.hooks, runs, p.duration);
    return summarize(p.rows, runs);
  }

  // ------------------------------------------------------------ the rounds
  save(); // listed (incomplete) from the start
  try {
    // beside the environment's read: both are ahead of the first run
    const statsOn = programStatsOn();
    try {
      const [envOut, docker] = await Promise.all([execOk(p.balancer, ENVIRONMENT_SCRIPT, 'reading the environment', { timeoutMs: 20_000 }), port.dockerVersion().catch(() => '')]);
      c.environment = environment(parseEnvironment(envOut), docker, p.status, [], balancerIfaces);
      const hosts = await hostDistances(p.status, (node, script) => execOk(node, script, 'measuring the distance between hosts', { timeoutMs: 15_000 }));
      if (hosts) c.environment.hosts = hosts;
    } catch {
      // the environment is context, not a result: an image without ethtool still compares
    }
    await statsOn;
    save();
    let failedInARow = 0;
    for (let r = 1; r <= p.repeat; r++) {
      const order = r % 2 === 1 ? entries : [...entries].reverse();
      for (const { row, gateway, members, hook } of order) {
        checkAbort();
        const t0 = now();
        let run: CompareRun;
        try {
          run = await oneRun(row, r, gateway, members, hook);
        } catch (e) {
          if (isAbort(e) || signal.aborted) throw new AbortedError();
          run = failedRun(row, r, oneLine(e));
          if (hook) run.hook = hook;
          if (gateway) run.gateway = gateway;
          if (members !== undefined) run.members = members;
          await killOurWrk(); // the other clients' wrk must not load the next run
        }
        c.runs.push(run);
        done++;
        c.summary = summaryOf(c.runs);
        save();
        failedInARow = run.error ? failedInARow + 1 : 0;
        if (failedInARow >= MAX_FAILED_IN_A_ROW) throw new Error(`stopped after ${failedInARow} failed runs in a row: ${run.error}`);
        const spent = (now() - t0) / 1000 - p.duration - p.warmup;
        if (!run.error && spent >= 0) overhead = done === 1 ? spent : (overhead * (done - 1) + spent) / done;
      }
    }
    c.complete = true;
  } catch (e) {
    c.error = isAbort(e) ? 'cancelled' : oneLine(e);
  } finally {
    signal.removeEventListener('abort', onAbort);
    const last = c.runs[c.runs.length - 1];
    current = undefined;
    currentHook = undefined;
    emit({ type: 'compare-progress', id, mode: last?.mode ?? p.rows[0], repetition: last?.repetition ?? 1, done, total, phase: 'restoring', secondsLeft: 0 });
    const bad = await restore();
    if (bad) c.error = c.error ? `${c.error}; ${bad}` : bad;
    const load = await exec(p.balancer, LOAD_SCRIPT, { timeoutMs: 10_000 }).catch(() => undefined);
    c.environment.loadAfter = load?.exitCode === 0 ? parseLoad(load.stdout) : [];
    c.summary = summaryOf(c.runs);
    const v = p.gateways ? gatewayVerdict(c.summary, p.connections) : p.members ? membersVerdict(c.summary, cpuLimits) : undefined;
    if (v) c.verdict = v;
    c.finishedAt = new Date(now()).toISOString();
    save();
    emit({ type: 'compare-end', id, complete: c.complete, ...(c.error ? { error: c.error } : {}) });
  }
  return c;
}

/**
 * Several clients: their aggregate while they all loaded. Summing each one's
 * own average would overstate it when one started late (the averages cover
 * different seconds), and the whole span would understate it. So: the span
 * they all ran (latest start to earliest end) and the fraction of the bytes
 * the clients received in it, which wrk's totals are scaled by.
 */
function concurrent(loads: { start: number; end: number }[], rxBetween: (from: number, to: number) => number): { seconds: number; fraction: number } {
  const from = Math.max(...loads.map((l) => l.start));
  const to = Math.min(...loads.map((l) => l.end));
  const all = rxBetween(Math.min(...loads.map((l) => l.start)), Math.max(...loads.map((l) => l.end)));
  if (to <= from || all <= 0) return { seconds: Math.max(0, (to - from) / 1000), fraction: 0 };
  return { seconds: (to - from) / 1000, fraction: rxBetween(from, to) / all };
}

/** Several nodes' deltas as one: interfaces of the same name add up, and so does CPU time. */
function sumDeltas(ds: ReturnType<typeof delta>[]): ReturnType<typeof delta> {
  if (ds.length === 1) return ds[0];
  const net: Record<string, { rx: number; tx: number }> = {};
  for (const x of ds) for (const [k, v] of Object.entries(x.net)) net[k] = { rx: (net[k]?.rx ?? 0) + v.rx, tx: (net[k]?.tx ?? 0) + v.tx };
  const program = ds.every((x) => x.program)
    ? { seconds: ds.reduce((a, x) => a + x.program!.seconds, 0), packets: ds.reduce((a, x) => a + x.program!.packets, 0) }
    : undefined;
  return { ...ds[0], net, cpuSeconds: ds.reduce((a, x) => a + (x.cpuSeconds ?? 0), 0), program };
}

const roundBytes = (net: Record<string, { rx: number; tx: number }>) =>
  Object.fromEntries(Object.entries(net).map(([k, v]) => [k, { rx: Math.round(v.rx), tx: Math.round(v.tx) }]));

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(message)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function failedRun(mode: CompareRow, repetition: number, error: string): CompareRun {
  return {
    mode,
    repetition,
    throughputMbps: 0,
    requestsPerSec: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0 },
    errors: 0,
    backendShares: {},
    balancerBytes: {},
    responseBytes: 0,
    balancerCpuSeconds: 0,
    error,
  };
}
