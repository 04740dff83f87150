// A pretend lab behind the ComparePort: it answers the runner's scripts by
// what they do and keeps the state a restore must put back (the service's
// mode, our nftables table, where our program is attached), plus a log of
// every call, so tests can check order, cancel and restore without Docker.
import fs from 'node:fs';
import path from 'node:path';
import type { LabStatus, Mode } from '../../../electron/api';
import type { ComparePort, PortExecOptions, PortExecResult } from '../../../electron/engine/experiments/port';
import { AbortedError } from '../../../electron/engine/experiments/port';
import { LOAD_SCRIPT } from '../../../electron/engine/experiments/environment';
import { WRK_END } from '../../../electron/engine/experiments/wrk';

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
  /** setMode fails for these modes */
  failMode = new Set<Mode>();
  private snaps = new Map<string, number>();
  private wrkWaiters: (() => void)[] = [];
  /** the measured run (1, 2, ...) whose wrk waits until interrupted (kill -INT) */
  blockRun?: number;
  /** called when a measured run's wrk starts (once per run) */
  wrkStarted?: (run: number) => void;

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
          port: 80,
          mode: this.mode,
          scheduler: 'maglev',
          backends: ['web1', 'web2', 'web3'].map((n, i) => ({ node: n, address: `198.18.1.${4 + i}`, weight: 1 })),
        },
      ],
    };
  }

  async setMode(_lab: string, _service: string, mode: Mode) {
    this.calls.push(`setMode ${mode}`);
    if (this.failMode.has(mode)) throw new Error(`balancer lb: agent rejected the config: ${mode} is broken today`);
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

  /** One snapshot of a node: counters grow by a fixed step per snapshot. */
  private snapshot(node: string): string {
    const n = (this.snaps.get(node) ?? 0) + 1;
    this.snaps.set(node, n);
    const lines = [`t ${1_700_000_000_000_000_000 + n * 1_000_000_000}`];
    if (node.startsWith('client')) lines.push(`net eth0 ${n * 10_000_000} ${n * 100_000}`);
    if (node === 'lb') {
      const through = this.mode === 'dsr' || this.mode === 'tunnel' ? 200_000 : 10_000_000;
      lines.push(`net eth0 ${n * 100_000} ${n * through}`, `net eth1 ${n * through} ${n * 100_000}`, `cpuns ${n * 250_000_000}`);
    }
    if (node.startsWith('web')) lines.push(`net eth0 ${n * 50_000} ${n * 3_000_000}`, `req ${n * 2 * (node === 'web1' ? 200 : 100)}`);
    lines.push('--');
    return lines.join('\n') + '\n';
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
      case 'load':
        return ok('2.00 1.50 1.00\n');
      case 'attached':
        return ok([...this.attached].join('\n') + '\n');
      case 'kernel-nat-setup':
        for (const d of script.matchAll(/tc filter del dev (\S+)/g)) this.attached.delete(d[1]);
        this.nft = true;
        return ok();
      case 'kernel-nat-undo':
        this.nft = false;
        for (const d of script.matchAll(/tc filter replace dev (\S+)/g)) this.attached.add(d[1]);
        return ok();
      case 'serving':
        return ok();
      case 'kill-wrk':
        this.interruptWrk();
        return ok();
      case 'wrk': {
        const jobs = (script.match(/^wrk /gm) ?? []).length;
        const counted = script.includes('X-Lblab-Count');
        if (counted) {
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
        }
        return ok(Array.from({ length: jobs }, () => `${WRK_OK}${WRK_END}\n`).join(''));
      }
      case 'sampler': {
        const first = this.snapshot(node);
        await new Promise((r) => setTimeout(r, 1));
        opts.onStdout?.(first);
        return ok(first);
      }
      case 'stop-and-snapshot':
        return ok(this.snapshot(node));
      default:
        return ok();
    }
  }

  kind(script: string): string {
    if (script === LOAD_SCRIPT) return 'load';
    if (script.includes('uname -r')) return 'environment';
    if (script.includes("grep -q 'pref 100 bpf'")) return 'attached';
    if (script.includes('nft add table')) return 'kernel-nat-setup';
    if (script.includes('nft delete table') && script.includes('filter replace')) return 'kernel-nat-undo';
    if (script.includes('until curl')) return 'serving';
    if (script.includes('kill -INT')) return 'kill-wrk';
    if (/^wrk /m.test(script)) return 'wrk';
    if (script.includes('while [ $i -lt')) return 'sampler';
    if (script.includes('echo --')) return 'stop-and-snapshot';
    return 'other';
  }
}
