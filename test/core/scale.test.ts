// bench:scale's root-only sections must keep working: run them as users do
// (a subprocess: tests never import bench/), small. Every flow of a point is
// established before it is measured (nothing re-scheduled while the flows fit,
// no drops), every mode prints its curve from 1 flow at both hooks (XDP, the
// mode's name alone, as Katran's; tc, "(tc)"), and the Maglev table
// shows the remap bound held. This checks the bench, not the times.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';

const skip = skipReason();

describe('bench:scale (core, maglev)', skipIf(skip), () => {
  it('prints a curve per mode and hook and the Maglev table', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/scale.ts'), 'core', 'maglev'], {
      cwd: ROOT,
      env: { ...process.env, LBLAB_SCALE_FLOWS: '1,50', LBLAB_BENCH_REPEAT: '2000', LBLAB_SCALE_ROUNDS: '1', LBLAB_SCALE_MAX_FLOWS: '4096' },
      maxBuffer: 16 << 20,
    });
    const lines = stdout.split('\n');
    const curves = ['dsr', 'tunnel', 'nat', 'snat'].flatMap((m) => [m, `${m} (tc)`]);
    for (const mode of curves) {
      const at = lines.findIndex((l) => l.trim() === mode);
      expect(at, `no ${mode} curve in:\n${stdout}`).toBeGreaterThan(0);
      const rows = lines.slice(at + 2, at + 4).map((l) => l.trim().split(/\s+/));
      expect(rows.map((r) => Number(r[0]))).toEqual([1, 50]);
      // '-' when noise ate the first point's work: no ratio to print
      expect(rows[0][5]).toMatch(/^(1\.00x|-)$/);
      for (const r of rows) {
        // the measured time is real; work (it minus the wrapper alone) is a small
        // difference of two noisy numbers at this size, so only its form is checked
        expect(Number(r[1]), `${mode}: ns/pkt`).toBeGreaterThan(0);
        expect(Number.isFinite(Number(r[4])), `${mode}: work ${r[4]}`).toBe(true);
        expect(r[6], `${mode}: re-scheduled`).toBe('0.0');
        expect(Number(r[8]), `${mode}: drops`).toBe(0);
      }
    }
    // one line per curve, in the form the bench's readers parse
    for (const mode of curves) expect(stdout).toMatch(new RegExp(`^curve ${mode.replace(/[()]/g, '\\$&')}: 1 -?\\d+ ns, 50 -?\\d+ ns$`, 'm'));
    expect(stdout).toMatch(/flow table \(lb_flows.*: 8193 entries, .* B per flow/);
    const m = lines.findIndex((l) => /^\s+backends\s+build ms/.test(l));
    expect(m, stdout).toBeGreaterThan(0);
    const rows = lines.slice(m + 1, m + 4).map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => r[0])).toEqual(['3', '100', '1000']); // every backend: none cut to a limit
    for (const r of rows) expect(r.at(-1)).not.toBe('OVER');
  }, 300_000);
});
