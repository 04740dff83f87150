// bench:core — ns/packet of the balancer data plane per mode, measured with
// BPF_PROG_TEST_RUN on the host, beside Katran's XDP balancer as a peer and
// each hook's bare pass program, all in the same run. Needs root, clang,
// bpftool, perl; Katran's sources for the peer (katranMissing()).
//
// Two methods, both pinned to one CPU, each number the fastest of ROUNDS
// interleaved rounds:
//  - repeat (the main table): test-run with `repeat` >= 1e6 runs a program
//    on the SAME buffer, so rewriting programs run inside wrappers that
//    restore the frame after each run (ours: bench.bpf.o's bench_lb; Katran:
//    test/support/bpf/katran-wrap.bpf.c), and each wrapper's own cost,
//    measured alone, is subtracted. An encapsulating row also carries the
//    give-back of its 20 bytes (an upper bound; split out below for ours).
//  - fresh frames: one test-run per packet on a new buffer (runFresh), the
//    product's own lb_ingress (balancer.bpf.o) and Katran's balancer_ingress
//    unwrapped: no wrapper, nothing to give back, a cold buffer every time.
//    The mean of each round's fastest 80 %.
// Every measured packet belongs to an established flow (primed first): the
// steady-state per-packet cost. Each row is printed as ns of work above its
// own hook's pass program (tc for lb_ingress, XDP for lb_xdp and Katran).
// Fresh frames also run the product at XDP (balancer_xdp.bpf.o lb_xdp, "xdp"
// rows): the last line compares it with Katran, both at XDP.
// `npm run bench:core` then runs bench/modes.ts: the real-lab throughput.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataplane, type DpBackend, type DpService } from '../lab-images/balancer/agent/dataplane';
import { RING_SIZE } from '../lab-images/balancer/agent/dataplane-abi';
import { BpfMount, LO_IFINDEX, lowMean, runFresh, runProg } from '../test/support/bpf/harness';
import { KatranPeer, XDP_PASS, XDP_TX, katranMissing } from '../test/support/bpf/katran';
import { TCP, buildFrame, parseFrame } from '../test/support/bpf/packet';
import { buildFrame6, parseFrame6 } from '../test/support/bpf/packet6';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORE = join(ROOT, 'lab-images/balancer/core');
const REPEAT = Number(process.env.LBLAB_BENCH_REPEAT ?? 1_000_000);
/** fresh-frame runs per program and round */
const FRESH = Number(process.env.LBLAB_BENCH_FRESH ?? 20_000);
// Each row's program, its wrapper and pass run ROUNDS times, interleaved, and
// each keeps its fastest run: the programs are deterministic, so a slower run
// is the shared host's interference (medians moved up to 2x between runs).
const ROUNDS = Number(process.env.LBLAB_BENCH_ROUNDS ?? 7);
/** new snat flows per round (3 rounds: 2 x 3 x this lb_flows entries, within its 131 072) */
const NEW_FLOWS = Number(process.env.LBLAB_BENCH_NEW_FLOWS ?? 10_000);
// Every run on one CPU (taskset): runs that landed on either of a shared
// host's CPUs differed by up to 2x; pinned, runs agree within ~10%.
const CPU = Number(process.env.LBLAB_BENCH_CPU ?? 0);

const VIP = '198.18.0.100';
const CLIENT = '198.18.0.50';
const SNAT = '198.18.0.3';
const TUNNEL_PORT = 81;
const TUNNEL_SPORT = 50002;
/** a tunnel service over an IPv6 underlay (4in6: its IPv4 VIP's packets to the backends in IPv6) */
const TUNNEL46_PORT = 84;
// IPv6: the same services with a vip6, their backends with IPv6 addresses
const VIP6 = 'fd00:18::100';
const CLIENT6 = 'fd00:18::50';
const SNAT6 = 'fd00:18:1::3';
const LB6 = 'fd00:18:1::2';

function backend(id: number): DpBackend {
  const m = `02:00:00:00:01:${id.toString(16).padStart(2, '0')}`;
  return {
    id, address: `198.18.1.${id}`, mac: m, weight: 1, healthy: true,
    address6: `fd00:18:1::${id.toString(16)}`,
    egress: { ifindex: LO_IFINDEX, srcMac: '02:00:00:00:00:b1', srcAddress: '198.18.0.2', srcAddress6: LB6, nextHopMac: m },
  };
}
function svc(id: number, mode: DpService['mode'], port: number, underlay?: DpService['underlay']): DpService {
  const bes = [backend(id * 2 - 1), backend(id * 2)];
  // any valid full-size ring will do for timing
  const table = Array.from({ length: RING_SIZE }, (_, i) => bes[i % 2].id);
  return { id, vip: VIP, port, proto: 'tcp', mode, scheduler: 'maglev', backends: bes, table, snatAddress: mode === 'snat' ? SNAT : undefined,
    vip6: VIP6, snatAddress6: mode === 'snat' ? SNAT6 : undefined, ...(underlay && { underlay }) };
}

type Hook = 'tc' | 'xdp';
interface Spec {
  name: string; hook: Hook; prog: string; frame: Buffer; expect: number[];
  /** the wrapper alone, subtracted (repeat method) */
  restore?: string;
  /** repeat method: the output must be the input again (Katran's wrapper restores it) */
  intact?: boolean;
}
export interface Row { name: string; hook: Hook; ns: number; restoreNs: number; bareNs: number; passNs: number; work: number; ratio: number }

/** The interface requests "arrive on": nat/snat replies go back out of it. */
const CLIENT_IFINDEX = LO_IFINDEX;

const fastest = (xs: number[]): number => Math.min(...xs);
const round1 = (x: number): number => Math.round(x * 10) / 10;

export interface CoreResult {
  repeat: Row[];
  fresh: Row[];
  /** Katran's wrapper counters after the timed runs, or why the peer is absent */
  katran: { checks: { ok: number; runs: number }; lruMisses: number; fallback: number } | { missing: string };
  /** a new snat flow's work above pass, ns: scheduling, the port claim (rest check included), both lb_flows entries */
  snatNewFlow: number;
}

export async function benchCore(): Promise<CoreResult> {
  // the product (balancer.bpf.o) and the bench objects (bench.bpf.o, pass.bpf.o: never in the image)
  execFileSync('make', ['-s', '-C', CORE, 'all', 'bench'], { stdio: 'inherit' });
  const mount = new BpfMount('bench');
  const mnt = mount.dir;
  let dp: Dataplane | undefined;
  let katran: KatranPeer | undefined;
  try {
    dp = await Dataplane.load({ objDir: join(CORE, 'build'), pinDir: join(mnt, 'lb'), interfaces: [], object: 'bench.bpf.o' });
    const passProg = join(mnt, 'pass');
    execFileSync('bpftool', ['prog', 'load', join(CORE, 'build/pass.bpf.o'), passProg, 'type', 'classifier'], { stdio: 'pipe' });
    // the product's program on the same maps, for fresh-frame runs
    const maps = join(mnt, 'lb/maps');
    const reuse = readdirSync(maps).filter((n) => n.startsWith('lb_')).flatMap((n) => ['map', 'name', n, 'pinned', join(maps, n)]); // bench_* maps are bench.bpf.o's own
    execFileSync('bpftool', ['prog', 'loadall', join(CORE, 'build/balancer.bpf.o'), join(mnt, 'product'), 'type', 'classifier', ...reuse], { stdio: 'pipe' });
    const product = join(mnt, 'product/lb_ingress');
    // the product at XDP (balancer_xdp.bpf.o's lb_xdp) on the same maps, and the XDP hook's own pass
    execFileSync('bpftool', ['prog', 'loadall', join(CORE, 'build/balancer_xdp.bpf.o'), join(mnt, 'productXdp'), 'type', 'xdp', ...reuse], { stdio: 'pipe' });
    const productXdp = join(mnt, 'productXdp/lb_xdp');
    const passXdp = join(mnt, 'passXdp');
    execFileSync('bpftool', ['prog', 'load', join(CORE, 'build/pass_xdp.bpf.o'), passXdp, 'type', 'xdp'], { stdio: 'pipe' });
    for (const [id, mode, port] of [[1, 'dsr', 80], [2, 'tunnel', TUNNEL_PORT], [3, 'nat', 82], [4, 'snat', 83]] as const) {
      await dp.applyService(svc(id, mode, port));
    }
    await dp.applyService(svc(5, 'tunnel', TUNNEL46_PORT, 'ipv6'));
    const lb = dp.progPath;
    const fwd = (port: number, sport: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: port, flags: TCP.ACK });
    const syn = (port: number, sport: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: port, flags: TCP.SYN });
    // prime flows (SYN), learn the backend / snat port the balancer chose
    // SYN, then the ACK that establishes the flow: a flow left half-open
    // would expire (SYN timeout) before the last rows run
    const prime = (port: number, sport: number) => {
      const first = parseFrame(runProg(lb, syn(port, sport), 1, CLIENT_IFINDEX, CPU).out);
      runProg(lb, fwd(port, sport), 1, CLIENT_IFINDEX, CPU);
      return first;
    };
    prime(80, 50001); prime(TUNNEL_PORT, TUNNEL_SPORT); prime(TUNNEL46_PORT, TUNNEL_SPORT);
    const nat = prime(82, 50003);
    const snat = prime(83, 50004);
    const reply = (src: string, dst: string, sport: number, dport: number) =>
      buildFrame({ proto: 'tcp', src, dst, sport, dport, flags: TCP.ACK });
    const tunnelFrame = fwd(TUNNEL_PORT, TUNNEL_SPORT);
    const modeFrames: [string, Buffer][] = [
      ['dsr', fwd(80, 50001)],
      ['tunnel', tunnelFrame],
      ['nat fwd', fwd(82, 50003)],
      ['nat rev', reply(nat.ip.dst, CLIENT, 82, 50003)],
      ['snat fwd', fwd(83, 50004)],
      ['snat rev', reply(snat.ip.dst, SNAT, 83, snat.l4!.sport)],
    ];

    // IPv6: the same four services on their vip6 (their own maps and flow cache)
    const fwd6 = (port: number, sport: number, flags: number = TCP.ACK) => buildFrame6({ proto: 'tcp', src: CLIENT6, dst: VIP6, sport, dport: port, flags });
    const prime6 = (port: number, sport: number) => {
      const first = parseFrame6(runProg(lb, fwd6(port, sport, TCP.SYN), 1, CLIENT_IFINDEX, CPU).out);
      runProg(lb, fwd6(port, sport), 1, CLIENT_IFINDEX, CPU);
      return first;
    };
    prime6(80, 50001); prime6(TUNNEL_PORT, TUNNEL_SPORT);
    const nat6 = prime6(82, 50003);
    const snat6 = prime6(83, 50004);
    const reply6 = (src: string, dst: string, sport: number, dport: number) =>
      buildFrame6({ proto: 'tcp', src, dst, sport, dport, flags: TCP.ACK });
    const modeFrames6: [string, Buffer][] = [
      ['dsr6', fwd6(80, 50001)],
      ['tunnel6', fwd6(TUNNEL_PORT, TUNNEL_SPORT)],
      ['nat6 fwd', fwd6(82, 50003)],
      ['nat6 rev', reply6(nat6.ip.dst, CLIENT6, 82, 50003)],
      ['snat6 fwd', fwd6(83, 50004)],
      ['snat6 rev', reply6(snat6.ip.dst, SNAT6, 83, snat6.l4!.sport)],
    ];

    const missing = katranMissing();
    if (!missing) {
      katran = await KatranPeer.start('katran', {
        vip: VIP, port: TUNNEL_PORT, reals: ['198.18.1.3', '198.18.1.4', '198.18.1.5'], routerMac: '02:00:00:00:00:fe',
        vip6: VIP6, reals6: ['fd00:18:1::3', 'fd00:18:1::4', 'fd00:18:1::5'],
      });
      const r6 = runProg(katran.prog('katran_bare'), fwd6(TUNNEL_PORT, TUNNEL_SPORT, TCP.SYN), 1, 0, CPU);
      if (r6.retval !== XDP_TX) throw new Error(`Katran peer: the IPv6 SYN got verdict ${r6.retval}, expected XDP_TX (${XDP_TX})`);
      // prime Katran's flow on the measuring CPU (its LRU is per CPU)
      const r = runProg(katran.prog('katran_bare'), syn(TUNNEL_PORT, TUNNEL_SPORT), 1, 0, CPU);
      if (r.retval !== XDP_TX) throw new Error(`Katran peer: the SYN got verdict ${r.retval}, expected XDP_TX (${XDP_TX})`);
      await katran.setGolden(tunnelFrame);
      await katran.resetChecks();
    }

    const restore = dp.programPath('bench_restore');
    const ref = (name: string, prog: string, wrapped = false): Spec =>
      ({ name, hook: 'tc', prog: dp!.programPath(prog), frame: fwd(80, 50001), expect: [0], restore: wrapped ? restore : undefined });
    const repeatSpecs: Spec[] = [
      // dsr is idempotent: bare; "dsr (wrapped)" shows what the method adds
      { name: 'dsr', hook: 'tc', prog: lb, frame: modeFrames[0][1], expect: [7] },
      { name: 'dsr (wrapped)', hook: 'tc', prog: dp.programPath('bench_lb'), frame: modeFrames[0][1], expect: [7], restore },
      ...modeFrames.slice(1).map(([name, frame]): Spec => ({ name, hook: 'tc', prog: dp!.programPath('bench_lb'), frame, expect: [7], restore })),
      { name: 'dsr6', hook: 'tc', prog: lb, frame: modeFrames6[0][1], expect: [7] },
      ...modeFrames6.slice(1).map(([name, frame]): Spec => ({
        name, hook: 'tc', prog: dp!.programPath('bench_lb6'), frame, expect: [7], restore: dp!.programPath('bench_restore6'),
      })),
      ref('ref: parse', 'ref_parse'),
      ref('ref: +lb_flows', 'ref_lookup'),
      ref('ref: +cache', 'ref_cache'),
      ref('ref: +csum', 'ref_csum'),
      ref('ref: +adjust±20', 'ref_encap', true),
      ref('ref: +adjust+20×2', 'ref_encap2', true),
    ];
    if (katran) {
      repeatSpecs.push(
        { name: 'katran ipip', hook: 'xdp', prog: katran.prog('katran_wrapped'), frame: tunnelFrame, expect: [XDP_TX], restore: katran.prog('katran_restore'), intact: true },
        { name: 'katran ref: adj±20', hook: 'xdp', prog: katran.prog('katran_ref_adj'), frame: tunnelFrame, expect: [XDP_TX], restore: katran.prog('katran_restore'), intact: true },
      );
    }
    const pass: Record<Hook, string> = { tc: passProg, xdp: passXdp };

    const repeat: Row[] = [];
    for (const s of repeatSpecs) {
      const ns: number[] = []; const rs: number[] = []; const ps: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = runProg(s.prog, s.frame, REPEAT, 0, CPU);
        if (!s.expect.includes(r.retval)) throw new Error(`${s.name}: verdict ${r.retval}, expected ${s.expect.join('|')}`);
        if (s.intact && !r.out.equals(s.frame)) throw new Error(`${s.name}: the frame after ${REPEAT} wrapped runs differs from the input`);
        ns.push(r.duration);
        if (s.restore) rs.push(runProg(s.restore, s.frame, REPEAT, 0, CPU).duration);
        ps.push(runProg(pass[s.hook], s.frame, REPEAT, 0, CPU).duration);
      }
      const n = fastest(ns); const p = fastest(ps);
      const w = s.restore ? fastest(rs) : 0;
      // wrapped: the wrapper's run (which includes test-run's own loop, like
      // pass does) is subtracted, then pass added back: what the program
      // would cost run bare, comparable with pass
      const bare = s.restore ? Math.max(n - w, 0) + p : n;
      repeat.push({ name: s.name, hook: s.hook, ns: n, restoreNs: w, bareNs: bare, passNs: p, work: bare - p, ratio: bare / p });
    }

    let katranOut: CoreResult['katran'] = { missing: missing ?? 'not started' };
    if (katran) {
      const c = katran.readChecks();
      const lru = katran.readLru();
      // every wrapped run: intact input frame and XDP_TX; no LRU miss but the SYN's
      if (c.wrapped.runs !== ROUNDS * REPEAT || c.wrapped.ok !== c.wrapped.runs) {
        throw new Error(`Katran peer: ${c.wrapped.ok} of ${c.wrapped.runs} wrapped runs (expected ${ROUNDS * REPEAT}) had an intact input and returned XDP_TX`);
      }
      if (lru.misses !== 2 || lru.fallback !== 0) throw new Error(`Katran peer: ${lru.misses} LRU misses (expected 2: the IPv4 and the IPv6 SYN), ${lru.fallback} fallback-LRU uses`);
      katranOut = { checks: c.wrapped, lruMisses: lru.misses, fallback: lru.fallback };
    }

    // fresh frames: the product's lb_ingress, refs, Katran unwrapped
    const freshSpecs: Spec[] = [
      ...modeFrames.map(([name, frame]): Spec => ({ name, hook: 'tc', prog: product, frame, expect: [7] })),
      ...modeFrames6.map(([name, frame]): Spec => ({ name, hook: 'tc', prog: product, frame, expect: [7] })),
      // at XDP every next hop is on lo, the interface test-run's frames arrive on: XDP_TX
      ...[...modeFrames, ...modeFrames6].map(([name, frame]): Spec => ({ name: `xdp ${name}`, hook: 'xdp', prog: productXdp, frame, expect: [XDP_TX] })),
      // the IPv4 VIP over IPv6 backends (4in6: 40 bytes of room, the protocol made IPv6); fresh frames only, since the
      // repeat wrapper gives back IPIP's 20 bytes
      { name: '4in6', hook: 'tc', prog: product, frame: fwd(TUNNEL46_PORT, TUNNEL_SPORT), expect: [7] },
      { name: 'xdp 4in6', hook: 'xdp', prog: productXdp, frame: fwd(TUNNEL46_PORT, TUNNEL_SPORT), expect: [XDP_TX] },
      ref('ref: +cache', 'ref_cache'),
      ref('ref: +adjust_room+20', 'ref_grow_adj'),
      ref('ref: +change_head+20', 'ref_grow_head'),
    ];
    if (katran) {
      freshSpecs.push(
        { name: 'katran ipip', hook: 'xdp', prog: katran.prog('katran_bare'), frame: tunnelFrame, expect: [XDP_TX] },
        { name: 'xdp ref: adjust_head+20', hook: 'xdp', prog: katran.prog('xdp_ref_grow'), frame: tunnelFrame, expect: [XDP_TX] },
        { name: 'katran ip6ip6', hook: 'xdp', prog: katran.prog('katran_bare'), frame: modeFrames6[1][1], expect: [XDP_TX] },
      );
    }
    const passExpect: Record<Hook, number> = { tc: 0, xdp: XDP_PASS };
    const fr: Record<string, number[]> = {};
    const fp: Record<string, number[]> = {};
    for (let i = 0; i < ROUNDS; i++) {
      for (const s of freshSpecs) {
        const r = runFresh(s.prog, [s.frame], FRESH, { cpu: CPU });
        const bad = r.retvals.findIndex((v) => !s.expect.includes(v));
        if (bad >= 0) throw new Error(`${s.name} (fresh): run ${bad} gave verdict ${r.retvals[bad]}, expected ${s.expect.join('|')}`);
        const p = runFresh(pass[s.hook], [s.frame], FRESH, { cpu: CPU });
        if (p.retvals.some((v) => v !== passExpect[s.hook])) throw new Error(`${s.hook} pass (fresh): unexpected verdict`);
        (fr[s.name] ??= []).push(lowMean(r.durations));
        (fp[s.name] ??= []).push(lowMean(p.durations));
      }
    }
    const fresh = freshSpecs.map((s): Row => {
      const n = round1(fastest(fr[s.name])); const p = round1(fastest(fp[s.name]));
      return { name: s.name, hook: s.hook, ns: n, restoreNs: 0, bareNs: n, passNs: p, work: round1(n - p), ratio: n / p };
    });

    // a new snat flow per run (bench.bpf.o's flood: another client 5-tuple each time), on the product's pipeline
    const flood = dp.programPath('flood');
    const newNs: number[] = []; const newPass: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = runProg(flood, syn(83, 1), NEW_FLOWS, 0, CPU);
      if (r.retval !== 7) throw new Error(`snat new flow: verdict ${r.retval}, expected 7`);
      newNs.push(r.duration);
      newPass.push(runProg(passProg, syn(83, 1), NEW_FLOWS, 0, CPU).duration);
    }
    const snatNewFlow = round1(fastest(newNs) - fastest(newPass));

    const st = await dp.readStats();
    const drops = Object.entries(st.drops).filter(([, v]) => v > 0);
    if (drops.length) throw new Error(`unexpected drops during the bench: ${JSON.stringify(drops)}`);
    return { repeat, fresh, katran: katranOut, snatNewFlow };
  } finally {
    katran?.stop();
    await dp?.unload().catch(() => {});
    mount.cleanup();
  }
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const HEAD = `${'mode'.padEnd(24)}${pad('hook', 5)}${pad('ns/pkt', 9)}${pad('wrapper', 9)}${pad('bare', 8)}${pad('pass', 7)}${pad('work', 8)}${pad('× pass', 9)}`;
function line(r: Row): string {
  return `${r.name.padEnd(24)}${pad(r.hook, 5)}${pad(r.ns, 9)}${pad(r.restoreNs || '-', 9)}${pad(r.bareNs, 8)}${pad(r.passNs, 7)}${pad(r.work, 8)}${pad(r.ratio.toFixed(2) + 'x', 9)}`;
}
const find = (rs: Row[], name: string): Row | undefined => rs.find((r) => r.name === name);

export function printReport(res: CoreResult): void {
  const la = loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`BPF_PROG_TEST_RUN on CPU ${CPU} of ${cpus()[0]?.model ?? 'cpu ?'} x${cpus().length}, Linux ${release()}, load ${la}; established flows`);
  if ('missing' in res.katran) console.log(`peer: Katran is MISSING, its rows are left out: ${res.katran.missing}`);
  console.log(`\nrepeat: ${REPEAT} runs on one buffer, fastest of ${ROUNDS}`);
  console.log(HEAD);
  for (const r of res.repeat) console.log(line(r));
  console.log('work = bare - pass, where pass is the same hook\'s do-nothing program (tc: TC_ACT_OK, xdp: XDP_PASS);');
  console.log('  wrapped rows run inside save/restore; bare = ns/pkt - wrapper + pass.');
  console.log('  dsr is idempotent and runs bare; "dsr (wrapped)" runs it wrapped too, to show what the method adds.');
  console.log('ref rows: parsing; + the shared lb_flows lookup; + the per-CPU flow cache probe (what an established');
  console.log('  packet pays now); + one L4 checksum update (nat: 1 per packet, snat: 2); + adjust_room +20 and the');
  console.log('  wrapper\'s -20 (tunnel); the same +20 twice, -40 once.');
  const enc = find(res.repeat, 'ref: +adjust±20'); const enc2 = find(res.repeat, 'ref: +adjust+20×2'); const cache = find(res.repeat, 'ref: +cache');
  const tun = find(res.repeat, 'tunnel');

  if (enc && enc2 && cache && tun) {
    const grow = enc2.bareNs - enc.bareNs;
    const giveBack = enc.bareNs - cache.bareNs - grow;
    console.log(`tc room: adjust_room +20 = ${grow} ns, the wrapper's -20 = ${giveBack} ns; so tunnel ${tun.work} ns includes ~${giveBack} ns of give-back (without it ~${tun.work - giveBack} ns)`);
  }
  if (!('missing' in res.katran)) {
    const k = res.katran;
    console.log(`katran: ${k.checks.ok} of ${k.checks.runs} wrapped runs had the original frame as input and returned XDP_TX; LRU misses ${k.lruMisses} (the SYN), fallback LRU ${k.fallback}`);
  }

  console.log(`\nfresh frames: one test-run per packet on a new buffer, ${FRESH} per round, mean of the fastest 80 %, fastest of ${ROUNDS} rounds`);
  console.log(HEAD);
  for (const r of res.fresh) console.log(line(r));
  console.log('ours: the product\'s lb_ingress (balancer.bpf.o) on the same maps, "xdp" rows its lb_xdp (balancer_xdp.bpf.o);');
  console.log('  katran: balancer_ingress unwrapped. XDP rows: work above the XDP hook\'s pass (pass_xdp.bpf.o).');
  const fc = find(res.fresh, 'ref: +cache');
  const fa = find(res.fresh, 'ref: +adjust_room+20'); const fh = find(res.fresh, 'ref: +change_head+20'); const fx = find(res.fresh, 'xdp ref: adjust_head+20');
  const ft = find(res.fresh, 'tunnel');
  if (fc && fa && fh && ft) {
    const adj = round1(fa.bareNs - fc.bareNs); const head = round1(fh.bareNs - fc.bareNs);
    console.log(`room for IPIP, fresh frames: tc adjust_room ${adj} ns, tc change_head ${head} ns` + (fx ? `, xdp adjust_head ${fx.work} ns` : ''));
    console.log(`  tunnel growing with change_head instead: ~${round1(ft.work - adj + head)} ns. Not used: it moves the MAC header only, the skb's`);
    console.log('  network header stays on the inner one, so `tcpdump -i any` on the balancer shows tunnel packets leaving without');
    console.log('  their outer header (per-interface captures and the wire are right); GSO packets need adjust_room\'s encap flags anyway.');
  }
  const f46 = find(res.fresh, '4in6'); const x46 = find(res.fresh, 'xdp 4in6');
  if (f46 && x46 && ft) {
    console.log(`4in6 (the IPv4 VIP over IPv6 backends), fresh frames: tc ${f46.work} ns, xdp ${x46.work} ns of work; IPIP's tunnel ${ft.work} ns, xdp ${find(res.fresh, 'xdp tunnel')?.work ?? '?'} ns`);
  }

  console.log(`\nsnat new flow: ${res.snatNewFlow} ns of work above pass per new flow (${NEW_FLOWS} SYNs of new 5-tuples per round, fastest of 3:`);
  console.log('  scheduling, the port claim with its rest check, both lb_flows entries)');

  const kf6 = find(res.fresh, 'katran ip6ip6');
  if (kf6) {
    console.log(`\nIPv6, fresh frames: ${targetLine(res.fresh, kf6, MODES6).replace("Katran's", "Katran's IPv6 VIP's")}`);
    const w = (n: string) => find(res.fresh, n)?.work ?? NaN;
    const adj = find(res.fresh, 'ref: +adjust_room+20'); const c = find(res.fresh, 'ref: +cache');
    console.log(`IPv6, fresh frames: katran ip6ip6 ${kf6.work} ns, ours tunnel6 ${w('tunnel6')} ns (adjust_room's room alone ~${adj && c ? round1(adj.bareNs - c.bareNs) : '?'} ns), ` +
      `dsr6 ${w('dsr6')} ns, nat6 ${w('nat6 fwd')} ns, snat6 ${w('snat6 fwd')} ns (work above pass)`);
  }
  const kr = find(res.repeat, 'katran ipip');
  const kf = find(res.fresh, 'katran ipip');
  if (kf) {
    console.log(`\nfresh frames: ${targetLine(res.fresh, kf)}`);
    console.log(`fresh frames: ${peerLine(res.fresh, kf)}`);
  }
  if (kr) {
    console.log(`repeat: ${targetLine(res.repeat, kr)}`);
    console.log(peerLine(res.repeat, kr));
  } else {
    console.log(`peer: katran not measured (${'missing' in res.katran ? res.katran.missing : '?'})`);
  }
  if (kf) {
    console.log(`xdp, fresh frames: ${targetLine(res.fresh, kf, MODES.map((m) => `xdp ${m}`))}`);
    console.log(peerXdpLine(res.fresh, kf));
  }
}

/** The modes' own rows (nat/snat: both directions). */
const MODES = ['dsr', 'tunnel', 'nat fwd', 'nat rev', 'snat fwd', 'snat rev'];
/** The IPv6 modes' rows (the same services on their vip6). */
const MODES6 = ['dsr6', 'tunnel6', 'nat6 fwd', 'nat6 rev', 'snat6 fwd', 'snat6 rev'];

/** Target: every mode's work at most half of Katran's. */
export function targetLine(rs: Row[], k: Row, modes: string[] = MODES): string {
  const half = k.work / 2;
  const rows = rs.filter((r) => modes.includes(r.name));
  const met = rows.filter((r) => r.work <= half).map((r) => r.name);
  const over = rows.filter((r) => r.work > half).map((r) => `${r.name} by ${round1(r.work - half)} ns (${Math.round((r.work / half - 1) * 100)} %)`);
  return `target: work <= half of Katran's (${round1(half)} ns): met by ${met.join(', ') || 'none'}${over.length ? `; missed: ${over.join(', ')}` : ''}`;
}

/** The closing comparison; nat and snat as their forward direction, the one Katran has. */
export function peerLine(rs: Row[], k: Row): string {
  const w = (n: string) => find(rs, n)?.work ?? NaN;
  return `peer: katran ipip ${k.work} ns, ours tunnel ${w('tunnel')} ns, dsr ${w('dsr')} ns, nat ${w('nat fwd')} ns, snat ${w('snat fwd')} ns (work above pass)`;
}

/** The same comparison at one hook, both programs at XDP (fresh frames). */
export function peerXdpLine(rs: Row[], k: Row): string {
  const w = (n: string) => find(rs, `xdp ${n}`)?.work ?? NaN;
  return `peer xdp: katran ipip ${k.work} ns, ours tunnel ${w('tunnel')} ns, dsr ${w('dsr')} ns, nat ${w('nat fwd')} ns, snat ${w('snat fwd')} ns (work above pass)`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.getuid?.() !== 0) {
    console.error('bench:core needs root (BPF_PROG_TEST_RUN)');
    process.exit(1);
  }
  printReport(await benchCore());
}
