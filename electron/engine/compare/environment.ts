// What a comparison ran on: read inside the balancer (its kernel, CPUs and
// load are the engine host's, or Docker Desktop's VM), plus the Docker
// version and the lab's link rates. Offloads matter to throughput (GRO/TSO
// change what one packet is), so the balancer's are recorded per interface.
import type { CompareEnvironment, LabStatus } from '../../api';

export const ENVIRONMENT_SCRIPT = [
  'echo "kernel $(uname -r)"',
  'echo "cpus $(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)"',
  "echo \"cpumodel $(grep -m1 -E '^(model name|Hardware|Processor|cpu model)' /proc/cpuinfo | cut -d: -f2-)\"",
  'echo "load $(cut -d" " -f1-3 /proc/loadavg)"',
  'for d in /sys/class/net/*; do n=${d##*/}; [ "$n" = lo ] && continue; echo "offloads $n"; ethtool -k $n 2>/dev/null; done',
  'echo --',
].join('\n');

/** Only the load average. */
export const LOAD_SCRIPT = 'cut -d" " -f1-3 /proc/loadavg';

export interface HostFacts {
  kernel: string;
  cpus: number;
  cpuModel: string;
  load: number[];
  offloads: Record<string, Record<string, string>>;
}

export const parseLoad = (text: string): number[] =>
  text.trim().split(/\s+/).slice(0, 3).map(Number).filter((x) => Number.isFinite(x));

/** Parse ENVIRONMENT_SCRIPT's output. Offloads: the top-level features of `ethtool -k`, `on`/`off` (a `[fixed]` note dropped). */
export function parseEnvironment(text: string): HostFacts {
  const facts: HostFacts = { kernel: '', cpus: 0, cpuModel: '', load: [], offloads: {} };
  let dev: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^(kernel|cpus|cpumodel|load|offloads) ?(.*)$/.exec(line);
    if (m) {
      const v = m[2].trim();
      if (m[1] === 'kernel') facts.kernel = v;
      else if (m[1] === 'cpus') facts.cpus = Number(v) || 0;
      else if (m[1] === 'cpumodel') facts.cpuModel = v.replace(/\s+/g, ' ');
      else if (m[1] === 'load') facts.load = parseLoad(v);
      else if (m[1] === 'offloads') facts.offloads[(dev = v)] = {};
      continue;
    }
    // "tcp-segmentation-offload: off"; indented lines are sub-features
    const f = /^([a-z0-9-]+): (on|off)/.exec(line);
    if (dev && f) facts.offloads[dev][f[1]] = f[2];
  }
  return facts;
}

/** Link rates as the lab gives them, by `node:network`. */
export function linkRates(status: LabStatus): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of status.nodes) for (const i of n.interfaces) if (i.rate) out[`${n.name}:${i.network}`] = i.rate;
  return out;
}

export function environment(facts: HostFacts, docker: string, status: LabStatus, loadAfter: number[], only?: string[]): CompareEnvironment {
  const offloads = only ? Object.fromEntries(Object.entries(facts.offloads).filter(([d]) => only.includes(d))) : facts.offloads;
  return {
    kernel: facts.kernel,
    docker,
    cpuModel: facts.cpuModel,
    cpus: facts.cpus,
    loadBefore: facts.load,
    loadAfter,
    linkRates: linkRates(status),
    offloads,
    ...labOffload(status),
  };
}

/** The lab's `offload` setting as the environment records it: nothing when its document is unreadable. */
export function labOffload(status: LabStatus): { offload?: boolean } {
  return status.doc ? { offload: status.doc.offload === true } : {};
}
