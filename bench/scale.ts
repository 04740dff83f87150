// bench:scale — how lblab's costs grow with the work, as curves whose points
// are ratios to the first point measured in the same run (the host is shared
// and its speed moves between runs, not within one):
//   core     ns/packet of the eBPF core with 1, 1 000, 100 000 and 1 000 000
//            flows per mode (the per-CPU flow cache holds 4 096, lb_flows
//            128 K entries: nat and snat take two per flow): test-run with
//            `repeat` through bench.bpf.c's bench_flows, which gives each run
//            the next flow's source address, pinned to one CPU
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
import { TCP, buildFrame } from '../test/support/bpf/packet';
import { benchDeploy } from './scale-deploy';
import { benchTraffic } from './scale-traffic';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORE = join(ROOT, 'lab-images/balancer/core');
const CPU = Number(process.env.LBLAB_BENCH_CPU ?? 0);
const FLOWS = (process.env.LBLAB_SCALE_FLOWS ?? '1,1000,100000,1000000').split(',').map(Number);
const REPEAT = Number(process.env.LBLAB_BENCH_REPEAT ?? 1_000_000);
const ROUNDS = Number(process.env.LBLAB_SCALE_ROUNDS ?? 5);
/** snat: 20 000 source ports per backend; 64 (a service's most) leave room for what lb_flows holds */
const BACKENDS_PER_SERVICE = 64;
/** the interface requests "arrive on" (nat/snat reply entries) */
const CLIENT_IFINDEX = LO_IFINDEX;

const pad = (s: string | number, n: number) => String(s).padStart(n);

// ------------------------------------------------------------------ core
type Mode = DataplaneMode;
const MODES = DATAPLANE_MODES;
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
  return { id: 1, vip: VIP, port: PORT, proto: 'tcp', mode, scheduler: 'maglev', backends, table, snatAddress: mode === 'snat' ? '198.18.0.3' : undefined };
}

interface CorePoint { flows: number; ns: number; wrapper: number; pass: number; work: number; newFlows: number; drops: number; runs: number }

/** Source addresses of the flows: 10.0.0.0 + i. */
const FLOW_BASE = 0x0a000000;

function setFlows(dp: Dataplane, n: number): void {
  const le = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24].map(String);
  // per-CPU map: bpftool writes the same value on every CPU
  execFileSync('bpftool', ['map', 'update', 'pinned', dp.mapPath('bench_flow_ctl'), 'key', '0', '0', '0', '0',
    'value', ...le(n), ...le(0), ...le(FLOW_BASE)], { stdio: 'pipe' });
}

async function corePoint(mode: Mode, flows: number): Promise<CorePoint> {
  const mount = new BpfMount('scale');
  let dp: Dataplane | undefined;
  try {
    dp = await Dataplane.load({ objDir: join(CORE, 'build'), pinDir: join(mount.dir, 'lb'), interfaces: [], object: 'bench.bpf.o' });
    const passProg = join(mount.dir, 'pass');
    execFileSync('bpftool', ['prog', 'load', join(CORE, 'build/pass.bpf.o'), passProg, 'type', 'classifier'], { stdio: 'pipe' });
    await dp.applyService(service(mode));
    const wrapped = dp.programPath('bench_flows');
    const restore = dp.programPath('bench_flows_restore');
    const frame = (flags: number) => buildFrame({ proto: 'tcp', src: '10.0.0.0', dst: VIP, sport: 40000, dport: PORT, flags });
    // establish every flow (SYNs through the same wrapper), on the measuring
    // CPU: the flow cache is per CPU
    setFlows(dp, flows);
    runProg(wrapped, frame(TCP.SYN), flows, CLIENT_IFINDEX, CPU);
    const primed = await dp.readStats();
    const ack = frame(TCP.ACK);
    const ns: number[] = []; const ws: number[] = []; const ps: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const out = runProg(wrapped, ack, REPEAT, 0, CPU);
      if (out.retval !== 7) throw new Error(`${mode}, ${flows} flows: verdict ${out.retval}`);
      ns.push(out.duration);
      ws.push(runProg(restore, ack, REPEAT, 0, CPU).duration);
      ps.push(runProg(passProg, ack, REPEAT, 0, CPU).duration);
    }
    const after = await dp.readStats();
    const drops = Object.values(after.drops).reduce((a, b) => a + b, 0) - Object.values(primed.drops).reduce((a, b) => a + b, 0);
    const n = Math.min(...ns); const w = Math.min(...ws); const p = Math.min(...ps);
    return { flows, ns: n, wrapper: w, pass: p, work: n - w, newFlows: after.counters.new_flow - primed.counters.new_flow, drops, runs: ROUNDS * REPEAT };
  } finally {
    await dp?.unload().catch(() => {});
    mount.cleanup();
  }
}

async function benchCoreScale(): Promise<void> {
  // the bench objects (bench.bpf.o, pass.bpf.o) are never in the image: built here
  execFileSync('make', ['-s', '-C', CORE, 'bench'], { stdio: 'inherit' });
  console.log(`\n(a) core: ns/packet vs flows, BPF_PROG_TEST_RUN repeat ${REPEAT} on CPU ${CPU}, fastest of ${ROUNDS}: the bench_flows wrapper`);
  console.log('    gives run k the source address of flow k mod N (all N established by SYNs first) and restores the frame;');
  console.log('    work = ns/pkt - the wrapper alone (same rewrite, no balancer): above tc pass. tunnel includes the wrapper\'s');
  console.log('    give-back of its 20 bytes (bench:core). Per-CPU flow cache: 4 096 slots; lb_flows: 131 072 entries (dsr and');
  console.log('    tunnel take 1 per flow, nat and snat 2): beyond, every packet\'s flow has been evicted and is scheduled again.');
  for (const mode of MODES) {
    const pts: CorePoint[] = [];
    for (const f of FLOWS) {
      pts.push(await corePoint(mode, f));
      process.stderr.write(`bench: core ${mode} ${f} flows: ${pts.at(-1)!.work} ns\n`);
    }
    console.log(`\n  ${mode}`);
    console.log(`  ${'flows'.padStart(9)}${pad('ns/pkt', 9)}${pad('wrapper', 9)}${pad('pass', 7)}${pad('work', 7)}${pad('× first', 9)}${pad('re-scheduled', 14)}${pad('drops', 7)}`);
    for (const p of pts) {
      console.log(`  ${pad(p.flows, 9)}${pad(p.ns, 9)}${pad(p.wrapper, 9)}${pad(p.pass, 7)}${pad(p.work, 7)}${pad(pts[0].work > 0 ? (p.work / pts[0].work).toFixed(2) + 'x' : '-', 9)}` +
        `${pad(((p.newFlows / p.runs) * 100).toFixed(1) + ' %', 14)}${pad(p.drops, 7)}`);
    }
  }
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
