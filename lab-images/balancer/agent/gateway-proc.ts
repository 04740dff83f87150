// Runs nginx or one Apache MPM for the l7 services that picked it: check the
// config, start it, reload it gracefully (old workers finish their
// requests), stop it when no service is left, and read its counters: the
// access log (one line per request: service, backend node, status, bytes) read
// on from where it was last read, and its status page (nginx stub_status,
// Apache mod_status) for the connections it holds.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import { parseAccessLine } from './gateway-common';

export interface ServiceCounts {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** by status class: 1xx … 5xx */
  status: Record<string, number>;
  /** by backend node: requests and bytes */
  nodes: Map<string, { requests: number; bytes: number }>;
}

export interface GatewayProcLike {
  /** Throws one line when the gateway would reject this config (nothing changes). */
  check(cfg: string): Promise<void>;
  /** Validate and (re)load this config; throws one line when the gateway rejects it. */
  apply(cfg: string): Promise<void>;
  stop(): Promise<void>;
  running(): boolean;
  /** per service, since the gateway started */
  counts(): Promise<Map<string, ServiceCounts>>;
  /** the status page's figures (connections, workers), {} when unreadable */
  status(): Promise<Record<string, number>>;
}

export interface GatewayCommands {
  name: string;
  conf: string;
  pid: string;
  accessLog: string;
  /** folders the config expects */
  dirs: string[];
  check(file: string): string[];
  start(): string[];
  reload(): string[];
  stop(): string[];
  /** configs that differ in these lines need a full restart (Apache's ServerLimit, the MPM) */
  restartOn?: RegExp;
  status(): Promise<Record<string, number>>;
}

function run(argv: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}${err && !stdout && !stderr ? err.message : ''}` });
    });
  });
}

/** The most telling line of a gateway's complaint (nginx: [emerg], Apache: "Syntax error …"). */
function complaint(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  const i = lines.findIndex((l) => /emerg|error|AH\d+/i.test(l));
  // Apache says where on one line ("…line 66 of x.conf:") and what on the next
  const line = i < 0 ? (lines[lines.length - 1] ?? 'no output') : lines[i].endsWith(':') && lines[i + 1] ? `${lines[i]} ${lines[i + 1]}` : lines[i];
  return line.replace(/\s+/g, ' ');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class GatewayProcess implements GatewayProcLike {
  private started = false;
  private cfg = '';
  private offset = 0;
  private partial = '';
  private totals = new Map<string, ServiceCounts>();

  constructor(private c: GatewayCommands) {}

  running(): boolean {
    return this.started;
  }

  private async pid(): Promise<number | undefined> {
    const t = await fs.readFile(this.c.pid, 'utf8').catch(() => '');
    return /^\d+/.test(t.trim()) ? Number(t.trim().split(/\s+/)[0]) : undefined;
  }

  private restartKey(cfg: string): string {
    return this.c.restartOn ? cfg.split('\n').filter((l) => this.c.restartOn!.test(l)).join('\n') : '';
  }

  /** Write the config beside the live one and have the gateway check it; its path. */
  private async checked(cfg: string): Promise<string> {
    for (const d of this.c.dirs) await fs.mkdir(d, { recursive: true });
    const next = `${this.c.conf}.next`;
    await fs.writeFile(next, cfg);
    const check = await run(this.c.check(next));
    if (check.code !== 0) throw new Error(`${this.c.name} rejected the config: ${complaint(check.out)}`);
    return next;
  }

  async check(cfg: string): Promise<void> {
    await fs.rm(await this.checked(cfg), { force: true });
  }

  async apply(cfg: string): Promise<void> {
    await fs.rename(await this.checked(cfg), this.c.conf);
    if (this.started && this.restartKey(cfg) !== this.restartKey(this.cfg)) await this.stop();
    const pid = this.started ? await this.pid() : undefined;
    if (pid !== undefined && alive(pid)) {
      const r = await run(this.c.reload());
      if (r.code !== 0) throw new Error(`${this.c.name} failed to reload: ${complaint(r.out)}`);
    } else {
      await this.resetCounts();
      const r = await run(this.c.start());
      if (r.code !== 0) throw new Error(`${this.c.name} failed to start: ${complaint(r.out)}`);
    }
    this.cfg = cfg;
    this.started = true;
  }

  /** Stop now (its connections are cut) and wait until its listeners are gone, so another gateway can bind them. */
  async stop(): Promise<void> {
    const pid = await this.pid();
    if (pid !== undefined && alive(pid)) {
      await run(this.c.stop());
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    }
    await fs.rm(this.c.pid, { force: true });
    this.started = false;
  }

  private async resetCounts(): Promise<void> {
    await fs.rm(this.c.accessLog, { force: true });
    this.offset = 0;
    this.partial = '';
    this.totals = new Map();
  }

  /** Read the access log on from the last offset (buffered: up to a second behind). */
  async counts(): Promise<Map<string, ServiceCounts>> {
    const fh = await fs.open(this.c.accessLog, 'r').catch(() => undefined);
    if (!fh) return this.totals;
    try {
      const { size } = await fh.stat();
      if (size < this.offset) this.offset = 0; // truncated
      const len = Math.min(size - this.offset, 64 << 20);
      if (len > 0) {
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, this.offset);
        this.offset += bytesRead;
        const text = this.partial + buf.subarray(0, bytesRead).toString('utf8');
        const cut = text.lastIndexOf('\n');
        this.partial = text.slice(cut + 1);
        for (const line of text.slice(0, cut + 1).split('\n')) {
          const l = parseAccessLine(line);
          if (!l) continue;
          let t = this.totals.get(l.service);
          if (!t) this.totals.set(l.service, (t = { requests: 0, bytesIn: 0, bytesOut: 0, status: {}, nodes: new Map() }));
          t.requests++;
          t.bytesIn += l.bytesIn;
          t.bytesOut += l.bytesOut;
          const cls = `${Math.floor(l.status / 100)}xx`;
          t.status[cls] = (t.status[cls] ?? 0) + 1;
          if (l.node !== '-' && l.node !== '') {
            const n = t.nodes.get(l.node) ?? { requests: 0, bytes: 0 };
            n.requests++;
            n.bytes += l.bytesIn + l.bytesOut;
            t.nodes.set(l.node, n);
          }
        }
      }
    } finally {
      await fh.close();
    }
    return this.totals;
  }

  status(): Promise<Record<string, number>> {
    return this.started ? this.c.status().catch(() => ({})) : Promise.resolve({});
  }
}

/** GET a status page (over a unix socket or TCP), its body. */
export function getText(opts: { socketPath?: string; host?: string; port?: number; path: string }, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...opts, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on('timeout', () => req.destroy(new Error('status page timeout')));
    req.on('error', reject);
  });
}

/** nginx stub_status: "Active connections: 3 \n server accepts handled requests\n 10 10 20 \nReading: 0 Writing: 1 Waiting: 2" */
export function parseStubStatus(t: string): Record<string, number> {
  const out: Record<string, number> = {};
  const active = /Active connections:\s*(\d+)/.exec(t);
  if (active) out.current_sessions = Number(active[1]);
  const nums = /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(t);
  if (nums) out.sessions = Number(nums[1]);
  for (const k of ['Reading', 'Writing', 'Waiting']) {
    const m = new RegExp(`${k}:\\s*(\\d+)`).exec(t);
    if (m) out[`connections_${k.toLowerCase()}`] = Number(m[1]);
  }
  return out;
}

/** Apache mod_status ?auto: "Total Accesses: 10\nBusyWorkers: 1\nIdleWorkers: 49\nConnsTotal: 3 …" */
export function parseModStatus(t: string): Record<string, number> {
  const out: Record<string, number> = {};
  const pick = (key: string, as: string) => {
    const m = new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(t);
    if (m) out[as] = Number(m[1]);
  };
  pick('Total Accesses', 'sessions');
  pick('ConnsTotal', 'current_sessions');
  pick('BusyWorkers', 'busy_workers');
  pick('IdleWorkers', 'idle_workers');
  // prefork and worker report no ConnsTotal: a busy worker is a connection there
  if (out.current_sessions === undefined && out.busy_workers !== undefined) out.current_sessions = out.busy_workers;
  return out;
}
