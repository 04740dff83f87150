// Commands in containers. One primitive, startExec: start an exec and learn
// its exit code from inspect() — dockerode's stream 'end' may never fire — so
// it is asked as soon as the stream ends (the usual case, no polling delay)
// and also polled with a growing interval in case it never does. execIn
// (collect the output), labs/exec.ts (stream it) and terminals/ (a TTY) are
// thin layers over it.
import type Docker from 'dockerode';
import { PassThrough, type Duplex } from 'node:stream';
import { containerRef } from './placement';

export interface ExecSpec {
  cmd: string[];
  env?: string[];
  user?: string;
  /** attach the command's stdin: the caller writes it to `stream` */
  stdin?: boolean;
  /** a terminal: raw output on `stream`, no stdout/stderr multiplexing */
  tty?: boolean;
  /** `exited` rejects after this long and the stream is destroyed; default: no limit */
  timeoutMs?: number;
  /** longest pause between two inspect() polls (they start at 25 ms and double); default 400 */
  maxPollMs?: number;
}

export interface StartedExec {
  container: Docker.Container;
  exec: Docker.Exec;
  /** the hijacked connection: multiplexed stdout/stderr (raw with a TTY); the command's stdin when attached */
  stream: Duplex;
  /** resolves when the stream ends, closes or fails */
  ended: Promise<void>;
  /** the command's exit code; rejects when the exec cannot be inspected (its container is gone) or on timeout */
  exited: Promise<number>;
  /** stop polling: the caller no longer waits (a closed terminal); `exited` then never settles */
  stop(): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startExec(container: string | Docker.Container, spec: ExecSpec): Promise<StartedExec> {
  const c = typeof container === 'string' ? containerRef(container) : container;
  const exec = await c.exec({
    Cmd: spec.cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: !!spec.stdin,
    Env: spec.env,
    User: spec.user,
    Tty: !!spec.tty,
  });
  const stream = (await exec.start({ hijack: true, stdin: !!spec.stdin, ...(spec.tty && { Tty: true }) })) as Duplex;
  let isEnded = false;
  let stopped = false;
  const ended = new Promise<void>((resolve) => {
    const done = () => ((isEnded = true), resolve());
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
  });
  const maxPoll = spec.maxPollMs ?? 400;
  const deadline = spec.timeoutMs === undefined ? Infinity : Date.now() + spec.timeoutMs;
  const exited = (async (): Promise<number> => {
    // Wait for the stream to end or the next poll, whichever comes first. Once
    // it has ended, the exit code may lag a moment behind: ask again quickly.
    for (let poll = 25; ; poll = Math.min(poll * 2, maxPoll)) {
      await Promise.race([ended, sleep(isEnded ? 0 : poll)]);
      if (stopped) return new Promise<number>(() => undefined);
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      if (Date.now() > deadline) {
        stream.destroy();
        throw new Error(`command timed out in ${typeof container === 'string' ? container : c.id}: ${spec.cmd.join(' ')}`);
      }
      if (isEnded) await sleep(5); // keep asking briefly
    }
  })();
  exited.catch(() => undefined); // handled by whoever awaits it; never an unhandled rejection
  return { container: c, exec, stream, ended, exited, stop: () => void (stopped = true) };
}

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
  /** default 120 s */
  timeoutMs?: number;
  user?: string;
}

/** Run a command in a container and collect its output and exit code. */
export async function execIn(container: string | Docker.Container, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const run = await startExec(container, { cmd, env: opts.env, user: opts.user, stdin: opts.stdin !== undefined, timeoutMs: opts.timeoutMs ?? 120_000 });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const so = new PassThrough();
  const se = new PassThrough();
  so.on('data', (b: Buffer) => (out.push(b), opts.onStdout?.(b)));
  se.on('data', (b: Buffer) => err.push(b));
  run.container.modem.demuxStream(run.stream, so, se);
  if (opts.stdin !== undefined) {
    Promise.resolve(opts.stdin).then(
      (data) => run.stream.end(data),
      () => run.stream.end(),
    );
  }
  const exitCode = await run.exited;
  await Promise.race([run.ended, sleep(200)]); // let the last output arrive
  return { exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
