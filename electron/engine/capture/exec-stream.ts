// A long-running docker exec with its output streamed: stdout and stderr
// demultiplexed, stdin held open (closing it is a signal to the command), the
// exit noticed by polling inspect (the stream's end event is not reliable),
// and a way to signal a pid in the same container from a second exec.
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { containerRef } from '../docker/placement';
import { execIn } from '../docker/exec';

/** What a capture session needs from a running command. */
export interface CaptureExec {
  stdout: Readable;
  stderr: Readable;
  /** EOF on the command's stdin */
  closeStdin(): void;
  /** Send a signal to a process of the same container. */
  signal(pid: number, sig: 'TERM' | 'KILL'): Promise<void>;
  /** Resolves with the exit code (null when it cannot be known: the container is gone) once the command has ended. */
  exited: Promise<number | null>;
  /** Drop the connection (the command may live on: signal it first). */
  destroy(): void;
}

export type ExecStarter = (container: string, argv: string[]) => Promise<CaptureExec>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const dockerExecStarter: ExecStarter = async (container, argv) => {
  const c = containerRef(container);
  const exec = await c.exec({ Cmd: argv, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  c.modem.demuxStream(stream, stdout, stderr);
  let streamEnded = false;
  const streamEnd = new Promise<void>((resolve) => {
    const done = () => ((streamEnded = true), resolve());
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
  });
  const exited = (async (): Promise<number | null> => {
    for (let poll = 50; ; poll = Math.min(poll * 2, 500)) {
      // once the stream has ended the exit follows within moments: ask again soon
      await (streamEnded ? sleep(Math.min(poll, 100)) : Promise.race([streamEnd, sleep(poll)]));
      let info;
      try {
        info = await exec.inspect();
      } catch {
        return null; // the container (and its execs) is gone
      }
      if (!info.Running) {
        // let the last output through the demuxer before ending the pipes
        await Promise.race([streamEnd, sleep(300)]);
        return info.ExitCode ?? null;
      }
    }
  })();
  void exited.then(() => {
    stdout.end();
    stderr.end();
    // Docker keeps a stdin-attached exec's connection open after the exit: let it go
    stream.destroy();
  });
  return {
    stdout,
    stderr,
    closeStdin: () => {
      if (!stream.destroyed) stream.end();
    },
    async signal(pid, sig) {
      await execIn(container, ['kill', `-${sig}`, String(pid)], { timeoutMs: 10_000 });
    },
    exited,
    destroy() {
      stream.destroy();
    },
  };
};
