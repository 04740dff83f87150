// A pretend lab behind the ComparePort: it answers the runner's scripts by
// what they do and keeps the state a restore must put back (the service's
// mode, our nftables table, where our program is attached), plus a log of
// every call, so tests can check order, cancel and restore without Docker.
import fs from 'node:fs';
import path from 'node:path';
import { isProxyMode, type LabStatus, type Mode } from '../../../electron/api';
import type { ComparePort, PortExecOptions, PortExecResult } from '../../../electron/engine/compare/port';
import { AbortedError } from '../../../electron/engine/compare/port';
import { LOAD_SCRIPT } from '../../../electron/engine/compare/environment';
import { WRK_END } from '../../../electron/engine/compare/wrk';

export const WRK_OK = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/wrk/ok-100k.txt'), 'utf8');
export const ETHTOOL = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/ethtool-k.txt'), 'utf8');

export interface FakeOptions {
  mode?: Mode;
  /** modes the topology cannot run, with the reason */
  unavailable?: Partial<Record<Mode, string>>;
  state?: LabStatus['state'];
  /** a node that is not running */
  stopped?: string;
  /** clients without a route to the servers' network */
  noRouter?: boolean;
  clients?: string[];
  /** the lab document's `offload` (undefined: status carries no document) */
  offload?: boolean;
  /** a dual-stack lab: the service has a vip6, its backends IPv6 addresses */
  dualStack?: boolean;
}

type Hook = (node: string, script: string) => Promise<PortExecResult | undefined> | PortExecResult | undefined;

export class FakeLab implements ComparePort {
  mode: Mode;
  nft = false;
  attached = new Set(['eth0', 'eth1']);
  calls: string[] = [];
  setModes: Mode[] = [];
  /** the mode each wrk run saw (measured runs only) */
  measured: string[] = [];
  /** runs to fail: called before each exec */
  hook?: Hook;
  /** how much later each client after the first starts its measured wrk, ms */
  skewMs = 0;
  /** a node whose sampler starts too late */
  lateSampler?: string;
  /** setMode fails for these modes */
  failMode = new Set<Mode>();
  /** setMode switches to these modes, then fails (it went part of the way: the agent took it, the engine timed out) */
  halfMode = new Set<Mode>();
  private wrkWaiters: (() => void)[] = [];
  /** the measured run (1, 2, ...) whose wrk waits until interrupted (kill -INT) */
  blockRun?: number;
  /** called when a measured run's wrk starts (once per run) */
  wrkStarted?: (run: number) => void;
  /** the balancer's agent holds its program's run-time statistics on (lbagent prog-stats on|off) */
  progStatsOn = false;
  /** each prog-stats command, in order */
  progStatsCalls: ('on' | 'off')[] = [];
  /** its program: packets per second and ns each (counted only while the statistics are on, as by the kernel) */
  progRate = { packetsPerSec: 50_000, nsPerPacket: 300 };
  private prog = { runTimeNs: 0, runs: 0 };

  constructor(readonly opts: FakeOptions = {}) {
    this.mode = opts.mode ?? 'dsr';
  }

  get clients() {
    return this.opts.clients ?? ['client1', 'client2'];
  }

  async status(lab: string): Promise<LabStatus> {
    this.calls.push('status');
    if (lab !== 'lab1') return { name: lab, state: 'absent', networks: [], nodes: [], services: [] };
    const node = (name: string, kind: 'client' | 'balancer' | 'server' | 'router', ifs: [string, string, string?][], routes: string[] = []) => ({
      name,
      kind,
      container: `lblab-lab1-${name}`,
      state: name === this.opts.stopped ? ('exited' as const) : ('running' as const),
      interfaces: ifs.map(([n, network, rate]) => ({ name: n, network, mac: '02:00:00:00:00:01', address: `${network === 'front' ? '198.18.0' : '198.18.1'}.${10 + n.length}/24`, rate })),
      routes,
    });
    const toBack = this.opts.noRouter ? [] : ['198.18.1.0/24 via 198.18.0.3 dev eth0'];
    return {
      name: 'lab1',
      state: this.opts.state ?? 'running',
      ...(this.opts.offload === undefined ? {} : { doc: { name: 'lab1', networks: {}, nodes: {}, ...(this.opts.offload ? { offload: true } : {}) } }),
      networks: [],
      nodes: [
        ...this.clients.map((c) => node(c, 'client', [['eth0', 'front']], ['default via 198.18.0.1 dev eth0', ...toBack])),
        node('lb', 'balancer', [['eth0', 'front', '100mbit'], ['eth1', 'back', '100mbit']]),
        node('r1', 'router', [['eth0', 'front'], ['eth1', 'back']]),
        ...['web1', 'web2', 'web3'].map((s) => node(s, 'server', [['eth0', 'back', '100mbit']])),
      ],
      services: [
        {
          name: 'web',
          balancer: 'lb',
          vip: '198.18.0.254',
          ...(this.opts.dualStack && { vip6: 'fd00:4c42::fe' }),
          port: 80,
          mode: this.mode,
          scheduler: 'maglev',
          backends: ['web1', 'web2', 'web3'].map((n, i) => ({ node: n, address: `198.18.1.${4 + i}`, ...(this.opts.dualStack && { address6: `fd00:4c42:0:1::${4 + i}` }), weight: 1 })),
        },
      ],
    };
  }

  async setMode(_lab: string, _service: string, mode: Mode) {
    this.calls.push(`setMode ${mode}`);
    if (this.failMode.has(mode)) throw new Error(`balancer lb: agent rejected the config: ${mode} is broken today`);
    if (this.halfMode.has(mode)) {
      this.mode = mode;
      throw new Error(`lab lab1: the switch to ${mode} timed out`);
    }
    this.setModes.push(mode);
    this.mode = mode;
    return {};
  }

  async checkModes(_lab: string, _service: string, modes: readonly Mode[]) {
    this.calls.push('checkModes');
    return Object.fromEntries(modes.filter((m) => this.opts.unavailable?.[m]).map((m) => [m, this.opts.unavailable![m]!]));
  }

  async dockerVersion() {
    return '20.10.24';
  }

  /** the kernel clock the samplers and the marks share, ms */
  clock = 1_000_000;
  private windows = new Map<string, { start: number; end: number }>();
  private acc = new Map<string, { t: number; v: Record<string, number> }>();
  private samplers = new Map<string, { node: string; onStdout?: (t: string) => void; done: () => void }>();

  /** bytes (or requests, CPU ns) per second of each counter of a node, in the current mode */
  private rates(node: string): Record<string, number> {
    if (node.startsWith('client')) return { 'eth0.rx': 10_000_000, 'eth0.tx': 100_000 };
    if (node === 'lb') {
      const through = this.mode === 'dsr' || this.mode === 'tunnel' ? 200_000 : 10_000_000;
      return { 'eth0.rx': 100_000, 'eth0.tx': through, 'eth1.rx': through, 'eth1.tx': 100_000, cpuns: 250_000_000 };
    }
    if (node.startsWith('web')) return { 'eth0.rx': 50_000, 'eth0.tx': 3_000_000, req: 2 * (node === 'web1' ? 200 : 100) };
    return {};
  }

  /** One snapshot of a node at `t`: its counters grew at the current rates since the last one. */
  private progAt?: number;
  private snapshot(node: string, t = this.clock): string {
    const a = this.acc.get(node) ?? { t, v: {} };
    const r = this.rates(node);
    for (const k of Object.keys(r)) a.v[k] = (a.v[k] ?? 0) + (r[k] * (t - a.t)) / 1000;
    a.t = t;
    this.acc.set(node, a);
    const v = (k: string) => Math.round(a.v[k] ?? 0);
    const lines = [`t ${(t / 1000).toFixed(2)}`];
    for (const dev of ['eth0', 'eth1']) if (`${dev}.rx` in r) lines.push(`net ${dev} ${v(`${dev}.rx`)} ${v(`${dev}.tx`)}`);
    if ('cpuns' in r) lines.push(`cpuns ${v('cpuns')}`);
    // the agent holds the program while on, and none in a proxy mode (no program sees its traffic)
    if (node === 'lb' && this.progStatsOn && !isProxyMode(this.mode)) {
      const runs = (this.progRate.packetsPerSec * (t - (this.progAt ?? t))) / 1000;
      this.prog = { runs: this.prog.runs + runs, runTimeNs: this.prog.runTimeNs + runs * this.progRate.nsPerPacket };
      lines.push(`prog 7 ${Math.round(this.prog.runTimeNs)} ${Math.round(this.prog.runs)}`);
    }
    if (node === 'lb') this.progAt = t;
    if ('req' in r) lines.push(`req ${v('req')}`);
    lines.push('--');
    return lines.join('\n') + '\n';
  }

  private tickSamplers(t: number) {
    for (const s of this.samplers.values()) s.onStdout?.(this.snapshot(s.node, t));
  }

  interruptWrk() {
    const w = this.wrkWaiters;
    this.wrkWaiters = [];
    for (const f of w) f();
  }

  async exec(_lab: string, node: string, cmd: string[], opts: PortExecOptions = {}): Promise<PortExecResult> {
    const script = cmd[2] ?? cmd.join(' ');
    const ok = (stdout = ''): PortExecResult => ({ exitCode: 0, stdout, stderr: '' });
    const kind = this.kind(script);
    this.calls.push(`exec ${node} ${kind}`);
    const hooked = await this.hook?.(node, script);
    if (hooked) return hooked;
    switch (kind) {
      case 'environment':
        return ok(`kernel 6.1.0-test\ncpus 2\ncpumodel  Test CPU @ 2.0GHz\nload 1.50 1.20 0.90\noffloads eth0\n${ETHTOOL}offloads eth1\n${ETHTOOL}--\n`);
      case 'load-average':
        return ok('2.00 1.50 1.00\n');
      case 'kernel-nat-setup': {
        if (!this.attached.size) return { exitCode: 4, stdout: '', stderr: 'our program is attached to no interface: nothing to swap for nftables' };
        const out = [...this.attached].map((d) => `detached ${d}\n`).join('');
        this.attached.clear();
        this.nft = true;
        return ok(out);
      }
      case 'kernel-nat-undo':
        this.nft = false;
        for (const d of script.matchAll(/tc filter replace dev (\S+)/g)) this.attached.add(d[1]);
        return ok();
      case 'prog-stats':
        this.progStatsOn = !script.endsWith(' off');
        this.progStatsCalls.push(this.progStatsOn ? 'on' : 'off');
        return ok();
      case 'kill-wrk':
        this.interruptWrk();
        return ok();
      case 'load': {
        const measuredJobs = script.split('\n').filter((l) => l.startsWith('wrk ') && l.includes('X-Lblab-Count')).length;
        const seconds = Number(/-d(\d+)s --timeout 5s --latency -H/.exec(script)?.[1] ?? 1);
        opts.onStdout?.('mark serving\n');
        await new Promise((r) => setTimeout(r, 1));
        // the clients of one run share its window; the first one to get here moves the clock past it
        const runTag = /lblab-wrk-(\S+)-\d+;/.exec(script)![1];
        let win = this.windows.get(runTag);
        if (!win) {
          win = { start: this.clock, end: this.clock + seconds * 1000 };
          this.windows.set(runTag, win);
          this.tickSamplers(win.start);
          this.clock = win.end + 100 + this.skewMs * this.clients.length;
        }
        // a client that started late (skewMs per client after the first)
        const skew = this.clients.indexOf(node) * this.skewMs;
        const start = win.start + skew;
        const end = win.end + skew;
        opts.onStdout?.(`mark start ${(start / 1000).toFixed(2)}\n`);
        if (node === this.clients[0]) {
          this.measured.push(this.nft ? 'kernel-nat' : this.mode);
          this.wrkStarted?.(this.measured.length);
        }
        if (this.blockRun === this.measured.length) {
          await new Promise<void>((resolve, reject) => {
            this.wrkWaiters.push(resolve);
            opts.signal?.addEventListener('abort', () => reject(new AbortedError()), { once: true });
          });
        }
        // the samplers tick after the end
        setTimeout(() => this.tickSamplers(end + 100), 2);
        const reports = Array.from({ length: measuredJobs }, () => `${WRK_OK}${WRK_END}\n`).join('');
        // the rest streams too, up to the last line (the runner need not wait for the exec's end)
        const rest = `mark end ${(end / 1000).toFixed(2)}\n${reports}mark done\n`;
        opts.onStdout?.(rest);
        await new Promise(() => undefined); // docker would report the end later; the runner must not wait for it
        return ok(`mark serving\nmark start ${(start / 1000).toFixed(2)}\n${rest}`);
      }
      case 'sampler': {
        const tag = /lblab-sampler-(\S+)\.run/.exec(script)![1];
        return new Promise<PortExecResult>((resolve, reject) => {
          this.samplers.set(`${node} ${tag}`, { node, onStdout: opts.onStdout, done: () => resolve(ok()) });
          opts.signal?.addEventListener('abort', () => reject(new AbortedError()), { once: true });
          // a sampler that starts late (an overloaded host) has its first snapshot after the run began
          setTimeout(() => opts.onStdout?.(this.snapshot(node, this.clock + (node === this.lateSampler ? 60_000 : 0))), 1);
        });
      }
      case 'stop-samplers': {
        const [, glob, star] = /lblab-sampler-(\S+?)(\*)?\.run/.exec(script)!;
        for (const [k, s] of this.samplers) {
          if (star ? k.startsWith(`${node} ${glob}`) : k === `${node} ${glob}`) {
            this.samplers.delete(k);
            s.done();
          }
        }
        return ok();
      }
      default:
        return ok();
    }
  }

  /** samplers still running */
  get liveSamplers() {
    return this.samplers.size;
  }

  kind(script: string): string {
    if (script === LOAD_SCRIPT) return 'load-average';
    if (script.includes('uname -r')) return 'environment';
    if (script.includes('nft add table')) return 'kernel-nat-setup';
    if (script.includes('nft delete table') && script.includes('filter replace')) return 'kernel-nat-undo';
    if (script.includes('kill -INT')) return 'kill-wrk';
    if (script.startsWith('lbagent prog-stats ')) return 'prog-stats';
    if (script.includes('mark start')) return 'load';
    if (script.includes('while [ -e /tmp/lblab-sampler-')) return 'sampler';
    if (script.startsWith('rm -f /tmp/lblab-sampler-')) return 'stop-samplers';
    return 'other';
  }
}
