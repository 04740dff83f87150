// Golden-packet harness, shared by the core tests and bench:core: builds the
// BPF objects, loads them into a private bpffs mount (unique per run, removed
// afterwards), runs frames through BPF_PROG_TEST_RUN via `bpftool prog run`,
// and diffs counters.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataplane, type DpStats } from '../../../lab-images/balancer/agent/dataplane';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CORE_DIR = join(ROOT, 'lab-images/balancer/core');
export const DECAP_DIR = join(ROOT, 'lab-images/server/decap');
export const TC_ACT_OK = 0;
export const TC_ACT_SHOT = 2;
export const TC_ACT_REDIRECT = 7;
/** The loopback device's index, 1 in every network namespace: the interface
 * the golden packets "arrive on" and are redirected to. The core checks that
 * a redirect's interface exists (test-run then never transmits), so a made-up
 * index would be a failed redirect. */
export const LO_IFINDEX = 1;
/** XDP verdicts (enum xdp_action). */
export const XDP = { ABORTED: 0, DROP: 1, PASS: 2, TX: 3, REDIRECT: 4 } as const;

/** Why the suite cannot run here, or null when it can: one short line that
 * `npm test` repeats when it reports the skipped tests. */
export function skipReason(): string | null {
  for (const [tool, arg] of [['clang', '--version'], ['bpftool', 'version']]) {
    try {
      execFileSync(tool, [arg], { stdio: 'ignore' });
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${tool} not found on PATH` : `${tool} ${arg} failed`;
    }
  }
  if (process.getuid?.() !== 0) return 'not root (BPF_PROG_TEST_RUN and bpffs need it)';
  if (!existsSync('/sys/fs/bpf')) return 'no bpf support (/sys/fs/bpf missing)';
  return null;
}

/** Build a BPF directory's targets (none: its default, the product). */
export function make(dir: string, ...targets: string[]): void {
  execFileSync('make', ['-s', '-C', dir, ...targets], { stdio: 'pipe' });
}

/** The core's make target that builds each object the tests load: the product
 * by default; the benchmark objects (never in the image) on the host. */
const CORE_TARGET: Record<string, string> = {
  'balancer.bpf.o': 'all', 'balancer_xdp.bpf.o': 'all', 'bench.bpf.o': 'bench', 'bench_xdp.bpf.o': 'bench', 'pass.bpf.o': 'bench', 'bench-small.bpf.o': 'small',
};

/** A private bpffs mount under /tmp (no '.' in the path: libbpf rewrites it). */
export class BpfMount {
  readonly dir: string;
  constructor(tag: string) {
    this.dir = mkdtempSync(`/tmp/lblab_bpffs_${tag}_`).replace(/\./g, '_');
    execFileSync('mkdir', ['-p', this.dir]);
    execFileSync('mount', ['-t', 'bpf', 'bpf', this.dir]);
  }
  cleanup(): void {
    try { execFileSync('umount', [this.dir]); } catch { /* already gone */ }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RunOut { retval: number; out: Buffer; duration: number }

/** Offset of ingress_ifindex in struct __sk_buff (len, pkt_type, mark,
 * queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto, priority: 9 × u32). */
const SKB_INGRESS_IFINDEX_OFF = 36;
/** Offset of gso_size in struct __sk_buff (test-run copies it into the skb). */
const SKB_GSO_SIZE_OFF = 176;

/** Run one frame through a pinned tc program (BPF_PROG_TEST_RUN).
 * ingressIfindex: the interface the frame "arrived on" (__sk_buff ctx_in);
 * cpu: run it there (test-run runs on the caller's CPU; per-CPU maps);
 * gsoSize: make the skb a GSO one of that segment size (as GRO would). */
export function runProg(prog: string, frame: Buffer, repeat = 1, ingressIfindex = 0, cpu?: number, gsoSize = 0): RunOut {
  const tmp = mkdtempSync('/tmp/lblab_frame_');
  try {
    const inFile = join(tmp, 'in');
    writeFileSync(inFile, frame);
    const ctx: string[] = [];
    if (ingressIfindex || gsoSize) {
      const c = Buffer.alloc(gsoSize ? SKB_GSO_SIZE_OFF + 4 : SKB_INGRESS_IFINDEX_OFF + 4);
      c.writeUInt32LE(ingressIfindex, SKB_INGRESS_IFINDEX_OFF);
      if (gsoSize) c.writeUInt32LE(gsoSize, SKB_GSO_SIZE_OFF);
      writeFileSync(join(tmp, 'ctx'), c);
      ctx.push('ctx_in', join(tmp, 'ctx'));
    }
    const args = ['-j', 'prog', 'run', 'pinned', prog, 'data_in', inFile,
      'data_out', join(tmp, 'out'), 'data_size_out', '4096', ...ctx, 'repeat', String(repeat)];
    const out = cpu === undefined
      ? execFileSync('bpftool', args, { encoding: 'utf8' })
      : execFileSync('taskset', ['-c', String(cpu), 'bpftool', ...args], { encoding: 'utf8' });
    const j = JSON.parse(out) as { retval: number; duration: number };
    return { retval: j.retval, duration: j.duration, out: readFileSync(join(tmp, 'out')) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Like runProg but returns the kernel's error instead of throwing (frames
 * the test-run interface itself refuses, e.g. shorter than Ethernet). */
export function tryRunProg(prog: string, frame: Buffer): RunOut | { error: string } {
  try {
    return runProg(prog, frame);
  } catch (e) {
    const x = e as { stderr?: string; stdout?: string };
    return { error: `${x.stdout ?? ''}${x.stderr ?? ''}` || String(e) };
  }
}

/** Run one frame through a pinned XDP program (BPF_PROG_TEST_RUN).
 * ingressIfindex: the interface the frame "arrived on" (struct xdp_md
 * ctx_in: data 0, data_end = the frame's length, data_meta 0,
 * ingress_ifindex, rx_queue_index 0); 0: no ctx, and test-run says the
 * loopback device (index 1), as ours. */
export function runXdp(prog: string, frame: Buffer, ingressIfindex = 0): RunOut {
  const tmp = mkdtempSync('/tmp/lblab_frame_');
  try {
    writeFileSync(join(tmp, 'in'), frame);
    const ctx: string[] = [];
    if (ingressIfindex) {
      const c = Buffer.alloc(24);
      c.writeUInt32LE(frame.length, 4);
      c.writeUInt32LE(ingressIfindex, 12);
      writeFileSync(join(tmp, 'ctx'), c);
      ctx.push('ctx_in', join(tmp, 'ctx'));
    }
    const out = execFileSync('bpftool', ['-j', 'prog', 'run', 'pinned', prog, 'data_in', join(tmp, 'in'),
      'data_out', join(tmp, 'out'), 'data_size_out', '4096', ...ctx], { encoding: 'utf8' });
    const j = JSON.parse(out) as { retval: number; duration: number };
    return { retval: j.retval, duration: j.duration, out: readFileSync(join(tmp, 'out')) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Load lb_xdp (balancer_xdp.bpf.o) on the maps a loaded object pinned
 * under pinDir/maps (the same names and layouts): pinned as
 * pinDir/progs/lb_xdp, whose path is returned. */
export function loadXdpOnMaps(pinDir: string): string {
  make(CORE_DIR, CORE_TARGET['balancer_xdp.bpf.o']);
  const maps = readdirSync(join(pinDir, 'maps')).flatMap((m) => ['map', 'name', m, 'pinned', join(pinDir, 'maps', m)]);
  const path = join(pinDir, 'progs', 'lb_xdp');
  execFileSync('bpftool', ['prog', 'load', join(CORE_DIR, 'build', 'balancer_xdp.bpf.o'), path, 'type', 'xdp', ...maps], { stdio: 'pipe' });
  return path;
}

export type Flat = Record<string, number>;
export function flatStats(s: DpStats): Flat {
  const f: Flat = {};
  for (const [k, v] of Object.entries(s.counters)) f[k] = v;
  for (const [k, v] of Object.entries(s.drops)) f[`drop.${k}`] = v;
  for (const [id, b] of Object.entries(s.backends)) {
    f[`be${id}.packets`] = b.packets; f[`be${id}.bytes`] = b.bytes; f[`be${id}.active`] = b.activeFlows;
    if (b.snatPorts !== undefined) f[`be${id}.ports`] = b.snatPorts;
    if (b.flows !== undefined) f[`be${id}.flows`] = b.flows;
  }
  return f;
}
/** Non-zero differences after - before. */
export function delta(before: Flat, after: Flat): Flat {
  const d: Flat = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const v = (after[k] ?? 0) - (before[k] ?? 0);
    if (v) d[k] = v;
  }
  return d;
}

/** A loaded balancer in its own bpffs, plus helpers. */
export class Lab {
  private constructor(readonly mount: BpfMount, readonly dp: Dataplane) {}
  /** object: balancer.bpf.o; bench.bpf.o (the same pipeline, plus `flood`); bench-small.bpf.o
   * (that, with room for only 4096 flows in lb_flows) */
  static async start(tag: string, object = 'balancer.bpf.o', maxFlows?: number): Promise<Lab> {
    const target = CORE_TARGET[object];
    if (!target) throw new Error(`no make target builds ${object}`);
    make(CORE_DIR, target);
    const mount = new BpfMount(tag);
    try {
      const dp = await Dataplane.load({ objDir: join(CORE_DIR, 'build'), pinDir: join(mount.dir, 'lblab'), interfaces: [], object, ...(maxFlows !== undefined && { sizes: { v4: maxFlows, v6: maxFlows } }) });
      return new Lab(mount, dp);
    } catch (e) {
      mount.cleanup();
      throw e;
    }
  }
  run(frame: Buffer, repeat = 1, ingressIfindex = 0): RunOut { return runProg(this.dp.progPath, frame, repeat, ingressIfindex); }
  private xdpPath?: string;
  /** lb_xdp (balancer_xdp.bpf.o) on this lab's maps, loaded on first use. */
  get xdpProg(): string { return (this.xdpPath ??= loadXdpOnMaps(this.dp.pinDir)); }
  /** Run one frame through lb_xdp (ingressIfindex 0: test-run's loopback, index 1). */
  runAtXdp(frame: Buffer, ingressIfindex = 0): RunOut { return runXdp(this.xdpProg, frame, ingressIfindex); }
  async runCountedAtXdp(frame: Buffer, ingressIfindex = 0): Promise<RunOut & { d: Flat }> {
    const before = await this.stats();
    const r = this.runAtXdp(frame, ingressIfindex);
    return { ...r, d: delta(before, await this.stats()) };
  }
  /** Run one frame on a given CPU (the flow cache is per CPU). */
  runOn(cpu: number, frame: Buffer): RunOut { return runProg(this.dp.progPath, frame, 1, 0, cpu); }
  runMany(frames: Buffer[]): RunOut[] { return runBatch(this.dp.progPath, frames); }
  async stats(): Promise<Flat> { return flatStats(await this.dp.readStats()); }
  /** `n` packets of `n` different flows (bench.bpf.o's `flood`: run i gets source port
   * 1024 + k % 60000 and source address + k / 60000, k = i + the flows flooded before
   * since the last floodFrom). Returns the last run's verdict. */
  flood(frame: Buffer, n: number, cpu?: number): number {
    return runProg(this.dp.programPath('flood'), frame, n, 0, cpu).retval;
  }
  /** The next flood starts at flow k. */
  floodFrom(k: number): void {
    const le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff].map((b) => b.toString(16).padStart(2, '0'));
    execFileSync('bpftool', ['map', 'update', 'pinned', this.dp.mapPath('flood_ctr'), 'key', 'hex', ...le(0), 'value', 'hex', ...le(k)]);
  }
  /** The lb_flows entry of a 5-tuple, or undefined (bpftool's BTF view of struct flow_val: not for a Lab
   * started with maxFlows, whose table the agent created without BTF). */
  flowEntry(k: { src: string; dst: string; sport: number; dport: number; proto: number }): Record<string, number> | undefined {
    const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
    const key = [...k.src.split('.').map(Number), ...k.dst.split('.').map(Number), ...be16(k.sport), ...be16(k.dport), k.proto, 0, 0, 0];
    try {
      const out = execFileSync('bpftool', ['-j', 'map', 'lookup', 'pinned', this.dp.mapPath('lb_flows'), 'key', 'hex',
        ...key.map((b) => b.toString(16).padStart(2, '0'))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return (JSON.parse(out) as { formatted?: { value: Record<string, number> } }).formatted?.value;
    } catch {
      return undefined;
    }
  }
  /** Entries in lb_flows. */
  flowCount(): number {
    const out = execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', this.dp.mapPath('lb_flows')], { encoding: 'utf8', maxBuffer: 1 << 30 });
    return (JSON.parse(out) as unknown[]).length;
  }
  /** Run and return the counter deltas too. */
  async runCounted(frame: Buffer, ingressIfindex = 0): Promise<RunOut & { d: Flat }> {
    const before = await this.stats();
    const r = this.run(frame, 1, ingressIfindex);
    return { ...r, d: delta(before, await this.stats()) };
  }
  async stop(): Promise<void> {
    await this.dp.unload().catch(() => {});
    this.mount.cleanup();
  }
}

/** One bpftool process (pinned to `cpu`) running, in order, frames through
 * `prog` and other bpftool commands (e.g. a map delete): steps a few
 * microseconds apart. Returns the runs' results, in order. */
export function runSteps(prog: string, cpu: number, steps: (Buffer | string[])[]): RunOut[] {
  const tmp = mkdtempSync('/tmp/lblab_steps_');
  try {
    const lines = steps.map((s, i) => {
      if (!Buffer.isBuffer(s)) return s.join(' ');
      const file = join(tmp, `f${i}`);
      writeFileSync(file, s);
      return `prog run pinned ${prog} data_in ${file} data_out - data_size_out 4096`;
    });
    writeFileSync(join(tmp, 'batch'), lines.join('\n') + '\n');
    const out = execFileSync('taskset', ['-c', String(cpu), 'bpftool', '-j', 'batch', 'file', join(tmp, 'batch')], { encoding: 'utf8' });
    const res = JSON.parse(out) as { output: { data_out?: number[]; retval?: number; duration?: number } | null }[];
    return res.flatMap((r, i) => (Buffer.isBuffer(steps[i]) && r.output?.data_out
      ? [{ retval: r.output.retval ?? -1, duration: r.output.duration ?? 0, out: Buffer.from(r.output.data_out) }] : []));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Run many frames in one bpftool process (`bpftool -j batch`): scheduler
 * tests push thousands of synthetic flows through the program. */
export function runBatch(prog: string, frames: Buffer[]): RunOut[] {
  if (frames.length === 0) return [];
  const tmp = mkdtempSync('/tmp/lblab_batch_');
  try {
    const lines = frames.map((f, i) => {
      const file = join(tmp, `f${i}`);
      writeFileSync(file, f);
      return `prog run pinned ${prog} data_in ${file} data_out - data_size_out 4096`;
    });
    writeFileSync(join(tmp, 'batch'), lines.join('\n') + '\n');
    const out = execFileSync('bpftool', ['-j', 'batch', 'file', join(tmp, 'batch')], {
      encoding: 'utf8', maxBuffer: 512 * 1024 * 1024,
    });
    const res = JSON.parse(out) as { output: { data_out: number[]; retval: number; duration: number } }[];
    return res.map((r) => ({ retval: r.output.retval, duration: r.output.duration, out: Buffer.from(r.output.data_out) }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ fresh frames
//
// test-run with `repeat` runs a program on the SAME buffer; a program that
// grows the frame (encapsulation) then needs a wrapper that gives the room
// back, and some ways of making room cannot be given back at all under
// `repeat` (bpf_skb_change_head moves the MAC header but not the network
// header, and nothing can move it back). runFresh runs each frame in its own
// test-run call (repeat 1: a new buffer every time, as every real packet
// is), cycling through `frames`, from one small perl program issuing
// bpf(BPF_PROG_TEST_RUN) in a loop (a few µs a run, against ~1 ms through
// bpftool). Each run's duration is the kernel's own (its timer around the
// one run), so it includes a fixed cost that a pass program's run shows too.

/** bpf(2)'s number per Node arch. */
const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280, riscv64: 280, ia32: 357, arm: 386 };

// argv: syscall nr, pinned prog, frame size, frame count, runs, ctx ingress ifindex (0: no ctx)
// stdin: the frames back to back. stdout: runs × (u32 retval, u32 duration).
const PERL_FRESH_RUNNER = String.raw`
use strict; use warnings;
my ($NR, $path, $size, $n, $runs, $ifindex) = @ARGV;
binmode STDIN; binmode STDOUT;
sub ptr { return unpack('Q', pack('P', $_[0])) }
my $frames = ''; while (length($frames) < $n * $size) { my $r = read(STDIN, $frames, $n * $size - length($frames), length($frames)); die "short input\n" unless $r; }
my $p = $path . "\0";
my $o = pack('Q L L', ptr($p), 0, 0);
my $fd = syscall($NR, 7, $o, length $o);
die "open $path: $!\n" if $fd < 0;
my $out = "\0" x 4096;
my $ctx = ''; if ($ifindex) { $ctx = ("\0" x 36) . pack('L', $ifindex); }
my $res = '';
for my $i (0 .. $runs - 1) {
  my $f = substr($frames, ($i % $n) * $size, $size);
  my $a = pack('L L L L Q Q L L L L Q Q L L L x4', $fd, 0, $size, 4096, ptr($f), ptr($out), 1, 0,
    length $ctx, 0, length($ctx) ? ptr($ctx) : 0, 0, 0, 0, 0);
  syscall($NR, 10, $a, length $a) == 0 or die "test run $path: $!\n";
  my ($ret, $dur) = unpack('x4 L x28 L', $a);
  $res .= pack('L L', $ret, $dur);
}
print $res;
`;

export interface FreshOut { retvals: Uint32Array; durations: Uint32Array }

/** Run `runs` test-runs of a pinned program, each on a fresh copy of the
 * next frame of `frames` (all the same length), on CPU `cpu` if given. */
export function runFresh(prog: string, frames: Buffer[] | { data: Buffer; size: number }, runs: number, opts: { cpu?: number; ingressIfindex?: number } = {}): FreshOut {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new Error(`runFresh: no bpf syscall number for ${process.arch}`);
  const { data, size } = Array.isArray(frames) ? { data: Buffer.concat(frames), size: frames[0].length } : frames;
  if (Array.isArray(frames) && frames.some((f) => f.length !== size)) throw new Error('runFresh: frames must all have the same length');
  const n = data.length / size;
  const args = ['-e', PERL_FRESH_RUNNER, String(nr), prog, String(size), String(n), String(runs), String(opts.ingressIfindex ?? 0)];
  const out = opts.cpu === undefined
    ? execFileSync('perl', args, { input: data, maxBuffer: runs * 8 + 1024 })
    : execFileSync('taskset', ['-c', String(opts.cpu), 'perl', ...args], { input: data, maxBuffer: runs * 8 + 1024 });
  const retvals = new Uint32Array(runs);
  const durations = new Uint32Array(runs);
  for (let i = 0; i < runs; i++) {
    retvals[i] = out.readUInt32LE(i * 8);
    durations[i] = out.readUInt32LE(i * 8 + 4);
  }
  return { retvals, durations };
}

/** The mean of the fastest `keep` share of the durations: the slow tail is
 * the shared host's interrupts and preemption, not the program. */
export function lowMean(d: Uint32Array, keep = 0.8): number {
  const s = Float64Array.from(d).sort();
  const k = Math.max(1, Math.floor(s.length * keep));
  let t = 0;
  for (let i = 0; i < k; i++) t += s[i];
  return t / k;
}
