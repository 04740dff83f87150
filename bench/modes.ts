// Real-lab throughput of the modes, all in one comparison on one lab
// (labs/compare), so the numbers compare architectures rather than machines.
// A thin caller of the engine's comparison runner (electron/engine/compare/):
// the same code as `lblab compare` and the Compare panel.
//   direct      client → servers (through the router), no balancer: the baseline
//   dsr tunnel nat snat l4proxy l7   our balancer in each mode
//   kernel-nat  the kernel's nftables DNAT on the same balancer, our program
//               detached: the peer of our nat (same plumbing, same path)
// The runner rotates the rows in rounds, so a burst of load elsewhere on this
// shared host hits one round of every row rather than all rounds of one; the
// targets are medians of per-round ratios.
//   npm run bench:modes     (BENCH_SECONDS=5, BENCH_ROUNDS=3, BENCH_WARMUP=1, BENCH_OBJECT=1m, BENCH_CONNECTIONS=12)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompareRow, CompareRun, Comparison } from '../electron/api';
import { formatComparison } from '../electron/cli/compare-format';
import { relativeSpread, roundRatio } from '../electron/engine/compare/summary';
import { createLabEngine } from '../electron/engine/lab-engine';
import { loadLabFile } from '../electron/engine/topology/index';
import { rewriteLab } from '../test/support/labs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = `${process.env.LBLAB_TEST_GC_SCOPE ?? ''}bench-modes`;
const env = (k: string, d: number) => Number(process.env[k] ?? d);
const SECONDS = env('BENCH_SECONDS', 5);
const ROUNDS = env('BENCH_ROUNDS', 3);
const WARMUP = env('BENCH_WARMUP', 1);
const CONNECTIONS = env('BENCH_CONNECTIONS', 12);
const OBJECT = process.env.BENCH_OBJECT ?? '1m';
const ROWS: CompareRow[] = ['direct', 'dsr', 'tunnel', 'nat', 'kernel-nat', 'snat', 'l4proxy', 'l7'];

const fmtRatio = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(2)}×`);

async function main() {
  const t0 = Date.now();
  // results go to a scratch folder, not the user's saved comparisons
  process.env.LBLAB_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bench-data-'));
  const engine = createLabEngine();
  process.stderr.write(`bench: deploying ${LAB}\n`);
  // labs/compare under the bench's own name, its networks on 198.18.240-241.0/24
  const lab = rewriteLab(path.join(ROOT, 'labs/compare.lab.yaml'), LAB, fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bench-')), 240);
  let id: string | undefined;
  const onSigint = () => void (id ? engine.cancelCompare(id) : undefined);
  process.on('SIGINT', onSigint);
  try {
    await engine.deploy(await loadLabFile(lab.file));
    const deployed = Date.now();
    engine.subscribe((e) => {
      if (e.type === 'compare-progress' && e.phase === 'switching') process.stderr.write(`bench: [${e.done + 1}/${e.total}] ${e.mode} round ${e.repetition}, ~${e.secondsLeft} s left\n`);
    });
    id = (await engine.startCompare({ lab: LAB, modes: ROWS, object: OBJECT, connections: CONNECTIONS, duration: SECONDS, warmup: WARMUP, repeat: ROUNDS })).id;
    const c: Comparison = await engine.compareDone(id);
    const wall = (Date.now() - deployed) / 1000;
    console.log(`\n${formatComparison(c)}\n`);
    report(c, wall, (Date.now() - t0) / 1000);
    if (!c.complete || c.error) throw new Error(`the comparison did not complete: ${c.error ?? 'incomplete'}`);
  } finally {
    process.off('SIGINT', onSigint);
    await engine.destroy(LAB).catch(() => undefined);
    await engine.close();
  }
}

function report(c: Comparison, wall: number, total: number) {
  const ok = c.runs.filter((r) => !r.error);
  const measured = c.runs.length * c.workload.duration;
  console.log(
    `runner overhead: ${wall.toFixed(1)} s wall for ${c.runs.length} runs × ${c.workload.duration} s = ${measured} s measured: ${(wall / measured).toFixed(2)}× ` +
      `(target ≤ 1.3×; warm-up ${c.workload.warmup} s per run included); whole bench ${total.toFixed(0)} s`,
  );
  const spreads = c.summary.map((s) => `${s.mode} ${(relativeSpread(s.throughputMbps) * 100).toFixed(0)}%`);
  console.log(`spread of repeated runs ((max − min) ÷ median throughput): ${spreads.join(', ')}`);
  const mbps = (r: CompareRun) => r.throughputMbps;
  const rps = (r: CompareRun) => r.requestsPerSec;
  console.log(
    `targets (medians of per-round ratios): dsr ≥ 0.90× direct: ${fmtRatio(roundRatio(ok, 'dsr', 'direct', mbps))}` +
      `; our nat ≥ kernel-nat (nftables DNAT): ${fmtRatio(roundRatio(ok, 'nat', 'kernel-nat', mbps))} throughput, ${fmtRatio(roundRatio(ok, 'nat', 'kernel-nat', rps))} requests/s`,
  );
  console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message.split('\n')[0]}`);
  process.exit(1);
});
