// The IPv6 half of a dual-stack lab, computed after the IPv4 half
// (addressing.ts) and mirroring it, so each node is easy to find in both:
// - A network with `subnet6: auto` gets a /64 of fd00:4c42::/48: network
//   number i (file order) prefers the i-th /64, else the lowest free one.
//   Explicit subnet6s lie in fd00::/8 (ULA), /48…/120, hold at least as many
//   addresses as the network's IPv4 subnet, and overlap neither each other
//   nor `avoid` (every other Docker network on the host).
// - A node's IPv6 address has the host number of its IPv4 address: .5 in
//   198.18.1.0/24 is ::5 in fd00:4c42:0:1::/64 (and ::1 is Docker's gateway,
//   like .1).
// - A service's `vip6: auto` mirrors its IPv4 VIP in that network's subnet6;
//   an explicit vip6 lies in a subnet6 of one of its balancer's networks.
// - A service with a vip6 reaches each backend over IPv6: the network the
//   balancer reaches it on (and every network on the way) is dual-stack. So
//   does a tunnel service with `underlay: ipv6` (its IPv4 VIP's packets
//   wrapped in IPv6 toward the servers), which has one balancer.
import { balancersOf, isTier, type LabDoc, type LabIssue } from '../../api';
import type { Addressing } from './addressing';
import { issue } from './issues';
import { contains, ipToInt, type Subnet } from './net4';
import {
  DEFAULT_POOL6,
  DEFAULT_PREFIX6,
  MAX_PREFIX6,
  MIN_PREFIX6,
  ULA_RANGE,
  bigToIp6,
  contains6,
  ip6ToBig,
  overlaps6,
  parseSubnet6,
  subnet6Of,
  type Subnet6,
} from './net6';
import { backendNetwork, dualStackView } from './routes';

export interface Addressing6 {
  subnets6: Map<string, Subnet6>; // dual-stack network → its IPv6 subnet
  nodeAddrs6: Map<string, Map<string, string>>; // node → network → IPv6 address
  vips6: Map<string, string>; // service → IPv6 VIP
}

type V4 = Pick<Addressing, 'subnets' | 'nodeAddrs' | 'vips' | 'snatPools' | 'issues'>;

/** The smallest prefix (largest subnet) a network's IPv6 subnet may have: as many addresses as its IPv4 one. */
const maxPrefixFor = (s4: Subnet | undefined) => Math.min(MAX_PREFIX6, s4 ? 128 - (32 - s4.prefix) : MAX_PREFIX6);

export function assignAddresses6(doc: LabDoc, v4: V4, avoid: string[], issues: LabIssue[]): Addressing6 {
  const subnets6 = assignSubnets6(doc, v4, avoid, issues);
  const nodeAddrs6 = new Map<string, Map<string, string>>();
  const at = (net: string, ip4: string) => {
    const s4 = v4.subnets.get(net);
    const s6 = subnets6.get(net);
    return s4 && s6 ? bigToIp6(s6.base + BigInt(ipToInt(ip4) - s4.base)) : undefined;
  };
  for (const [node, m] of v4.nodeAddrs) {
    const m6 = new Map<string, string>();
    for (const [net, a] of m) {
      const a6 = at(net, a);
      if (a6) m6.set(net, a6);
    }
    nodeAddrs6.set(node, m6);
  }

  const vips6 = new Map<string, string>();
  for (const [svc, sd] of Object.entries(doc.services ?? {})) {
    if (sd.vip6 === undefined) continue;
    const path = ['services', svc, 'vip6'];
    const lb = balancersOf(sd)[0];
    if (isTier(sd)) {
      issues.push(issue(path, 'a tier of balancers serves IPv4 only: remove vip6 or give the service one balancer'));
      continue;
    }
    const nets = (doc.nodes[lb]?.links ?? []).map((l) => l.network).filter((n) => v4.subnets.has(n));
    if (!nets.length) continue; // validate.ts reports the balancer
    const dual = nets.filter((n) => subnets6.has(n));
    if (!dual.length) {
      issues.push(issue(path, `balancer ${lb} is on IPv4-only networks (${nets.join(', ')}): give one of them subnet6 (auto or a ULA subnet) to hold an IPv6 VIP`));
      continue;
    }
    let vip6: string | undefined;
    if (sd.vip6 === 'auto') {
      const vip = v4.vips.get(svc);
      const net = vip === undefined ? undefined : nets.find((n) => contains(v4.subnets.get(n)!, ipToInt(vip)));
      if (!vip || !net) continue; // the IPv4 VIP's own issue is said
      vip6 = at(net, vip);
      if (!vip6) {
        issues.push(issue(path, `network ${net}, where the IPv4 VIP ${vip} is, is IPv4-only: give it subnet6 (auto or a ULA subnet), or give vip6 an address in ${dual.map((n) => subnets6.get(n)!.cidr).join(', ')}`, { network: net }));
        continue;
      }
    } else {
      const a = ip6ToBig(sd.vip6);
      const net = dual.find((n) => contains6(subnets6.get(n)!, a));
      if (!net) {
        issues.push(issue(path, `VIP ${sd.vip6} is outside every IPv6 subnet balancer ${lb} is on (${dual.map((n) => `${n} ${subnets6.get(n)!.cidr}`).join(', ')})`));
        continue;
      }
      const s6 = subnets6.get(net)!;
      const holder = a === s6.base ? 'the network address' : a === s6.base + 1n ? 'the Docker gateway (host)' : [...nodeAddrs6].find(([, m]) => m.get(net) === bigToIp6(a))?.[0];
      if (holder) {
        issues.push(issue(path, `VIP ${sd.vip6} is already ${holder.startsWith('the ') ? holder : `used by node ${holder}`}`, { network: net }));
        continue;
      }
      vip6 = bigToIp6(a);
    }
    const twin = [...vips6].find(([other, v]) => v === vip6 && doc.services?.[other] && balancersOf(doc.services[other])[0] !== lb);
    if (twin) {
      issues.push(issue(path, `VIP ${vip6} is already the VIP of service ${twin[0]}`));
      continue;
    }
    vips6.set(svc, vip6);
    checkBackends6(doc, v4, { subnets6, nodeAddrs6, vips6 }, svc, 'vip6', issues);
  }
  for (const [svc, sd] of Object.entries(doc.services ?? {})) {
    if (sd.underlay !== 'ipv6') continue;
    const path = ['services', svc, 'underlay'];
    if (sd.mode !== 'tunnel') issues.push(issue(path, `underlay ipv6 is for tunnel mode (mode is ${sd.mode}): use mode tunnel or remove underlay`));
    else if (isTier(sd)) issues.push(issue(path, 'a tier of balancers tunnels over IPv4 only: remove underlay or give the service one balancer'));
    else checkBackends6(doc, v4, { subnets6, nodeAddrs6, vips6 }, svc, 'underlay', issues);
  }
  return { subnets6, nodeAddrs6, vips6 };
}

/** A service with a vip6 (or an IPv6 underlay: `key`) reaches each backend over IPv6: one line per backend that cannot be. */
function checkBackends6(doc: LabDoc, v4: V4, a6: Addressing6, svc: string, key: 'vip6' | 'underlay', issues: LabIssue[]): void {
  const sd = doc.services![svc];
  const lb = balancersOf(sd)[0];
  const nodes = [...new Set([...sd.backends, ...(sd.routes ?? []).flatMap((r) => r.backends)].map((b) => (typeof b === 'string' ? b : b.node)))];
  const view = dualStackView(doc, a6);
  for (const node of nodes) {
    if (!doc.nodes[node]) continue; // validate.ts reports
    const bn = backendNetwork(doc, v4, lb, node);
    if (!bn) continue; // unreachable: validate.ts reports
    const ok = a6.subnets6.has(bn.network) && backendNetwork(view.doc, view.addr, lb, node)?.network === bn.network;
    if (!ok) {
      const why = a6.subnets6.has(bn.network) ? `the way from balancer ${lb} to network ${bn.network} crosses an IPv4-only network` : `network ${bn.network} is IPv4-only`;
      issues.push(issue(['services', svc, key], `backend ${node} cannot be reached over IPv6 (${why}): give every network on the way subnet6, or remove ${key}`, { node }));
    }
  }
}

function assignSubnets6(doc: LabDoc, v4: V4, avoid: string[], issues: LabIssue[]): Map<string, Subnet6> {
  const subnets6 = new Map<string, Subnet6>();
  const nets = Object.entries(doc.networks);
  const others = avoid.map((c) => parseSubnet6(c)).filter((s): s is NonNullable<typeof s> => !!s);
  for (const [net, nd] of nets) {
    if (nd.subnet6 === undefined || nd.subnet6 === 'auto') continue;
    const path = ['networks', net, 'subnet6'];
    const s = parseSubnet6(nd.subnet6);
    if (!s) continue; // schema reports
    if (s.hostBits) {
      issues.push(issue(path, `subnet6 ${nd.subnet6} has host bits set (did you mean ${s.cidr}?)`));
      continue;
    }
    if (!contains6(ULA_RANGE, s.base) || s.prefix < ULA_RANGE.prefix) {
      issues.push(issue(path, `subnet6 ${nd.subnet6} is not a lab range (use a unique local subnet in ${ULA_RANGE.cidr}, e.g. fd00:4c42:0:1::/64, or auto)`));
      continue;
    }
    if (s.prefix < MIN_PREFIX6) {
      issues.push(issue(path, `subnet6 ${nd.subnet6} is too large: use a /${MIN_PREFIX6} or smaller (a /64 is usual)`));
      continue;
    }
    const s4 = v4.subnets.get(net);
    const max = maxPrefixFor(s4);
    if (s.prefix > max) {
      const need = s4 ? ` as many addresses as its IPv4 subnet ${s4.cidr}` : ` ${2 ** (128 - MAX_PREFIX6)} addresses`;
      issues.push(issue(path, `subnet6 ${nd.subnet6} is too small: network ${net} needs at least${need} (a /${max} or larger; a /64 is usual)`));
      continue;
    }
    const used = others.find((o) => overlaps6(o, s));
    if (used) {
      issues.push(issue(path, `subnet6 ${s.cidr} overlaps ${used.cidr}, already used on this host (another lab or Docker network)`));
      continue;
    }
    const clash = [...subnets6].find(([, o]) => overlaps6(o, s));
    if (clash) {
      issues.push(issue(path, `subnet6 ${s.cidr} overlaps network ${clash[0]} (${clash[1].cidr})`));
      continue;
    }
    subnets6.set(net, subnet6Of(s.base, s.prefix));
  }
  const free = (s: Subnet6) => ![...subnets6.values(), ...others].some((o) => overlaps6(o, s));
  const slots = 2 ** (DEFAULT_PREFIX6 - DEFAULT_POOL6.prefix);
  const nth = (k: number) => subnet6Of(DEFAULT_POOL6.base + (BigInt(k) << BigInt(128 - DEFAULT_PREFIX6)), DEFAULT_PREFIX6);
  nets.forEach(([net, nd], i) => {
    if (nd.subnet6 !== 'auto') return;
    let pick = i < slots && free(nth(i)) ? nth(i) : undefined;
    for (let k = 0; !pick && k < slots; k++) if (free(nth(k))) pick = nth(k);
    if (!pick) issues.push(issue(['networks', net, 'subnet6'], `no free /${DEFAULT_PREFIX6} left in ${DEFAULT_POOL6.cidr} for network ${net}: give it a subnet6`));
    else subnets6.set(net, pick);
  });
  return subnets6;
}
