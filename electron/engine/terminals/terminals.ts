// Interactive shells in lab nodes for the UI: an exec with a TTY (no demux
// needed), output pushed as terminal-data events by id, input and resize sent
// back by id (exec.resize after every fit), and one terminal-end event when the
// shell exits, the node stops or the terminal is closed.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { LabEvent } from '../../api';
import { startExec } from '../docker/exec';
import { EngineError } from '../errors';
import { nodeContainer } from '../labs/find-node';

type TermEvent = Extract<LabEvent, { type: 'terminal-data' | 'terminal-end' }>;

interface Terminal {
  id: string;
  lab: string;
  node: string;
  containerId: string;
  exec: Docker.Exec;
  stream: Duplex;
  /** stop watching the exec */
  stop(): void;
  ended: boolean;
}

/** bash when the image has it, sh otherwise: decided inside the node in one exec. */
const SHELL = ['/bin/sh', '-c', 'if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi'];

export class Terminals {
  private terms = new Map<string, Terminal>();

  constructor(private emit: (e: TermEvent) => void) {}

  async open(lab: string, node: string, cols: number, rows: number): Promise<{ id: string }> {
    const info = await nodeContainer(lab, node, { running: true });
    // the stream's end may never come (dockerode): the exec's exit is watched too, once a second at most
    const { exec, stream, exited, stop } = await startExec(info.Id, {
      cmd: SHELL,
      env: ['TERM=xterm-256color', `PS1=${node}:\\w\\$ `],
      stdin: true,
      tty: true,
      maxPollMs: 1000,
    });
    const id = randomUUID();
    const decoder = new StringDecoder('utf8'); // a chunk may end inside a multi-byte character
    const t: Terminal = { id, lab, node, containerId: info.Id, exec, stream, ended: false, stop };
    this.terms.set(id, t);
    stream.on('data', (b: Buffer) => {
      const data = decoder.write(b);
      if (data) this.emit({ type: 'terminal-data', id, data });
    });
    stream.on('end', () => this.finish(id, 'shell exited'));
    stream.on('close', () => this.finish(id, 'shell exited'));
    stream.on('error', (e) => this.finish(id, `stream error: ${e.message}`));
    exited.then(
      (code) => this.finish(id, `shell exited (${code})`),
      () => this.finish(id, 'node gone'),
    );
    await this.resize(id, cols, rows).catch(() => undefined);
    return { id };
  }

  private get(id: string): Terminal {
    const t = this.terms.get(id);
    if (!t) throw new EngineError(`no terminal ${id} (it has ended)`, 'not-found');
    return t;
  }

  async input(id: string, data: string): Promise<void> {
    const t = this.get(id);
    t.stream.write(data);
  }

  async resize(id: string, cols: number, rows: number): Promise<void> {
    const t = this.get(id);
    await t.exec.resize({ w: cols, h: rows });
  }

  async close(id: string): Promise<void> {
    const t = this.terms.get(id);
    if (!t) return;
    // ending stdin makes the shell exit; the exec dies with its hijacked connection
    t.stream.end();
    this.finish(id, 'closed');
  }

  /** End every terminal of a node (it stopped) or of a lab (it was removed). */
  nodeGone(lab: string, node?: string): void {
    for (const t of this.terms.values()) if (t.lab === lab && (!node || t.node === node)) this.finish(t.id, 'node stopped');
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.terms.keys()]) await this.close(id);
  }

  private finish(id: string, reason: string): void {
    const t = this.terms.get(id);
    if (!t || t.ended) return;
    t.ended = true;
    t.stop();
    this.terms.delete(id);
    t.stream.destroy();
    this.emit({ type: 'terminal-end', id, reason });
  }

  get size(): number {
    return this.terms.size;
  }
}
