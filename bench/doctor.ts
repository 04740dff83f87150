// Doctor benchmark: `lblab doctor` against `lblab status` on the same running
// 7-node lab (the doctor's test lab: two clients, a balancer, a router, three
// servers), each as the CLI runs it (a fresh process), median of BENCH_RUNS.
// Status is the baseline: it also execs once in every node; the doctor adds
// the balancer's stats, one more look per node and the probes' requests.
// The bound: the doctor under 10 s. The load average is printed.
//   npm run bench:doctor            (BENCH_RUNS=5 by default)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LAB = `${process.env.LBLAB_TEST_GC_SCOPE ?? ''}bench-doctor`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function lblab(args: string[]): { ms: number; out: string } {
  const t0 = Date.now();
  let out: string;
  try {
    out = execFileSync(process.execPath, [path.join(ROOT, 'bin/lblab.mjs'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? ''; // the doctor exits 1 on an error: still timed
  }
  return { ms: Date.now() - t0, out };
}

function main() {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, 'test/integration/fixtures/doctor.lab.yaml'), 'utf8')) as { name: string; networks: Record<string, { subnet: string }> };
  doc.name = LAB;
  doc.networks.front.subnet = '198.18.102.0/24';
  doc.networks.back.subnet = '198.18.103.0/24';
  const file = path.join(fs.mkdtempSync('/tmp/lblab-bench-'), `${LAB}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  process.stderr.write(`bench: deploying ${LAB} (7 nodes, not timed)\n`);
  execFileSync(process.execPath, [path.join(ROOT, 'bin/lblab.mjs'), 'up', file], { stdio: 'inherit' });
  try {
    process.stdout.write(`load average before: ${loadavg()}\n`);
    const status: number[] = [];
    const doctor: number[] = [];
    const inside: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      status.push(lblab(['status', LAB]).ms);
      const d = lblab(['doctor', LAB, '--json']);
      doctor.push(d.ms);
      inside.push((JSON.parse(d.out) as { ms: number }).ms);
    }
    process.stdout.write(`lblab status   median ${(median(status) / 1000).toFixed(2)} s  (${status.join(', ')} ms)\n`);
    process.stdout.write(`lblab doctor   median ${(median(doctor) / 1000).toFixed(2)} s  (${doctor.join(', ')} ms); its own work ${(median(inside) / 1000).toFixed(2)} s\n`);
    process.stdout.write(`doctor / status: ${(median(doctor) / median(status)).toFixed(2)}×; bound 10 s: ${median(doctor) < 10_000 ? 'met' : 'NOT met'}\n`);
    process.stdout.write(`load average after: ${loadavg()}\n`);
  } finally {
    execFileSync(process.execPath, [path.join(ROOT, 'bin/lblab.mjs'), 'down', LAB], { stdio: 'inherit' });
  }
}

main();
