// `lblab engines`: every engine the Docker CLI knows, asked (briefly, all at
// once) what it is. eBPF support is judged from the engine's own info only:
// a Linux engine on a kernel ≥ 6.3 (the balancer core's kfunc); whether that
// kernel has BTF is only seen when the balancer loads.
import Docker from 'dockerode';
import type { EngineDescription } from '../../api';
import { engineFailure, within } from './client';
import { knownEngines, type EngineTarget } from './engine-target';
import { dockerOptions } from './transport';

/** The balancer core needs bpf_cast_to_kern_ctx (Linux 6.3) and BTF. */
export const EBPF_MIN_KERNEL: [number, number] = [6, 3];

export function ebpfVerdict(osType: string | undefined, kernel: string | undefined): EngineDescription['ebpf'] {
  if (osType !== 'linux') return { ok: false, checked: `the engine runs ${osType ?? 'unknown'} containers, not Linux` };
  const m = /^(\d+)\.(\d+)/.exec(kernel ?? '');
  if (!m) return { ok: false, checked: `kernel version ${kernel ?? 'unknown'} not understood` };
  const [maj, min] = [Number(m[1]), Number(m[2])];
  const ok = maj > EBPF_MIN_KERNEL[0] || (maj === EBPF_MIN_KERNEL[0] && min >= EBPF_MIN_KERNEL[1]);
  const need = `${EBPF_MIN_KERNEL[0]}.${EBPF_MIN_KERNEL[1]}`;
  return ok
    ? { ok, checked: `Linux kernel ${maj}.${min} ≥ ${need} (BTF is checked when a balancer loads)` }
    : { ok, checked: `Linux kernel ${maj}.${min} < ${need}: the eBPF modes (dsr, tunnel, nat, snat) will not load; l4proxy and l7 work` };
}

/** A client of its own for a probe: requests (or the ssh handshake) give up after `timeoutMs`, so nothing
 * outlives the listing; its connections are closed after it (an ssh one would otherwise idle for 30 s). */
const probeClient = (t: EngineTarget, timeoutMs: number) => new Docker({ ...dockerOptions(t, process.env, timeoutMs), timeout: timeoutMs });
const closeClient = (c: Docker) => (c.modem as { agent?: { destroy(): void } }).agent?.destroy();

export async function describeEngine(t: EngineTarget, current: boolean, timeoutMs: number, client: (t: EngineTarget, timeoutMs: number) => Docker = probeClient): Promise<EngineDescription> {
  const d: EngineDescription = { name: t.name, host: t.host, transport: t.transport, current, answers: false, description: t.description };
  if (t.tls) d.tls = t.tls.verify ? 'verify' : 'no-verify';
  const c = client(t, timeoutMs);
  try {
    const info = (await within(c.info(), timeoutMs, 'asking the engine')) as Record<string, unknown>;
    const s = (k: string) => (typeof info[k] === 'string' ? (info[k] as string) : undefined);
    Object.assign(d, {
      answers: true,
      serverVersion: s('ServerVersion'),
      os: s('OperatingSystem'),
      osType: s('OSType'),
      kernel: s('KernelVersion'),
      architecture: s('Architecture'),
      cpus: typeof info.NCPU === 'number' ? info.NCPU : undefined,
      memoryBytes: typeof info.MemTotal === 'number' ? info.MemTotal : undefined,
      ebpf: ebpfVerdict(s('OSType'), s('KernelVersion')),
    });
  } catch (e) {
    d.problem = engineFailure(t, e);
  } finally {
    if (client === probeClient) closeClient(c);
  }
  return d;
}

/** Every known engine, described; `choice` is `lblab --engine` (it decides which one is current). */
export async function describeEngines(choice?: string, timeoutMs = 5_000): Promise<{ engines: EngineDescription[]; problems: string[] }> {
  const { targets, current, problems } = knownEngines(choice);
  const engines = await Promise.all(targets.map((t) => describeEngine(t, t.name === current, timeoutMs)));
  return { engines, problems };
}
