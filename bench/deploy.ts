// Deployment benchmark: a 6-node lab (labs/dsr.lab.yaml) from cached images,
// per-step wall times and the total, against a baseline measured in the same
// run: `docker run -d` of the same six images, one after another, bare (no lab
// networks, no plumbing). Prints ratios, not absolute verdicts: the machine's
// load moves both numbers together (the load average is printed before and after).
// Nodes are deployed in parallel pipelines (create → start → plumb), so the
// steps are critical-path segments that add up to the total: `start` ends when
// the last node runs, `plumbing` when the last one is plumbed, `balancers` when
// the balancer is configured and serving after that ("apply after ready": from
// the moment its backends were plumbed).
//   npm run bench:deploy            (BENCH_RUNS=3 by default)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabDoc } from '../electron/api';
import { defaultDeps } from '../electron/engine/deploy/deps';
import { createLabEngine } from '../electron/engine/lab-engine';
import { loadLabFile } from '../electron/engine/topology/index';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PREFIX = process.env.LBLAB_TEST_GC_SCOPE ?? '';
const LAB = `${PREFIX}bench-deploy`;
const BASE_LAB = `${PREFIX}bench-baseline`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pad = (s: string, n: number) => s.padEnd(n);
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function baselineOnce(images: string[]): number {
  const t0 = Date.now();
  images.forEach((img, i) => {
    execFileSync('docker', ['run', '-d', '--init', '--name', `lblab-${BASE_LAB}-n${i}`, '--label', 'io.lblab.managed=true', '--label', `io.lblab.lab=${BASE_LAB}`, img], { stdio: 'ignore' });
  });
  const ms = Date.now() - t0;
  execFileSync('sh', ['-c', `docker rm -f $(docker ps -aq --filter label=io.lblab.lab=${BASE_LAB}) >/dev/null`]);
  return ms;
}

async function main() {
  const src = await loadLabFile(path.join(ROOT, 'labs/dsr.lab.yaml'));
  const doc: LabDoc = { ...src, name: LAB, networks: Object.fromEntries(Object.entries(src.networks).map(([k, n], i) => [k, { ...n, subnet: `198.18.${230 + i}.0/24` }])) };
  const deps = await defaultDeps();
  // `lblab up` / `down` as the CLI runs them, with the deps built once
  const engine = createLabEngine({ deps });
  const plan = deps.planLab(doc);
  if (plan.nodes.length !== 6) throw new Error(`expected a 6-node lab, got ${plan.nodes.length}`);
  process.stderr.write('bench: making sure the images are built (not timed)\n');
  await deps.ensureImages([...new Set(plan.nodes.map((n) => n.kind))]);
  const images = plan.nodes.map((n) => deps.imageFor(n));
  await engine.destroy(LAB);

  const loadBefore = loadavg();
  const steps: Record<string, number[]> = {};
  const totals: number[] = [];
  const noop: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    baseline.push(baselineOnce(images));
    const res = await engine.up(doc);
    totals.push(res.ms);
    for (const [k, v] of Object.entries(res.timings)) (steps[k] ??= []).push(v);
    noop.push((await engine.up(doc)).ms);
    await engine.destroy(LAB);
    process.stderr.write(`bench: run ${r + 1}/${RUNS}: lblab ${fmt(res.ms)}, baseline ${fmt(baseline.at(-1)!)}\n`);
  }
  const base = median(baseline);
  const rows: [string, number][] = [...Object.entries(steps).map(([k, v]) => [`  ${k}`, median(v)] as [string, number]), ['lblab up (total)', median(totals)], ['lblab up again (no-op)', median(noop)], ['baseline: 6x docker run -d', base]];
  console.log(`\ndeploy benchmark: ${plan.nodes.length} nodes, ${plan.networks.length} network(s), ${RUNS} run(s), medians\n`);
  console.log(`${pad('step', 32)}${pad('time', 10)}vs baseline`);
  for (const [k, v] of rows) console.log(`${pad(k, 32)}${pad(fmt(v), 10)}${(v / base).toFixed(2)}x`);
  console.log(`\nload average: ${loadBefore} before, ${loadavg()} after (2 cores are shared: compare ratios)`);
}

main().catch(async (e) => {
  console.error(`bench: ${(e as Error).message}`);
  await createLabEngine().destroy(LAB).catch(() => undefined);
  process.exit(1);
});
