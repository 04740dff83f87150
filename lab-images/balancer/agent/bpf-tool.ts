// Thin wrappers around the `bpftool`, `tc` and `ip` binaries (the balancer
// container has no native addons: everything goes through these CLIs).
import { execFile } from 'node:child_process';

export interface RunResult { stdout: string; stderr: string }

/** Run a command; reject with its stderr on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      } else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function bpftoolJson<T = unknown>(args: string[]): Promise<T> {
  const { stdout } = await run('bpftool', ['-j', ...args]);
  return JSON.parse(stdout) as T;
}

/** Run many bpftool commands in one process (`bpftool batch file -`). */
export async function bpftoolBatch(lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await run('bpftool', ['batch', 'file', '-'], { input: lines.join('\n') + '\n' });
}

// ------------------------------------------------------------ map writes
//
// The first apply of a Maglev service writes 65537 table slots. Through
// bpftool that is one command per slot (open the map, parse, update, close):
// ~1 s on a busy 2-core machine, most of a deploy's balancer step. The kernel
// takes a whole array in one BPF_MAP_UPDATE_BATCH syscall; the container has
// no native addons and Node has no syscall(), but Debian's essential perl-base
// (in every Debian image, slim included) has syscall(). So the writes go
// through the small perl program below: it opens each pinned map
// (BPF_OBJ_GET) and writes each run of updates with one batch call (one
// BPF_MAP_UPDATE_ELEM per entry where the kernel has no batch op for the map).
// Anything unexpected (no perl, another CPU architecture, a refused syscall)
// falls back to `bpftool batch`, which writes the same entries.

/** One write to a pinned map; `keys`/`values` hold the entries' bytes back to back. */
export type MapOp =
  | { op: 'update'; map: string; keySize: number; valueSize: number; keys: Buffer; values: Buffer }
  | { op: 'delete'; map: string; key: Buffer };

type Pending = { op: 'update'; map: string; keySize: number; valueSize: number; keys: Buffer[]; values: Buffer[] } | { op: 'delete'; map: string; key: Buffer };

/** An ordered list of map writes; consecutive updates of one map form one batch. */
export class MapWrites {
  private pending: Pending[] = [];
  private run(map: string, keySize: number, valueSize: number): Extract<Pending, { op: 'update' }> {
    const last = this.pending.at(-1);
    if (last?.op === 'update' && last.map === map && last.keySize === keySize && last.valueSize === valueSize) return last;
    const op = { op: 'update' as const, map, keySize, valueSize, keys: [], values: [] };
    this.pending.push(op);
    return op;
  }
  update(map: string, key: number[], value: number[]): void {
    const r = this.run(map, key.length, value.length);
    r.keys.push(Buffer.from(key));
    r.values.push(Buffer.from(value));
  }
  /** Many entries of a map with u32 keys and values (host byte order, as the kernel reads them). */
  updateU32(map: string, keys: Uint32Array, values: Uint32Array): void {
    if (keys.length !== values.length) throw new Error('updateU32: keys and values differ in length');
    if (keys.length === 0) return;
    const r = this.run(map, 4, 4);
    r.keys.push(Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength));
    r.values.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  }
  delete(map: string, key: number[]): void {
    this.pending.push({ op: 'delete', map, key: Buffer.from(key) });
  }
  get ops(): MapOp[] {
    return this.pending.map((p) => (p.op === 'delete' ? p : { ...p, keys: Buffer.concat(p.keys), values: Buffer.concat(p.values) }));
  }
  /** Number of entries written to `map` (updates) */
  updates(map: string): number {
    return this.pending.reduce((n, o) => n + (o.op === 'update' && o.map === map ? o.keys.reduce((a, k) => a + k.length, 0) / o.keySize : 0), 0);
  }
}

/** bpf(2)'s number per Node arch; absent: use bpftool. */
const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280, riscv64: 280, ia32: 357, arm: 386 };

// argv: syscall number. stdin: "U path count keysize valuesize\n" + keys + values | "D path keysize\n" + key
const PERL_MAP_WRITER = String.raw`
use strict; use warnings;
my $NR = shift @ARGV; my %fd;
binmode STDIN;
sub ptr { return unpack('Q', pack('P', $_[0])) }
sub rd { my $n = shift; my $b = ''; while (length($b) < $n) { my $r = read(STDIN, $b, $n - length($b), length($b)); die "short input\n" unless $r; } return $b }
sub mapfd {
  my $p = shift; return $fd{$p} if exists $fd{$p};
  my $path = $p . "\0";
  my $a = pack('Q L L l x4', ptr($path), 0, 0, 0);
  my $fd = syscall($NR, 7, $a, length $a);
  die "open $p: $!\n" if $fd < 0;
  return $fd{$p} = $fd;
}
while (defined(my $h = <STDIN>)) {
  chomp $h; next if $h eq '';
  my @f = split / /, $h;
  if ($f[0] eq 'U') {
    my ($p, $n, $ks, $vs) = @f[1..4];
    my $fd = mapfd($p); my $keys = rd($n * $ks); my $vals = rd($n * $vs);
    my $a = pack('Q Q Q Q L L Q Q', 0, 0, ptr($keys), ptr($vals), $n, $fd, 0, 0);
    next if syscall($NR, 26, $a, length $a) == 0;
    my $e = $! + 0;
    die "update $p: $!\n" unless $e == 22 || $e == 95 || $e == 524;
    for my $i (0 .. $n - 1) {
      my $k = substr($keys, $i * $ks, $ks); my $v = substr($vals, $i * $vs, $vs);
      my $u = pack('L x4 Q Q Q', $fd, ptr($k), ptr($v), 0);
      die "update $p: $!\n" if syscall($NR, 2, $u, length $u) < 0;
    }
  } elsif ($f[0] eq 'D') {
    my ($p, $ks) = @f[1..2];
    my $fd = mapfd($p); my $k = rd($ks);
    my $d = pack('L x4 Q Q Q', $fd, ptr($k), 0, 0);
    die "delete $p: $!\n" if syscall($NR, 3, $d, length $d) < 0 && $! + 0 != 2;
  } else { die "bad op $f[0]\n" }
}
`;

/** The perl program's input for `ops`. */
export function perlInput(ops: MapOp[]): Buffer {
  const parts: Buffer[] = [];
  for (const o of ops) {
    if (/\s/.test(o.map)) throw new Error(`map path with whitespace: ${o.map}`);
    if (o.op === 'update') {
      const n = o.keys.length / o.keySize;
      if (n === 0) continue;
      parts.push(Buffer.from(`U ${o.map} ${n} ${o.keySize} ${o.valueSize}\n`), o.keys, o.values);
    } else parts.push(Buffer.from(`D ${o.map} ${o.key.length}\n`), o.key);
  }
  return Buffer.concat(parts);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hexOf = (a: Buffer, from: number, len: number) => {
  let s = HEX[a[from]];
  for (let i = 1; i < len; i++) s += ' ' + HEX[a[from + i]];
  return s;
};

/** The same writes as bpftool batch commands (the fallback). */
export function bpftoolLines(ops: MapOp[]): string[] {
  const lines: string[] = [];
  for (const o of ops) {
    if (o.op === 'delete') {
      lines.push(`map delete pinned ${o.map} key hex ${hexOf(o.key, 0, o.key.length)}`);
      continue;
    }
    const n = o.keys.length / o.keySize;
    for (let i = 0; i < n; i++) {
      lines.push(`map update pinned ${o.map} key hex ${hexOf(o.keys, i * o.keySize, o.keySize)} value hex ${hexOf(o.values, i * o.valueSize, o.valueSize)}`);
    }
  }
  return lines;
}

function runInput(cmd: string, args: string[], input: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
    child.stdin?.on('error', () => {}); // an early exit: reported by the callback
    child.stdin?.end(input);
  });
}

/** How the last writeMaps went, for logs and tests. */
export const mapWriteStats = { via: '' as '' | 'perl' | 'bpftool', fallbackReason: '' };

/** Apply `ops` in order (LBAGENT_MAP_WRITER=bpftool forces the bpftool path). */
export async function writeMaps(ops: MapOp[]): Promise<void> {
  if (ops.length === 0) return;
  const nr = SYS_BPF[process.arch];
  if (nr !== undefined && process.env.LBAGENT_MAP_WRITER !== 'bpftool') {
    try {
      await runInput('perl', ['-e', PERL_MAP_WRITER, String(nr)], perlInput(ops));
      mapWriteStats.via = 'perl';
      return;
    } catch (e) {
      // updates are idempotent and a delete of a missing key is no error there:
      // whatever perl wrote before failing, bpftool writes again
      mapWriteStats.fallbackReason = (e as Error).message;
    }
  }
  mapWriteStats.via = 'bpftool';
  await bpftoolBatch(bpftoolLines(ops));
}

/** bpffs must be mounted for pinning; mount one at `dir` unless `dir` is
 * already inside a bpf mount. */
export async function ensureBpffs(dir: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((l) => l.split(' '));
  const inside = mounts.some(([, mnt, type]) => type === 'bpf' && (dir === mnt || dir.startsWith(mnt.endsWith('/') ? mnt : mnt + '/')));
  if (inside) return;
  const root = dir.startsWith('/sys/fs/bpf/') ? '/sys/fs/bpf' : dir;
  await run('mkdir', ['-p', root]);
  await run('mount', ['-t', 'bpf', 'bpf', root]);
}
