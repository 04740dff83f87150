// Runs HAProxy for the proxy modes: check the config, start it daemonized,
// reload with -sf (old processes finish their connections), stop it when no
// proxy service is left, and talk to its admin socket (show stat, set server).
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { HAPROXY_SOCKET } from './haproxy';

export interface StatRow { [field: string]: string }

export interface HaproxyLike {
  /** Validate and (re)load this config; throws one line when HAProxy rejects it. */
  apply(cfg: string): Promise<void>;
  stop(): Promise<void>;
  running(): boolean;
  /** Mark `backend/server` up or down without a reload. */
  setServer(ref: string, up: boolean): Promise<void>;
  showStat(): Promise<StatRow[]>;
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}${err && !stdout && !stderr ? err.message : ''}` });
    });
  });
}

/** The most telling line of HAProxy's output (its ALERT lines name file:line and the problem). */
function alertLine(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => l.includes('ALERT')) ?? lines[lines.length - 1] ?? 'no output').replace(/\s+/g, ' ');
}

/** Parse `show stat` CSV (header line starts with "# "). */
export function parseShowStat(csv: string): StatRow[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 || !lines[0].startsWith('#')) return [];
  const head = lines[0].replace(/^#\s*/, '').split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    const row: StatRow = {};
    head.forEach((h, i) => {
      if (h) row[h] = cells[i] ?? '';
    });
    return row;
  });
}

export function socketCommand(socket: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(socket);
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`haproxy socket timeout: ${command}`)));
    s.on('connect', () => s.write(`${command}\n`));
    s.on('data', (b) => chunks.push(b));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
  });
}

export class HaproxyProcess implements HaproxyLike {
  private cfgPath: string;
  private pidPath: string;
  private started = false;

  constructor(
    private dir = '/run/lblab',
    private socket = HAPROXY_SOCKET,
    private bin = 'haproxy',
  ) {
    this.cfgPath = path.join(dir, 'haproxy.cfg');
    this.pidPath = path.join(dir, 'haproxy.pid');
  }

  running(): boolean {
    return this.started;
  }

  private async pids(): Promise<string[]> {
    try {
      return (await fs.readFile(this.pidPath, 'utf8')).split(/\s+/).filter((p) => /^\d+$/.test(p));
    } catch {
      return [];
    }
  }

  async apply(cfg: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const next = `${this.cfgPath}.next`;
    await fs.writeFile(next, cfg);
    const check = await run(this.bin, ['-c', '-q', '-f', next]);
    if (check.code !== 0) throw new Error(`haproxy rejected the config: ${alertLine(check.out)}`);
    await fs.rename(next, this.cfgPath);
    const old = await this.pids();
    const args = ['-f', this.cfgPath, '-D', '-p', this.pidPath];
    if (old.length) args.push('-sf', ...old);
    const r = await run(this.bin, args);
    if (r.code !== 0) throw new Error(`haproxy failed to ${old.length ? 'reload' : 'start'}: ${alertLine(r.out)}`);
    this.started = true;
  }

  async stop(): Promise<void> {
    for (const pid of await this.pids()) {
      try {
        process.kill(Number(pid), 'SIGUSR1'); // soft stop: finish open connections, then exit
      } catch {
        /* already gone */
      }
    }
    await fs.rm(this.pidPath, { force: true });
    this.started = false;
  }

  async setServer(ref: string, up: boolean): Promise<void> {
    const out = await socketCommand(this.socket, `set server ${ref} state ${up ? 'ready' : 'maint'}`);
    if (out.trim() !== '') throw new Error(`haproxy: set server ${ref}: ${out.trim()}`);
  }

  async showStat(): Promise<StatRow[]> {
    if (!this.started) return [];
    return parseShowStat(await socketCommand(this.socket, 'show stat'));
  }
}
