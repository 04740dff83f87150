// bench:scale traffic — throughput through dsr and nat as clients are added
// (1, 2, 4), on labs/compare with three more clients on its front network,
// through the CLI (`lblab up / mode / exec / stats / down`) and wrk. Per step:
// every client runs `wrk -t1 -c4` against the VIP for the same window (they
// start together at a wall-clock barrier), a 1 MiB object (Mbit/s) and then a
// 1 KiB one (requests/s). Beside the throughput: the host's CPU over the
// window (/proc/stat: busy and softirq, where the balancer's eBPF program and
// the veth/bridge path run), the packets the balancer handled (its counters),
// and with perf on the host the share of all CPU samples inside the
// balancer's program. Does the balancer's CPU become the limit, and when?
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAB = `${process.env.LBLAB_TEST_GC_SCOPE ?? ''}scale-traffic`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLIENTS = [1, 2, 4];
const CONNS = 4;

function lblab(args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/lblab.mjs'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`lblab ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return r.stdout;
}

function execAsync(node: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [path.join(ROOT, 'bin/lblab.mjs'), 'exec', LAB, node, '--', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    c.stdout.on('data', (d) => (out += d)); c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`lblab exec ${node}: ${(err || out).trim().split('\n').pop()}`))));
  });
}

/** Host CPU time so far, in jiffies: all, idle (+iowait), softirq. */
function cpuTimes(): { total: number; idle: number; softirq: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), idle: f[3] + f[4], softirq: f[6] };
}

function parseWrk(out: string): { mbit: number; rps: number; errors: number } {
  const tr = out.match(/Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/);
  const rq = out.match(/Requests\/sec:\s+([\d.]+)/);
  if (!tr || !rq) throw new Error(`wrk printed no result:\n${out}`);
  const mult: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = out.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  return {
    mbit: (Number(tr[1]) * mult[tr[2]] * 8) / 1e6,
    rps: Number(rq[1]),
    errors: Number(non2xx?.[1] ?? 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

const hasPerf = spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0;

/** Share of all CPU samples over `seconds` inside BPF programs named lb_ingress (perf, host-wide). */
function perfShare(seconds: number): Promise<number | undefined> {
  if (!hasPerf) return Promise.resolve(undefined);
  const out = path.join(os.tmpdir(), `lblab-scale-perf-${process.pid}.data`);
  return new Promise((resolve) => {
    const p = spawn('perf', ['record', '-a', '-F', '499', '-o', out, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
    p.on('exit', () => {
      const r = spawnSync('perf', ['report', '-i', out, '--sort', 'symbol', '--stdio', '-g', 'none'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      fs.rmSync(out, { force: true });
      if (r.status !== 0) return resolve(undefined);
      let share = 0;
      for (const l of r.stdout.split('\n')) {
        const m = l.match(/^\s*([\d.]+)%.*bpf_prog_\w+_lb_ingress\b/);
        if (m) share += Number(m[1]);
      }
      resolve(share / 100);
    });
  });
}

interface Step { mbit: number; rps: number; busy: number; softirq: number; lbPps: number; progShare?: number; errors: number }

async function step(clients: string[], vip: string, object: string): Promise<Step> {
  const start = Date.now() + 2500; // the barrier: every exec has started by then
  const wait = `now=$(date +%s%3N); d=$((${start} - now)); [ $d -gt 0 ] && sleep $(printf '%d.%03d' $((d/1000)) $((d%1000)));`;
  const stats0 = JSON.parse(lblab(['stats', LAB, '--json']));
  const runs = clients.map((c) => execAsync(c, `${wait} wrk -t1 -c${CONNS} -d${SECONDS}s http://${vip}:80/${object}`));
  await new Promise((r) => setTimeout(r, start - Date.now() + 300));
  const c0 = cpuTimes();
  const share = perfShare(SECONDS - 1);
  await new Promise((r) => setTimeout(r, (SECONDS - 1) * 1000));
  const c1 = cpuTimes();
  const outs = await Promise.all(runs);
  const stats1 = JSON.parse(lblab(['stats', LAB, '--json']));
  const rs = outs.map(parseWrk);
  const rx = (s: { counters: Record<string, number> }[]) => s.reduce((a, x) => a + (x.counters.rx ?? 0), 0);
  const dt = c1.total - c0.total;
  return {
    mbit: rs.reduce((a, r) => a + r.mbit, 0),
    rps: rs.reduce((a, r) => a + r.rps, 0),
    busy: 1 - (c1.idle - c0.idle) / dt,
    softirq: (c1.softirq - c0.softirq) / dt,
    lbPps: (rx(stats1) - rx(stats0)) / SECONDS,
    progShare: await share,
    errors: rs.reduce((a, r) => a + r.errors, 0),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchTraffic(): Promise<void> {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, 'labs/compare.lab.yaml'), 'utf8'));
  doc.name = LAB;
  Object.values(doc.networks as Record<string, { subnet?: string }>).forEach((n, i) => (n.subnet = `198.19.${163 + i}.0/24`));
  for (let i = 2; i <= 4; i++) doc.nodes[`client${i}`] = { kind: 'client', links: [{ network: 'front' }], position: { x: 80, y: 80 + 90 * i } };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-scale-'));
  const file = path.join(dir, `${LAB}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  process.stderr.write(`bench: deploying ${LAB}\n`);
  lblab(['up', file]);
  try {
    const status = JSON.parse(lblab(['status', LAB, '--json']));
    const vip: string = status.services.find((s: { name: string }) => s.name === 'web').vip;
    const res = new Map<string, { big: Step; small: Step }[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['dsr', 'nat']) {
        lblab(['mode', LAB, 'web', mode]);
        lblab(['exec', LAB, 'client1', '--', 'curl', '-fsS', '-o', '/dev/null', '--max-time', '5', `http://${vip}/1k.bin`]);
        for (const k of CLIENTS) {
          const clients = Array.from({ length: k }, (_, i) => `client${i + 1}`);
          const big = await step(clients, vip, '1m.bin');
          const small = await step(clients, vip, '1k.bin');
          (res.get(`${mode}/${k}`) ?? res.set(`${mode}/${k}`, []).get(`${mode}/${k}`)!).push({ big, small });
          process.stderr.write(`bench: traffic round ${round} ${mode} ${k} clients: ${big.mbit.toFixed(0)} Mbit/s, ${small.rps.toFixed(0)} req/s, busy ${(big.busy * 100).toFixed(0)} %\n`);
        }
      }
    }
    console.log(`\n(d) traffic: labs/compare + 3 clients; each client wrk -t1 -c${CONNS} for ${SECONDS} s at the VIP, all clients at once;`);
    console.log(`    ${ROUNDS} rounds (dsr 1 2 4, nat 1 2 4, ...), medians; host CPU over the window (${os.cpus().length} CPUs, all of it shared:`);
    console.log('    clients, servers, router, balancer); lb pkt/s: packets the balancer\'s program handled; prog: share of all CPU');
    console.log(`    samples (perf -a) inside it${hasPerf ? '' : ' (perf not found: not measured)'}`);
    const pct = (x?: number) => (x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);
    for (const mode of ['dsr', 'nat']) {
      console.log(`\n  ${mode}`);
      console.log(`  ${'clients'.padStart(7)}${'1MiB Mbit/s'.padStart(13)}${'× first'.padStart(9)}${'busy'.padStart(8)}${'softirq'.padStart(9)}${'lb pkt/s'.padStart(10)}${'prog'.padStart(8)}` +
        `${'1KiB req/s'.padStart(12)}${'× first'.padStart(9)}${'busy'.padStart(8)}${'softirq'.padStart(9)}${'lb pkt/s'.padStart(10)}${'prog'.padStart(8)}${'errors'.padStart(8)}`);
      const first = res.get(`${mode}/1`)!;
      for (const k of CLIENTS) {
        const rs = res.get(`${mode}/${k}`)!;
        const m = (f: (x: { big: Step; small: Step }) => number | undefined) => {
          const v = rs.map(f).filter((x): x is number => x !== undefined);
          return v.length ? median(v) : undefined;
        };
        const big = m((r) => r.big.mbit)!; const small = m((r) => r.small.rps)!;
        console.log(`  ${String(k).padStart(7)}${big.toFixed(0).padStart(13)}${((big / median(first.map((r) => r.big.mbit))).toFixed(2) + 'x').padStart(9)}` +
          `${pct(m((r) => r.big.busy)).padStart(8)}${pct(m((r) => r.big.softirq)).padStart(9)}${m((r) => r.big.lbPps)!.toFixed(0).padStart(10)}${pct(m((r) => r.big.progShare)).padStart(8)}` +
          `${small.toFixed(0).padStart(12)}${((small / median(first.map((r) => r.small.rps))).toFixed(2) + 'x').padStart(9)}` +
          `${pct(m((r) => r.small.busy)).padStart(8)}${pct(m((r) => r.small.softirq)).padStart(9)}${m((r) => r.small.lbPps)!.toFixed(0).padStart(10)}${pct(m((r) => r.small.progShare)).padStart(8)}` +
          `${String(rs.reduce((a, r) => a + r.big.errors + r.small.errors, 0)).padStart(8)}`);
      }
    }
  } finally {
    lblab(['down', LAB]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
