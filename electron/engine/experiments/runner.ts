// One comparison: the same wrk load from every client at once through each
// row (a balancer mode, or a reference row), in rotating rounds — round r runs
// every row once, alternately forwards and backwards so the row at a round's
// end needs no switch to start the next — so a burst of load elsewhere on
// this shared host hits every row alike. Each run: switch live (no redeploy),
// wait until the VIP serves, warm up, then measure with counters before and
// after and a live series once a second. Whatever happens (cancel, a failed
// run, wrk killed, an exception) the lab is put back: the service's own mode,
// nftables rules gone, our program attached again.
import type { CompareEvent, CompareRow, CompareRun, Comparison, Mode } from '../../api';
import { backendShares, delta, parseSnapshot, parseSnapshots, samplerScript, stopAndSnapshotScript, sumRx, type Snapshot } from './counters';
import { ENVIRONMENT_SCRIPT, LOAD_SCRIPT, environment, parseEnvironment, parseLoad } from './environment';
import { AbortedError, isAbort, raceAbort, type ComparePort, type PortExecOptions } from './port';
import { ATTACHED_SCRIPT, kernelNatSetupScript, kernelNatUndoScript, modeForDirect, parseAttached } from './reference-rows';
import type { PreparedCompare } from './request';
import { summarize } from './summary';
import { combineWrk, killWrkScript, parseWrkScript, wrkScript, type WrkJob } from './wrk';

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
  const nodes = [...new Set([...clients, ...p.servers, p.balancer])];
  const total = p.rows.length * p.repeat;
  let seq = 0;
  let done = 0;
  let overhead = 2.5; // seconds a run costs beyond warm-up + measurement; learnt as runs go
  const state: { mode: Mode; kernelNat?: string[] } = { mode: svc.mode };

  const c: Comparison = {
    id,
    lab,
    service: svc.name,
    complete: false,
    startedAt: new Date(now()).toISOString(),
    environment: { kernel: '', docker: '', cpuModel: '', cpus: 0, loadBefore: [], loadAfter: [], linkRates: {}, offloads: {} },
    workload: { modes: p.rows, object: p.object, connections: p.connections, duration: p.duration, warmup: p.warmup, repeat: p.repeat, clients },
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
  const progress = (row: CompareRow, repetition: number, phase: 'switching' | 'warmup' | 'measuring' | 'restoring', inRunLeft = perRun()) =>
    emit({ type: 'compare-progress', id, mode: row, repetition, done, total, phase, secondsLeft: Math.max(0, Math.round(inRunLeft + (total - done - 1) * perRun())) });

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

  async function enter(row: CompareRow): Promise<void> {
    if (state.kernelNat && row !== 'kernel-nat') await undoKernelNat();
    const mode = targetMode(row);
    if (state.mode !== mode) {
      await port.setMode(lab, svc.name, mode);
      state.mode = mode;
    }
    if (row === 'kernel-nat' && !state.kernelNat) {
      const devs = parseAttached(await execOk(p.balancer, ATTACHED_SCRIPT, 'listing our tc filters', { timeoutMs: 20_000 }));
      if (!devs.length) throw new Error(`balancer ${p.balancer}: our program is attached to no interface in nat mode: nothing to swap for nftables`);
      state.kernelNat = devs; // before the swap: a half-done swap is undone too
      await execOk(p.balancer, kernelNatSetupScript(devs, svc.vip, svc.port, svc.backends), 'swapping our program for nftables DNAT', { timeoutMs: 30_000 });
    }
  }

  /** wrk jobs of each client: the VIP, or (direct) the backends, connections spread evenly over them. */
  function jobsOf(row: CompareRow): WrkJob[][] {
    if (row !== 'direct') return p.clients.map((cl) => [{ target: svc.vip, port: svc.port, connections: cl.connections }]);
    const backends = svc.backends;
    let slot = 0;
    return p.clients.map((cl) => {
      const per = new Map<string, number>();
      for (let k = 0; k < cl.connections; k++, slot++) {
        const b = backends[slot % backends.length].address;
        per.set(b, (per.get(b) ?? 0) + 1);
      }
      return [...per].map(([target, connections]) => ({ target, port: svc.port, connections }));
    });
  }

  async function waitServing(row: CompareRow): Promise<void> {
    const tries = Math.max(1, Math.round((ctx.serveTimeoutMs ?? 15_000) / 250));
    await Promise.all(
      p.clients.map(async (cl, i) => {
        const targets = [...new Set(jobsOf(row)[i].map((j) => j.target))];
        const urls = targets.map((t) => `http://${t}${svc.port === 80 ? '' : `:${svc.port}`}${p.path}`);
        const script = urls
          .map((u) => `i=0; until curl -fsS -o /dev/null --max-time 2 '${u}' 2>/dev/null; do i=$((i+1)); [ $i -ge ${tries} ] && { curl -fsS -o /dev/null --max-time 2 '${u}'; exit 1; }; sleep 0.2; done`)
          .join('\n');
        const r = await exec(cl.node, script, { signal, timeoutMs: tries * 2500 + 10_000 });
        if (r.exitCode !== 0) throw new Error(`${row}: ${urls.join(', ')} does not answer from ${cl.node}: ${(r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.exitCode}`}`);
      }),
    );
  }

  async function wrk(row: CompareRow, seconds: number, counted: boolean) {
    const jobs = jobsOf(row);
    const outs = await Promise.all(
      p.clients.map(async (cl, i) => {
        const r = await exec(cl.node, wrkScript(jobs[i], p.path, seconds, { counted, tag: `${id}-${++seq}` }), { signal, timeoutMs: (seconds + 30) * 1000 });
        try {
          return parseWrkScript(r.stdout, jobs[i].length);
        } catch (e) {
          throw new Error(`${cl.node}: ${oneLine(e)}`);
        }
      }),
    );
    return combineWrk(outs.flat());
  }

  /** Samplers in every node: the first snapshot is the run's "before", the next ones feed the live series. */
  function startSamplers(tag: string, count: number) {
    const stop = new AbortController();
    const pidFile = `/tmp/lblab-sampler-${tag}.pid`;
    const seen = new Map<string, { snap: Snapshot; at: number }[]>();
    let firstResolve!: () => void;
    let firstReject!: (e: Error) => void;
    const first = new Promise<void>((res, rej) => ((firstResolve = res), (firstReject = rej)));
    first.catch(() => undefined);
    const checkFirst = () => nodes.every((n) => seen.get(n)?.length) && firstResolve();
    for (const node of nodes) {
      let buf = '';
      const list: { snap: Snapshot; at: number }[] = [];
      seen.set(node, list);
      const onStdout = (t: string) => {
        buf += t;
        const end = buf.lastIndexOf('--\n');
        if (end < 0) return;
        const cut = end + 3;
        for (const snap of parseSnapshots(buf.slice(0, cut))) {
          list.push({ snap, at: now() });
          if (list.length > 3) list.splice(1, 1); // keep the first (the "before") and the last two
        }
        buf = buf.slice(cut);
        checkFirst();
      };
      exec(node, samplerScript(count, pidFile), { signal: stop.signal, onStdout, timeoutMs: (count + 60) * 1000 }).then(
        (r) => {
          if (!list.length) firstReject(new Error(`node ${node}: no counters read (${(r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.exitCode}`})`));
        },
        (e) => firstReject(isAbort(e) ? new AbortedError() : new Error(`node ${node}: counters: ${oneLine(e)}`)),
      );
    }
    /** bytes/s (or requests/s) of one counter in one node, from its last two snapshots */
    const rate = (node: string, pick: (s: Snapshot) => number) => {
      const l = seen.get(node) ?? [];
      if (l.length < 2) return 0;
      const [a, b] = l.slice(-2);
      const dt = (a.snap.at !== undefined && b.snap.at !== undefined ? b.snap.at - a.snap.at : b.at - a.at) / 1000;
      return dt > 0 ? Math.max(0, pick(b.snap) - pick(a.snap)) / dt : 0;
    };
    const netSum = (s: Snapshot, k: 'rx' | 'tx') => Object.values(s.net).reduce((x, v) => x + v[k], 0);
    return {
      pidFile,
      first: raceAbort(withTimeout(first, 20_000, 'counters: no first snapshot within 20 s'), signal),
      before: (node: string) => seen.get(node)![0].snap,
      live: () => ({
        throughputMbps: (clients.reduce((x, n) => x + rate(n, (s) => netSum(s, 'rx')), 0) * 8) / 1e6,
        requestsPerSec: p.servers.reduce((x, n) => x + rate(n, (s) => s.requests ?? 0), 0),
        balancerRxBps: rate(p.balancer, (s) => netSum(s, 'rx')),
        balancerTxBps: rate(p.balancer, (s) => netSum(s, 'tx')),
      }),
      stop: () => stop.abort(),
    };
  }

  async function measure(row: CompareRow, repetition: number): Promise<CompareRun> {
    const tag = `${id}-${++seq}`;
    const samplers = startSamplers(tag, p.duration + 5);
    let stopped = false;
    try {
      await samplers.first;
      const start = now();
      const tick = setInterval(() => {
        const t = (now() - start) / 1000;
        emit({ type: 'compare-sample', id, mode: row, repetition, t: Math.round(t * 10) / 10, ...samplers.live() });
        progress(row, repetition, 'measuring', Math.max(0, p.duration - t) + overhead / 2);
      }, 1000);
      let load;
      try {
        load = await wrk(row, p.duration, true);
      } finally {
        clearInterval(tick);
      }
      checkAbort();
      const after = Object.fromEntries(
        await Promise.all(nodes.map(async (n) => [n, parseSnapshot(await execOk(n, stopAndSnapshotScript(samplers.pidFile), 'reading counters', { timeoutMs: 20_000 }), n)] as const)),
      );
      stopped = true;
      const d = Object.fromEntries(nodes.map((n) => [n, delta(samplers.before(n), after[n])]));
      const run: CompareRun = {
        mode: row,
        repetition,
        throughputMbps: load.throughputMbps,
        requestsPerSec: load.requestsPerSec,
        latencyMs: load.latencyMs,
        errors: load.errors,
        backendShares: backendShares(Object.fromEntries(p.servers.map((n) => [n, d[n]]))),
        balancerBytes: d[p.balancer].net,
        responseBytes: clients.reduce((x, n) => x + sumRx(d[n]), 0),
        balancerCpuSeconds: d[p.balancer].cpuSeconds ?? 0,
      };
      if (load.requests === 0) run.error = `no request completed (${load.errors} errors)`;
      return run;
    } finally {
      samplers.stop();
      if (!stopped) void Promise.all(nodes.map((n) => exec(n, `[ -f ${samplers.pidFile} ] && kill $(cat ${samplers.pidFile}); rm -f ${samplers.pidFile}; true`, { timeoutMs: 10_000 }).catch(() => undefined)));
    }
  }

  async function oneRun(row: CompareRow, repetition: number): Promise<CompareRun> {
    progress(row, repetition, 'switching');
    await enter(row);
    checkAbort();
    await waitServing(row);
    if (p.warmup > 0) {
      progress(row, repetition, 'warmup', p.warmup + p.duration + overhead / 2);
      // the warm-up's numbers do not count; a failing warm-up shows again in the measurement
      await wrk(row, p.warmup, false).catch((e) => {
        if (isAbort(e) || signal.aborted) throw new AbortedError();
      });
    }
    checkAbort();
    progress(row, repetition, 'measuring', p.duration + overhead / 2);
    return measure(row, repetition);
  }

  // ------------------------------------------------------------ restore
  async function restore(): Promise<string | undefined> {
    const errors: string[] = [];
    await killOurWrk();
    await Promise.all(nodes.map((n) => exec(n, `for f in /tmp/lblab-sampler-${id}-*.pid; do [ -f "$f" ] && kill $(cat "$f") 2>/dev/null; rm -f "$f"; done; true`, { timeoutMs: 10_000 }).catch(() => undefined)));
    if (state.kernelNat) {
      await undoKernelNat()
        .catch(() => undoKernelNat())
        .catch((e) => errors.push(`kernel-nat not undone: ${oneLine(e)}`));
    }
    try {
      const live = (await port.status(lab)).services.find((s) => s.name === svc.name)?.mode ?? state.mode;
      if (live !== p.originalMode) await port.setMode(lab, svc.name, p.originalMode);
      state.mode = p.originalMode;
    } catch (e) {
      errors.push(`service ${svc.name} not switched back to ${p.originalMode}: ${oneLine(e)}`);
    }
    return errors.length ? `restoring the lab: ${errors.join('; ')}` : undefined;
  }

  // ------------------------------------------------------------ the rounds
  save(); // listed (incomplete) from the start
  try {
    try {
      const [envOut, docker] = await Promise.all([execOk(p.balancer, ENVIRONMENT_SCRIPT, 'reading the environment', { timeoutMs: 20_000 }), port.dockerVersion().catch(() => '')]);
      const balancerIfaces = p.status.nodes.find((n) => n.name === p.balancer)?.interfaces.map((i) => i.name);
      c.environment = environment(parseEnvironment(envOut), docker, p.status, [], balancerIfaces);
    } catch {
      // the environment is context, not a result: an image without ethtool still compares
    }
    save();
    let failedInARow = 0;
    for (let r = 1; r <= p.repeat; r++) {
      const order = r % 2 === 1 ? p.rows : [...p.rows].reverse();
      for (const row of order) {
        checkAbort();
        const t0 = now();
        let run: CompareRun;
        try {
          run = await oneRun(row, r);
        } catch (e) {
          if (isAbort(e) || signal.aborted) throw new AbortedError();
          run = failedRun(row, r, oneLine(e));
        }
        c.runs.push(run);
        done++;
        c.summary = summarize(p.rows, c.runs);
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
    emit({ type: 'compare-progress', id, mode: last?.mode ?? p.rows[0], repetition: last?.repetition ?? 1, done, total, phase: 'restoring', secondsLeft: 0 });
    const bad = await restore();
    if (bad) c.error = c.error ? `${c.error}; ${bad}` : bad;
    const load = await exec(p.balancer, LOAD_SCRIPT, { timeoutMs: 10_000 }).catch(() => undefined);
    c.environment.loadAfter = load?.exitCode === 0 ? parseLoad(load.stdout) : [];
    c.summary = summarize(p.rows, c.runs);
    c.finishedAt = new Date(now()).toISOString();
    save();
    emit({ type: 'compare-end', id, complete: c.complete, ...(c.error ? { error: c.error } : {}) });
  }
  return c;
}

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
