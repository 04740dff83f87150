// Real-lab throughput of the modes, all in one run on one lab, so the numbers
// compare architectures rather than machines (this host is shared and noisy):
//   direct      client → servers (through the router), no balancer: the baseline
//   dsr         our core rewrites the destination MAC; responses bypass the balancer
//   tunnel      our core wraps requests in IPIP; responses bypass the balancer
//   nat         our core rewrites both directions; everything crosses the balancer
//   nft-dnat    the kernel's nftables DNAT on the same balancer: the peer for our nat
// Workload: wrk from the client fetching a 1 MiB object (throughput) and a
// 1 KiB object (requests/s and latency), the same for every row.
//   npm run bench:modes            (BENCH_SECONDS=5 by default)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = `${process.env.LBLAB_TEST_GC_SCOPE ?? ''}bench-modes`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNS = 12;

// Two-arm lab with a router beside the balancer, so one topology supports
// dsr and tunnel (servers reach the client through r1) and nat (servers share
// no network with the client; their default gateway becomes the balancer).
const LAB_YAML = `name: ${LAB}
networks:
  front: { subnet: 198.18.240.0/24 }
  back: { subnet: 198.18.241.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front }, { network: back } ] }
  r1: { kind: router, links: [ { network: front }, { network: back } ] }
  web1: { kind: server, links: [ { network: back } ] }
  web2: { kind: server, links: [ { network: back } ] }
  web3: { kind: server, links: [ { network: back } ] }
services:
  web: { balancer: lb, port: 80, mode: dsr, scheduler: maglev, backends: [ web1, web2, web3 ] }
`;

function lblab(args: string[], input?: string): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/lblab.mjs'), ...args], { encoding: 'utf8', input, maxBuffer: 64 << 20 });
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

/** Run the same wrk load against each target concurrently and add the results up. */
function load(targets: string[], object: string): WrkResult {
  const per = Math.max(1, Math.round(CONNS / targets.length));
  const cmds = targets.map((t, i) => `wrk -t1 -c${per} -d${SECONDS}s --latency http://${t}:80/${object} > /tmp/wrk${i}.out 2>&1 &`);
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

function balancerInterfaces(): string[] {
  return sh('lb', "ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -v '^lo$'").trim().split('\n').filter(Boolean);
}

function main() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bench-')), `${LAB}.lab.yaml`);
  fs.writeFileSync(file, LAB_YAML);
  process.stderr.write(`bench: deploying ${LAB}\n`);
  lblab(['up', file]);
  try {
    const status = JSON.parse(lblab(['status', LAB, '--json']));
    const svc = status.services.find((s: { name: string }) => s.name === 'web');
    const servers: string[] = svc.backends.map((b: { address: string }) => b.address);
    const vip: string = svc.vip;
    const rows: { name: string; big: WrkResult; small: WrkResult }[] = [];
    const measure = (name: string, targets: string[]) => {
      sh('client1', `curl -fsS -o /dev/null --max-time 5 http://${targets[0]}/1k.bin`); // fail fast, warm ARP
      const big = load(targets, '1m.bin');
      const small = load(targets, '1k.bin');
      rows.push({ name, big, small });
      process.stderr.write(`bench: ${name}: ${big.mbitPerS.toFixed(0)} Mbit/s, ${small.reqPerS.toFixed(0)} req/s\n`);
    };

    measure('direct', servers);
    for (const mode of ['dsr', 'tunnel', 'nat'] as const) {
      lblab(['mode', LAB, 'web', mode]);
      measure(mode, [vip]);
    }
    // The kernel's DNAT as the peer of our nat: same lab, same plumbing
    // (servers' gateway = balancer); our programs detached first.
    for (const dev of balancerInterfaces()) sh('lb', `tc qdisc del dev ${dev} clsact 2>/dev/null; ip link set dev ${dev} xdp off 2>/dev/null; true`);
    const map = servers.map((s, i) => `${i} : ${s}`).join(', ');
    sh('lb', `nft add table ip lblab_bench && nft 'add chain ip lblab_bench pre { type nat hook prerouting priority -100; }' && nft "add rule ip lblab_bench pre ip daddr ${vip} tcp dport 80 dnat to numgen inc mod ${servers.length} map { ${map} }"`);
    measure('nft-dnat', [vip]);

    const direct = rows[0];
    const nft = rows.find((r) => r.name === 'nft-dnat')!;
    const head = ['mode', '1MiB Mbit/s', '× direct', '1KiB req/s', '× direct', 'p50 ms', 'p99 ms', 'errors'];
    const lines = rows.map((r) => [
      r.name,
      r.big.mbitPerS.toFixed(0),
      (r.big.mbitPerS / direct.big.mbitPerS).toFixed(2),
      r.small.reqPerS.toFixed(0),
      (r.small.reqPerS / direct.small.reqPerS).toFixed(2),
      r.small.p50ms.toFixed(2),
      r.small.p99ms.toFixed(2),
      String(r.big.errors + r.small.errors),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(`\nmodes on one lab (${SECONDS}s per run, ${CONNS} connections, wrk from client1)\n`);
    console.log(fmt(head));
    for (const l of lines) console.log(fmt(l));
    const dsr = rows.find((r) => r.name === 'dsr')!;
    const nat = rows.find((r) => r.name === 'nat')!;
    console.log(`\ntargets: dsr ≥ 0.90× direct (1MiB): ${(dsr.big.mbitPerS / direct.big.mbitPerS).toFixed(2)}×` +
      `; our nat ≥ nftables DNAT (1MiB): ${(nat.big.mbitPerS / nft.big.mbitPerS).toFixed(2)}×`);
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
