// Thin wrappers around the `bpftool`, `tc` and `ip` binaries (the balancer
// container has no native addons: everything goes through these CLIs).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Run many bpftool commands in one process (`bpftool batch file`): the
 * Maglev table alone is 65537 map updates. */
export async function bpftoolBatch(lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const dir = await mkdtemp(join(tmpdir(), 'lblab-bpftool-'));
  const file = join(dir, 'batch');
  try {
    await writeFile(file, lines.join('\n') + '\n');
    await run('bpftool', ['batch', 'file', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
