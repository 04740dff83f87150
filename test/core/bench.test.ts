// bench:core must keep working: every row's program gives the verdict its
// packet should get (benchCore throws otherwise), no drops, and a table
// that names every mode. Few repeats: this checks the bench, not the times.
import { describe, expect, it } from 'vitest';
import { skipReason } from './harness';

const skip = skipReason();

describe.skipIf(!!skip)('bench:core', () => {
  it('runs every row with the expected verdicts and prints the table', async () => {
    process.env.LBLAB_BENCH_REPEAT = '1000';
    const { benchCore, printTable } = await import('../../bench/core');
    const rows = await benchCore();
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['dsr', 'tunnel', 'nat fwd', 'nat rev', 'snat fwd', 'snat rev', 'ref: +cache']));
    for (const r of rows) {
      expect(r.passNs, r.name).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratio), r.name).toBe(true);
    }
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => { lines.push(s); };
    try { printTable(rows); } finally { console.log = log; }
    expect(lines.join('\n')).toMatch(/<= 2x pass: /);
    const floor = rows.find((r) => r.name === 'ref: +cache')!;
    expect(lines.join('\n')).toContain(`leaves ${2 * floor.passNs - floor.netNs} ns for a mode's own work`);
  }, 120_000);
});
