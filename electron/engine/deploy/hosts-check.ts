// Before a lab spread over hosts creates anything: every host answers, the
// first one is the engine lblab drives (it keeps the record and the lock), the
// engines are one Docker Swarm with the first host a manager (overlays are
// made and removed there), and each host's kernel can run what is placed on
// it. Each failure is one line naming the host and what to run.
import type Docker from 'dockerode';
import { isDataplaneMode } from '../balancer/contract';
import { engineFailure, engineTarget, within } from '../docker/client';
import { ebpfVerdict } from '../docker/describe-engines';
import { labHosts, type LabHost } from '../docker/placement';
import { EngineError } from '../errors';
import { membersOf, type LabPlan } from '../topology/plan-types';
import type { LabDoc } from '../../api';

/** What a host's `docker info` says that matters here. */
export interface HostInfo {
  name: string;
  osType?: string;
  kernel?: string;
  swarm: { state: string; nodeId: string; manager: boolean };
}

const INFO_MS = 10_000;

export function hostInfo(name: string, info: Record<string, unknown>): HostInfo {
  const sw = (info.Swarm ?? {}) as { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean };
  return {
    name,
    osType: typeof info.OSType === 'string' ? info.OSType : undefined,
    kernel: typeof info.KernelVersion === 'string' ? info.KernelVersion : undefined,
    swarm: { state: sw.LocalNodeState ?? 'inactive', nodeId: sw.NodeID ?? '', manager: !!sw.ControlAvailable },
  };
}

/** Why the hosts are not one Swarm with the first a manager, or undefined. `members`: the manager's node ids. */
export function swarmProblem(hosts: HostInfo[], members: Set<string> | undefined): string | undefined {
  const names = hosts.map((h) => h.name).join(', ');
  const [first, ...rest] = hosts;
  const join = (list: HostInfo[]) => list.map((h) => h.name).join(', ');
  if (first.swarm.state !== 'active') {
    return `hosts ${names} are not one Docker Swarm: run \`docker swarm init\` on ${first.name}, then the \`docker swarm join …\` it prints on ${join(rest)}`;
  }
  if (!first.swarm.manager) {
    return `host ${first.name}, the lab's first host, is not a manager of its Docker Swarm: overlays are made there; promote it (\`docker node promote\`) or put a manager first`;
  }
  const outside = rest.filter((h) => h.swarm.state !== 'active' || !members?.has(h.swarm.nodeId));
  if (outside.length) {
    return `${outside.length === 1 ? 'host' : 'hosts'} ${join(outside)} ${outside.length === 1 ? 'is' : 'are'} not in the Docker Swarm of ${first.name}: run \`docker swarm join-token worker\` on ${first.name} and the \`docker swarm join …\` it prints on ${join(outside)}`;
  }
  return undefined;
}

/** A host that holds a node its kernel cannot run: a balancer in an eBPF mode needs Linux ≥ 6.3. */
export function kernelProblem(plan: LabPlan, hosts: HostInfo[]): string | undefined {
  for (const s of plan.services) {
    if (!isDataplaneMode(s.mode)) continue;
    for (const lb of plan.nodes.filter((n) => membersOf(s).includes(n.name))) {
      const h = hosts.find((x) => x.name === lb.host);
      if (!h) continue;
      const v = ebpfVerdict(h.osType, h.kernel);
      if (!v?.ok) return `node ${lb.name} is placed on host ${h.name}, which cannot run service ${s.name} in ${s.mode}: ${v?.checked ?? 'unknown kernel'}; place it on another host or use l4proxy or l7`;
    }
  }
  return undefined;
}

/** Resolve and check a spread lab's hosts; the hosts, ready to use. Throws one line (bad-request / unavailable). */
export async function checkLabHosts(doc: LabDoc, plan: LabPlan): Promise<LabHost[]> {
  const hosts = labHosts(doc);
  const driven = engineTarget();
  if (hosts[0].target.host !== driven.host) {
    throw new EngineError(`host ${hosts[0].name}, the lab's first host, must be the engine lblab runs with (${driven.name}: ${driven.host}), where the lab's record and lock are kept: write \`${hosts[0].name}: default\` or run lblab with --engine ${hosts[0].engine}`, 'bad-request');
  }
  const infos = await Promise.all(
    hosts.map(async (h) => {
      try {
        return hostInfo(h.name, (await within(h.client.info(), INFO_MS, `asking host ${h.name}`)) as Record<string, unknown>);
      } catch (e) {
        throw new EngineError(`host ${h.name}: ${engineFailure(h.target, e)}`, 'engine');
      }
    }),
  );
  if (hosts.length > 1) {
    let members: Set<string> | undefined;
    if (infos[0].swarm.state === 'active' && infos[0].swarm.manager) {
      const nodes = (await within((hosts[0].client as Docker).listNodes(), INFO_MS, 'listing the Swarm')) as { ID: string }[];
      members = new Set(nodes.map((n) => n.ID));
    }
    const bad = swarmProblem(infos, members);
    if (bad) throw new EngineError(bad, 'bad-request');
  }
  const k = kernelProblem(plan, infos);
  if (k) throw new EngineError(k, 'bad-request');
  return hosts;
}
