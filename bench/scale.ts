// bench:scale — how lblab's costs grow with the work, as curves whose points
// are ratios to the first point measured in the same run (the host is shared
// and its speed moves between runs, not within one):
//   core     ns/packet of the eBPF core with 1, 1 000, 100 000 and 1 000 000
//            flows per mode, at XDP and at tc (the per-CPU flow cache holds
//            65 536; lb_flows is sized as the agent sizes it, for the default
//            maxFlows of 10^6 flows, 2 entries each), beside Katran's
//            balancer_ingress (XDP) with its per-CPU LRU sized for the same
//            flows: test-run with `repeat` through wrappers that give each
//            run the next flow's source address (bench_wrap.h bench_flows,
//            in bench_xdp.bpf.o and bench.bpf.o; katran-wrap.bpf.c
//            katran_flows), pinned to one CPU
//   maglev   the agent's Maglev table build and apply (the map writes it
//            would make) for 3, 100 and 1 000 backends, and the share of
//            flows remapped when one leaves
//   deploy   `lblab up` of 6, 12 and 24-node labs from cached images against
//            as many bare `docker run -d` (Docker)
//   traffic  throughput through dsr and nat with 1, 2 and 4 clients, the
//            host's CPU and the balancer program's share of it (Docker)
//   npm run bench:scale [-- core maglev deploy traffic]   (all by default)
// core and maglev need root (bpffs, BPF_PROG_TEST_RUN); deploy and traffic a
// Docker engine and the lab images.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataplane, serviceWrites, type DpBackend, type DpService } from '../lab-images/balancer/agent/dataplane';
import { MapWrites, writeMaps } from '../lab-images/balancer/agent/bpf-tool';
import { MAPS, MAX_SVC_BACKENDS, backendValue, u32Key, type BackendEntry } from '../lab-images/balancer/agent/dataplane-abi';
import { MAGLEV_SIZE, maglevTable } from '../lab-images/balancer/agent/maglev';
import { DATAPLANE_MODES, type DataplaneMode } from '../lab-images/balancer/contract/vocabulary';
import { BpfMount, LO_IFINDEX, runProg } from '../test/support/bpf/harness';
import { KatranPeer, XDP_TX, katranMissing } from '../test/support/bpf/katran';
import { DEFAULT_MAX_FLOWS } from '../lab-images/balancer/contract/flow-table';
import { TCP, buildFrame } from '../test/support/bpf/packet';
import { benchDeploy } from './scale-deploy';
import { benchTraffic } from './scale-traffic';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORE = join(ROOT, 'lab-images/balancer/core');
/** LBLAB_SCALE_MODES=nat,snat: only these modes (and Katran unless LBLAB_SCALE_KATRAN=0), for a quick look at one curve */
const ONLY_MODES = process.env.LBLAB_SCALE_MODES?.split(',');
const WITH_KATRAN = process.env.LBLAB_SCALE_KATRAN !== '0';
const CPU = Number(process.env.LBLAB_BENCH_CPU ?? 0);
const FLOWS = (process.env.LBLAB_SCALE_FLOWS ?? '1,1000,100000,1000000').split(',').map(Number);
const REPEAT = Number(process.env.LBLAB_BENCH_REPEAT ?? 1_000_000);
const ROUNDS = Number(process.env.LBLAB_SCALE_ROUNDS ?? 5);
/** as many reals as Katran's VIP has; snat takes 16 source addresses (58 976 ports each per backend: room for
 * 2.8 million flows) */
const BACKENDS_PER_SERVICE = 3;
const SNAT_ADDRS = Array.from({ length: 16 }, (_, i) => `198.18.0.${3 + i}`);
/** the interface requests "arrive on" (nat/snat reply entries) */
const CLIENT_IFINDEX = LO_IFINDEX;

const pad = (s: string | number, n: number) => String(s).padStart(n);

// ------------------------------------------------------------------ core
type Mode = DataplaneMode;
const MODES = DATAPLANE_MODES.filter((m) => !ONLY_MODES || ONLY_MODES.includes(m));
const VIP = '198.18.0.100';
const PORT = 80;

function service(mode: Mode): DpService {
  const backends: DpBackend[] = Array.from({ length: BACKENDS_PER_SERVICE }, (_, i) => {
    const mac = `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`;
    return {
      id: i + 1, address: `198.18.1.${i + 1}`, mac, weight: 1, healthy: true,
      egress: { ifindex: LO_IFINDEX, srcMac: '02:00:00:00:00:b1', srcAddress: '198.18.0.2', nextHopMac: mac },
    };
  });
  const table = maglevTable(backends.map((b) => ({ id: b.id, key: b.address, weight: 1 })));
  return { id: 1, vip: VIP, port: PORT, proto: 'tcp', mode, scheduler: 'maglev', backends, table, ...(mode === 'snat' && { snatAddress: SNAT_ADDRS[0], snatAddresses: SNAT_ADDRS }) };
}

interface CorePoint { flows: number; ns: number; wrapper: number; pass: number; work: number; newFlows: number; drops: number; runs: number; evicted?: number }
/** the flow table as the agent sizes it by default, or bigger if a point asks more */
const MAX_FLOWS = Number(process.env.LBLAB_SCALE_MAX_FLOWS ?? Math.max(DEFAULT_MAX_FLOWS, ...FLOWS));
let tableInfo: { entries: number; bytes: number; maxFlows: number } | undefined;

/** Source addresses of the flows: 10.0.0.0 + i. */
const FLOW_BASE = 0x0a000000;

function setFlows(dp: Dataplane, n: number): void {
  const le = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24].map(String);
  // per-CPU map: bpftool writes the same value on every CPU
  execFileSync('bpftool', ['map', 'update', 'pinned', dp.mapPath('bench_flow_ctl'), 'key', '0', '0', '0', '0',
    'value', ...le(n), ...le(0), ...le(FLOW_BASE)], { stdio: 'pipe' });
}

/** Our core at one hook, as bench:scale test-runs it: the wrappers' object (bench_wrap.h, the same source
 * compiled per hook), that hook's do-nothing program, the verdict an established packet gets (every next hop is
 * on lo, where test-run's frames arrive: tc redirects, XDP transmits), and the ctx the SYNs arrive with (tc: an
 * skb ctx naming lo, so nat/snat reply entries point there; XDP test-run says lo without one). */
type Hook = 'tc' | 'xdp';
interface HookRun { object: string; pass: string; passType: string; sent: number; synIfindex: number }
const HOOK_RUN: Record<Hook, HookRun> = {
  tc: { object: 'bench.bpf.o', pass: 'pass.bpf.o', passType: 'classifier', sent: 7 /* TC_ACT_REDIRECT */, synIfindex: CLIENT_IFINDEX },
  xdp: { object: 'bench_xdp.bpf.o', pass: 'pass_xdp.bpf.o', passType: 'xdp', sent: XDP_TX, synIfindex: 0 },
};
/** LBLAB_SCALE_HOOKS=xdp: only these hooks for our modes (both by default) */
const HOOKS = (process.env.LBLAB_SCALE_HOOKS ?? 'xdp,tc').split(',') as Hook[];
for (const h of HOOKS) if (!(h in HOOK_RUN)) throw new Error(`LBLAB_SCALE_HOOKS: unknown hook ${h} (tc or xdp)`);
/** A curve's name: at XDP (Katran's hook) the mode alone, at tc marked. */
const curveName = (mode: Mode, hook: Hook) => (hook === 'xdp' ? mode : `${mode} (tc)`);

async function corePoint(mode: Mode, flows: number, hook: Hook): Promise<CorePoint> {
  const h = HOOK_RUN[hook];
  const mount = new BpfMount('scale');
  let dp: Dataplane | undefined;
  try {
    dp = await Dataplane.load({ objDir: join(CORE, 'build'), pinDir: join(mount.dir, 'lb'), interfaces: [], object: h.object, hook, sizes: { v4: MAX_FLOWS, v6: MAX_FLOWS } });
    tableInfo ??= await dp.flowTableInfo();
    const passProg = join(mount.dir, 'pass');
    execFileSync('bpftool', ['prog', 'load', join(CORE, 'build', h.pass), passProg, 'type', h.passType], { stdio: 'pipe' });
    await dp.applyService(service(mode));
    const wrapped = dp.programPath('bench_flows');
    const restore = dp.programPath('bench_flows_restore');
    const frame = (flags: number) => buildFrame({ proto: 'tcp', src: '10.0.0.0', dst: VIP, sport: 40000, dport: PORT, flags });
    // establish every flow (SYNs through the same wrapper), on the measuring
    // CPU: the flow cache is per CPU
    setFlows(dp, flows);
    runProg(wrapped, frame(TCP.SYN), flows, h.synIfindex, CPU);
    // one pass of the sweep, as the agent runs every second: it tells the data plane whether lb_flows is
    // evicting (core/gc.h lb_flow_pressure)
    await dp.sweep();
    const primed = await dp.readStats();
    const ack = frame(TCP.ACK);
    const ns: number[] = []; const ws: number[] = []; const ps: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const out = runProg(wrapped, ack, REPEAT, 0, CPU);
      if (out.retval !== h.sent) throw new Error(`${curveName(mode, hook)}, ${flows} flows: verdict ${out.retval}, expected ${h.sent}`);
      ns.push(out.duration);
      ws.push(runProg(restore, ack, REPEAT, 0, CPU).duration);
      ps.push(runProg(passProg, ack, REPEAT, 0, CPU).duration);
    }
    await dp.sweep();
    const after = await dp.readStats();
    const drops = Object.values(after.drops).reduce((a, b) => a + b, 0) - Object.values(primed.drops).reduce((a, b) => a + b, 0);
    const n = Math.min(...ns); const w = Math.min(...ws); const p = Math.min(...ps);
    return { flows, ns: n, wrapper: w, pass: p, work: n - w, newFlows: after.counters.new_flow - primed.counters.new_flow, drops, runs: ROUNDS * REPEAT, evicted: after.flowTable?.evicted };
  } finally {
    await dp?.unload().catch(() => {});
    mount.cleanup();
  }
}

/** Katran's balancer_ingress with n flows: its per-CPU LRU sized for them (every flow runs on CPU), the
 * VIP and three reals as bench:core sets them up. work = katran_flows - katran_flows_restore (the wrapper alone). */
async function katranPoint(flows: number): Promise<CorePoint & { lruBytes: number; lruSize: number }> {
  const lruSize = Math.max(1000, flows);
  const peer = await KatranPeer.start('scale_katran', {
    vip: VIP, port: PORT, reals: ['198.18.1.3', '198.18.1.4', '198.18.1.5'], routerMac: '02:00:00:00:00:fe', lruSize,
  });
  try {
    const frame = (flags: number) => buildFrame({ proto: 'tcp', src: '10.0.0.0', dst: VIP, sport: 40000, dport: PORT, flags });
    await peer.setGolden(frame(TCP.SYN));
    peer.setFlows(flows, FLOW_BASE);
    const prime = runProg(peer.prog('katran_flows'), frame(TCP.SYN), flows, 0, CPU);
    if (prime.retval !== XDP_TX) throw new Error(`Katran, ${flows} flows: the SYNs got verdict ${prime.retval}`);
    const primed = peer.readLru();
    const ack = frame(TCP.ACK);
    await peer.setGolden(ack);
    await peer.resetChecks();
    const ns: number[] = []; const ws: number[] = []; const ps: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const out = runProg(peer.prog('katran_flows'), ack, REPEAT, 0, CPU);
      if (out.retval !== XDP_TX) throw new Error(`Katran, ${flows} flows: verdict ${out.retval}`);
      ns.push(out.duration);
      ws.push(runProg(peer.prog('katran_flows_restore'), ack, REPEAT, 0, CPU).duration);
      ps.push(runProg(peer.prog('xdp_pass'), ack, REPEAT, 0, CPU).duration);
    }
    const c = peer.flowChecks();
    if (c.ok !== c.runs || c.runs !== 2 * ROUNDS * REPEAT) throw new Error(`Katran, ${flows} flows: ${c.ok} of ${c.runs} runs intact (expected ${2 * ROUNDS * REPEAT})`);
    const lru = peer.readLru();
    const n = Math.min(...ns); const w = Math.min(...ws); const p = Math.min(...ps);
    return { flows, ns: n, wrapper: w, pass: p, work: n - w, newFlows: lru.misses - primed.misses, drops: 0, runs: ROUNDS * REPEAT, lruBytes: peer.lruBytes(), lruSize };
  } finally {
    peer.stop();
  }
}

const sci = (n: number) => (n === 1 ? '1' : Number.isInteger(Math.log10(n)) ? `1e${Math.log10(n)}` : String(n));

function printCurve(name: string, pts: CorePoint[], katran?: CorePoint[]): void {
  console.log(`\n  ${name}`);
  console.log(`  ${'flows'.padStart(9)}${pad('ns/pkt', 9)}${pad('wrapper', 9)}${pad('pass', 7)}${pad('work', 7)}${pad('× first', 9)}${pad('re-scheduled', 14)}${pad('drops', 7)}${pad('evicted', 9)}${katran ? pad('÷ katran', 10) : ''}`);
  pts.forEach((p, i) => {
    const k = katran?.[i];
    console.log(`  ${pad(p.flows, 9)}${pad(p.ns, 9)}${pad(p.wrapper, 9)}${pad(p.pass, 7)}${pad(p.work, 7)}${pad(pts[0].work > 0 ? (p.work / pts[0].work).toFixed(2) + 'x' : '-', 9)}` +
      `${pad(((p.newFlows / p.runs) * 100).toFixed(1) + ' %', 14)}${pad(p.drops, 7)}${pad(p.evicted ?? '-', 9)}${k ? pad(k.work > 0 ? (p.work / k.work).toFixed(2) : '-', 10) : ''}`);
  });
}

async function benchCoreScale(): Promise<void> {
  // the bench objects (bench.bpf.o, pass.bpf.o) are never in the image: built here
  execFileSync('make', ['-s', '-C', CORE, 'bench'], { stdio: 'inherit' });
  console.log(`\n(a) core: ns/packet vs flows, BPF_PROG_TEST_RUN repeat ${REPEAT} on CPU ${CPU}, fastest of ${ROUNDS}: the bench_flows wrapper`);
  console.log('    gives run k the source address of flow k mod N (all N established by SYNs first) and restores the frame;');
  console.log('    work = ns/pkt - the wrapper alone (same rewrite, no balancer). tunnel includes the wrapper\'s');
  console.log(`    give-back of its 20 bytes (bench:core). Per-CPU flow cache: 65 536 slots (32 768 sets of 2 ways); lb_flows sized for ${MAX_FLOWS} flows (dsr and`);
  console.log('    tunnel take 1 entry per flow, nat and snat 2). Katran: the same method at XDP (katran_flows - its wrapper alone),');
  console.log('    re-scheduled = its LRU misses. evicted: lb_flows entries its LRU evicted (counted by the sweep).');
  console.log('    Ours at both hooks, the same wrappers (bench_wrap.h) compiled for each: XDP (bench_xdp.bpf.o, Katran\'s hook,');
  console.log('    curves named by the mode alone) and tc (bench.bpf.o, "(tc)"); each above its own hook\'s pass.');
  // interleaved: at each flow count Katran and every mode at each hook back to back, so a change of the
  // shared host's load between counts moves them together
  const missing = WITH_KATRAN ? katranMissing() : 'LBLAB_SCALE_KATRAN=0';
  if (missing) console.log(`  katran: not run (${missing})`);
  const katran: (CorePoint & { lruBytes: number; lruSize: number })[] | undefined = missing ? undefined : [];
  const ours = HOOKS.flatMap((hook) => MODES.map((mode) => ({ name: curveName(mode, hook), mode, hook, pts: [] as CorePoint[] })));
  for (const f of FLOWS) {
    if (katran) {
      katran.push(await katranPoint(f));
      process.stderr.write(`bench: core katran ${f} flows: ${katran.at(-1)!.work} ns\n`);
    }
    for (const c of ours) {
      c.pts.push(await corePoint(c.mode, f, c.hook));
      process.stderr.write(`bench: core ${c.name} ${f} flows: ${c.pts.at(-1)!.work} ns\n`);
    }
  }
  const curves: [string, CorePoint[]][] = [];
  if (katran) {
    printCurve('katran (XDP, balancer_ingress; per-CPU LRU sized for the flows)', katran);
    curves.push(['katran', katran]);
  }
  for (const c of ours) {
    printCurve(c.name, c.pts, katran);
    curves.push([c.name, c.pts]);
  }
  const t = tableInfo!;
  console.log(`\n  flow table (lb_flows, as the agent sizes it for maxFlows ${t.maxFlows}): ${t.entries} entries, ${(t.bytes / 2 ** 20).toFixed(0)} MiB:` +
    ` ${(t.bytes / t.entries).toFixed(0)} B per entry, ${(t.bytes / t.maxFlows).toFixed(0)} B per flow (every mode is given 2 entries a flow)`);
  if (katran) {
    const k = katran.at(-1)!;
    console.log(`  Katran's LRU (one per CPU): ${k.lruSize} entries, ${(k.lruBytes / 2 ** 20).toFixed(0)} MiB: ${(k.lruBytes / k.lruSize).toFixed(0)} B per flow per CPU`);
    for (const hook of HOOKS) {
      const over = ours.filter((c) => c.hook === hook).flatMap((c) => c.pts.filter((p, i) => p.work > katran[i].work).map((p) => `${c.mode} at ${sci(p.flows)}`));
      console.log(`  target: every mode's work ≤ Katran's at every flow count, ours at ${hook}: ${over.length ? `missed (${over.join(', ')})` : 'met'}`);
    }
  }
  const top = FLOWS.at(-1)!;
  const slow = ours.filter((c) => c.pts.at(-1)!.work > 500).map((c) => c.name);
  console.log(`  target: at ${sci(top)} flows no mode above 0.5 µs per packet: ${slow.length ? `missed (${slow.join(', ')})` : 'met'}`);
  console.log('');
  for (const [n, pts] of curves) console.log(`curve ${n}: ${pts.map((p) => `${sci(p.flows)} ${p.work} ns`).join(', ')}`);
}

// ---------------------------------------------------------------- maglev
const fastest = (xs: number[]) => Math.min(...xs);

function backendsOf(n: number): DpBackend[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1, address: `198.18.${4 + (i >> 8)}.${i & 255}`, mac: '02:00:00:00:01:01', weight: 1, healthy: true,
    egress: { ifindex: LO_IFINDEX, srcMac: '02:00:00:00:00:b1', srcAddress: '198.18.0.2', nextHopMac: '02:00:00:00:01:01' },
  }));
}
function entryOf(b: DpBackend): BackendEntry {
  return { address: b.address, srcAddress: '198.18.0.2', ifindex: LO_IFINDEX, svcId: 1, weight: 1, nhMac: '02:00:00:00:01:01', srcMac: '02:00:00:00:00:b1', flags: 3 };
}

/** The writes applyService makes for prev → s, in order. Beyond
 * MAX_SVC_BACKENDS the agent refuses the service (lb_svc_bes lists at most
 * that many, for lc): then the same writes with that one list cut to its limit. */
function agentWrites(mapPath: (m: string) => string, prev: DpService | undefined, s: DpService): { writes: MapWrites[]; cut: boolean } {
  const cutTo = (x: DpService): DpService => ({ ...x, backends: x.backends.slice(0, MAX_SVC_BACKENDS) });
  if (s.backends.length <= MAX_SVC_BACKENDS) return { writes: [serviceWrites(mapPath, prev, s, s.backends.map(entryOf))], cut: false };
  // the backends beyond the limit first: serviceWrites writes backends before the table
  const rest = new MapWrites();
  for (const b of s.backends.slice(MAX_SVC_BACKENDS)) rest.update(mapPath(MAPS.backends), u32Key(b.id), backendValue(entryOf(b)));
  const head = cutTo(s);
  return { writes: [rest, serviceWrites(mapPath, prev && cutTo(prev), head, head.backends.map(entryOf))], cut: true };
}

async function applyAll(writes: MapWrites[]): Promise<void> {
  for (const w of writes) await writeMaps(w.ops);
}

async function benchMaglev(): Promise<void> {
  execFileSync('make', ['-s', '-C', CORE], { stdio: 'inherit' });
  const mount = new BpfMount('maglev');
  try {
    const dp = await Dataplane.load({ objDir: join(CORE, 'build'), pinDir: join(mount.dir, 'lb'), interfaces: [] });
    const mp = (m: string) => dp.mapPath(m);
    interface P { n: number; build: number; apply: number; leaveApply: number; slotsMoved: number; remap: number; cut: boolean }
    const pts: P[] = [];
    for (const n of [3, 100, 1000]) {
      const bes = backendsOf(n);
      const builds: number[] = []; const applies: number[] = []; const leaves: number[] = [];
      let table: number[] = []; let after: number[] = []; let cut = false; let moved = 0;
      for (let r = 0; r < 5; r++) {
        let t = process.hrtime.bigint();
        table = maglevTable(bes.map((b) => ({ id: b.id, key: b.address, weight: 1 })));
        builds.push(Number(process.hrtime.bigint() - t) / 1e6);
        const s: DpService = { id: 1, vip: VIP, port: PORT, proto: 'tcp', mode: 'dsr', scheduler: 'maglev', backends: bes, table };
        // first apply: every slot (the maps are rewritten from scratch each round)
        t = process.hrtime.bigint();
        const first = agentWrites(mp, undefined, s);
        await applyAll(first.writes);
        applies.push(Number(process.hrtime.bigint() - t) / 1e6);
        cut = first.cut;
        // one backend leaves: the table is rebuilt and only the slots that moved are written
        const left = bes.filter((b) => b.id !== 2);
        t = process.hrtime.bigint();
        after = maglevTable(left.map((b) => ({ id: b.id, key: b.address, weight: 1 })));
        const w2 = agentWrites(mp, s, { ...s, backends: left, table: after });
        await applyAll(w2.writes);
        leaves.push(Number(process.hrtime.bigint() - t) / 1e6);
        moved = w2.writes.reduce((a, w) => a + w.updates(mp(MAPS.ring)), 0);
      }
      let remapped = 0;
      for (let i = 0; i < MAGLEV_SIZE; i++) if (table[i] !== after[i]) remapped++;
      pts.push({ n, build: fastest(builds), apply: fastest(applies), leaveApply: fastest(leaves), slotsMoved: moved, remap: remapped / MAGLEV_SIZE, cut });
      process.stderr.write(`bench: maglev ${n} backends done\n`);
    }
    await dp.unload();
    console.log(`\n(b) maglev: table of ${MAGLEV_SIZE} slots; build = maglevTable, apply = the agent's map writes (serviceWrites) into`);
    console.log('    pinned maps through its perl batch writer; a backend leaving: rebuild + the diff written; fastest of 5');
    console.log(`  ${'backends'.padStart(8)}${pad('build ms', 10)}${pad('× first', 9)}${pad('apply ms', 10)}${pad('× first', 9)}${pad('leave ms', 10)}${pad('× first', 9)}${pad('slots moved', 13)}${pad('remapped', 10)}${pad('bound', 8)}`);
    for (const p of pts) {
      const bound = 1 / p.n + 0.05;
      console.log(`  ${pad(p.n + (p.cut ? '*' : ''), 8)}${pad(p.build.toFixed(1), 10)}${pad((p.build / pts[0].build).toFixed(2) + 'x', 9)}` +
        `${pad(p.apply.toFixed(1), 10)}${pad((p.apply / pts[0].apply).toFixed(2) + 'x', 9)}${pad(p.leaveApply.toFixed(1), 10)}${pad((p.leaveApply / pts[0].leaveApply).toFixed(2) + 'x', 9)}` +
        `${pad(p.slotsMoved, 13)}${pad((p.remap * 100).toFixed(2) + ' %', 10)}${pad((bound * 100).toFixed(1) + ' %', 8)}${p.remap <= bound ? '' : '  OVER'}`);
    }
    if (pts.some((p) => p.cut)) {
      console.log(`  * more than ${MAX_SVC_BACKENDS} backends: the agent refuses such a service today (lb_svc_bes lists at most ${MAX_SVC_BACKENDS}, for lc);`);
      console.log('    timed with the same writes, that one list cut to its limit.');
    }
  } finally {
    mount.cleanup();
  }
}

// ------------------------------------------------------------------ main
const SECTIONS = ['core', 'maglev', 'deploy', 'traffic'] as const;

async function main(): Promise<void> {
  const want = process.argv.slice(2);
  const unknown = want.filter((w) => !(SECTIONS as readonly string[]).includes(w));
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')}: choose from ${SECTIONS.join(' ')}`);
  const run = (s: (typeof SECTIONS)[number]) => want.length === 0 || want.includes(s);
  const la = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`bench:scale on ${cpus()[0]?.model ?? 'cpu ?'} x${cpus().length}, Linux ${release()}, ${new Date().toISOString().slice(0, 10)}, load ${la()}`);
  if ((run('core') || run('maglev')) && process.getuid?.() !== 0) throw new Error('core and maglev need root (bpffs, BPF_PROG_TEST_RUN)');
  if (run('core')) await benchCoreScale();
  if (run('maglev')) await benchMaglev();
  if (run('deploy')) await benchDeploy();
  if (run('traffic')) await benchTraffic();
  console.log(`\nload average at the end: ${la()}`);
}

main().catch((e) => {
  console.error(`bench:scale: ${(e as Error).message}`);
  process.exit(1);
});
