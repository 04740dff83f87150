// `lblab compare` output: the progress step and the final table.
import { describe, expect, it } from 'vitest';
import type { CompareRun, Comparison } from '../../../electron/api';
import { duration, formatComparison, programCells, progressStep } from '../../../electron/cli/compare-format';
import { summarize, summarizeHooks } from '../../../electron/engine/compare/summary';

const run = (mode: CompareRun['mode'], repetition: number, mbps: number, lbTx: number, error?: string): CompareRun => ({
  mode,
  repetition,
  throughputMbps: mbps,
  requestsPerSec: mbps / 8,
  latencyMs: { p50: 12.5, p90: 20, p99: 40 },
  errors: 0,
  backendShares: {},
  balancerBytes: { eth0: { rx: 0, tx: lbTx } },
  responseBytes: 1000,
  balancerCpuSeconds: 0.1,
  ...(error ? { error } : {}),
});

function comparison(runs: CompareRun[], extra: Partial<Comparison> = {}): Comparison {
  const modes = [...new Set(runs.map((r) => r.mode))];
  return {
    id: 'c1',
    lab: 'dvn',
    service: 'web',
    complete: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    environment: { kernel: '6.1.0', docker: '20.10.24', cpuModel: 'Test CPU', cpus: 2, loadBefore: [1.2, 1, 1], loadAfter: [2.5, 1, 1], linkRates: { 'lb:front': '100mbit' }, offloads: {} },
    workload: { modes, object: '1m', connections: 24, duration: 5, warmup: 1, repeat: 2, clients: ['client1', 'client2'] },
    summary: summarize(modes, runs),
    runs,
    ...extra,
  };
}

describe('compare output', () => {
  it('durations and progress steps', () => {
    expect(duration(9.4)).toBe('9s');
    expect(duration(75)).toBe('1m15s');
    const e = { type: 'compare-progress' as const, id: 'c1', mode: 'nat' as const, repetition: 2, done: 3, total: 6, phase: 'measuring' as const, secondsLeft: 64 };
    expect(progressStep(e, 3, true)).toBe('nat, round 2/3: measuring, 1m04s left');
    expect(progressStep(e, 3, false)).toBe('nat, round 2/3: measuring');
    expect(progressStep({ ...e, phase: 'restoring' }, 3, true)).toBe('restoring the lab');
  });

  it('a table: medians and ranges, latency, errors, the balancer\'s share, the ratio to the first mode', () => {
    const text = formatComparison(comparison([run('dsr', 1, 280, 10), run('nat', 1, 95, 1040), run('nat', 2, 96, 1000), run('dsr', 2, 290, 20)]));
    const lines = text.split('\n');
    expect(lines[0]).toBe('dvn/web: 1m from client1, client2 with 24 connections; 2 × 5 s per mode after 1 s warm-up, rotating rounds; complete');
    expect(lines[1].split(/\s{2,}/)).toEqual(['mode', 'Mbit/s', 'min–max', 'req/s', 'min–max', 'p50 ms', 'p99 ms', 'errors', 'via lb', '× dsr']);
    expect(lines[2].split(/\s{2,}/)).toEqual(['dsr', '285', '280–290', '35.6', '35.0–36.3', '12.5', '40.0', '0', '2%', '1.00']);
    expect(lines[3].split(/\s{2,}/)).toEqual(['nat', '95.5', '95.0–96.0', '11.9', '11.9–12.0', '12.5', '40.0', '0', '102%', '0.34']);
    expect(lines.at(-1)).toMatch(/^via lb: .*Host: 2 × Test CPU, kernel 6\.1\.0, Docker 20\.10\.24, load 1\.2 → 2\.5; shaped links: lb:front 100mbit$/);
  });

  it('the host line says whether offload was on', () => {
    const base = comparison([run('dsr', 1, 280, 10)]);
    const host = (environment: Partial<Comparison['environment']>) => formatComparison({ ...base, environment: { ...base.environment, ...environment } }).split('\n').at(-1);
    expect(host({ offload: true })).toMatch(/load 1\.2 → 2\.5, offload on; shaped links/);
    expect(host({ offload: false })).toMatch(/load 1\.2 → 2\.5, offload off; shaped links/);
    expect(host({ offloads: { eth0: { 'tx-checksumming': 'on' } } })).toMatch(/, offload on;/);
    expect(host({})).not.toMatch(/offload/);
  });

  it('a mode whose runs all failed, and an incomplete comparison, say so', () => {
    const text = formatComparison(
      comparison([run('dsr', 1, 280, 10), run('kernel-nat', 1, 0, 0, 'client1: wrk printed no result')], { complete: false, error: 'cancelled' }),
    );
    expect(text.split('\n')[0]).toMatch(/; incomplete \(cancelled\)$/);
    expect(text).toMatch(/^kernel-nat {2}failed: client1: wrk printed no result$/m);
    expect(text).toContain('1 of 2 runs failed; first: kernel-nat round 1: client1: wrk printed no result');
  });
});

describe('compare output across hooks', () => {
  it("the eBPF program's CPU, ns per packet and packets per mode and hook; blank where not measured; no container CPU", () => {
    const prog = (cpuSeconds: number, packets: number) => ({ program: { cpuSeconds, packets, nsPerPacket: Math.round((cpuSeconds * 1e10) / packets) / 10 } });
    const runs = [
      { ...run('nat', 1, 300, 10), hook: 'tc' as const, ...prog(0.25, 1_000_000) },
      { ...run('nat', 1, 320, 10), hook: 'xdp' as const, ...prog(0.1, 1_000_000) },
      { ...run('dsr', 1, 400, 10), hook: 'tc' as const },
    ];
    const c = comparison(runs);
    c.workload = { ...c.workload, modes: ['nat', 'dsr'], hooks: ['tc', 'xdp'], duration: 5 };
    c.summary = summarizeHooks(['nat', 'dsr'], ['tc', 'xdp'], runs, 5);
    const lines = formatComparison(c).split('\n');
    expect(lines[1].split(/\s{2,}/)).toEqual(['mode', 'hook', 'Mbit/s', 'min–max', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'prog CPU', 'ns/pkt', 'packets', '× tc']);
    expect(lines[2].split(/\s{2,}/)).toEqual(['nat', 'tc', '300', '300–300', '37.5', '12.5', '40.0', '0', '0.050', '250', '1000000', '1.00']);
    expect(lines[3].split(/\s{2,}/)).toEqual(['nat', 'xdp', '320', '320–320', '40.0', '12.5', '40.0', '0', '0.020', '100', '1000000', '1.07']);
    expect(lines[4].split(/\s+/).slice(8)).toEqual(['1.00']);
    expect(lines[5]).toMatch(/^dsr at xdp\s+not run$/);
    expect(formatComparison(c)).toMatch(/prog CPU: CPUs the balancer's eBPF program used .*not the driver or stack around it/);
    expect(programCells({ cpu: 0.25, nsPerPacket: 42.34, packets: 9 })).toEqual(['0.25', '42.3', '9']);
  });
});
