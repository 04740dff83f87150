// Creating one lab container or network with the labels and settings every
// lab object needs, and recovering from a stale object of a crashed run.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { oneLine } from '../../api';
import { isDataplaneMode } from '../balancer/contract';
import { docker } from '../docker/client';
import { LABEL, labLabels } from '../docker/labels';
import { EngineError } from '../errors';
import { membersOf, type LabPlan, type PlannedInterface, type PlannedNetwork, type PlannedNode } from '../topology/plan-types';

const status = (e: unknown) => (e as { statusCode?: number }).statusCode;

/** Docker's options for a lab network: a bridge on one host, or a swarm-scoped attachable overlay
 * (VXLAN between the hosts) when its nodes span hosts; made on `client`, the first host for an overlay. */
export function networkOptions(lab: string, net: PlannedNetwork): Docker.NetworkCreateOptions {
  const mtu: Record<string, string> = net.mtu ? { 'com.docker.network.driver.mtu': String(net.mtu) } : {};
  const labels = labLabels(lab, { [LABEL.network]: net.name, ...(net.hosts?.length === 1 && { [LABEL.host]: net.hosts[0] }) });
  // dual-stack: the IPv6 subnet beside the IPv4 one; a user-defined network takes it without the daemon's `ipv6` flag
  const v6 = net.subnet6 && net.gateway6 ? [{ Subnet: net.subnet6, Gateway: net.gateway6 }] : [];
  const ipam = { Driver: 'default', Config: [{ Subnet: net.subnet, Gateway: net.gateway, ...(net.dockerRange && { IPRange: net.dockerRange }) }, ...v6] };
  if (net.overlay) {
    // attachable: lblab's nodes are plain containers, not Swarm services; no `encrypted`: IPsec would
    // cost more MTU and hide the frames from captures on the underlay
    // no MTU option: on an overlay Docker reads it as the underlay's and subtracts VXLAN's 50 bytes itself
    return { Name: net.docker, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: labels, IPAM: ipam, ...(v6.length && { EnableIPv6: true }) };
  }
  return {
    Name: net.docker,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: labels,
    IPAM: ipam,
    ...(v6.length && { EnableIPv6: true }),
    // the host must not masquerade lab traffic crossing a balancer/router: a
    // rewritten source would send replies around the balancer and break nat
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false', ...mtu },
  };
}

export async function createNetwork(lab: string, net: PlannedNetwork, client: Docker = docker()): Promise<Docker.Network> {
  const opts = networkOptions(lab, net);
  try {
    return await client.createNetwork(opts);
  } catch (e) {
    const msg = oneLine(e);
    if (status(e) === 409) {
      // same name: a leftover of this lab from a crashed run is ours to replace; anything else is not
      const other = await client.getNetwork(net.docker).inspect().catch(() => undefined);
      if (other?.Labels?.[LABEL.managed] === 'true' && other.Labels[LABEL.lab] === lab) {
        await client.getNetwork(other.Id).remove();
        return client.createNetwork(opts);
      }
      throw new EngineError(`network ${net.name}: a Docker network named ${net.docker} already exists and does not belong to lab ${lab}`, 'conflict');
    }
    if (/overlap/i.test(msg))
      throw new EngineError(`network ${net.name}: subnet ${net.subnet} overlaps an existing Docker network (another lab? see \`docker network ls\`)`, 'conflict');
    throw new EngineError(`network ${net.name}: ${msg}`);
  }
}

/**
 * Sysctls Docker can set at create time. /proc/sys is read-only inside a
 * container, so this is the only place they can be applied. Per-interface keys
 * cannot be named yet (interfaces are attached later), so a `conf.all.K` is
 * also applied as `conf.default.K`: interfaces attached afterwards inherit it,
 * and for rp_filter (max of all and the interface) that is what makes 0 stick.
 */
export function createSysctls(node: PlannedNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(node.sysctls ?? {})) {
    const m = /^net\.ipv[46]\.conf\.([^.]+)\.(.+)$/.exec(k);
    if (m && m[1] !== 'all' && m[1] !== 'default') continue; // interface-specific: covered by all/default
    out[k] = String(v);
    if (m && m[1] === 'all') out[k.replace('.conf.all.', '.conf.default.')] ??= String(v);
  }
  return out;
}

/** An interface's fixed addresses: IPv4, and IPv6 on a dual-stack network. */
const ipamOf = (itf: PlannedInterface) => ({ IPv4Address: itf.address, ...(itf.address6 && { IPv6Address: itf.address6 }) });

export function firstNetwork(plan: LabPlan, node: PlannedNode): PlannedNetwork | undefined {
  const i = node.interfaces[0];
  return i && plan.networks.find((n) => n.name === i.network);
}

/** A balancer that will serve an eBPF mode: its agent loads the data plane at boot, ahead of its config. */
export function preloadsDataplane(plan: LabPlan, node: PlannedNode): boolean {
  return node.kind === 'balancer' && plan.services.some((s) => membersOf(s).includes(node.name) && isDataplaneMode(s.mode));
}

export interface CreateSpec {
  plan: LabPlan;
  node: PlannedNode;
  image: string;
  labels: Record<string, string>;
}

export function containerOptions({ plan, node, image, labels }: CreateSpec): Docker.ContainerCreateOptions {
  const first = firstNetwork(plan, node);
  return {
    name: node.container,
    Image: image,
    Hostname: node.name,
    Labels: { ...labLabels(plan.name, { [LABEL.node]: node.name, [LABEL.role]: node.kind, ...(node.host && { [LABEL.host]: node.host }) }), ...labels },
    // the agent loads the eBPF core ahead, the object of the balancer's hook
    Env: [`LBLAB_LAB=${plan.name}`, `LBLAB_NODE=${node.name}`, ...(preloadsDataplane(plan, node) ? [`LBAGENT_PRELOAD=${node.hook === 'xdp' ? 'xdp' : '1'}`] : [])],
    // No RestartPolicy, on purpose: after an engine restart a container brought back by a policy has a
    // fresh network namespace without its plumbing, and would look running while the lab is broken. A
    // stopped lab is honest about it; status says degraded and `lblab up` repairs it (deploy/repair.ts).
    HostConfig: {
      Init: true,
      CapAdd: node.capAdd,
      Sysctls: createSysctls(node),
      // the lab file's `cpus`: the engine's CPU quota (a member limited so the tier, not the client, is the bottleneck)
      ...(node.cpus !== undefined && { NanoCpus: Math.round(node.cpus * 1e9) }),
      NetworkMode: first ? first.docker : 'none',
    },
    NetworkingConfig: first
      ? { EndpointsConfig: { [first.docker]: { IPAMConfig: ipamOf(node.interfaces[0]) } } }
      : undefined,
  };
}

/** What a container is created with, as a hash (labels aside): equal specs make equal containers,
 * so a redeploy may keep a running node whose spec did not change. Every interface is in it
 * (the further networks are attached after create), rates too (shaping is set up at deploy). */
export function containerSpecHash(spec: CreateSpec): string {
  const { Labels: _labels, ...opts } = containerOptions({ ...spec, labels: {} });
  void _labels;
  return createHash('sha256').update(JSON.stringify({ opts, interfaces: spec.node.interfaces })).digest('hex').slice(0, 16);
}

export async function createContainer(spec: CreateSpec, client: Docker = docker()): Promise<Docker.Container> {
  const opts = containerOptions(spec);
  try {
    return await client.createContainer(opts);
  } catch (e) {
    if (status(e) === 409) {
      const other = await client.getContainer(spec.node.container).inspect().catch(() => undefined);
      if (other?.Config.Labels?.[LABEL.managed] === 'true' && other.Config.Labels[LABEL.lab] === spec.plan.name) {
        await client.getContainer(other.Id).remove({ force: true, v: true });
        return client.createContainer(opts);
      }
      throw new EngineError(`node ${spec.node.name}: a container named ${spec.node.container} already exists and does not belong to lab ${spec.plan.name}`, 'conflict');
    }
    if (status(e) === 404) throw new EngineError(`node ${spec.node.name}: image ${spec.image} is missing (run \`lblab images build\`)`);
    throw new EngineError(`node ${spec.node.name}: create failed: ${oneLine(e)}`);
  }
}

/** Attach every further network with its fixed address — all of them before any route is set
 * (`docker network connect` refuses a subnet that overlaps a route already in the container). */
export async function connectRest(plan: LabPlan, node: PlannedNode, container: Docker.Container, client: Docker = docker()): Promise<void> {
  for (const itf of node.interfaces.slice(1)) {
    const net = plan.networks.find((n) => n.name === itf.network);
    if (!net) throw new EngineError(`node ${node.name}: unknown network ${itf.network}`);
    try {
      await client
        .getNetwork(net.docker)
        .connect({ Container: container.id, EndpointConfig: { IPAMConfig: ipamOf(itf) } });
    } catch (e) {
      throw new EngineError(`node ${node.name}: cannot attach to network ${itf.network} as ${itf.address}: ${oneLine(e)}`);
    }
  }
}
