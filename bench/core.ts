// bench:core — ns/packet of the balancer data plane per mode, measured with
// BPF_PROG_TEST_RUN (repeat >= 1e6) on the host, next to a bare pass-through
// tc program measured in the same run. Needs root, clang, bpftool.
//
// test-run repeats a program on the SAME skb, so rewriting modes are run
// through bench.bpf.o's bench_lb wrapper, which saves and restores the frame
// around each iteration; the wrapper's own cost (bench_restore) is measured
// and subtracted. Every measured packet belongs to an established flow (the
// flow is primed first): that is the steady-state per-packet cost.
//
// Reference rows show the floors: parsing alone; parsing plus the shared
// lb_flows hash lookup (an established packet's cost before the per-CPU flow
// cache, and on a cache miss); parsing plus the cache probe it costs now;
// and, on top of the probe, one L4 checksum update (nat: one per packet,
// snat: two) and the kernel's adjust_room +20 as IPIP opens it (tunnel),
// wrapped like a tunnel run. Both that row and tunnel include the -20 the
// wrapper needs to give the room back, which bench_restore (nothing to
// shrink) cannot subtract: an upper bound.
// `npm run bench:core` then runs bench/modes.ts: the real-lab throughput.
import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataplane, type DpBackend, type DpService } from '../lab-images/balancer/agent/dataplane';
import { RING_SIZE } from '../lab-images/balancer/agent/dataplane-abi';
import { BpfMount, runProg } from '../test/support/bpf/harness';
import { TCP, buildFrame, parseFrame } from '../test/support/bpf/packet';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORE = join(ROOT, 'lab-images/balancer/core');
const REPEAT = Number(process.env.LBLAB_BENCH_REPEAT ?? 1_000_000);
// Each row's program, the wrapper and pass run ROUNDS times, interleaved, and
// each keeps its fastest run: the programs are deterministic, so a slower run
// is the shared host's interference (medians moved up to 2x between runs).
const ROUNDS = 7;
// Every run on one CPU (taskset): runs that landed on either of a shared
// host's CPUs differed by up to 2x; pinned, runs agree within ~10%.
const CPU = Number(process.env.LBLAB_BENCH_CPU ?? 0);

const VIP = '198.18.0.100';
const CLIENT = '198.18.0.50';
const SNAT = '198.18.0.3';

function backend(id: number): DpBackend {
  const m = `02:00:00:00:01:${id.toString(16).padStart(2, '0')}`;
  return {
    id, address: `198.18.1.${id}`, mac: m, weight: 1, healthy: true,
    egress: { ifindex: 7, srcMac: '02:00:00:00:00:b1', srcAddress: '198.18.0.2', nextHopMac: m },
  };
}
function svc(id: number, mode: DpService['mode'], port: number): DpService {
  const bes = [backend(id * 2 - 1), backend(id * 2)];
  // any valid full-size ring will do for timing
  const table = Array.from({ length: RING_SIZE }, (_, i) => bes[i % 2].id);
  return { id, vip: VIP, port, proto: 'tcp', mode, scheduler: 'maglev', backends: bes, table, snatAddress: mode === 'snat' ? SNAT : undefined };
}

interface Row { name: string; frame: Buffer; prog: 'bench_lb' | 'lb_ingress' | 'ref_parse' | 'ref_lookup' | 'ref_cache' | 'ref_csum' | 'ref_encap'; expect: number[] }
/** Programs that run inside the save/restore wrapper, whose cost (bench_restore) is subtracted. */
const WRAPPED = new Set<Row['prog']>(['bench_lb', 'ref_encap']);
export interface BenchResult { name: string; ns: number; restoreNs: number; netNs: number; passNs: number; ratio: number }

/** The interface requests "arrive on": nat/snat replies go back out of it. */
const CLIENT_IFINDEX = 3;

const fastest = (xs: number[]): number => Math.min(...xs);

export async function benchCore(): Promise<BenchResult[]> {
  execFileSync('make', ['-s', '-C', CORE], { stdio: 'inherit' });
  const mount = new BpfMount('bench');
  const mnt = mount.dir;
  let dp: Dataplane | undefined;
  try {
    dp = await Dataplane.load({ objDir: join(CORE, 'build'), pinDir: join(mnt, 'lb'), interfaces: [], object: 'bench.bpf.o' });
    const passProg = join(mnt, 'pass');
    execFileSync('bpftool', ['prog', 'load', join(CORE, 'build/pass.bpf.o'), passProg, 'type', 'classifier'], { stdio: 'pipe' });
    for (const [id, mode, port] of [[1, 'dsr', 80], [2, 'tunnel', 81], [3, 'nat', 82], [4, 'snat', 83]] as const) {
      await dp.applyService(svc(id, mode, port));
    }
    const lb = dp.progPath;
    const fwd = (port: number, sport: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: port, flags: TCP.ACK });
    // prime flows (SYN), learn the backend / snat port the balancer chose
    // SYN, then the ACK that establishes the flow: a flow left half-open
    // would expire (SYN timeout) before the last rows run
    const prime = (port: number, sport: number) => {
      const syn = parseFrame(runProg(lb, buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: port, flags: TCP.SYN }), 1, CLIENT_IFINDEX, CPU).out);
      runProg(lb, buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: port, flags: TCP.ACK }), 1, CLIENT_IFINDEX, CPU);
      return syn;
    };
    prime(80, 50001); prime(81, 50002);
    const nat = prime(82, 50003);
    const snat = prime(83, 50004);
    const reply = (src: string, dst: string, sport: number, dport: number) =>
      buildFrame({ proto: 'tcp', src, dst, sport, dport, flags: TCP.ACK });

    const rows: Row[] = [
      { name: 'dsr', frame: fwd(80, 50001), prog: 'lb_ingress', expect: [7] },
      { name: 'dsr (wrapped)', frame: fwd(80, 50001), prog: 'bench_lb', expect: [7] },
      { name: 'tunnel', frame: fwd(81, 50002), prog: 'bench_lb', expect: [7] },
      { name: 'nat fwd', frame: fwd(82, 50003), prog: 'bench_lb', expect: [7] },
      { name: 'nat rev', frame: reply(nat.ip.dst, CLIENT, 82, 50003), prog: 'bench_lb', expect: [7] },
      { name: 'snat fwd', frame: fwd(83, 50004), prog: 'bench_lb', expect: [7] },
      { name: 'snat rev', frame: reply(snat.ip.dst, SNAT, 83, snat.l4!.sport), prog: 'bench_lb', expect: [7] },
      { name: 'ref: parse', frame: fwd(80, 50001), prog: 'ref_parse', expect: [0] },
      { name: 'ref: +lb_flows', frame: fwd(80, 50001), prog: 'ref_lookup', expect: [0] },
      { name: 'ref: +cache', frame: fwd(80, 50001), prog: 'ref_cache', expect: [0] },
      { name: 'ref: +csum', frame: fwd(80, 50001), prog: 'ref_csum', expect: [0] },
      { name: 'ref: +adjust±20', frame: fwd(80, 50001), prog: 'ref_encap', expect: [0] },
    ];
    const restoreProg = dp.programPath('bench_restore');
    const results: BenchResult[] = [];
    for (const row of rows) {
      const prog = dp.programPath(row.prog);
      const wrapped = WRAPPED.has(row.prog);
      const ns: number[] = []; const rs: number[] = []; const ps: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = runProg(prog, row.frame, REPEAT, 0, CPU);
        if (!row.expect.includes(r.retval)) throw new Error(`${row.name}: verdict ${r.retval}, expected ${row.expect.join('|')}`);
        ns.push(r.duration);
        if (wrapped) rs.push(runProg(restoreProg, row.frame, REPEAT, 0, CPU).duration);
        ps.push(runProg(passProg, row.frame, REPEAT, 0, CPU).duration);
      }
      const n = fastest(ns); const pass = fastest(ps);
      const restore = wrapped ? fastest(rs) : -1;
      // wrapped: the wrapper's run (which includes test-run's own loop, like
      // pass does) is subtracted, then pass added back: what the program
      // would cost run bare, comparable with pass
      const net = wrapped ? Math.max(n - restore, 0) + pass : n;
      results.push({ name: row.name, ns: n, restoreNs: Math.max(restore, 0), netNs: net, passNs: pass, ratio: net / pass });
    }
    const st = await dp.readStats();
    const drops = Object.entries(st.drops).filter(([, v]) => v > 0);
    if (drops.length) throw new Error(`unexpected drops during the bench: ${JSON.stringify(drops)}`);
    return results;
  } finally {
    await dp?.unload().catch(() => {});
    mount.cleanup();
  }
}

export function printTable(rs: BenchResult[]): void {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  // The ratios depend on the machine: pass is mostly test-run's own per-run
  // cost, which moved from 14-15 ns to 7-8 ns between two of our hosts while
  // the programs' own cost stayed about the same.
  console.log(`BPF_PROG_TEST_RUN, repeat ${REPEAT}, fastest of ${ROUNDS}; established flows; CPU ${CPU} of ${cpus()[0]?.model ?? 'cpu ?'} x${cpus().length}, Linux ${release()}`);
  console.log(`${'mode'.padEnd(16)}${pad('ns/pkt', 9)}${pad('wrapper', 9)}${pad('bare', 7)}${pad('pass', 7)}${pad('× pass', 9)}`);
  for (const r of rs) {
    console.log(`${r.name.padEnd(16)}${pad(r.ns, 9)}${pad(r.restoreNs || '-', 9)}${pad(r.netNs, 7)}${pad(r.passNs, 7)}${pad(r.ratio.toFixed(2) + 'x', 9)}`);
  }
  console.log('pass = a tc program that only returns TC_ACT_OK (test-run\'s own per-run cost is most of it).');
  console.log('wrapped rows (rewriting modes) run inside save/restore; bare = ns/pkt - wrapper + pass. Target: bare <= 2x pass.');
  console.log('  dsr is idempotent and runs bare; "dsr (wrapped)" runs it wrapped too, to show what the method adds.');
  console.log('ref rows: parsing; + the shared lb_flows lookup; + the per-CPU flow cache probe (what an established');
  console.log('  packet pays now); + one L4 checksum update (nat: 1 per packet, snat: 2); + adjust_room +20 (tunnel;');
  console.log('  wrapped: it and the tunnel row include the wrapper\'s -20 that gives the room back).');
  const modes = rs.filter((r) => !r.name.startsWith('ref') && r.name !== 'dsr (wrapped)');
  const met = modes.filter((r) => r.ratio <= 2).map((r) => r.name);
  const over = modes.filter((r) => r.ratio > 2).map((r) => r.name);
  console.log(`<= 2x pass: ${met.join(', ') || 'none'}${over.length ? `; over: ${over.join(', ')}` : ''}`);
  console.log(budgetLine(rs));
}

/** What the 2x target leaves a mode on this machine once an established
 * packet has been parsed and found in the flow cache (the 'ref: +cache' floor). */
export function budgetLine(rs: BenchResult[]): string {
  const floor = rs.find((r) => r.name === 'ref: +cache');
  if (!floor) return 'floor: no ref: +cache row';
  const left = 2 * floor.passNs - floor.netNs;
  return `floor: parse + flow-cache probe = ${floor.ratio.toFixed(2)}x pass (${floor.netNs} ns); ` +
    `under 2x that leaves ${left} ns for a mode's own work (backend check, counters, rewrite, checksums, redirect)`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.getuid?.() !== 0) {
    console.error('bench:core needs root (BPF_PROG_TEST_RUN)');
    process.exit(1);
  }
  printTable(await benchCore());
}
