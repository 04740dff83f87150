// Run the real `lblab` launcher as a subprocess (what users and CI run):
// the one runner of the CLI tests, the lab helpers and the benches.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const LBLAB = path.join(ROOT, 'bin/lblab.mjs');

export interface CliResult { code: number | null; stdout: string; stderr: string; ms: number }

/** `onStderr`: each chunk of its stderr as it comes (e.g. to wait for a line that says it has started). */
export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; onStderr?: (chunk: string) => void } = {}): Promise<CliResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [LBLAB, ...args], { cwd: ROOT, env: { ...process.env, LBLAB_DEBUG: '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b: Buffer) => {
      stderr += b;
      opts.onStderr?.(b.toString());
    });
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`lblab ${args.join(' ')} timed out; stderr: ${stderr.slice(-2000)}`));
    }, opts.timeoutMs ?? 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
