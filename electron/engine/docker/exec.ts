// Run a command in a container and collect its output and exit code.
// dockerode's exec stream 'end' may never fire, so the exit code is polled from inspect().
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { docker } from './client';

export interface ExecResult { exitCode: number; stdout: string; stderr: string }

export async function execIn(
  container: string | Docker.Container,
  cmd: string[],
  opts: { stdin?: string | Buffer; env?: string[]; timeoutMs?: number; user?: string } = {},
): Promise<ExecResult> {
  const c = typeof container === 'string' ? docker().getContainer(container) : container;
  const exec = await c.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: opts.stdin !== undefined,
    Env: opts.env,
    User: opts.user,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: opts.stdin !== undefined });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const so = new PassThrough();
  const se = new PassThrough();
  so.on('data', (b: Buffer) => out.push(b));
  se.on('data', (b: Buffer) => err.push(b));
  c.modem.demuxStream(stream, so, se);
  if (opts.stdin !== undefined) stream.end(opts.stdin);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const ended = new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
  });
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) {
      await Promise.race([ended, new Promise((r) => setTimeout(r, 200))]);
      return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
    }
    if (Date.now() > deadline) {
      stream.destroy();
      throw new Error(`command timed out in ${typeof container === 'string' ? container : c.id}: ${cmd.join(' ')}`);
    }
    await Promise.race([ended, new Promise((r) => setTimeout(r, 25))]);
  }
}

/** Like execIn but throws one readable line when the command fails. */
export async function execOk(container: string | Docker.Container, cmd: string[], opts: Parameters<typeof execIn>[2] = {}): Promise<string> {
  const r = await execIn(container, cmd, opts);
  if (r.exitCode !== 0) {
    const name = typeof container === 'string' ? container : container.id.slice(0, 12);
    const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    throw new Error(`${name}: \`${cmd.join(' ')}\` failed (exit ${r.exitCode}): ${why}`);
  }
  return r.stdout;
}
