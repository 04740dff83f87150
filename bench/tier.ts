// How a tier of balancers scales: labs/tier with its members CPU-limited (`cpus`), so that one
// member is the bottleneck for small requests, run as a tier of 1, 2 and 3 members in one run.
// The members run l4proxy: HAProxy's work is the member's own CPU time, which the quota limits
// (the eBPF modes work in the kernel's softirq, which a container's quota does not charge).
// Per size: requests/s through the VIP (wrk, 1k objects, many connections) and each member's CPU
// use (its cgroup's usage_usec over the measured run).
//   npm run bench:tier    (BENCH_MEMBERS=1,2,3 BENCH_SECONDS=8 BENCH_CPUS=0.1 BENCH_CONNECTIONS=64)
// Target: a tier of 3 serves at least 2× a tier of 1.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseWrk } from '../electron/engine/compare/wrk';
import { docker } from '../electron/engine/docker/client';
import { lblabOk, rewriteLab, tmpDir } from '../test/support/labs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = `${process.env.LBLAB_TEST_GC_SCOPE ?? ''}bench-tier`;
const env = (k: string, d: number) => Number(process.env[k] ?? d);
const SECONDS = env('BENCH_SECONDS', 8);
// 0.1: at 0.2 a tier of 3 (~9.5k req/s here) was no longer member-bound (each used 0.14) but host-bound
const CPUS = env('BENCH_CPUS', 0.1);
const CONNECTIONS = env('BENCH_CONNECTIONS', 64);
const SIZES = (process.env.BENCH_MEMBERS ?? '1,2,3').split(',').map(Number);
const MEMBERS = ['lb1', 'lb2', 'lb3'];
// beside the members: where the load comes from and the router that spreads it (is either the limit?)
const OTHERS = ['client1', 'r1'];

const sh = (node: string, script: string) => execFileSync('docker', ['exec', `lblab-${LAB}-${node}`, 'sh', '-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
/** The container's CPU time so far, in µs (the engine's stats: the cgroup as the host sees it). */
const cpuUsec = async (node: string) => {
  const st = (await docker().getContainer(`lblab-${LAB}-${node}`).stats({ stream: false })) as { cpu_stats: { cpu_usage: { total_usage: number } } };
  return st.cpu_stats.cpu_usage.total_usage / 1000;
};

async function main() {
  const dir = tmpDir();
  const { file, doc } = rewriteLab(path.join(ROOT, 'labs/tier.lab.yaml'), LAB, dir, 240) as {
    file: string;
    doc: { nodes: Record<string, { cpus?: number }>; services: { web: Record<string, unknown> } };
  };
  for (const m of MEMBERS) doc.nodes[m].cpus = CPUS;
  const vip = String(doc.services.web.vip);
  const rows: { members: number; rps: number; p99: number; errors: number; cpu: Record<string, number> }[] = [];
  try {
    for (const n of SIZES) {
      doc.services.web = { ...doc.services.web, balancer: MEMBERS.slice(0, n), mode: 'l4proxy' };
      fs.writeFileSync(file, YAML.stringify(doc));
      await lblabOk(['up', file]);
      // the router's route goes through exactly the members of this size
      for (let i = 0; i < 50 && (sh('r1', `ip route show ${vip}/32; ip nexthop show`).match(/^id \d+ via/gm)?.length ?? 0) < n; i++) await new Promise((r) => setTimeout(r, 200));
      sh('client1', `wrk -t2 -c${CONNECTIONS} -d2s http://${vip}:80/1k.bin >/dev/null 2>&1 || true`); // warm-up
      const before = Object.fromEntries(await Promise.all([...MEMBERS, ...OTHERS].map(async (m) => [m, await cpuUsec(m)] as const)));
      const out = sh('client1', `wrk -t2 -c${CONNECTIONS} -d${SECONDS}s --timeout 5s --latency http://${vip}:80/1k.bin`);
      const w = parseWrk(out);
      const cpu = Object.fromEntries(await Promise.all([...MEMBERS, ...OTHERS].map(async (m) => [m, ((await cpuUsec(m)) - before[m]) / 1e6 / w.seconds] as const)));
      rows.push({ members: n, rps: w.requestsPerSec, p99: w.latencyMs.p99, errors: w.non2xx + Object.values(w.socketErrors).reduce((a, b) => a + b, 0), cpu });
      console.log(`tier of ${n}: ${w.requestsPerSec.toFixed(0)} req/s, p99 ${w.latencyMs.p99.toFixed(1)} ms; member CPU ${MEMBERS.map((m) => `${m} ${cpu[m].toFixed(2)}`).join(', ')} (quota ${CPUS} each); ${OTHERS.map((m) => `${m} ${cpu[m].toFixed(2)}`).join(', ')}; host load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
    }
  } finally {
    await lblabOk(['down', LAB]).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const one = rows.find((r) => r.members === 1);
  const three = rows.find((r) => r.members === 3);
  if (one && three) {
    const x = three.rps / one.rps;
    console.log(`scale: a tier of 3 serves ${x.toFixed(2)}× a tier of 1 (target ≥ 2×)`);
    if (x < 2) process.exitCode = 1;
  }
  console.log(JSON.stringify(rows));
}

main().catch((e: Error) => {
  console.error(`bench:tier: ${e.message}`);
  process.exit(1);
});
