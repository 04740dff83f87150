// Active health checks: TCP connect or HTTP GET per backend, on a timer.
// A backend goes down after `fall` consecutive failures and up after `rise`
// consecutive successes (defaults 2/2 at 500 ms: a dead backend leaves the
// table in ~1–1.5 s). Backends start healthy so a fresh service serves at once.
import net from 'node:net';
import http from 'node:http';
import type { HealthConfig } from '../contract/config';

export interface HealthTarget {
  service: string;
  node: string;
  address: string;
  port: number;
  spec: HealthConfig;
}
export interface BackendHealth {
  service: string;
  node: string;
  address: string;
  healthy: boolean;
  since: number; // ms epoch of the last state change
  checks: number;
  lastError?: string;
}
/** Resolves with undefined when the backend answered, else a short reason. */
export type Probe = (t: HealthTarget) => Promise<string | undefined>;

export const tcpProbe = (address: string, port: number, timeoutMs: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (why?: string) => {
      s.destroy();
      resolve(why);
    };
    s.setTimeout(timeoutMs, () => done(`tcp timeout after ${timeoutMs} ms`));
    s.once('connect', () => done());
    s.once('error', (e) => done(`tcp ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });

export const httpProbe = (address: string, port: number, path: string, timeoutMs: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const req = http.get({ host: address, port, path, timeout: timeoutMs, headers: { 'user-agent': 'lbagent-health' }, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? undefined : `http status ${code}`);
    });
    req.on('timeout', () => req.destroy(new Error(`http timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ? `http ${(e as NodeJS.ErrnoException).code}` : e.message));
  });

export const defaultProbe: Probe = (t) =>
  t.spec.type === 'http' ? httpProbe(t.address, t.port, t.spec.path, t.spec.timeoutMs) : tcpProbe(t.address, t.port, t.spec.timeoutMs);

const keyOf = (t: { service: string; node: string }) => `${t.service}/${t.node}`;
const sameTarget = (a: HealthTarget, b: HealthTarget) => a.address === b.address && a.port === b.port && JSON.stringify(a.spec) === JSON.stringify(b.spec);

interface Slot { target: HealthTarget; state: BackendHealth; ok: number; bad: number; timer?: NodeJS.Timeout; stopped: boolean }

export class HealthChecker {
  private slots = new Map<string, Slot>();

  constructor(
    private onChange: (service: string, node: string, healthy: boolean) => void,
    private probe: Probe = defaultProbe,
  ) {}

  /** Replace the set of targets; unchanged targets keep their state and streaks. */
  setTargets(targets: HealthTarget[]): void {
    const want = new Map(targets.map((t) => [keyOf(t), t]));
    for (const [k, slot] of this.slots) {
      const t = want.get(k);
      if (!t || !sameTarget(t, slot.target)) this.drop(k);
    }
    for (const [k, t] of want) {
      if (this.slots.has(k)) continue;
      const slot: Slot = { target: t, ok: 0, bad: 0, stopped: false, state: { service: t.service, node: t.node, address: t.address, healthy: true, since: Date.now(), checks: 0 } };
      this.slots.set(k, slot);
      this.schedule(slot, 0);
    }
  }

  isHealthy(service: string, node: string): boolean {
    return this.slots.get(keyOf({ service, node }))?.state.healthy ?? true;
  }

  report(): BackendHealth[] {
    return [...this.slots.values()].map((s) => ({ ...s.state }));
  }

  stop(): void {
    for (const k of [...this.slots.keys()]) this.drop(k);
  }

  private drop(k: string): void {
    const s = this.slots.get(k);
    if (!s) return;
    s.stopped = true;
    clearTimeout(s.timer);
    this.slots.delete(k);
  }

  private schedule(slot: Slot, delay: number): void {
    slot.timer = setTimeout(() => void this.run(slot), delay);
    slot.timer.unref?.();
  }

  private async run(slot: Slot): Promise<void> {
    const started = Date.now();
    let why: string | undefined;
    try {
      why = await this.probe(slot.target);
    } catch (e) {
      why = (e as Error).message;
    }
    if (slot.stopped) return;
    const st = slot.state;
    st.checks++;
    st.lastError = why;
    if (why === undefined) {
      slot.ok++;
      slot.bad = 0;
    } else {
      slot.bad++;
      slot.ok = 0;
    }
    const spec = slot.target.spec;
    const flip = st.healthy ? slot.bad >= spec.fall : slot.ok >= spec.rise;
    if (flip) {
      st.healthy = !st.healthy;
      st.since = Date.now();
      this.onChange(st.service, st.node, st.healthy);
    }
    // keep a steady cadence: a slow probe does not push the next one further out
    this.schedule(slot, Math.max(0, spec.intervalMs - (Date.now() - started)));
  }
}
