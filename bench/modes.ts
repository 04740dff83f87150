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
// Then, on the same lab, the live mode switch alone (BENCH_SWITCHES of them,
// round the eBPF modes): how long the switch command takes, and how long
// until a client's request succeeds again, from a client that sends one
// request every 20 ms throughout (target: serving again within 1 s).
//   npm run bench:modes     (BENCH_SECONDS=5, BENCH_ROUNDS=3, BENCH_WARMUP=1, BENCH_OBJECT=1m, BENCH_CONNECTIONS=12, BENCH_SWITCHES=8)
//   BENCH_ROUNDS=0: the switches only
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompareRow, CompareRun, Comparison, LabApi, Mode } from '../electron/api';
import { formatComparison } from '../electron/cli/compare-format';
import { relativeSpread, roundRatio } from '../electron/engine/compare/summary';
import { execIn } from '../electron/engine/docker/exec';
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
const SWITCHES = env('BENCH_SWITCHES', 8);
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
    if (SWITCHES > 0) await switches(engine);
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

// ---------------------------------------------------------------- the live switch alone
const SWITCH_ORDER: Mode[] = ['nat', 'dsr', 'snat', 'tunnel'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One switch while a client sends a request every 20 ms: the command's time, and until a request sent after it succeeds. */
async function oneSwitch(engine: LabApi, client: string, url: string, to: Mode): Promise<{ command: number; serving: number; failed: number }> {
  // each line: request start and end (ns, the host's clock: containers share the kernel's), and the HTTP code
  const loop = `end=$(( $(date +%s) + 5 )); while [ "$(date +%s)" -lt "$end" ]; do t=$(date +%s%N); c=$(curl -s -o /dev/null -m 1 -w '%{http_code}' ${url}); echo "$t $(date +%s%N) $c"; sleep 0.02; done`;
  const probe = execIn(client, ['sh', '-c', loop], { timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 500)); // the old mode serving first
  const t0 = BigInt(Date.now()) * 1_000_000n; // ns since the epoch, as the probe's `date +%s%N`
  await engine.setMode(LAB, 'web', to);
  const t1 = BigInt(Date.now()) * 1_000_000n;
  const lines = (await probe).stdout.trim().split('\n').map((l) => l.split(' ')).filter((f) => f.length === 3);
  const after = lines.find(([start, , code]) => BigInt(start) >= t1 && code === '200');
  if (!after) throw new Error(`after the switch to ${to}, no request from ${client} succeeded within the probe's 5 s`);
  const during = lines.filter(([start]) => BigInt(start) >= t0 && BigInt(start) < BigInt(after[0]));
  return { command: Number(t1 - t0) / 1e6, serving: Number(BigInt(after[1]) - t0) / 1e6, failed: during.filter(([, , c]) => c !== '200').length };
}

async function switches(engine: LabApi): Promise<void> {
  const st = await engine.status(LAB);
  const svc = st.services.find((s) => s.name === 'web');
  const client = st.nodes.find((n) => n.kind === 'client');
  if (!svc || !client) throw new Error(`lab ${LAB} has no service web or no client`);
  const url = `http://${svc.vip}:${svc.port}/`;
  console.log(`\nlive mode switches on ${LAB} (${client.name} sends a request every 20 ms to ${url}):`);
  console.log(`${'switch'.padEnd(18)} ${'command'.padStart(9)} ${'serving again'.padStart(14)} ${'failed requests'.padStart(16)}`);
  const rows: { command: number; serving: number }[] = [];
  let from = svc.mode;
  for (let i = 0; i < SWITCHES; i++) {
    const to = SWITCH_ORDER[i % SWITCH_ORDER.length] === from ? SWITCH_ORDER[(i + 1) % SWITCH_ORDER.length] : SWITCH_ORDER[i % SWITCH_ORDER.length];
    const r = await oneSwitch(engine, client.container, url, to);
    console.log(`${`${from} → ${to}`.padEnd(18)} ${`${r.command.toFixed(0)} ms`.padStart(9)} ${`${r.serving.toFixed(0)} ms`.padStart(14)} ${String(r.failed).padStart(16)}`);
    rows.push(r);
    from = to;
  }
  const serving = median(rows.map((r) => r.serving));
  console.log(
    `switch: median command ${median(rows.map((r) => r.command)).toFixed(0)} ms, median serving again ${serving.toFixed(0)} ms after the command ` +
      `(target ≤ 1000 ms: ${serving <= 1000 ? 'met' : 'MISSED'}); load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message.split('\n')[0]}`);
  process.exit(1);
});
