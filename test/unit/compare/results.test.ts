// Counters, summaries, CSV and the saved comparisons.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CompareRun, Comparison } from '../../../electron/api';
import { backendShares, counterAt, delta, parseSnapshots, REQUEST_LOG, samplerScript, stopSamplersScript } from '../../../electron/engine/compare/counters';
import { comparisonToCsv, csvField } from '../../../electron/engine/compare/csv';
import { ComparisonStore, dataDir, newComparisonId } from '../../../electron/engine/compare/store';
import { programFigures, programStatsScript } from '../../../electron/engine/compare/program';
import { balancerResponseShare, median, relativeSpread, roundRatio, spread, summarize } from '../../../electron/engine/compare/summary';

const run = (mode: CompareRun['mode'], repetition: number, mbps: number, extra: Partial<CompareRun> = {}): CompareRun => ({
  mode,
  repetition,
  throughputMbps: mbps,
  requestsPerSec: mbps * 10,
  latencyMs: { p50: 1, p90: 2, p99: 3 + repetition },
  errors: 1,
  backendShares: { web1: 0.5, web2: 0.5 },
  balancerBytes: { eth0: { rx: 10, tx: 100 }, eth1: { rx: 100, tx: 10 } },
  responseBytes: 100,
  balancerCpuSeconds: 0.5,
  ...extra,
});

describe('counters', () => {
  const text = 't 12345.67\nnet eth0 100 200\nnet eth1@if7 5 6\ncpu 2500000\nreq 4000\n--\nt 12346.67\nnet eth0 1100 2200\nnet eth1 5 6\ncpu 3000000\nreq 1000\n--\nt 12347';
  it('parses complete blocks only; uptime in ms; cgroup v2 µs and v1 ns; requests are half the log size', () => {
    const [a, b, ...rest] = parseSnapshots(text);
    expect(rest).toEqual([]);
    expect(a).toEqual({ at: 12345670, net: { eth0: { rx: 100, tx: 200 }, eth1: { rx: 5, tx: 6 } }, cpuSeconds: 2.5, requests: 2000 });
    expect(b.at).toBe(12346670);
    expect(parseSnapshots('cpuns 1500000000\n--\n')[0].cpuSeconds).toBe(1.5);
    expect(parseSnapshots('sh: 1: cat: not found\n')).toEqual([]);
  });

  it('counters at an instant: interpolated between the snapshots around it, clamped at the ends', () => {
    const s = parseSnapshots('t 10.00\nnet eth0 0 1000\ncpu 0\n--\nt 11.00\nnet eth0 100 2000\ncpu 1000000\n--\nt 12.00\nnet eth0 300 2000\ncpu 1000000\n--\n');
    expect(counterAt(s, 10_500)).toEqual({ at: 10_500, net: { eth0: { rx: 50, tx: 1500 } }, cpuSeconds: 0.5, requests: undefined });
    expect(counterAt(s, 11_250).net.eth0.rx).toBeCloseTo(150);
    expect(counterAt(s, 9_000)).toEqual(s[0]);
    expect(counterAt(s, 13_000)).toEqual(s[2]);
    expect(() => counterAt([], 1)).toThrow('no timed snapshot');
    // a counter reset between two snapshots (the request log emptied) does not interpolate backwards
    const r = parseSnapshots('t 1.00\nreq 1000\n--\nt 2.00\nreq 10\n--\n');
    expect(counterAt(r, 1_500).requests).toBe(5);
  });

  it('delta: a counter that went back (the request log is emptied each run) counts from zero', () => {
    const [a, b] = parseSnapshots(text);
    expect(delta(a, b)).toEqual({ net: { eth0: { rx: 1000, tx: 2000 }, eth1: { rx: 0, tx: 0 } }, cpuSeconds: 0.5, requests: 500 });
    expect(delta({ net: {} }, { net: {} })).toEqual({ net: {}, cpuSeconds: undefined, requests: undefined });
  });

  it('shares: by counted requests, else by bytes sent', () => {
    expect(backendShares({ a: { net: {}, requests: 300 }, b: { net: {}, requests: 100 } })).toEqual({ a: 0.75, b: 0.25 });
    expect(backendShares({ a: { net: { eth0: { rx: 0, tx: 10 } } }, b: { net: { eth0: { rx: 0, tx: 30 } }, requests: 5 } })).toEqual({ a: 0.25, b: 0.75 });
    expect(backendShares({ a: { net: {}, requests: 0 } })).toEqual({ a: 0 });
  });

  it('the sampler: runs while its file exists (bounded), empties the request log, reads with builtins only', () => {
    const s = samplerScript('c1-3', 0.25, 7);
    expect(s.split('\n')[0]).toBe(': > /tmp/lblab-sampler-c1-3.run');
    expect(s).toContain(`: > ${REQUEST_LOG}`);
    expect(s).toContain('while [ -e /tmp/lblab-sampler-c1-3.run ] && [ $i -lt 7 ]; do');
    expect(s).toContain('sleep 0.25');
    expect(s).not.toMatch(/\bcat\b|\bdate\b|\bawk\b/); // no process per snapshot but sleep (and stat on servers)
    expect(stopSamplersScript('c1-3')).toBe('rm -f /tmp/lblab-sampler-c1-3.run; true');
    expect(stopSamplersScript('c1-*')).toBe('rm -f /tmp/lblab-sampler-c1-*.run; true');
  });

  it('the sampler script runs in a POSIX shell and prints parseable snapshots', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('sh', ['-c', samplerScript(`unit-${process.pid}`, 0.01, 2)], { encoding: 'utf8' });
    const snaps = parseSnapshots(out);
    expect(snaps).toHaveLength(2);
    expect(snaps[1].at! - snaps[0].at!).toBeGreaterThanOrEqual(0);
    expect(Object.keys(snaps[0].net).length).toBeGreaterThan(0);
    fs.rmSync(`/tmp/lblab-sampler-unit-${process.pid}.run`, { force: true });
  });
});

describe('summary', () => {
  it('median, spread', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBe(0);
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(relativeSpread({ median: 100, min: 90, max: 120 })).toBeCloseTo(0.3);
  });

  it('per mode in the order asked, failed runs left out, a mode without numbers omitted', () => {
    const runs = [run('nat', 1, 90), run('dsr', 1, 300), run('nat', 2, 100), run('dsr', 2, 280), run('nat', 3, 0, { error: 'wrk died' }), run('direct', 1, 0, { error: 'x' })];
    const s = summarize(['dsr', 'nat', 'direct'], runs);
    expect(s.map((x) => x.mode)).toEqual(['dsr', 'nat']);
    expect(s[0].throughputMbps).toEqual({ median: 290, min: 280, max: 300 });
    expect(s[1].requestsPerSec).toEqual({ median: 950, min: 900, max: 1000 });
    expect(s[1].latencyMs).toEqual({ p50: 1, p90: 2, p99: 4.5 });
    expect(s[1].errors).toBe(2);
    expect(s[1].balancerResponseShare).toBeCloseTo(110 / 100);
  });

  it('balancer share: the balancer\'s tx over the clients\' rx, over all runs', () => {
    expect(balancerResponseShare([run('dsr', 1, 1, { balancerBytes: { eth0: { rx: 0, tx: 1 } }, responseBytes: 100 }), run('dsr', 2, 1, { balancerBytes: { eth0: { rx: 0, tx: 3 } }, responseBytes: 300 })])).toBeCloseTo(0.01);
    expect(balancerResponseShare([run('dsr', 1, 1, { responseBytes: 0 })])).toBe(0);
  });

  it('per-round ratios', () => {
    const runs = [run('dsr', 1, 90), run('direct', 1, 100), run('dsr', 2, 50), run('direct', 2, 100), run('dsr', 3, 100), run('direct', 3, 100)];
    expect(roundRatio(runs, 'dsr', 'direct')).toBeCloseTo(0.9);
    expect(roundRatio(runs, 'nat', 'direct')).toBeUndefined();
  });
});

const comparison = (id: string, startedAt: string, runs: CompareRun[] = [run('dsr', 1, 100)]): Comparison => ({
  id,
  lab: 'lab1',
  service: 'web',
  complete: true,
  startedAt,
  environment: { kernel: 'k', docker: 'd', cpuModel: 'c', cpus: 2, loadBefore: [1], loadAfter: [2], linkRates: {}, offloads: {} },
  workload: { modes: ['dsr'], object: '1m', connections: 12, duration: 5, warmup: 1, repeat: 1, clients: ['client1'] },
  summary: summarize(['dsr'], runs),
  runs,
});

describe('CSV', () => {
  it('a header, one row per run; backends and interfaces as columns; quoting', () => {
    const c = comparison('c1', '2026-01-01T00:00:00.000Z', [
      run('dsr', 1, 123.456789, { backendShares: { web2: 0.25, web10: 0.75 } }),
      run('nat', 1, 0, { error: 'wrk printed no result: "x", y', backendShares: {}, balancerBytes: {} }),
    ]);
    const lines = comparisonToCsv(c).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'comparison,lab,service,mode,repetition,object,connections,duration_s,throughput_mbps,requests_per_sec,latency_p50_ms,latency_p90_ms,latency_p99_ms,errors,' +
        'response_bytes,balancer_cpu_seconds,share_web2,share_web10,eth0_rx_bytes,eth0_tx_bytes,eth1_rx_bytes,eth1_tx_bytes,error',
    );
    expect(lines[1]).toBe('c1,lab1,web,dsr,1,1m,12,5,123.456789,1234.56789,1,2,4,1,100,0.5,0.25,0.75,10,100,100,10,');
    expect(lines[2].endsWith(',,,,,,,"wrk printed no result: ""x"", y"')).toBe(true);
    expect(csvField(Number.NaN)).toBe('');
  });
});

describe('store', () => {
  let dir: string;
  const before = process.env.LBLAB_DATA_DIR;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-store-'));
    process.env.LBLAB_DATA_DIR = dir;
  });
  afterEach(() => {
    if (before === undefined) delete process.env.LBLAB_DATA_DIR;
    else process.env.LBLAB_DATA_DIR = before;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the data folder: LBLAB_DATA_DIR, then the given folder, then XDG', () => {
    expect(dataDir('/given')).toBe(dir);
    delete process.env.LBLAB_DATA_DIR;
    expect(dataDir('/given')).toBe('/given');
    if (process.platform === 'linux') {
      const xdg = process.env.XDG_DATA_HOME;
      process.env.XDG_DATA_HOME = '/xdg';
      expect(dataDir()).toBe('/xdg/lblab');
      delete process.env.XDG_DATA_HOME;
      expect(dataDir()).toBe(path.join(os.homedir(), '.local/share/lblab'));
      if (xdg !== undefined) process.env.XDG_DATA_HOME = xdg;
    }
  });

  it('saves, lists newest first, loads; skips foreign files; unknown ids are not found', () => {
    const s = new ComparisonStore();
    expect(s.list()).toEqual([]);
    s.save(comparison('a', '2026-01-01T00:00:00.000Z'));
    s.save({ ...comparison('b', '2026-01-02T00:00:00.000Z'), complete: false });
    fs.writeFileSync(path.join(dir, 'comparisons', 'junk.json'), '{"not": "a comparison"}');
    fs.writeFileSync(path.join(dir, 'comparisons', 'broken.json'), '{');
    expect(s.list()).toEqual([
      { id: 'b', lab: 'lab1', service: 'web', startedAt: '2026-01-02T00:00:00.000Z', complete: false, modes: ['dsr'] },
      { id: 'a', lab: 'lab1', service: 'web', startedAt: '2026-01-01T00:00:00.000Z', complete: true, modes: ['dsr'] },
    ]);
    expect(s.load('a')).toEqual(comparison('a', '2026-01-01T00:00:00.000Z'));
    expect(() => s.load('nope')).toThrow(/^no comparison nope/);
    expect(() => s.load('../etc/passwd')).toThrow(/is not a comparison id/);
    expect(() => s.load('broken')).toThrow(/is not JSON/);
    expect(fs.readdirSync(path.join(dir, 'comparisons')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ids sort by time and are valid ids', () => {
    const id = newComparisonId('lab1', new Date('2026-11-27T10:15:00.123Z'), () => 'ab12');
    expect(id).toBe('20261127T101500Z-lab1-ab12');
  });
});

describe("the balancer's eBPF program in the counters", () => {
  it('prog lines (one per program held) add up; a snapshot without any has none', () => {
    const [a, b] = parseSnapshots('t 10.00\nprog 7 1000 10\nprog 9 500 5\n--\nt 11.00\n--\n');
    expect(a.program).toEqual({ runTimeNs: 1500, runs: 15 });
    expect(b.program).toBeUndefined();
    expect(parseSnapshots('prog 7 x 10\nprog 7 10\n--\n')[0].program).toBeUndefined();
  });

  it('interpolated at the window, and its delta in seconds and packets; absent unless held at both ends', () => {
    const s = parseSnapshots('t 10.00\nprog 7 0 0\n--\nt 11.00\nprog 7 2000000 10000\n--\nt 12.00\nprog 7 4000000 20000\n--\n');
    const d = delta(counterAt(s, 10_500), counterAt(s, 11_500));
    expect(d.program!.seconds).toBeCloseTo(0.002, 9);
    expect(d.program!.packets).toBe(10_000);
    expect(delta({ net: {} }, { net: {}, program: { runTimeNs: 5, runs: 1 } }).program).toBeUndefined();
  });

  it('a window that starts before the statistics came on has none (they missed part of it)', () => {
    const s = parseSnapshots('t 10.00\n--\nt 11.00\nprog 7 2000000 10000\n--\nt 12.00\nprog 7 4000000 20000\n--\n');
    expect(counterAt(s, 10_500).program).toBeUndefined();
    expect(delta(counterAt(s, 10_500), counterAt(s, 11_500)).program).toBeUndefined();
    expect(delta(counterAt(s, 11_000), counterAt(s, 11_500)).program!.packets).toBe(5_000);
  });

  it('figures per run: CPU seconds, packets, ns per packet (0 when it saw none)', () => {
    expect(programFigures(0.0123456789, 41_000)).toEqual({ cpuSeconds: 0.012346, packets: 41_000, nsPerPacket: 301.1 });
    expect(programFigures(0, 0)).toEqual({ cpuSeconds: 0, packets: 0, nsPerPacket: 0 });
    expect(programStatsScript(true, 33.4)).toBe('lbagent prog-stats on 33');
    expect(programStatsScript(false)).toBe('lbagent prog-stats off');
  });

  it('the sampler reads the holder\'s fdinfo on the balancer only', () => {
    expect(samplerScript('t', 0.25, 10, { program: true })).toContain('/run/lblab/prog-stats.pid');
    expect(samplerScript('t', 0.25, 10)).not.toContain('prog-stats');
  });

  it('CSV: the program columns when a run measured it', () => {
    const at0 = '2026-01-01T00:00:00.000Z';
    const csv = comparisonToCsv(comparison('c1', at0, [run('dsr', 1, 100, { program: { cpuSeconds: 0.5, packets: 1000, nsPerPacket: 500000 } })]));
    const [head, row] = csv.trim().split('\n').map((l) => l.split(','));
    const at = head.indexOf('program_cpu_seconds');
    expect(head.slice(at, at + 3)).toEqual(['program_cpu_seconds', 'program_packets', 'program_ns_per_packet']);
    expect(row.slice(at, at + 3)).toEqual(['0.5', '1000', '500000']);
    expect(comparisonToCsv(comparison('c1', at0))).not.toContain('program_');
  });
});
