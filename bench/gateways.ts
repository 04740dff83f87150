// The l7 gateways' I/O models side by side: the five gateways (haproxy,
// nginx, apache-event, apache-worker, apache-prefork) each carry the same load
// on one lab (one client, two servers answering /delay/200 after 200 ms), at
// 100, 1 000 and 5 000 concurrent keep-alive connections, through the
// comparison runner of `lblab compare --gateways` (rotating rounds, the
// gateway switched live and started afresh for every run). Per gateway and
// load: requests/s and the gateway's memory per connection (the RSS of all
// its processes ÷ connections), as ratios to haproxy in the same run, and
// what it held (processes, threads, connections that waited for a worker,
// failed requests). Apache runs with its defaults here (1 024 threads; 256
// prefork processes).
//
// Whatever happens (a failure, Ctrl-C), the lab is removed.
//   npm run bench:gateways
//   (BENCH_SECONDS=5, BENCH_WARMUP=0, BENCH_ROUNDS=1, BENCH_LOADS=100,1000,5000)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { GATEWAYS, type Comparison, type CompareSummary } from '../electron/api';
import { createLabEngine } from '../electron/engine/lab-engine';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const SECONDS = env('BENCH_SECONDS', 5);
// no warm-up by default: the connections a warm-up leaves queued would each cost a prefork process 200 ms of the run
const WARMUP = env('BENCH_WARMUP', 0);
const ROUNDS = env('BENCH_ROUNDS', 1);
const LOADS = (process.env.BENCH_LOADS ?? '100,1000,5000').split(',').map(Number);
const LAB = 'bench-gateways';

const doc = {
  name: LAB,
  networks: { front: {}, back: {} },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'front' }] },
    lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
    web1: { kind: 'server', links: [{ network: 'back' }] },
    web2: { kind: 'server', links: [{ network: 'back' }] },
  },
  services: { web: { balancer: 'lb', mode: 'l7', scheduler: 'rr', backends: ['web1', 'web2'] } },
};

const lblab = (...args: string[]) => spawnSync(process.execPath, [path.join(import.meta.dirname, '../bin/lblab.mjs'), ...args], { encoding: 'utf8' });

function row(load: number, s: CompareSummary | undefined, base: CompareSummary | undefined, error?: string): string[] {
  if (!s) return [String(load), '—', `failed: ${error ?? 'no run'}`, '', '', '', '', '', '', ''];
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '—');
  return [
    String(load), s.gateway!, s.requestsPerSec.median.toFixed(0), ratio(s.requestsPerSec.median, base?.requestsPerSec.median),
    ((s.memoryPerConnectionBytes ?? 0) / 1024).toFixed(1), ratio(s.memoryPerConnectionBytes, base?.memoryPerConnectionBytes),
    String(s.gatewayProcesses), String(s.gatewayThreads), String(s.waitedForWorker), String(s.failedRequests),
  ];
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bench-gw-'));
  const file = path.join(dir, `${LAB}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  const engine = createLabEngine();
  const cleanup = () => lblab('down', LAB);
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const up = lblab('up', file);
    if (up.status !== 0) throw new Error(`lblab up: ${up.stderr.trim()}`);
    const head = ['connections', 'gateway', 'req/s', '× haproxy', 'kB/conn', '× haproxy', 'procs', 'threads', 'waited', 'failed'];
    const rows: string[][] = [];
    const verdicts: string[] = [];
    for (const load of LOADS) {
      const { id } = await engine.startCompare({ lab: LAB, gateways: [...GATEWAYS], object: '/delay/200', connections: load, duration: SECONDS, warmup: WARMUP, repeat: ROUNDS });
      const c: Comparison = await engine.compareDone(id);
      const base = c.summary.find((s) => s.gateway === 'haproxy');
      for (const g of GATEWAYS) rows.push(row(load, c.summary.find((s) => s.gateway === g), base, c.runs.find((r) => r.gateway === g && r.error)?.error));
      if (c.verdict) verdicts.push(`${load}: ${c.verdict}`);
      process.stderr.write(`${load} connections done${c.error ? ` (${c.error})` : ''}\n`);
    }
    const md = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
    process.stdout.write(`${md}\n\n${verdicts.join('\n')}\n`);
    process.stdout.write(`(${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg()[0].toFixed(1)}, ${SECONDS} s per run after ${WARMUP} s warm-up, ${ROUNDS} round(s), /delay/200)\n`);
  } finally {
    await engine.close();
    cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:gateways: ${e.message}\n`);
  process.exit(1);
});
