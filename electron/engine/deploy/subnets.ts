// Subnets for networks the lab file leaves without one. The topology picks
// them from 198.18.0.0/15, avoiding what it is told is in use: here, every
// Docker network of the engine (other labs, Docker's own bridges, anything
// else) except this lab's. A network the running lab already has keeps its
// subnet, so a redeploy does not move it.
//
// The result is pinned into the document (every network gets an explicit
// subnet) before it is planned and recorded: status, stats and mode switches
// plan the recorded document again later, without knowing what was in use at
// deploy time, and must get the same addresses.
import type Docker from 'dockerode';
import type { LabDoc } from '../../api';
import { docker } from '../docker/client';
import { LABEL } from '../docker/labels';
import { EngineError, firstIssue } from '../errors';
import { DEFAULT_POOL, overlaps, parseSubnet, type Subnet } from '../topology/net4';
import { DEFAULT_POOL6, contains6, overlaps6, parseSubnet6 } from '../topology/net6';
import type { DeployDeps } from './deps';

export interface SubnetsInUse {
  /** IPv4 and IPv6 subnets of every Docker network not of this lab */
  others: string[];
  /** this lab's networks: network name → subnet */
  own: Map<string, string>;
  /** this lab's dual-stack networks: network name → IPv6 subnet */
  own6?: Map<string, string>;
}

export async function subnetsInUse(lab: string, engines: Docker[] = [docker()]): Promise<SubnetsInUse> {
  const others: string[] = [];
  const own = new Map<string, string>();
  const own6 = new Map<string, string>();
  // a lab spread over hosts: every host's networks (an overlay shows on several: listed once)
  const seen = new Set<string>();
  const all = (await Promise.all(engines.map((d) => d.listNetworks()))).flat().filter((n) => !seen.has(n.Id) && seen.add(n.Id));
  for (const n of all) {
    const v4 = (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '').filter((c) => parseSubnet(c));
    const mine = n.Labels?.[LABEL.managed] === 'true' && n.Labels[LABEL.lab] === lab && n.Labels[LABEL.network];
    const v6 = (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '').filter((c) => parseSubnet6(c));
    if (mine && v4.length) own.set(n.Labels![LABEL.network]!, v4[0]);
    else others.push(...v4);
    if (mine && v6.length) own6.set(n.Labels![LABEL.network]!, v6[0]);
    else others.push(...v6);
  }
  return { others, own, own6 };
}

/**
 * The document with a subnet on every network: the file's own, else the one
 * the running lab has for that network (when it came from the default pool and
 * still fits), else a free one. Fails with one line when the file's subnets
 * collide with a network in use.
 */
export function pinSubnets(doc: LabDoc, inUse: SubnetsInUse, deps: Pick<DeployDeps, 'validateLab' | 'planLab'>): LabDoc {
  const taken: Subnet[] = [...inUse.others, ...Object.values(doc.networks).map((n) => n.subnet ?? '')]
    .map((c) => parseSubnet(c))
    .filter((s): s is NonNullable<typeof s> => !!s);
  const networks: LabDoc['networks'] = {};
  for (const [name, nd] of Object.entries(doc.networks)) {
    const own = nd.subnet === undefined ? parseSubnet(inUse.own.get(name) ?? '') : undefined;
    const fits = own && !own.hostBits && inPool(own) && !taken.some((t) => overlaps(t, own));
    networks[name] = fits ? { ...nd, subnet: own.cidr } : nd;
    if (fits) taken.push(own);
  }
  // `subnet6: auto` keeps the running lab's IPv6 subnet when it came from the pool and is still free
  const taken6 = [...inUse.others, ...Object.values(doc.networks).map((n) => n.subnet6 ?? '')].map((c) => parseSubnet6(c)).filter((s): s is NonNullable<typeof s> => !!s);
  for (const [name, nd] of Object.entries(networks)) {
    const own6 = nd.subnet6 === 'auto' ? parseSubnet6(inUse.own6?.get(name) ?? '') : undefined;
    const fits6 = own6 && !own6.hostBits && contains6(DEFAULT_POOL6, own6.base) && !taken6.some((t) => overlaps6(t, own6));
    if (fits6) {
      networks[name] = { ...nd, subnet6: own6.cidr };
      taken6.push(own6);
    }
  }
  const kept = { ...doc, networks };
  const opts = { avoid: inUse.others };
  const bad = firstIssue(deps.validateLab(kept, opts));
  if (bad) throw new EngineError(`lab ${doc.name}: ${bad}`, 'bad-request');
  const plan = deps.planLab(kept, opts);
  const subnetOf = new Map(plan.networks.map((n) => [n.name, n.subnet]));
  const subnet6Of = new Map(plan.networks.map((n) => [n.name, n.subnet6]));
  return {
    ...doc,
    networks: Object.fromEntries(
      Object.entries(doc.networks).map(([name, nd]) => [
        name,
        { ...nd, subnet: nd.subnet ?? subnetOf.get(name), ...(nd.subnet6 !== undefined && { subnet6: subnet6Of.get(name) ?? nd.subnet6 }) },
      ]),
    ),
  };
}

const inPool = (s: Subnet) => s.base >= DEFAULT_POOL.base && s.base + s.size <= DEFAULT_POOL.base + DEFAULT_POOL.size;
