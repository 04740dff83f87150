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
// Then, on the same lab, the runner's own cost: rounds of the lab's own mode
// only (no switch), wall time against the workload's (warm-up + measured;
// target ≤ 1.2×). Then the live mode switch alone, round the eBPF modes and
// to and from l4proxy and l7 (each pair once a round): the engine's steps (the
// lab read and planned, the nodes plumbed, the balancer configured), the
// command's time, and how long until a request sent after it returned
// succeeds, from a client that starts one every 20 ms (target: the median
// within 1 s of the command). The last line states both against their targets.
//   npm run bench:modes     (BENCH_SECONDS=5, BENCH_ROUNDS=3, BENCH_WARMUP=1, BENCH_OBJECT=1m, BENCH_CONNECTIONS=12,
//                            BENCH_OVERHEAD_ROUNDS=3, BENCH_SWITCH_ROUNDS=2)
//   BENCH_ROUNDS=0: the overhead and the switches only
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompareRow, CompareRun, Comparison, Mode } from '../electron/api';
import type { LabService } from '../electron/api/host';
import { formatComparison } from '../electron/cli/compare-format';
import { relativeSpread, roundRatio } from '../electron/engine/compare/summary';
import { createLabEngine } from '../electron/engine/lab-engine';
import { loadLabFile } from '../electron/engine/topology/index';
import { rewriteLab } from '../test/support/labs';
import { timedSwitch, type SwitchTiming } from '../test/support/switch-probe';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = `${process.env.LBLAB_TEST_GC_SCOPE ?? ''}bench-modes`;
const env = (k: string, d: number) => Number(process.env[k] ?? d);
const SECONDS = env('BENCH_SECONDS', 5);
const ROUNDS = env('BENCH_ROUNDS', 3);
const WARMUP = env('BENCH_WARMUP', 1);
const CONNECTIONS = env('BENCH_CONNECTIONS', 12);
const OBJECT = process.env.BENCH_OBJECT ?? '1m';
const SWITCH_ROUNDS = env('BENCH_SWITCH_ROUNDS', 2);
const OVERHEAD_ROUNDS = env('BENCH_OVERHEAD_ROUNDS', 3);
/** A switch serves again within this (the median over every switch), ms from the command. */
const SWITCH_TARGET_MS = 1000;
/** The runner without switches: wall time at most this much of the workload's own (warm-up + measured). */
const OVERHEAD_TARGET = 1.2;
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
    if (ROUNDS > 0) {
      id = (await engine.startCompare({ lab: LAB, modes: ROWS, object: OBJECT, connections: CONNECTIONS, duration: SECONDS, warmup: WARMUP, repeat: ROUNDS })).id;
      const c: Comparison = await engine.compareDone(id);
      const wall = (Date.now() - deployed) / 1000;
      console.log(`\n${formatComparison(c)}\n`);
      report(c, wall, (Date.now() - t0) / 1000);
      if (!c.complete || c.error) throw new Error(`the comparison did not complete: ${c.error ?? 'incomplete'}`);
    }
    const ratio = OVERHEAD_ROUNDS > 0 ? await overhead(engine) : undefined;
    const switch50 = SWITCH_ROUNDS > 0 ? await switches(engine) : undefined;
    const verdict = (x: number | undefined, target: number, f: (x: number) => string) => (x === undefined ? 'not measured' : `${f(x)} (target ≤ ${f(target)}: ${x <= target ? 'met' : 'MISSED'})`);
    console.log(
      `\nbench:modes: switch median ${verdict(switch50, SWITCH_TARGET_MS, (x) => `${x.toFixed(0)} ms`)}; runner overhead without switches ${verdict(ratio, OVERHEAD_TARGET, (x) => `${x.toFixed(2)}×`)}; ` +
        `load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
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
    `runner overhead with switches: ${wall.toFixed(1)} s wall for ${c.runs.length} runs × ${c.workload.duration} s = ${measured} s measured: ${(wall / measured).toFixed(2)}× ` +
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

// ---------------------------------------------------------------- the runner without switches
/** The runner's own cost: rounds of the lab's own mode only (no switch), wall time against the workload's (warm-up + measured). */
async function overhead(engine: LabService): Promise<number> {
  const mode = (await engine.status(LAB)).services.find((s) => s.name === 'web')?.mode;
  if (!mode) throw new Error(`lab ${LAB} has no service web`);
  const t = Date.now();
  const id = (await engine.startCompare({ lab: LAB, modes: [mode], object: OBJECT, connections: CONNECTIONS, duration: SECONDS, warmup: WARMUP, repeat: OVERHEAD_ROUNDS })).id;
  const c = await engine.compareDone(id);
  const wall = (Date.now() - t) / 1000;
  if (!c.complete || c.error) throw new Error(`the comparison without switches did not complete: ${c.error ?? 'incomplete'}`);
  const workload = c.runs.length * (c.workload.warmup + c.workload.duration);
  const ratio = wall / workload;
  console.log(
    `\nrunner overhead without switches (${mode} only, ${c.runs.length} runs of ${c.workload.warmup} s warm-up + ${c.workload.duration} s measured): ` +
      `${wall.toFixed(1)} s wall for ${workload} s of workload: ${ratio.toFixed(2)}× (target ≤ ${OVERHEAD_TARGET}×: ${ratio <= OVERHEAD_TARGET ? 'met' : 'MISSED'})`,
  );
  return ratio;
}

// ---------------------------------------------------------------- the live switch alone
// From the lab's own mode round every eBPF mode and to and from the proxies: each ordered pair once a round.
const SWITCH_CYCLE: Mode[] = ['nat', 'snat', 'tunnel', 'dsr', 'l4proxy', 'nat', 'l7', 'tunnel', 'l4proxy', 'l7', 'dsr'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(0)}`);

async function switches(engine: LabService): Promise<number> {
  const st = await engine.status(LAB);
  const svc = st.services.find((s) => s.name === 'web');
  const client = st.nodes.find((n) => n.kind === 'client');
  if (!svc || !client) throw new Error(`lab ${LAB} has no service web or no client`);
  const url = `http://${svc.vip}:${svc.port}/`;
  console.log(`\nlive mode switches on ${LAB} (${client.name} starts a request every 20 ms to ${url}); ms from the command:`);
  const cols = ['switch', 'planned', 'plumbed', 'balancer', 'command', 'serving', 'failed'];
  const row = (xs: string[]) => console.log(`${xs[0].padEnd(18)}${xs.slice(1).map((x) => x.padStart(10)).join('')}`);
  row(cols);
  const rows: (SwitchTiming & { pair: string })[] = [];
  let from = svc.mode;
  for (let r = 0; r < SWITCH_ROUNDS; r++) {
    for (const to of SWITCH_CYCLE) {
      if (to === from) continue;
      const t = await timedSwitch(engine, { lab: LAB, service: 'web', client: client.container, url }, to);
      row([`${from} → ${to}`, ms(t.planned), ms(t.plumbed), ms(t.configured), ms(t.command), ms(t.serving), String(t.failed)]);
      rows.push({ ...t, pair: `${from} → ${to}` });
      from = to;
    }
  }
  if (from !== svc.mode) await engine.setMode(LAB, 'web', svc.mode);
  console.log(`\nper pair (ms from the command to the first success after it; planned / plumbed / balancer: medians of the steps above):`);
  const pr = (xs: string[]) => console.log(`${xs[0].padEnd(18)}${xs.slice(1).map((x) => x.padStart(10)).join('')}`);
  pr(['switch', 'median', 'max', 'planned', 'plumbed', 'balancer', '≤ 1 s']);
  const med = (xs: (number | undefined)[]) => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length ? median(v) : undefined;
  };
  for (const pair of [...new Set(rows.map((r) => r.pair))]) {
    const of = rows.filter((r) => r.pair === pair);
    const m = median(of.map((r) => r.serving));
    pr([pair, ms(m), ms(Math.max(...of.map((r) => r.serving))), ms(med(of.map((r) => r.planned))), ms(med(of.map((r) => r.plumbed))), ms(med(of.map((r) => r.configured))), m <= SWITCH_TARGET_MS ? 'yes' : 'no']);
  }
  return median(rows.map((r) => r.serving));
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message.split('\n')[0]}`);
  process.exit(1);
});
