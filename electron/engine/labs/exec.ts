// `lblab exec LAB NODE -- CMD...`: run a command in a node with its output
// streamed and its exit code returned.
import { PassThrough } from 'node:stream';
import type { ExecStreams } from '../../api/host';
import { startExec } from '../docker/exec';
import { EngineError } from '../errors';
import { nodeContainer } from './find-node';

export interface NodeExecOptions extends ExecStreams { env?: string[] }

export async function execNode(lab: string, node: string, cmd: string[], opts: NodeExecOptions): Promise<number> {
  if (!cmd.length) throw new EngineError('exec: no command given (lblab exec LAB NODE -- CMD...)', 'bad-request');
  const info = await nodeContainer(lab, node, { running: true });
  const run = await startExec(info.Id, { cmd, env: opts.env, stdin: !!opts.stdin });
  const so = new PassThrough();
  const se = new PassThrough();
  so.pipe(opts.stdout, { end: false });
  se.pipe(opts.stderr, { end: false });
  run.container.modem.demuxStream(run.stream, so, se);
  if (opts.stdin) opts.stdin.pipe(run.stream);
  const code = await run.exited;
  await Promise.race([run.ended, new Promise((r) => setTimeout(r, 300))]); // let the last output arrive
  run.stream.destroy();
  return code;
}
