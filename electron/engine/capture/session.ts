// One tcpdump on one interface of one node: started by a docker exec, its
// stdout (a pcap stream) parsed chunk by chunk into records, its stderr read
// for the pid, the "listening" note and its complaints, and stopped by
// killing that pid inside the container. A session ends exactly once, with
// a reason, after its process is gone.
import type { ExecStarter, CaptureExec } from './exec-stream';
import { PcapReader, type PcapRecord } from './pcap-reader';
import { TcpdumpStderr, tcpdumpArgv } from './tcpdump-command';

export interface SessionTarget {
  node: string;
  iface: string;
  /** the node's container (id or name) */
  container: string;
}

export interface SessionOptions {
  snaplen?: number;
  filter?: string;
  /** how long tcpdump may take to say it listens (default 15 s) */
  startTimeoutMs?: number;
  /** how long a stop waits for the process after TERM, before KILL (default 3 s) */
  stopGraceMs?: number;
}

export interface SessionEnd {
  reason: string;
  /** tcpdump failed (its message is the reason), rather than being stopped or losing its node */
  failed: boolean;
  kernelDrops?: number;
}

/** `p`'s value, or 'timeout' after `ms`; the timer is cleared either way (a pending one would keep a CLI alive). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export class CaptureSession {
  readonly ended: Promise<SessionEnd>;
  /** set once the session has ended */
  endReason: string | undefined;
  linktype: number | undefined;
  private exec: CaptureExec | undefined;
  private readonly stderr = new TcpdumpStderr();
  private readonly reader = new PcapReader();
  private stopReason: string | undefined;
  private readError: string | undefined;
  private stopping: Promise<void> | undefined;
  private resolveEnd!: (e: SessionEnd) => void;
  private onListening: (() => void) | undefined;

  constructor(
    readonly target: SessionTarget,
    private readonly opts: SessionOptions,
    private readonly starter: ExecStarter,
    /** each record, in the order tcpdump wrote them; `data` is only valid during the call unless copied */
    private readonly onRecord: (rec: PcapRecord, s: CaptureSession) => void,
  ) {
    this.ended = new Promise((r) => (this.resolveEnd = r));
  }

  get label(): string {
    return `${this.target.node}:${this.target.iface}`;
  }

  get pid(): number | undefined {
    return this.stderr.pid;
  }

  /** Start tcpdump; resolves once it listens, rejects with one line (and nothing left running) if it cannot. */
  async start(): Promise<void> {
    const exec = await this.starter(this.target.container, tcpdumpArgv({ iface: this.target.iface, snaplen: this.opts.snaplen, filter: this.opts.filter }));
    this.exec = exec;
    const listening = new Promise<void>((r) => (this.onListening = r));
    exec.stderr.on('data', (b: Buffer) => {
      if (this.stderr.push(b.toString('utf8'))) this.onListening?.();
    });
    exec.stdout.on('data', (b: Buffer) => this.feed(b));
    const stdoutEnd = new Promise<void>((r) => {
      exec.stdout.once('end', r);
      exec.stdout.once('close', r);
    });
    void exec.exited.then(async (code) => {
      // the records still in the pipe count: wait for stdout to drain (bounded)
      await within(stdoutEnd, 1000);
      this.stderr.end();
      this.finish(code);
    });

    const timeout = this.opts.startTimeoutMs ?? 15_000;
    const outcome = await within(Promise.race([listening.then(() => 'listening' as const), this.ended.then(() => 'ended' as const)]), timeout);
    if (outcome === 'listening') return;
    if (outcome === 'timeout') {
      await this.stop('did not start');
      throw new Error(`tcpdump on ${this.label} did not start within ${timeout / 1000} s`);
    }
    const end = await this.ended;
    throw new Error(end.reason);
  }

  private feed(chunk: Buffer): void {
    if (this.readError) return;
    let recs: PcapRecord[];
    try {
      recs = this.reader.push(chunk);
    } catch (e) {
      this.readError = `${this.label}: ${(e as Error).message}`;
      void this.stop(this.readError);
      return;
    }
    this.linktype ??= this.reader.header?.linktype;
    for (const r of recs) this.onRecord(r, this);
  }

  /** Kill tcpdump in the container and wait until it is gone. Idempotent. */
  stop(reason: string): Promise<void> {
    if (this.settled) return Promise.resolve();
    this.stopReason ??= reason;
    this.stopping ??= (async () => {
      const exec = this.exec;
      if (!exec) return;
      exec.closeStdin(); // the wrapper's watchdog kills tcpdump on EOF
      const grace = this.opts.stopGraceMs ?? 3000;
      // the pid may not be printed yet when a stop comes right after the start
      const gone = (ms: number) => within(this.ended, ms).then((r) => r !== 'timeout');
      for (let i = 0; this.pid === undefined && i < 10; i++) if (await gone(50)) return;
      if (await gone(250)) return; // the usual case: no second exec needed
      if (this.pid !== undefined) await exec.signal(this.pid, 'TERM').catch(() => undefined);
      if (await gone(grace)) return;
      if (this.pid !== undefined) await exec.signal(this.pid, 'KILL').catch(() => undefined);
      if (await gone(grace)) return;
      // the process is unreachable (its container is going away): stop reading
      exec.destroy();
      this.finish(null);
    })();
    return this.stopping.then(() => undefined);
  }

  get settled(): boolean {
    return this.endReason !== undefined;
  }

  private finish(code: number | null): void {
    if (this.settled) return;
    const tail = this.reader.finish();
    const kernelDrops = this.stderr.kernelDrops;
    let end: SessionEnd;
    if (this.readError) end = { reason: this.readError, failed: true };
    else if (this.stopReason) end = { reason: this.stopReason, failed: false };
    else if (code === null) end = { reason: `${this.label}: the node went away`, failed: false };
    else if (this.stderr.error && (code !== 0 || !this.stderr.listening)) end = { reason: this.stderr.error, failed: true };
    else if (code > 128) end = { reason: `${this.label}: tcpdump was killed (signal ${code - 128})`, failed: false };
    else if (code !== 0) end = { reason: `${this.label}: tcpdump exited with code ${code}${tail ? ` (${tail})` : ''}`, failed: true };
    else end = { reason: `${this.label}: tcpdump ended`, failed: false };
    if (kernelDrops !== undefined) end.kernelDrops = kernelDrops;
    this.endReason = end.reason;
    this.resolveEnd(end);
  }
}
