// bench:core must keep working: run it as users do (a subprocess, so tests
// never import bench/), with few repeats: every row's program must give the
// verdict its packet should get (the bench exits non-zero otherwise, or on
// any drop), and the table must name every mode with sane numbers. This
// checks the bench, not the times.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';

const skip = skipReason();

interface Row { name: string; ns: number; bare: number; pass: number; ratio: number }

/** The table rows: a 16-column name, then ns/pkt, wrapper, bare, pass, × pass. */
function parseTable(out: string): Row[] {
  const lines = out.split('\n');
  const head = lines.findIndex((l) => /^mode\s+ns\/pkt\s+wrapper\s+bare\s+pass/.test(l));
  expect(head, `no table header in:\n${out}`).toBeGreaterThanOrEqual(0);
  const rows: Row[] = [];
  for (const l of lines.slice(head + 1)) {
    if (l.startsWith('pass = ')) break;
    const [ns, , bare, pass, ratio] = l.slice(16).trim().split(/\s+/);
    rows.push({ name: l.slice(0, 16).trim(), ns: Number(ns), bare: Number(bare), pass: Number(pass), ratio: Number(ratio.replace(/x$/, '')) });
  }
  return rows;
}

describe('bench:core', skipIf(skip), () => {
  it('runs every row with the expected verdicts and prints the table', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/core.ts')], {
      cwd: ROOT,
      env: { ...process.env, LBLAB_BENCH_REPEAT: '1000' },
      maxBuffer: 16 << 20,
    });
    const rows = parseTable(stdout);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['dsr', 'tunnel', 'nat fwd', 'nat rev', 'snat fwd', 'snat rev', 'ref: +cache']));
    for (const r of rows) {
      expect(r.pass, r.name).toBeGreaterThan(0);
      expect(r.ns, r.name).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratio), r.name).toBe(true);
    }
    expect(stdout).toMatch(/<= 2x pass: /);
    const floor = rows.find((r) => r.name === 'ref: +cache')!;
    expect(stdout).toContain(`leaves ${2 * floor.pass - floor.bare} ns for a mode's own work`);
  }, 120_000);
});
