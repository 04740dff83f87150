// Run a command in a container and collect its output and exit code.
// dockerode's exec stream 'end' may never fire, so the exit code comes from
// inspect(): asked as soon as the stream ends (the usual case, no polling
// delay), and also polled with a growing interval in case it never does.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { docker } from './client';

export interface ExecResult { exitCode: number; stdout: string; stderr: string }

export interface ExecOptions {
  /** Data for the command's stdin, closed after it. A promise lets the
   * command start (e.g. a Node CLI boot) while its input is still being
   * computed; a rejected promise closes stdin empty (the caller reports the
   * rejection, the command's result is then meaningless). */
  stdin?: string | Buffer | Promise<string | Buffer>;
  /** Each chunk of stdout as it arrives (it is collected all the same). */
  onStdout?: (chunk: Buffer) => void;
  env?: string[];
  timeoutMs?: number;
  user?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function execIn(container: string | Docker.Container, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
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
  so.on('data', (b: Buffer) => (out.push(b), opts.onStdout?.(b)));
  se.on('data', (b: Buffer) => err.push(b));
  c.modem.demuxStream(stream, so, se);
  let ended = false;
  const endedP = new Promise<void>((resolve) => {
    const done = () => ((ended = true), resolve());
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
  });
  if (opts.stdin !== undefined) {
    Promise.resolve(opts.stdin).then(
      (data) => stream.end(data),
      () => stream.end(),
    );
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const result = (code: number | null): ExecResult => ({ exitCode: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
  // Wait for the stream to end or the next poll, whichever comes first. Once
  // it has ended, the exit code may lag a moment behind: ask again quickly.
  for (let poll = 25; ; poll = Math.min(poll * 2, 400)) {
    await Promise.race([endedP, sleep(ended ? 0 : poll)]);
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) {
      if (!ended) await Promise.race([endedP, sleep(200)]); // let the last output arrive
      return result(info.ExitCode);
    }
    if (Date.now() > deadline) {
      stream.destroy();
      throw new Error(`command timed out in ${typeof container === 'string' ? container : c.id}: ${cmd.join(' ')}`);
    }
    if (ended) await sleep(5); // keep asking briefly
  }
}

/** Like execIn but throws one readable line when the command fails. */
export async function execOk(container: string | Docker.Container, cmd: string[], opts: ExecOptions = {}): Promise<string> {
  const r = await execIn(container, cmd, opts);
  if (r.exitCode !== 0) {
    const name = typeof container === 'string' ? container : container.id.slice(0, 12);
    const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    throw new Error(`${name}: \`${cmd.join(' ')}\` failed (exit ${r.exitCode}): ${why}`);
  }
  return r.stdout;
}
