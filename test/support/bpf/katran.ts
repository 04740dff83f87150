// Katran's XDP balancer as a peer for bench:core, set up the way its control
// plane would for one VIP: vip_map, three reals, a Maglev ring, the default
// router's MAC, and a per-CPU LRU for every CPU (as Katran installs them; the
// fallback LRU is for its unit tests). Katran's sources are not part of this
// project: they are compiled at run time from a folder outside it
// (LBLAB_KATRAN_DIR, default ../shared/peers/katran beside the clone),
// together with our wrapper katran-wrap.bpf.c, into a temporary directory.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { MapWrites, writeMaps } from '../../../lab-images/balancer/agent/bpf-tool';
import { ipv4Bytes, ipv6Bytes, le32, macBytes, readLe } from '../../../lab-images/balancer/agent/dataplane-abi';
import { maglevTable } from '../../../lab-images/balancer/agent/maglev';
import { BpfMount, ROOT } from './harness';

export const KATRAN_DIR_ENV = 'LBLAB_KATRAN_DIR';
const WRAPPER = join(ROOT, 'test/support/bpf/katran-wrap.bpf.c');

/** Katran's constants this setup depends on (balancer_consts.h). */
const RING_SIZE = 65537;
const MAX_VIPS = 512;
const LRU_CNTRS = 0; // stats[MAX_VIPS + 0]: v1 packets, v2 LRU misses
const FALLBACK_LRU_CNTR = 3;
const DEFAULT_LRU_SIZE = 1000; // the inner LRU template's size (a hash map's inner maps may differ in size: the kernel compares type, key, value and flags)
const FLOW_KEY_SIZE = 40; // struct flow_key: 16 + 16 + 4 + 1, padded
const REAL_POS_LRU_SIZE = 16; // struct real_pos_lru
const MAX_SUPPORTED_CPUS = 128;

/** Where Katran's sources are looked for. */
export function katranDir(): string {
  return resolve(ROOT, process.env[KATRAN_DIR_ENV] ?? '../shared/peers/katran');
}

/** Why the peer cannot be built here (one line), or null. */
export function katranMissing(): string | null {
  const dir = katranDir();
  if (!existsSync(join(dir, 'katran/lib/bpf/balancer.bpf.c'))) {
    return `Katran's sources not found at ${dir} (katran/lib/bpf/balancer.bpf.c; set ${KATRAN_DIR_ENV})`;
  }
  return null;
}

/** The wrapper's counters, per program: runs whose input frame was intact
 * (and, for katran_wrapped, whose verdict was XDP_TX), and all runs. */
export interface KatranChecks { wrapped: { ok: number; runs: number }; restore: { ok: number; runs: number }; refAdjust: { ok: number; runs: number } }
export interface KatranLru { packets: number; misses: number; fallback: number }

export const XDP_PASS = 2;
export const XDP_TX = 3;

const CLANG_ARCH: Partial<Record<string, string>> = { x64: '__x86_64__', arm64: '__aarch64__' };
const MULTIARCH: Partial<Record<string, string>> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

export interface KatranSetup {
  vip: string; port: number; reals: string[]; routerMac: string;
  /** each CPU's LRU, in flows (default Katran's template, 1 000): bench:scale sizes it for its flows */
  lruSize?: number;
  /** an IPv6 VIP beside it (vip_num 1, same port) with IPv6 reals: Katran encapsulates ip6ip6 */
  vip6?: string; reals6?: string[];
}
/** Katran's real_definition flag for an IPv6 real (balancer_consts.h F_IPV6). */
const F_IPV6 = 1;

export class KatranPeer {
  private constructor(private readonly mount: BpfMount, private readonly build: string) {}

  /** Compile Katran + our wrapper, load it into a private bpffs, configure
   * one VIP (TCP) with its reals. */
  static async start(tag: string, s: KatranSetup): Promise<KatranPeer> {
    const missing = katranMissing();
    if (missing) throw new Error(missing);
    const build = mkdtempSync('/tmp/lblab_katran_');
    const mount = new BpfMount(tag);
    const peer = new KatranPeer(mount, build);
    try {
      const obj = join(build, 'katran-wrap.bpf.o');
      const arch = CLANG_ARCH[process.arch];
      if (!arch) throw new Error(`Katran peer: no clang target define for ${process.arch}`);
      // MAX_CONN_RATE: Katran stops adding flows to its LRU above 125 000 new flows a second per CPU (its flood
      // guard); a bench that establishes 10^6 flows in a tight loop must not trip it
      execFileSync('clang', ['-O2', '-g', '-target', 'bpf', `-D${arch}`, '-DMAX_CONN_RATE=4000000000', '-w',
        '-I', katranDir(), '-I', `/usr/include/${MULTIARCH[process.arch]}`, '-c', WRAPPER, '-o', obj], { stdio: 'pipe' });
      execFileSync('bpftool', ['prog', 'loadall', obj, join(mount.dir, 'progs'), 'type', 'xdp', 'pinmaps', join(mount.dir, 'maps')], { stdio: 'pipe' });
      await peer.configure(s);
      return peer;
    } catch (e) {
      peer.stop();
      const x = e as { stderr?: Buffer | string };
      throw new Error(`Katran peer: ${String(x.stderr ?? '').trim().split('\n').slice(-3).join(' ') || (e as Error).message}`);
    }
  }

  prog(name: 'katran_wrapped' | 'katran_restore' | 'katran_ref_adj' | 'katran_bare' | 'xdp_pass' | 'xdp_ref_grow' | 'katran_flows' | 'katran_flows_restore'): string { return join(this.mount.dir, 'progs', name); }
  private map(name: string): string { return join(this.mount.dir, 'maps', name); }

  private async configure(s: KatranSetup): Promise<void> {
    const w = new MapWrites();
    // vip_definition: vip (16-byte union), port (network order, as the packet has it), proto, pad
    const vipKey = [...ipv4Bytes(s.vip), ...new Array(12).fill(0), (s.port >> 8) & 0xff, s.port & 0xff, 6, 0];
    w.update(this.map('vip_map'), vipKey, [...le32(0), ...le32(0)]); // vip_meta: flags 0, vip_num 0
    // reals: ids from 1 (0 means "no real" to Katran); real_definition: 16-byte union, flags, pad
    s.reals.forEach((r, i) => w.update(this.map('reals'), le32(i + 1), [...ipv4Bytes(r), ...new Array(16).fill(0)]));
    const ring = maglevTable(s.reals.map((r, i) => ({ id: i + 1, key: r, weight: 1 })), RING_SIZE);
    const keys = new Uint32Array(ring.length).map((_, i) => i); // vip_num 0: slots 0..RING_SIZE-1
    w.updateU32(this.map('ch_rings'), keys, Uint32Array.from(ring));
    if (s.vip6 && s.reals6?.length) {
      const vip6Key = [...ipv6Bytes(s.vip6), (s.port >> 8) & 0xff, s.port & 0xff, 6, 0];
      w.update(this.map('vip_map'), vip6Key, [...le32(0), ...le32(1)]); // vip_num 1
      const base = s.reals.length + 1;
      s.reals6.forEach((r, i) => w.update(this.map('reals'), le32(base + i), [...ipv6Bytes(r), F_IPV6, 0, 0, 0]));
      const ring6 = maglevTable(s.reals6.map((r, i) => ({ id: base + i, key: r, weight: 1 })), RING_SIZE);
      w.updateU32(this.map('ch_rings'), new Uint32Array(ring6.length).map((_, i) => RING_SIZE + i), Uint32Array.from(ring6));
    }
    w.update(this.map('ctl_array'), le32(0), [...macBytes(s.routerMac), 0, 0]);
    await writeMaps(w.ops);
    // one LRU per CPU, as Katran's loader creates them
    const n = Math.min(cpus().length, MAX_SUPPORTED_CPUS);
    for (let cpu = 0; cpu < n; cpu++) {
      const inner = join(this.mount.dir, `lru${cpu}`);
      execFileSync('bpftool', ['map', 'create', inner, 'type', 'lru_hash', 'key', String(FLOW_KEY_SIZE),
        'value', String(REAL_POS_LRU_SIZE), 'entries', String(s.lruSize ?? DEFAULT_LRU_SIZE), 'name', `katran_lru${cpu}`], { stdio: 'pipe' });
      execFileSync('bpftool', ['map', 'update', 'pinned', this.map('lru_mapping'), 'key', ...le32(cpu).map(String), 'value', 'pinned', inner], { stdio: 'pipe' });
    }
  }

  /** The frame the wrappers restore and check every run against. */
  async setGolden(frame: Buffer): Promise<void> {
    if (frame.length < 64) throw new Error('Katran peer: the golden frame must be at least 64 bytes');
    const v = Buffer.alloc(72);
    frame.copy(v, 0, 0, 64);
    v.writeUInt32LE(frame.length, 64);
    const w = new MapWrites();
    w.update(this.map('kb_golden'), le32(0), [...v]);
    await writeMaps(w.ops);
  }

  /** Runs of katran_flows / katran_flows_restore cycle through n flows, source addresses base + i. */
  setFlows(n: number, base: number): void {
    execFileSync('bpftool', ['map', 'update', 'pinned', this.map('kb_flow_ctl'), 'key', ...le32(0).map(String),
      'value', ...[...le32(n), ...le32(0), ...le32(base)].map(String)], { stdio: 'pipe' });
  }

  /** Memory of CPU 0's LRU, as the kernel reports it. */
  lruBytes(): number {
    const m = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', join(this.mount.dir, 'lru0')], { encoding: 'utf8' })) as { bytes_memlock: number };
    return m.bytes_memlock;
  }

  /** katran_flows runs (and its restore's) so far: intact input and XDP_TX, all. */
  flowChecks(): { ok: number; runs: number } {
    const d = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', this.map('kb_check')], { encoding: 'utf8' })) as { key: string[]; value: string[] }[];
    const at = (i: number) => { const e = d.find((x) => readLe(x.key.map((h) => parseInt(h, 16)), 0, 4) === i); return e ? readLe(e.value.map((h) => parseInt(h, 16)), 0, 8) : 0; };
    return { ok: at(6), runs: at(7) };
  }

  async resetChecks(): Promise<void> {
    const w = new MapWrites();
    for (let i = 0; i < 8; i++) w.update(this.map('kb_check'), le32(i), new Array(8).fill(0));
    await writeMaps(w.ops);
  }

  readChecks(): KatranChecks {
    const d = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', this.map('kb_check')], { encoding: 'utf8' })) as { key: string[]; value: string[] }[];
    const c = new Array(6).fill(0);
    for (const e of d) c[readLe(e.key.map((h) => parseInt(h, 16)), 0, 4)] = readLe(e.value.map((h) => parseInt(h, 16)), 0, 8);
    return { wrapped: { ok: c[0], runs: c[1] }, restore: { ok: c[2], runs: c[3] }, refAdjust: { ok: c[4], runs: c[5] } };
  }

  /** Katran's own counters, summed over CPUs: packets through the LRU path,
   * LRU misses (new flows; an established flow adds none), fallback-LRU uses. */
  readLru(): KatranLru {
    const at = (key: number): [number, number] => {
      const j = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'lookup', 'pinned', this.map('stats'), 'key', ...le32(key).map(String)], { encoding: 'utf8' })) as { values: { value: string[] }[] };
      let v1 = 0; let v2 = 0;
      for (const { value } of j.values) {
        const b = value.map((h) => parseInt(h, 16));
        v1 += readLe(b, 0, 8); v2 += readLe(b, 8, 8);
      }
      return [v1, v2];
    };
    const [packets, misses] = at(MAX_VIPS + LRU_CNTRS);
    const [fallback] = at(MAX_VIPS + FALLBACK_LRU_CNTR);
    return { packets, misses, fallback };
  }

  stop(): void {
    this.mount.cleanup();
    rmSync(this.build, { recursive: true, force: true });
  }
}
