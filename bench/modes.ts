// Real-lab throughput of the modes, all in one run on one lab (labs/compare),
// so the numbers compare architectures rather than machines:
//   direct      client → servers (through the router), no balancer: the baseline
//   dsr         our core rewrites the destination MAC; responses bypass the balancer
//   tunnel      our core wraps requests in IPIP; responses bypass the balancer
//   nat         our core rewrites both directions; everything crosses the balancer
//   nft-dnat    the kernel's nftables DNAT on the same balancer, our program
//               detached: the peer of our nat (same plumbing, same path)
// Workload, the same for every row: three wrk processes on client1 (one per
// server for direct, all three at the VIP otherwise), fetching a 1 MiB object
// (throughput) and a 1 KiB object (requests/s, latency).
// This host is shared and noisy, so the rows are measured in ROUNDS rotations
// (direct, dsr, tunnel, nat, nft, direct, ...) and each ratio is the median of
// its per-round ratios: a burst of load elsewhere hits one round of every row
// rather than all rounds of one row.
//   npm run bench:modes            (BENCH_SECONDS=5, BENCH_ROUNDS=3 by default)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rewriteLab } from '../test/support/labs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = `${process.env.LBLAB_TEST_GC_SCOPE ?? ''}bench-modes`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROCS = 3;
const CONNS_PER_PROC = 4;

function lblab(args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/lblab.mjs'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`lblab ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return r.stdout;
}
const sh = (node: string, script: string) => lblab(['exec', LAB, node, '--', 'sh', '-c', script]);

interface WrkResult { mbitPerS: number; reqPerS: number; p50ms: number; p99ms: number; errors: number }

/** Parse wrk's --latency report (units: us/ms/s, KB/MB/GB). */
function parseWrk(out: string): WrkResult {
  const unit = (v: string, u: string, table: Record<string, number>) => Number(v) * (table[u] ?? NaN);
  const lat = (label: string) => {
    const m = out.match(new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`));
    return m ? unit(m[1], m[2], { us: 1e-3, ms: 1, s: 1000 }) : NaN;
  };
  const tr = out.match(/Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/);
  const rq = out.match(/Requests\/sec:\s+([\d.]+)/);
  const errs = out.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  if (!tr || !rq) throw new Error(`wrk printed no result:\n${out}`);
  const bytes = unit(tr[1], tr[2], { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 });
  return {
    mbitPerS: (bytes * 8) / 1e6,
    reqPerS: Number(rq[1]),
    p50ms: lat('50'),
    p99ms: lat('99'),
    errors: Number(errs?.[1] ?? 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/** PROCS wrk processes at once, the i-th at targets[i % targets.length]; results added up. */
function load(targets: string[], object: string): WrkResult {
  const cmds = Array.from({ length: PROCS }, (_, i) =>
    `wrk -t1 -c${CONNS_PER_PROC} -d${SECONDS}s --latency http://${targets[i % targets.length]}:80/${object} > /tmp/wrk${i}.out 2>&1 &`);
  const outs = sh('client1', `${cmds.join(' ')} wait; for f in /tmp/wrk*.out; do cat $f; echo '=== end'; done; rm -f /tmp/wrk*.out`)
    .split('=== end')
    .filter((s) => s.trim());
  const rs = outs.map(parseWrk);
  return {
    mbitPerS: rs.reduce((a, r) => a + r.mbitPerS, 0),
    reqPerS: rs.reduce((a, r) => a + r.reqPerS, 0),
    p50ms: Math.max(...rs.map((r) => r.p50ms)),
    p99ms: Math.max(...rs.map((r) => r.p99ms)),
    errors: rs.reduce((a, r) => a + r.errors, 0),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main() {
  process.stderr.write(`bench: deploying ${LAB}\n`);
  // labs/compare under the bench's own name, its networks on 198.18.240-241.0/24
  const lab = rewriteLab(path.join(ROOT, 'labs/compare.lab.yaml'), LAB, fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bench-')), 240);
  lblab(['up', lab.file]);
  try {
    const status = JSON.parse(lblab(['status', LAB, '--json']));
    const svc = status.services.find((s: { name: string }) => s.name === 'web');
    const servers: string[] = svc.backends.map((b: { address: string }) => b.address);
    const vip: string = svc.vip;
    const lbIfs = sh('lb', "ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -v '^lo$'").trim().split(/\s+/);
    const prog = '/sys/fs/bpf/lblab/progs/lb_ingress';
    const nftMap = servers.map((s, i) => `${i} : ${s}`).join(', ');

    // name → how to get there from the previous row, and what to load
    const rows: { name: string; setup: () => void; teardown?: () => void; targets: string[] }[] = [
      { name: 'direct', setup: () => undefined, targets: servers },
      ...(['dsr', 'tunnel', 'nat'] as const).map((mode) => ({ name: mode, setup: () => void lblab(['mode', LAB, 'web', mode]), targets: [vip] })),
      {
        // after nat: the servers' gateway is the balancer; swap our program for nftables
        name: 'nft-dnat',
        setup: () => {
          for (const dev of lbIfs) sh('lb', `tc filter del dev ${dev} ingress pref 100 handle 1 bpf`);
          sh('lb', `nft add table ip lblab_bench && nft 'add chain ip lblab_bench pre { type nat hook prerouting priority -100; }' && nft "add rule ip lblab_bench pre ip daddr ${vip} tcp dport 80 dnat to numgen inc mod ${servers.length} map { ${nftMap} }"`);
        },
        teardown: () => {
          sh('lb', 'nft delete table ip lblab_bench');
          for (const dev of lbIfs) sh('lb', `tc filter replace dev ${dev} ingress pref 100 handle 1 bpf object-pinned ${prog} direct-action`);
        },
        targets: [vip],
      },
    ];
    const results = new Map<string, { big: WrkResult; small: WrkResult }[]>(rows.map((r) => [r.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const row of rows) {
        row.setup();
        sh('client1', `curl -fsS -o /dev/null --max-time 5 http://${row.targets[0]}/1k.bin`); // fail fast, warm ARP
        const big = load(row.targets, '1m.bin');
        const small = load(row.targets, '1k.bin');
        row.teardown?.();
        results.get(row.name)!.push({ big, small });
        process.stderr.write(`bench: round ${round}/${ROUNDS} ${row.name}: ${big.mbitPerS.toFixed(0)} Mbit/s, ${small.reqPerS.toFixed(0)} req/s\n`);
      }
    }

    const direct = results.get('direct')!;
    const ratio = (name: string, pick: (r: { big: WrkResult; small: WrkResult }) => number, base = direct) =>
      median(results.get(name)!.map((r, i) => pick(r) / pick(base[i])));
    const head = ['mode', '1MiB Mbit/s', '× direct', '1KiB req/s', '× direct', 'p50 ms', 'p99 ms', 'errors'];
    const lines = rows.map(({ name }) => {
      const rs = results.get(name)!;
      return [
        name,
        median(rs.map((r) => r.big.mbitPerS)).toFixed(0),
        ratio(name, (r) => r.big.mbitPerS).toFixed(2),
        median(rs.map((r) => r.small.reqPerS)).toFixed(0),
        ratio(name, (r) => r.small.reqPerS).toFixed(2),
        median(rs.map((r) => r.small.p50ms)).toFixed(2),
        median(rs.map((r) => r.small.p99ms)).toFixed(2),
        String(rs.reduce((a, r) => a + r.big.errors + r.small.errors, 0)),
      ];
    });
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(`\nmodes on one lab: ${ROUNDS} rounds × ${SECONDS}s per load, ${PROCS} wrk × ${CONNS_PER_PROC} connections from client1; medians, ratios per round\n`);
    console.log(fmt(head));
    for (const l of lines) console.log(fmt(l));
    const nft = results.get('nft-dnat')!;
    console.log(`\ntargets: dsr ≥ 0.90× direct (1MiB): ${ratio('dsr', (r) => r.big.mbitPerS).toFixed(2)}×` +
      `; our nat ≥ nftables DNAT (1MiB): ${ratio('nat', (r) => r.big.mbitPerS, nft).toFixed(2)}×` +
      ` (1KiB req/s: ${ratio('nat', (r) => r.small.reqPerS, nft).toFixed(2)}×)`);
    console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  } finally {
    lblab(['down', LAB]);
  }
}

try {
  main();
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
}
