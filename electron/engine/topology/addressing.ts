// Subnets, node addresses and VIPs, computed deterministically from a lab
// document (schema-valid; dangling references are skipped here and
// reported by validate.ts).
//
// Rules (documented for users in docs/lab-file.md):
// - A network without `subnet` gets a /24 from 198.18.0.0/15: network number i
//   (file order) prefers 198.18.<i>.0/24, else the lowest free /24. Explicit
//   subnets (and `avoid`: every other Docker network on the host) are never reused.
// - In every subnet the network address, the broadcast address and the first
//   host (.1, Docker's bridge gateway = the host) are never given to a node.
// - Explicit link addresses are reserved first. The other nodes get the lowest
//   free addresses from .2 up, balancers first, then routers, servers, clients,
//   each kind in natural name order (web2 before web10).
// - A service without `vip` gets the HIGHEST free address of its balancer's first
//   network (…254 in a /24): adding nodes never moves a VIP.
// - A service with `snatAddresses: N` gets N - 1 more addresses for its balancer
//   (its own address there is the first), the highest free ones of the network
//   the balancer reaches the service's first backend through, after the VIPs.
import { balancersOf, isTier, type LabDoc, type LabIssue, type NodeKind } from '../../api';
import { assignAddresses6, type Addressing6 } from './addressing6';
import { issue } from './issues';
import { backendNetwork } from './routes';
import {
  DEFAULT_POOL,
  broadcastOf,
  byName,
  contains,
  gatewayOf,
  insideLabRanges,
  intToIp,
  ipToInt,
  isIPv4,
  overlaps,
  parseSubnet,
  subnetOf,
  type Subnet,
} from './net4';

export interface Addressing extends Addressing6 {
  subnets: Map<string, Subnet>; // network → subnet
  nodeAddrs: Map<string, Map<string, string>>; // node → network → address
  vips: Map<string, string>; // service → VIP
  /** service → its balancer's extra snat addresses (`snatAddresses: N` > 1), on `network` */
  snatPools: Map<string, { network: string; addresses: string[] }>;
  issues: LabIssue[];
}

export interface AddressingOptions {
  /** subnets already in use on the host (other labs), IPv4 and IPv6: never chosen as defaults */
  avoid?: string[];
}

export const KIND_ORDER: NodeKind[] = ['balancer', 'router', 'server', 'client'];

export function assignAddresses(doc: LabDoc, opts: AddressingOptions = {}): Addressing {
  const issues: LabIssue[] = [];
  const subnets = assignSubnets(doc, opts, issues);
  const nodeAddrs = new Map<string, Map<string, string>>();
  const vips = new Map<string, string>();
  for (const n of Object.keys(doc.nodes)) nodeAddrs.set(n, new Map());

  // taken[net] = address → who holds it (for duplicate messages)
  const taken = new Map<string, Map<number, string>>();
  for (const [net, s] of subnets) {
    taken.set(net, new Map([[s.base, 'the network address'], [gatewayOf(s), 'the Docker gateway (host)'], [broadcastOf(s), 'the broadcast address']]));
  }

  // 1. explicit link addresses
  for (const [node, nd] of Object.entries(doc.nodes)) {
    nd.links.forEach((l, i) => {
      if (l.address === undefined) return;
      const s = subnets.get(l.network);
      if (!s || nodeAddrs.get(node)!.has(l.network)) return; // unknown network / linked twice: validate.ts reports
      const path = ['nodes', node, 'links', i, 'address'];
      if (!isIPv4(l.address)) return; // schema reports
      const a = ipToInt(l.address);
      if (!contains(s, a)) {
        issues.push(issue(path, `address ${l.address} is outside ${l.network}'s subnet ${s.cidr}`, { network: l.network }));
        return;
      }
      const holder = taken.get(l.network)!.get(a);
      if (holder) {
        issues.push(issue(path, `address ${l.address} is already ${holder}`, { network: l.network }));
        return;
      }
      taken.get(l.network)!.set(a, `used by node ${node}`);
      nodeAddrs.get(node)!.set(l.network, l.address);
    });
  }

  // 2. explicit VIPs: inside one of the balancer's subnets (so clients and routers reach it by ARP)
  const services = Object.entries(doc.services ?? {});
  for (const [svc, sd] of services) {
    if (sd.vip === undefined || !isIPv4(sd.vip)) continue;
    const lb = balancersOf(sd)[0];
    const bal = doc.nodes[lb];
    if (!bal) continue;
    const a = ipToInt(sd.vip);
    const path = ['services', svc, 'vip'];
    const nets = bal.links.map((l) => l.network).filter((n) => subnets.has(n));
    // a tier's VIP may lie anywhere: the router in front routes it to the members
    const net = isTier(sd) ? [...subnets.keys()].find((n) => contains(subnets.get(n)!, a)) : nets.find((n) => contains(subnets.get(n)!, a));
    if (!net) {
      if (isTier(sd)) {
        vips.set(svc, sd.vip);
        continue;
      }
      const where = nets.map((n) => `${n} ${subnets.get(n)!.cidr}`).join(', ') || 'none';
      issues.push(issue(path, `VIP ${sd.vip} is outside every subnet balancer ${lb} is on (${where}); only a tier (balancer: [${lb}, …]) behind a router may have a VIP outside its networks`));
      continue;
    }
    const holder = taken.get(net)!.get(a);
    if (holder && holder !== `VIP of balancer ${lb}`) {
      issues.push(issue(path, `VIP ${sd.vip} is already ${holder}`, { network: net }));
      continue;
    }
    taken.get(net)!.set(a, `VIP of balancer ${lb}`);
    vips.set(svc, sd.vip);
  }

  // 3. generated node addresses: lowest free, in kind order then natural name order
  const order = Object.keys(doc.nodes).sort(
    (a, b) => KIND_ORDER.indexOf(doc.nodes[a].kind) - KIND_ORDER.indexOf(doc.nodes[b].kind) || byName(a, b),
  );
  const exhausted = new Set<string>();
  for (const node of order) {
    doc.nodes[node].links.forEach((l, i) => {
      const s = subnets.get(l.network);
      if (!s || nodeAddrs.get(node)!.has(l.network) || l.address !== undefined) return;
      const a = lowestFree(s, taken.get(l.network)!);
      if (a === undefined) {
        if (!exhausted.has(l.network)) {
          issues.push(issue(['nodes', node, 'links', i, 'network'], `subnet ${s.cidr} of network ${l.network} has no free address left for node ${node} (use a larger subnet)`, { network: l.network }));
        }
        exhausted.add(l.network);
        return;
      }
      taken.get(l.network)!.set(a, `used by node ${node}`);
      nodeAddrs.get(node)!.set(l.network, intToIp(a));
    });
  }

  // 4. default VIPs: highest free address of the balancer's first network
  for (const [svc, sd] of services) {
    if (sd.vip !== undefined) continue;
    const lb = balancersOf(sd)[0];
    const bal = doc.nodes[lb];
    const net = bal?.links[0]?.network;
    const s = net === undefined ? undefined : subnets.get(net);
    if (!s || !net) continue; // validate.ts reports the missing balancer / link
    // one VIP per service (not per balancer): captures and stats stay unambiguous
    const a = highestFree(s, taken.get(net)!);
    if (a === undefined) {
      issues.push(issue(['services', svc, 'vip'], `no free address left for a VIP in ${net}'s subnet ${s.cidr}`, { network: net }));
      continue;
    }
    taken.get(net)!.set(a, `VIP of balancer ${lb}`);
    vips.set(svc, intToIp(a));
  }

  // 5. snat pools: highest free addresses of the network toward the first backend
  const snatPools = new Map<string, { network: string; addresses: string[] }>();
  for (const [svc, sd] of services) {
    const want = (sd.snatAddresses ?? 1) - 1;
    const first = sd.backends[0];
    // a tier cannot run snat (validate.ts says why): no pool
    const lb = isTier(sd) ? undefined : balancersOf(sd)[0];
    if (want <= 0 || first === undefined || lb === undefined || !doc.nodes[lb]) continue;
    const firstNode = typeof first === 'string' ? first : first.node;
    if (!doc.nodes[firstNode]) continue; // validate.ts reports
    const net = backendNetwork(doc, { nodeAddrs }, lb, firstNode)?.hop.firstNet;
    const s = net === undefined ? undefined : subnets.get(net);
    if (!s || !net) continue; // unreachable: validate.ts reports
    const addresses: string[] = [];
    for (let i = 0; i < want; i++) {
      const a = highestFree(s, taken.get(net)!);
      if (a === undefined) break;
      taken.get(net)!.set(a, `a snat address of service ${svc}`);
      addresses.push(intToIp(a));
    }
    if (addresses.length < want) {
      issues.push(issue(['services', svc, 'snatAddresses'], `no room for ${want} more snat addresses in ${net}'s subnet ${s.cidr} (${addresses.length} free): use fewer or a larger subnet`, { network: net }));
      continue;
    }
    snatPools.set(svc, { network: net, addresses });
  }
  const v4 = { subnets, nodeAddrs, vips, snatPools, issues };
  return { ...v4, ...assignAddresses6(doc, v4, opts.avoid ?? [], issues) };
}

function assignSubnets(doc: LabDoc, opts: AddressingOptions, issues: LabIssue[]): Map<string, Subnet> {
  const subnets = new Map<string, Subnet>();
  const owner = new Map<Subnet, string>();
  const nets = Object.entries(doc.networks);
  for (const [net, nd] of nets) {
    if (nd.subnet === undefined) continue;
    const path = ['networks', net, 'subnet'];
    const s = parseSubnet(nd.subnet);
    if (!s) continue; // schema reports
    if (s.hostBits) {
      issues.push(issue(path, `subnet ${nd.subnet} has host bits set (did you mean ${s.cidr}?)`));
      continue;
    }
    if (s.prefix > 30) {
      issues.push(issue(path, `subnet ${nd.subnet} is too small: a lab network needs at least a /30 (gateway + one node)`));
      continue;
    }
    if (s.prefix < 8) {
      issues.push(issue(path, `subnet ${nd.subnet} is too large: use a /8 or smaller`));
      continue;
    }
    if (!insideLabRanges(s)) {
      issues.push(issue(path, `subnet ${nd.subnet} is not a lab range (use 198.18.0.0/15, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)`));
      continue;
    }
    const used = (opts.avoid ?? []).map((c) => parseSubnet(c)).find((o) => o && overlaps(o, s));
    if (used) {
      issues.push(issue(path, `subnet ${s.cidr} overlaps ${used.cidr}, already used on this host (another lab or Docker network)`));
      continue;
    }
    const clash = [...subnets].find(([, o]) => overlaps(o, s));
    if (clash) {
      issues.push(issue(path, `subnet ${s.cidr} overlaps network ${clash[0]} (${clash[1].cidr})`));
      continue;
    }
    subnets.set(net, s);
    owner.set(s, net);
  }
  const avoid = (opts.avoid ?? []).map((c) => parseSubnet(c)).filter((s): s is NonNullable<typeof s> => !!s);
  const free = (s: Subnet) => ![...subnets.values(), ...avoid].some((o) => overlaps(o, s));
  const slots = DEFAULT_POOL.size / 256;
  nets.forEach(([net, nd], i) => {
    if (nd.subnet !== undefined) return;
    let pick: Subnet | undefined;
    if (i < slots && free(subnetOf(DEFAULT_POOL.base + i * 256, 24))) pick = subnetOf(DEFAULT_POOL.base + i * 256, 24);
    for (let k = 0; !pick && k < slots; k++) {
      const c = subnetOf(DEFAULT_POOL.base + k * 256, 24);
      if (free(c)) pick = c;
    }
    if (!pick) issues.push(issue(['networks', net], `no free /24 left in ${DEFAULT_POOL.cidr} for network ${net}: give it a subnet`));
    else subnets.set(net, pick);
  });
  return subnets;
}

function lowestFree(s: Subnet, taken: Map<number, string>): number | undefined {
  for (let a = s.base + 1; a < s.base + s.size - 1; a++) if (!taken.has(a)) return a;
  return undefined;
}

function highestFree(s: Subnet, taken: Map<number, string>): number | undefined {
  for (let a = s.base + s.size - 2; a > s.base; a--) if (!taken.has(a)) return a;
  return undefined;
}
