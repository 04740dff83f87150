// A live mode switch timed as a client sees it: the client starts a request to
// the VIP every 20 ms (each in the background, so one that hangs does not hold
// up the next) while the engine switches; the engine's steps come from its
// progress events. Shared by bench:modes and the integration test that keeps
// the switch fast.
import type { Mode } from '../../electron/api';
import type { LabService } from '../../electron/api/host';
import { execIn } from '../../electron/engine/docker/exec';

export interface SwitchTiming {
  /** ms from the command: the lab read and the switch planned; the last node plumbed; the last balancer configured */
  planned?: number;
  plumbed?: number;
  configured?: number;
  /** ms the command took */
  command: number;
  /** ms from the command to the end of the first request that was sent after it returned and succeeded */
  serving: number;
  /** requests sent from the command on that failed */
  failed: number;
}

export interface SwitchProbe {
  lab: string;
  service: string;
  /** the client's container */
  client: string;
  /** an HTTP URL of the service (its VIP) */
  url: string;
}

const msOf = (ns: string) => Number(BigInt(ns) / 1_000_000n);

/** Switch `p.service` to `to` while the client probes; throws when nothing sent after the switch succeeds within `limitMs`. */
export async function timedSwitch(engine: LabService, p: SwitchProbe, to: Mode, limitMs = 6000): Promise<SwitchTiming> {
  const stop = `/tmp/lblab-switch-probe-${process.pid}`;
  // each line: request start and end (ns, the host's clock: containers share the kernel's), and the HTTP code
  const loop =
    `rm -f ${stop}; end=$(( $(date +%s) + ${Math.ceil(limitMs / 1000) + 8} )); while [ ! -e ${stop} ] && [ "$(date +%s)" -lt "$end" ]; do ` +
    `( t=$(date +%s%N); c=$(curl -s -o /dev/null -m 1 -w '%{http_code}' ${p.url}); echo "$t $(date +%s%N) $c" ) & sleep 0.02; done; wait; rm -f ${stop}`;
  let t1 = Infinity;
  let served!: () => void;
  const serving = new Promise<void>((r) => (served = r));
  const lines: string[][] = [];
  const see = (f: string[]) => f[2] === '200' && msOf(f[0]) >= t1 && served();
  let buf = '';
  const onStdout = (b: Buffer) => {
    buf += b.toString();
    const cut = buf.lastIndexOf('\n');
    if (cut < 0) return;
    for (const l of buf.slice(0, cut).split('\n')) {
      const f = l.trim().split(' ');
      if (f.length === 3 && /^\d+$/.test(f[0]) && /^\d+$/.test(f[1])) {
        lines.push(f);
        see(f);
      }
    }
    buf = buf.slice(cut + 1);
  };
  const probe = execIn(p.client, ['sh', '-c', loop], { timeoutMs: limitMs + 30_000, onStdout });
  try {
    await new Promise((r) => setTimeout(r, 500)); // the old mode serving first
    const t0 = Date.now();
    const steps: { step: string; at: number }[] = [];
    const off = engine.subscribe((e) => void (e.type === 'progress' && e.lab === p.lab && steps.push({ step: e.step, at: Date.now() - t0 })));
    try {
      await engine.setMode(p.lab, p.service, to);
    } finally {
      off();
    }
    t1 = Date.now();
    lines.forEach(see);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([serving.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), limitMs)))]);
    clearTimeout(timer);
    if (late) throw new Error(`after the switch to ${to}, no request from the client succeeded within ${limitMs} ms of the command's end`);
    const first = lines.filter(([s, , c]) => c === '200' && msOf(s) >= t1).sort((a, b) => msOf(a[1]) - msOf(b[1]))[0];
    const last = (match: (s: string) => boolean) => steps.filter((x) => match(x.step)).at(-1)?.at;
    return {
      planned: last((s) => s === 'planned'),
      plumbed: last((s) => s.startsWith('plumb ')),
      configured: last((s) => s.startsWith('balancer ')),
      command: t1 - t0,
      serving: msOf(first[1]) - t0,
      failed: lines.filter(([s, , c]) => c !== '200' && msOf(s) >= t0).length,
    };
  } finally {
    await execIn(p.client, ['touch', stop]).catch(() => undefined);
    await probe.catch(() => undefined);
  }
}
