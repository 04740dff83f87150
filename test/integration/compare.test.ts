// Comparisons on a real lab (labs/dsr-vs-nat: the balancer's and each
// server's link at R = 100 Mbit/s, a router for the direct return path):
//   the physics   dsr/tunnel responses leave on the three server links (≥ 2R
//                 together, the balancer carries almost none of them); nat/snat
//                 responses all cross the balancer's link (≤ R); maglev spreads
//                 the requests evenly where the servers' links are the limit
//   the restore   a comparison cancelled mid-run, or whose wrk is killed, leaves
//                 the service in its own mode, no nftables rules of ours, our
//                 program attached on every balancer interface
//   the CLI       --json parses with the fixed keys; bad input is one line
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison, LabEvent, LabStatus } from '../../electron/api';
import type { LabService } from '../../electron/api/host';
import { createLabEngine } from '../../electron/engine/lab-engine';
import { lblab, lblabChild, LAB_PREFIX, nodeSh, rewriteLab, ROOT, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}cmp`;
const R = 100; // Mbit/s, the rate of the lab's shaped links
const DATA = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-cmp-data-'));
let engine: LabService;
const events: LabEvent[] = [];

beforeAll(async () => {
  process.env.LBLAB_DATA_DIR = DATA;
  const { file } = rewriteLab(path.join(ROOT, 'labs/dsr-vs-nat.lab.yaml'), LAB, tmpDir(), 200);
  const r = await lblab(['up', file]);
  expect(r.code, r.stderr).toBe(0);
  engine = createLabEngine();
  engine.subscribe((e) => events.push(e));
});

afterAll(async () => {
  await engine?.close();
  await lblab(['down', LAB]);
  delete process.env.LBLAB_DATA_DIR;
  fs.rmSync(DATA, { recursive: true, force: true });
});

const sh = (node: string, script: string) => nodeSh(LAB, node, script);

/** The lab as deployed: dsr, no nftables table of ours, our program on every balancer interface. */
async function expectRestored() {
  const st: LabStatus = await engine.status(LAB);
  expect(st.services[0].mode).toBe('dsr');
  expect(await sh('lb', 'nft list ruleset')).not.toMatch(/lblab_compare|dnat to/);
  const ifaces = st.nodes.find((n) => n.name === 'lb')!.interfaces.map((i) => i.name);
  expect(ifaces.length).toBe(2);
  for (const dev of ifaces) expect(await sh('lb', `tc filter show dev ${dev} ingress`), dev).toMatch(/pref 100 bpf .*lb_ingress/);
  // no wrk of ours left running in the clients
  for (const c of ['client1', 'client2']) expect(await sh(c, 'pgrep -x wrk || true'), c).toBe('');
  // the program statistics let go: no holder, so the kernel counts no more
  expect((await sh('lb', 'test -e /run/lblab/prog-stats.pid && echo held || echo none')).trim()).toBe('none');
  // the core back at its own hook
  for (const dev of ifaces) expect(await sh('lb', `ip -d link show dev ${dev}`), dev).not.toMatch(/prog\/xdp/);
}

/** A run's program figures, in range: every request of its `seconds` is several packets through the program (in dsr
 * and tunnel the client's direction only); per packet more than a few instructions, less than a scheduler tick. */
function expectProgram(r: Comparison['runs'][number], label: string, seconds: number) {
  const p = r.program;
  expect(p, label).toBeDefined();
  console.log(`${label}: program ${p!.cpuSeconds} s, ${p!.packets} packets, ${p!.nsPerPacket} ns/packet`);
  expect(p!.cpuSeconds, label).toBeGreaterThan(0);
  expect(p!.packets, label).toBeGreaterThanOrEqual(r.requestsPerSec * seconds);
  expect(p!.nsPerPacket, label).toBeGreaterThan(10);
  expect(p!.nsPerPacket, label).toBeLessThan(100_000);
}

/** Resolve when a run of `mode` has been measuring for `afterMs`. */
function whenMeasuring(id: string, mode: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (events.some((e) => e.type === 'compare-progress' && e.id === id && e.mode === mode && e.phase === 'measuring')) {
        clearInterval(t);
        setTimeout(resolve, afterMs);
      }
    }, 50);
  });
}

describe.sequential('comparisons on a live lab', () => {
  it('the physics: dsr/tunnel ≥ 2R with little through the balancer; nat/snat ≤ R with everything through it', async () => {
    const avail = await engine.compareModes(LAB, 'web');
    expect(avail.filter((a) => !a.ok)).toEqual([]);
    const { id } = await engine.startCompare({ lab: LAB, modes: ['dsr', 'nat', 'tunnel', 'snat'], connections: 24, duration: 5, warmup: 1, repeat: 1 });
    const c: Comparison = await engine.compareDone(id);
    expect(c.error).toBeUndefined();
    expect(c.complete).toBe(true);
    const run = (m: string) => c.runs.find((r) => r.mode === m)!;
    const share = (m: string) => c.summary.find((s) => s.mode === m)!.balancerResponseShare;
    console.log(
      c.runs
        .map((r) => `${r.mode}: ${r.throughputMbps.toFixed(1)} Mbit/s, ${r.requestsPerSec.toFixed(1)} req/s, via lb ${(share(r.mode) * 100).toFixed(1)}%, shares ${Object.values(r.backendShares).map((x) => x.toFixed(2)).join('/')}`)
        .join('\n'),
    );
    expect(run('dsr').throughputMbps).toBeGreaterThanOrEqual(2 * R);
    expect(run('tunnel').throughputMbps).toBeGreaterThanOrEqual(2 * R);
    expect(run('nat').throughputMbps).toBeLessThanOrEqual(1.1 * R);
    expect(run('snat').throughputMbps).toBeLessThanOrEqual(1.1 * R);
    for (const m of ['dsr', 'tunnel']) expect(share(m), m).toBeLessThan(0.05);
    for (const m of ['nat', 'snat']) expect(share(m), m).toBeGreaterThan(0.9);
    // maglev where each server's own link is the limit: every backend near a third of the requests
    for (const m of ['dsr', 'tunnel']) {
      const shares = run(m).backendShares;
      expect(Object.keys(shares).sort()).toEqual(['web1', 'web2', 'web3']);
      for (const [b, s] of Object.entries(shares)) {
        expect(s * 3, `${m} ${b}`).toBeGreaterThanOrEqual(0.75);
        expect(s * 3, `${m} ${b}`).toBeLessThanOrEqual(1.25);
      }
    }
    for (const r of c.runs) {
      expect(r.errors, r.mode).toBe(0);
      expect(r.latencyMs.p99, r.mode).toBeGreaterThan(0);
      expect(r.balancerCpuSeconds, r.mode).toBeGreaterThan(0);
      // the program's own time, counted by the kernel while the run measured: every request is several packets
      // through it (in dsr and tunnel only the client's direction); per packet more than a few instructions and
      // less than a scheduler tick
      expectProgram(r, r.mode, 5);
    }
    expect(c.environment.linkRates).toMatchObject({ 'lb:front': '100mbit', 'web1:back': '100mbit' });
    expect(Object.keys(c.environment.offloads).length).toBe(2);
    // a live series while measuring, progress, the end; saved, listed, CSV
    const samples = events.filter((e) => e.type === 'compare-sample' && e.id === id);
    expect(samples.length).toBeGreaterThanOrEqual(3 * 4);
    expect(samples.some((e) => e.type === 'compare-sample' && e.mode === 'dsr' && e.throughputMbps > 1.5 * R)).toBe(true);
    expect(events.filter((e) => e.type === 'compare-end' && e.id === id)).toEqual([{ type: 'compare-end', id, complete: true }]);
    expect((await engine.listComparisons()).map((x) => x.id)).toContain(id);
    expect(await engine.getComparison(id)).toEqual(c);
    expect((await engine.comparisonCsv(id)).trim().split('\n')).toHaveLength(5);
    await expectRestored();
  });

  it("the program's statistics follow the switches: held in nat at tc and at XDP, none in l4proxy; let go at the end", async () => {
    const hooks = await engine.startCompare({ lab: LAB, modes: ['nat'], hooks: ['tc', 'xdp'], connections: 6, duration: 3, warmup: 1, repeat: 1, object: '100k' });
    const h = await engine.compareDone(hooks.id);
    expect(h.error).toBeUndefined();
    expect(h.runs.map((r) => `${r.mode}@${r.hook}:${r.errors}`)).toEqual(['nat@tc:0', 'nat@xdp:0']);
    for (const r of h.runs) expectProgram(r, `${r.mode}@${r.hook}`, 3);
    await expectRestored();
    const proxy = await engine.startCompare({ lab: LAB, modes: ['nat', 'l4proxy'], connections: 6, duration: 3, warmup: 1, repeat: 1, object: '100k' });
    const c = await engine.compareDone(proxy.id);
    expect(c.error).toBeUndefined();
    expect(c.runs.map((r) => `${r.mode}:${r.errors}`)).toEqual(['nat:0', 'l4proxy:0']);
    expectProgram(c.runs[0], 'nat', 3);
    // no program sees a proxy's traffic: no figures rather than a count of nothing
    expect(c.runs[1].program).toBeUndefined();
    await expectRestored();
  });

  it('cancelled mid-run (nat): the lab is put back, the comparison is kept incomplete', async () => {
    const { id } = await engine.startCompare({ lab: LAB, modes: ['nat', 'kernel-nat'], connections: 6, duration: 30, warmup: 0, repeat: 1, object: '100k' });
    // nat's run takes 30 s: cancel in it; a cancel in kernel-nat is below
    await whenMeasuring(id, 'nat', 1000);
    const t = Date.now();
    await engine.cancelCompare(id);
    const c = await engine.getComparison(id);
    expect(Date.now() - t).toBeLessThan(15_000);
    expect(c).toMatchObject({ complete: false, error: 'cancelled', runs: [] });
    await expectRestored();
  });

  it('cancelled while kernel-nat measures: nftables removed, our program attached again', async () => {
    const { id } = await engine.startCompare({ lab: LAB, modes: ['kernel-nat'], connections: 6, duration: 30, warmup: 0, repeat: 1 });
    await whenMeasuring(id, 'kernel-nat', 1000);
    // the swap is in place while it measures
    expect(await sh('lb', 'nft list table ip lblab_compare')).toMatch(/dnat to/);
    const t = Date.now();
    const cancelled = engine.cancelCompare(id);
    // wrk stops within 2 s (the restore then takes its own time)
    const wrkLeft = async () => (await Promise.all(['client1', 'client2'].map(async (cl) => ((await sh(cl, 'pgrep -x wrk || true')) ? [cl] : [])))).flat();
    let left: string[];
    for (;;) {
      const asked = Date.now();
      left = await wrkLeft();
      if (!left.length || asked - t >= 2000) break;
    }
    expect(left, 'clients still running wrk 2 s after the cancel').toEqual([]);
    await cancelled;
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(await engine.getComparison(id)).toMatchObject({ complete: false, error: 'cancelled' });
    await expectRestored();
  });

  it('wrk killed in a client mid-run: that run fails, the next one runs, the lab is put back', async () => {
    const { id } = await engine.startCompare({ lab: LAB, modes: ['kernel-nat', 'dsr'], connections: 6, duration: 8, warmup: 0, repeat: 1 });
    await whenMeasuring(id, 'kernel-nat', 1500);
    await sh('client1', 'pkill -x wrk');
    const c = await engine.compareDone(id);
    expect(c.runs.map((r) => r.mode)).toEqual(['kernel-nat', 'dsr']);
    expect(c.runs[0].error).toMatch(/^client1: wrk printed no result/);
    expect(c.runs[1].error).toBeUndefined();
    expect(c.runs[1].throughputMbps).toBeGreaterThan(0);
    await expectRestored();
  });

  it('the CLI: --json has the fixed keys; bad input is one line and changes nothing', async () => {
    const r = await lblab(['compare', LAB, '--modes', 'dsr,nat', '--duration', '2', '--warmup', '0', '--repeat', '1', '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Comparison;
    expect(Object.keys(c).sort()).toEqual(['complete', 'environment', 'finishedAt', 'id', 'lab', 'runs', 'service', 'startedAt', 'summary', 'workload'].sort());
    expect(c.runs.map((x) => x.mode)).toEqual(['dsr', 'nat']);
    expect(Object.keys(c.runs[0]).sort()).toEqual(
      ['mode', 'repetition', 'throughputMbps', 'requestsPerSec', 'latencyMs', 'errors', 'backendShares', 'balancerBytes', 'responseBytes', 'balancerCpuSeconds', 'program'].sort(),
    );
    expect(Object.keys(c.summary[0]).sort()).toEqual(['mode', 'throughputMbps', 'requestsPerSec', 'latencyMs', 'errors', 'balancerResponseShare'].sort());

    const bad = await lblab(['compare', LAB, '--duration', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toEqual(['lblab: duration must be 1–600 seconds (got 0)']);
    const nat = await lblab(['compare', LAB, '--modes', 'dsr', '--service', 'nope']);
    expect(nat.stderr.trim()).toBe(`lblab: lab ${LAB} has no service nope (services: web)`);
    await expectRestored();
  });

  it('the CLI: Ctrl-C cancels, puts the lab back, exits 130', async () => {
    const p = lblabChild(['compare', LAB, '--modes', 'kernel-nat', '--duration', '30', '--warmup', '0', '--repeat', '1']);
    let stderr = '';
    p.stderr.on('data', (b) => (stderr += b));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => stderr.includes('kernel-nat, round 1/1: measuring') && (clearInterval(t), resolve()), 100);
    });
    await new Promise((r) => setTimeout(r, 1000));
    p.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('cancelling the comparison');
    await expectRestored();
  });
});
