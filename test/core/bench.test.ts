// bench:core must keep working: run it as users do (a subprocess, so tests
// never import bench/), with few repeats: every row's program must give the
// verdict its packet should get (the bench exits non-zero otherwise, or on
// any drop, or when a Katran wrapped run saw a changed frame or returned
// anything but XDP_TX), and both tables must name every mode with sane
// numbers. This checks the bench, not the times.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, skipReason } from '../support/bpf/harness';
import { katranMissing } from '../support/bpf/katran';
import { skipIf } from '../support/skip';

const skip = skipReason();

interface Row { name: string; hook: string; ns: number; bare: number; pass: number; work: number }

/** A table's rows: a 24-column name, then hook, ns/pkt, wrapper, bare, pass, work, × pass. */
function parseTable(out: string, title: RegExp): Row[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => title.test(l));
  expect(start, `no ${title} in:\n${out}`).toBeGreaterThanOrEqual(0);
  expect(lines[start + 1]).toMatch(/^mode\s+hook\s+ns\/pkt\s+wrapper\s+bare\s+pass\s+work\s+× pass/);
  const rows: Row[] = [];
  for (const l of lines.slice(start + 2)) {
    if (!/^\S.{23}\s*(tc|xdp)\s/.test(l)) break;
    const [hook, ns, , bare, pass, work] = l.slice(24).trim().split(/\s+/);
    rows.push({ name: l.slice(0, 24).trim(), hook, ns: Number(ns), bare: Number(bare), pass: Number(pass), work: Number(work) });
  }
  return rows;
}

describe('bench:core', skipIf(skip), () => {
  it('runs every row with the expected verdicts and prints both tables and the peer line', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/core.ts')], {
      cwd: ROOT,
      env: { ...process.env, LBLAB_BENCH_REPEAT: '1000', LBLAB_BENCH_FRESH: '200', LBLAB_BENCH_ROUNDS: '2' },
      maxBuffer: 16 << 20,
    });
    const modes = ['dsr', 'tunnel', 'nat fwd', 'nat rev', 'snat fwd', 'snat rev'];
    const repeat = parseTable(stdout, /^repeat: /);
    const fresh = parseTable(stdout, /^fresh frames: one test-run/);
    expect(repeat.map((r) => r.name)).toEqual(expect.arrayContaining([...modes, 'ref: +cache', 'ref: +adjust±20', 'ref: +adjust+20×2']));
    expect(fresh.map((r) => r.name)).toEqual(expect.arrayContaining([...modes, 'ref: +adjust_room+20', 'ref: +change_head+20']));
    // the product at XDP, every mode, against the XDP hook's pass
    const xdpRows = modes.map((m) => fresh.find((r) => r.name === `xdp ${m}`));
    expect(xdpRows.map((r) => r?.hook)).toEqual(modes.map(() => 'xdp'));
    for (const r of [...repeat, ...fresh]) {
      expect(r.pass, r.name).toBeGreaterThan(0);
      expect(r.ns, r.name).toBeGreaterThan(0);
      expect(r.work, r.name).toBeCloseTo(r.bare - r.pass, 1);
    }
    const last = stdout.trim().split('\n').at(-1)!;
    if (katranMissing()) {
      expect(stdout).toMatch(/^peer: Katran is MISSING/m);
      expect(last).toMatch(/^peer: katran not measured/);
    } else {
      const k = repeat.find((r) => r.name === 'katran ipip')!;
      expect(k.hook).toBe('xdp');
      expect(fresh.find((r) => r.name === 'katran ipip')?.hook).toBe('xdp');
      expect(stdout).toMatch(/^katran: (\d+) of \1 wrapped runs had the original frame as input and returned XDP_TX/m);
      const w = (rs: Row[], n: string) => rs.find((r) => r.name === n)!.work;
      const peer = stdout.split('\n').filter((l) => l.startsWith('peer: katran ipip')).at(-1);
      expect(peer).toBe(`peer: katran ipip ${k.work} ns, ours tunnel ${w(repeat, 'tunnel')} ns, dsr ${w(repeat, 'dsr')} ns, ` +
        `nat ${w(repeat, 'nat fwd')} ns, snat ${w(repeat, 'snat fwd')} ns (work above pass)`);
      // the last line: both at XDP (fresh frames)
      const kx = fresh.find((r) => r.name === 'katran ipip')!;
      expect(last).toBe(`peer xdp: katran ipip ${kx.work} ns, ours tunnel ${w(fresh, 'xdp tunnel')} ns, dsr ${w(fresh, 'xdp dsr')} ns, ` +
        `nat ${w(fresh, 'xdp nat fwd')} ns, snat ${w(fresh, 'xdp snat fwd')} ns (work above pass)`);
      expect(stdout).toMatch(/^xdp, fresh frames: target: work <= half of Katran's/m);
      expect(stdout).toMatch(/^repeat: target: work <= half of Katran's/m);
      expect(stdout).toMatch(/^fresh frames: target: work <= half of Katran's/m);
    }
  }, 300_000);
});
