// ipv6: what breaks a service's IPv6 VIP while its IPv4 one may work — the
// balancer without the VIP6, a dsr or tunnel backend without it on lo, a router
// or balancer that does not forward IPv6, a tunnel backend whose decapsulator
// does not take ip6ip6 from the balancer, and a backend without its IPv6
// address. Each finding names the family.
import type { Finding } from '../../../api';
import { isDirectReturnMode } from '../../balancer/contract';
import { SYSCTL } from '../../topology/plan';
import { canonical6, ifaceWith6 } from '../look';
import { backendsOf, nodeOf, type Check } from './context';

const services6 = (plan: Parameters<Check>[0]['plan']) => plan.services.filter((s) => s.vip6);

/** The VIP6 on the balancer, and on lo of each dsr or tunnel backend. */
const vip6Missing: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  for (const s of services6(plan)) {
    const vip6 = s.vip6!;
    const lb = looks[s.balancer];
    if (lb && !s.members && !ifaceWith6(lb, vip6)) {
      out.push({
        kind: 'vip-missing', severity: 'error', node: s.balancer, service: s.name,
        summary: `balancer ${s.balancer} does not hold IPv6 VIP ${vip6} of service ${s.name}.`,
        evidence: [`no interface of ${s.balancer} has ${vip6} (\`ip -6 addr\`)`],
        why: 'nobody answers neighbour solicitations for the VIP6 or accepts packets to it, so no request over IPv6 reaches the balancer (IPv4 may still work).',
        fix: `\`lblab doctor --fix\` puts the VIP6 back; by hand: ip -6 addr add ${vip6}/128 dev <interface on its subnet6>.`,
      });
    }
    if (!isDirectReturnMode(s.mode)) continue;
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      if (!look) continue;
      const on = ifaceWith6(look, vip6);
      if (on?.ifname === 'lo') continue;
      out.push({
        kind: 'vip-missing', severity: 'error', node: b.node, service: s.name,
        summary: `${b.node} does not hold IPv6 VIP ${vip6} on lo.`,
        evidence: [on ? `${vip6} is on ${on.ifname}, not lo` : `\`ip -6 addr show dev lo\` on ${b.node} lists no ${vip6}`],
        why: `in ${s.mode} mode the balancer delivers packets still addressed to the VIP6; a server that does not own it drops them, so the requests over IPv6 it gets time out (IPv4 may still work).`,
        fix: `\`lblab doctor --fix\` re-plumbs ${b.node}; by hand: ip -6 addr add ${vip6}/128 dev lo.`,
      });
    }
  }
  return out;
};

/** Routers and balancers the plan has forward IPv6 (dual-stack labs). */
const forwardingOff: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  const svc = services6(plan)[0]?.name ?? null;
  for (const n of plan.nodes) {
    const look = looks[n.name];
    const now = look?.sysctls[SYSCTL.ip6Forward];
    if (n.sysctls[SYSCTL.ip6Forward] !== '1' || now === undefined || now === '1') continue;
    out.push({
      kind: 'forwarding-off', severity: 'error', node: n.name, service: n.kind === 'balancer' ? (plan.services.find((s) => s.balancer === n.name && s.vip6)?.name ?? svc) : null,
      summary: `${n.name} does not forward IPv6 (${SYSCTL.ip6Forward} = ${now}).`,
      evidence: [`${n.name}: ${SYSCTL.ip6Forward} = ${now}, planned 1`],
      why: n.kind === 'router'
        ? `IPv6 packets that cross ${n.name} between its networks are dropped, so IPv6 requests or answers routed through it are lost (IPv4 may still work).`
        : `the balancer's kernel forwards what its eBPF core passes on and the proxies' IPv6 answers; without forwarding they are dropped, and a host that does not forward also takes router advertisements it should ignore.`,
      fix: `\`lblab doctor --fix\` restores the planned sysctls; by hand: sysctl -w ${SYSCTL.ip6Forward}=1 in ${n.name}.`,
    });
  }
  return out;
};

/** A tunnel backend whose pinned decapsulator does not list the balancer's IPv6 address among its IPv6 senders (ip6ip6
 * for a vip6, 4in6 for a tunnel over an IPv6 underlay). */
const decap6Refuses: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  for (const s of plan.services.filter((x) => x.vip6 || x.underlay === 'ipv6')) {
    if (s.mode !== 'tunnel') continue;
    const what = s.vip6 ? 'ip6ip6' : '4in6 (IPv4 in IPv6)';
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      const planned = nodeOf(plan, b.node)?.decapSenders6 ?? [];
      if (!look?.decapSenders6 || !planned.length) continue;
      const takes = new Set(look.decapSenders6.map(canonical6));
      const lacking = planned.filter((a) => !takes.has(canonical6(a)));
      if (!lacking.length) continue;
      out.push({
        kind: 'decap-missing', severity: 'error', node: b.node, service: s.name,
        summary: `${b.node}'s decapsulator does not take ${what} from balancer ${s.balancer} (${lacking.join(', ')}).`,
        evidence: [`decap_senders6 on ${b.node} lists ${look.decapSenders6.join(', ') || 'nothing'}; the plan lists ${planned.join(', ')}`],
        why: s.vip6
          ? 'in tunnel mode over IPv6 the balancer wraps each request in an outer IPv6 header from its own IPv6 address; the decapsulator drops ip6ip6 from senders it does not list, so the IPv6 requests time out (IPv4 may still work).'
          : 'over an IPv6 underlay the balancer wraps each IPv4 request in an outer IPv6 header from its own IPv6 address; the decapsulator drops it from senders it does not list, so the requests time out.',
        fix: `\`lblab doctor --fix\` re-plumbs ${b.node} (it fills the sender lists again).`,
      });
    }
  }
  return out;
};

/** Each backend of a service with a VIP6 has its planned IPv6 address. */
const address6Missing: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of services6(plan)) {
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      const itf = nodeOf(plan, b.node)?.interfaces.find((i) => i.network === b.network);
      const [want, prefix6] = [itf?.address6, itf?.prefixLen6];
      if (!look || seen.has(b.node)) continue;
      if (want && ifaceWith6(look, want)) continue;
      seen.add(b.node);
      out.push({
        kind: 'address6-missing', severity: 'error', node: b.node, service: s.name,
        summary: want ? `backend ${b.node} of ${s.name} lacks its IPv6 address ${want}.` : `backend ${b.node} of ${s.name} has no IPv6 address on network ${b.network} (IPv4-only).`,
        evidence: [want ? `\`ip -6 addr\` on ${b.node} lists no ${want}` : `network ${b.network} has no subnet6`],
        why: `the balancer sends the service's IPv6 flows to the backend's IPv6 address (or, in dsr, to its MAC found over IPv6); without one the IPv6 requests it gets are lost (IPv4 may still work).`,
        // Docker gives the address when the container starts; the plumbing checks it but does not add it
        fix: want
          ? `put it back: ip -6 addr add ${want}/${prefix6 ?? 64} dev <its interface on ${b.network}> nodad, in ${b.node} (or restart its container, which Docker gives it again, then \`lblab up\`).`
          : `give network ${b.network} a subnet6 in the lab file and run \`lblab up\`.`,
      });
    }
  }
  return out;
};

export const ipv6: Check = (ctx) => [...vip6Missing(ctx), ...forwardingOff(ctx), ...decap6Refuses(ctx), ...address6Missing(ctx)];
