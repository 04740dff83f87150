// `lblab exec LAB NODE -- CMD...`: run a command in a node with its output
// streamed and its exit code returned (polled from inspect: the stream's end
// event is not reliable).
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { docker } from '../docker/client';
import { nodeContainer } from './find-node';
import { DeployError } from './progress';

export interface NodeExecOptions { stdout: Writable; stderr: Writable; stdin?: Readable; env?: string[] }

export async function execNode(lab: string, node: string, cmd: string[], opts: NodeExecOptions): Promise<number> {
  if (!cmd.length) throw new DeployError('exec: no command given (lblab exec LAB NODE -- CMD...)', 'bad-request');
  const info = await nodeContainer(lab, node, { running: true });
  const c = docker().getContainer(info.Id);
  const exec = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: !!opts.stdin, Env: opts.env, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: !!opts.stdin });
  const so = new PassThrough();
  const se = new PassThrough();
  so.pipe(opts.stdout, { end: false });
  se.pipe(opts.stderr, { end: false });
  c.modem.demuxStream(stream, so, se);
  if (opts.stdin) opts.stdin.pipe(stream);
  const ended = new Promise<void>((r) => {
    stream.on('end', r);
    stream.on('close', r);
  });
  for (;;) {
    const st = await exec.inspect();
    if (!st.Running && st.ExitCode !== null) {
      await Promise.race([ended, new Promise((r) => setTimeout(r, 300))]);
      stream.destroy();
      return st.ExitCode ?? 1;
    }
    await Promise.race([ended, new Promise((r) => setTimeout(r, 50))]);
  }
}
