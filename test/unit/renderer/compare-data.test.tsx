// The Compare panel's data shaping and wording, on plain objects.
import { describe, expect, it } from 'vitest';
import {
  backendShareSeries,
  balancerBytesSeries,
  buildRequest,
  defaultForm,
  defaultModes,
  liveFromSamples,
  modeOutcomes,
  progressText,
  summarySeries,
  toggleMode,
  verdict,
  type CompareSample,
} from '../../../renderer/lib/compare-data';
import { comparison, failedRun, mixed, run, summary } from './compare-fixtures';

const sample = (mode: CompareSample['mode'], repetition: number, t: number, mbps: number, txBps = 0): CompareSample => ({
  type: 'compare-sample',
  id: 'c',
  mode,
  repetition,
  t,
  throughputMbps: mbps,
  requestsPerSec: mbps / 8,
  balancerRxBps: txBps,
  balancerTxBps: txBps,
});

describe('summary → bars', () => {
  it('keeps the requested order and leaves a gap for modes without numbers', () => {
    const rows = summarySeries(mixed());
    expect(rows.map((r) => r.mode)).toEqual(['dsr', 'nat', 'tunnel', 'l7']);
    const [dsr, nat, tunnel, l7] = rows;
    expect(dsr).toMatchObject({ hasData: true, throughput: 2800, throughputMin: 2520, throughputMax: 3360, balancerShare: 0.02 });
    // the spread as distances below / above the median, for the error bar
    expect(dsr.throughputSpread![0]).toBeCloseTo(280);
    expect(dsr.throughputSpread![1]).toBeCloseTo(560);
    expect(dsr.rps).toBe(350);
    expect([dsr.p50, dsr.p90, dsr.p99]).toEqual([1, 2, 4]);
    expect(nat).toMatchObject({ hasData: true, throughput: 1000, balancerShare: 1 });
    // every tunnel run failed; l7 was asked for and never ran
    for (const r of [tunnel, l7]) expect(r).toMatchObject({ hasData: false, throughput: null, throughputSpread: null, rps: null, p99: null, balancerShare: null });
  });

  it('counts good and failed runs per mode, and keeps the first reason', () => {
    const o = modeOutcomes(mixed());
    expect(o.map((x) => [x.mode, x.okRuns, x.failedRuns, x.hasData])).toEqual([
      ['dsr', 3, 0, true],
      ['nat', 2, 1, true],
      ['tunnel', 0, 2, false],
      ['l7', 0, 0, false],
    ]);
    expect(o[2].error).toBe('wrk exited 1: connection refused');
  });

  it('a summary whose runs all failed is not data', () => {
    const c = comparison(['dsr'], [summary('dsr', 0)], [failedRun('dsr', 1, 'boom')]);
    expect(summarySeries(c)[0].hasData).toBe(false);
  });

  it('gives no balancer share for the direct reference row', () => {
    const c = comparison(['direct', 'dsr'], [summary('direct', 900, { balancerResponseShare: 0 }), summary('dsr', 800)], []);
    expect(summarySeries(c).map((r) => r.balancerShare)).toEqual([null, 0.5]);
  });
});

describe('runs → per backend stacked shares', () => {
  it('averages each backend over the runs that worked, in percent, backends in natural order', () => {
    const s = backendShareSeries(mixed());
    expect(s.backends).toEqual(['web1', 'web2', 'web10']);
    const [dsr, nat, tunnel, l7] = s.rows;
    expect(dsr.web1).toBeCloseTo(30);
    expect(dsr.web2).toBeCloseTo(30);
    expect(dsr.web10).toBeCloseTo(40);
    // the failed nat run (no numbers) is not averaged in as zeros
    expect(nat.web1).toBeCloseTo(60);
    expect(nat.web2).toBeCloseTo(40);
    expect(nat.web10).toBe(0);
    expect(nat.hasData).toBe(true);
    for (const r of [tunnel, l7]) {
      expect(r.hasData).toBe(false);
      expect([r.web1, r.web2, r.web10]).toEqual([null, null, null]);
    }
  });

  it('the bytes through the balancer: summed over its interfaces, median over runs', () => {
    const [dsr, nat, tunnel, l7] = balancerBytesSeries(mixed());
    // rx 50+0, 70+0, 60+0 → 60; tx 0+50, 0+70, 0+60 → 60
    expect(dsr).toEqual({ mode: 'dsr', hasData: true, balancerRx: 60, balancerTx: 60, response: 3100 });
    expect(nat).toEqual({ mode: 'nat', hasData: true, balancerRx: (1050 + 1260) / 2, balancerTx: (1050 + 1260) / 2, response: 1100 });
    expect(tunnel).toMatchObject({ hasData: false, balancerTx: null });
    expect(l7).toMatchObject({ hasData: false, response: null });
  });
});

describe('samples → live series keyed by second', () => {
  it('one row per second, each mode the mean over its repetitions, balancer tx in Mbit/s', () => {
    const { modes, rows } = liveFromSamples([
      sample('nat', 1, 1, 100, 12.5e6),
      sample('nat', 1, 2, 200, 25e6),
      sample('dsr', 1, 1, 400),
      sample('nat', 2, 1.02, 300, 37.5e6), // a little late: still second 1
      sample('dsr', 1, 3, 500),
    ]);
    expect(modes).toEqual(['nat', 'dsr']);
    expect(rows.map((r) => r.t)).toEqual([1, 2, 3]);
    expect(rows[0]).toEqual({ t: 1, nat: 200, nat_tx: 200, dsr: 400, dsr_tx: 0 });
    expect(rows[1]).toEqual({ t: 2, nat: 200, nat_tx: 200 });
    expect(rows[2]).toEqual({ t: 3, dsr: 500, dsr_tx: 0 });
  });

  it('ignores samples without numbers', () => {
    const { rows } = liveFromSamples([sample('dsr', 1, 1, NaN), sample('dsr', 1, Number.NaN, 5)]);
    expect(rows).toEqual([]);
  });
});

describe('the verdict', () => {
  it('says how far the first mode moved the others, and what the balancer carried', () => {
    const c = comparison(['dsr', 'nat'], [summary('dsr', 2800, { balancerResponseShare: 0.02 }), summary('nat', 1000, { balancerResponseShare: 1 })], [run('dsr', 1, 2800), run('nat', 1, 1000)]);
    expect(verdict(c)).toBe("dsr moved 2.8× nat's throughput; the balancer carried 2 % of dsr's response bytes and 100 % of nat's");
  });

  it('lists several others, keeps the base first, and writes tiny shares as <1 %', () => {
    const c = comparison(
      ['nat', 'dsr', 'tunnel'],
      [summary('nat', 1000, { balancerResponseShare: 1.03 }), summary('dsr', 2500, { balancerResponseShare: 0.001 }), summary('tunnel', 12000, { balancerResponseShare: 0.004 })],
      [],
    );
    expect(verdict(c)).toBe("nat moved 0.40× dsr's and 0.08× tunnel's throughput; the balancer carried 103 % of nat's response bytes, <1 % of dsr's and <1 % of tunnel's");
  });

  it('with one mode, gives its throughput', () => {
    const c = comparison(['nat'], [summary('nat', 940, { balancerResponseShare: 1 })], [run('nat', 1, 900), run('nat', 2, 940), run('nat', 3, 990)]);
    expect(verdict(c)).toBe("nat moved 940 Mbit/s (median of 3 runs); the balancer carried 100 % of nat's response bytes");
  });

  it('names the modes without results and why', () => {
    expect(verdict(mixed())).toBe(
      "dsr moved 2.8× nat's throughput; the balancer carried 2 % of dsr's response bytes and 100 % of nat's; no results for tunnel (all 2 runs failed: wrk exited 1: connection refused) and l7 (not run)",
    );
  });

  it('takes the first mode with numbers as the base when the first asked for has none', () => {
    const c = comparison(['tunnel', 'dsr', 'nat'], [summary('dsr', 3000, { balancerResponseShare: 0.02 }), summary('nat', 1000, { balancerResponseShare: 1 })], [failedRun('tunnel', 1, 'no route')]);
    expect(verdict(c)).toBe("dsr moved 3.0× nat's throughput; the balancer carried 2 % of dsr's response bytes and 100 % of nat's; no results for tunnel (failed: no route)");
  });

  it('handles zero throughput on either side without dividing by it', () => {
    const zeroOther = comparison(['dsr', 'nat', 'snat'], [summary('dsr', 2000, { balancerResponseShare: 0 }), summary('nat', 0, { balancerResponseShare: 0 }), summary('snat', 1000, { balancerResponseShare: 1 })], []);
    expect(verdict(zeroOther)).toBe("dsr moved 2.0× snat's throughput; nat moved nothing; the balancer carried 0 % of dsr's response bytes, 0 % of nat's and 100 % of snat's");
    const zeroBase = comparison(['dsr', 'nat'], [summary('dsr', 0), summary('nat', 1500)], []);
    expect(verdict(zeroBase)).toMatch(/^dsr moved nothing \(nat: 1\.50 Gbit\/s\)/);
    expect(verdict(zeroBase)).not.toMatch(/Infinity|NaN/);
  });

  it('leaves the direct row out of what the balancer carried', () => {
    const c = comparison(['direct', 'dsr'], [summary('direct', 4000, { balancerResponseShare: 0 }), summary('dsr', 3600, { balancerResponseShare: 0.02 })], []);
    expect(verdict(c)).toBe("direct moved 1.1× dsr's throughput; the balancer carried 2 % of dsr's response bytes");
  });

  it('says why there is nothing at all', () => {
    expect(verdict(comparison(['dsr'], [], [], { error: 'lab demo is not running', complete: false }))).toBe('No results: lab demo is not running');
    expect(verdict(comparison(['dsr', 'nat'], [], [failedRun('dsr', 1, 'boom')]))).toBe('No results: dsr (failed: boom) and nat (not run)');
  });
});

describe('the form', () => {
  it('builds the request the API accepts, modes in the order ticked', () => {
    let modes = toggleMode([], 'nat', true);
    modes = toggleMode(modes, 'dsr', true);
    modes = toggleMode(modes, 'tunnel', true);
    modes = toggleMode(modes, 'nat', false);
    expect(modes).toEqual(['dsr', 'tunnel']);
    const r = buildRequest('demo', { ...defaultForm('web'), modes, duration: '5', warmup: '0' });
    expect(r.req).toEqual({ lab: 'demo', service: 'web', modes: ['dsr', 'tunnel'], object: '1m', connections: 4, duration: 5, warmup: 0, repeat: 3 });
    // over IPv6: the request says family 6
    expect(buildRequest('demo', { ...defaultForm('web'), modes, ipv6: true }).req).toMatchObject({ modes: ['dsr', 'tunnel'], family: 6 });
  });

  it('says in one line what is wrong', () => {
    const f = { ...defaultForm('web'), modes: ['dsr' as const] };
    expect(buildRequest('demo', { ...f, modes: [] }).error).toBe('Pick at least one mode or gateway to compare.');
    expect(buildRequest('demo', { ...f, object: '/delay/20000' }).error).toMatch(/^object: delay "20000" is out of range/);
    expect(buildRequest('demo', { ...f, modes: [], gateways: ['nginx', 'apache-prefork'], keepAlive: false }).req).toMatchObject({ gateways: ['nginx', 'apache-prefork'], keepAlive: false });
    // Apache's worker limit goes with an Apache gateway only
    expect(buildRequest('demo', { ...f, modes: [], gateways: ['apache-prefork'], workers: '8' }).req).toMatchObject({ gateways: ['apache-prefork'], workers: 8 });
    expect(buildRequest('demo', { ...f, modes: [], gateways: ['nginx'], workers: '8' }).req).not.toHaveProperty('workers');
    expect(buildRequest('demo', { ...f, modes: [], gateways: ['apache-worker'], workers: '0' }).error).toMatch(/^workers: /);
    expect(buildRequest('demo', { ...f, connections: 'x' }).error).toBe('connections: must be a number');
    // hooks: the eBPF modes at each hook, in the order ticked; a gateway mode with them is refused
    expect(buildRequest('demo', { ...f, modes: ['dsr', 'nat'], hooks: ['tc', 'xdp'] }).req).toMatchObject({ modes: ['dsr', 'nat'], hooks: ['tc', 'xdp'] });
    expect(buildRequest('demo', { ...f, modes: ['dsr', 'l7'], hooks: ['xdp'] }).error).toBe('hooks: l7 does not use the eBPF core: compare dsr, tunnel, nat or snat across hooks.');
    expect(buildRequest('demo', { ...f, duration: '' }).error).toBe('duration: must be a number');
    expect(buildRequest('demo', { ...f, repeat: '1.5' }).error).toMatch(/^repetitions: /);
    expect(buildRequest('demo', { ...f, warmup: '-1' }).error).toMatch(/^warm-up: /);
  });

  it('ticks the current mode and one whose responses take the other path', () => {
    const all = (['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7', 'direct', 'kernel-nat'] as const).map((mode) => ({ mode, ok: mode !== 'l7' }));
    expect(defaultModes('dsr', all)).toEqual(['dsr', 'nat']);
    expect(defaultModes('snat', all)).toEqual(['snat', 'dsr']);
    expect(defaultModes('l7', all)).toEqual(['dsr', 'nat']);
    expect(defaultModes('nat', all.map((a) => ({ ...a, ok: a.mode === 'nat' || a.mode === 'direct' })))).toEqual(['nat']);
    expect(defaultModes('dsr', [])).toEqual([]);
  });

  it('words the progress', () => {
    expect(progressText({ phase: 'measuring', mode: 'nat', repetition: 2, done: 3, total: 9, secondsLeft: 95 })).toBe('measuring nat · run 4/9 · 1 min 35 s left');
    expect(progressText({ phase: 'warmup', mode: 'kernel-nat', repetition: 1, done: 0, total: 2, secondsLeft: 20 })).toBe('warming up kernel-nat · run 1/2 · 20 s left');
    expect(progressText({ phase: 'restoring', mode: 'dsr', repetition: 3, done: 9, total: 9, secondsLeft: 0 })).toBe('restoring dsr · run 9/9 · 0 s left');
  });
});
