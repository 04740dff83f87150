// vip-missing: a dsr or tunnel backend without the VIP on lo (it drops what the
// balancer delivers, still addressed to the VIP), or a balancer without its VIP.
import type { Finding } from '../../../api';
import { isDirectReturnMode } from '../../balancer/contract';
import { ifaceWith } from '../look';
import { backendsOf, type Check } from './context';

export const vipMissing: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  for (const s of plan.services) {
    const lb = looks[s.balancer];
    if (lb && !ifaceWith(lb, s.vip)) {
      out.push({
        kind: 'vip-missing', severity: 'error', node: s.balancer, service: s.name,
        summary: `balancer ${s.balancer} does not hold VIP ${s.vip} of service ${s.name}.`,
        evidence: [`no interface of ${s.balancer} has ${s.vip}`],
        why: 'nobody answers ARP for the VIP or accepts packets to it, so no request reaches the balancer.',
        fix: `\`lblab up\` of the lab file (or \`lblab doctor --fix\`) puts the VIP back; by hand: ip addr add ${s.vip}/32 dev <interface on its subnet>.`,
      });
    }
    if (!isDirectReturnMode(s.mode)) continue;
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      if (!look) continue;
      const on = ifaceWith(look, s.vip);
      if (on?.ifname === 'lo') continue;
      out.push({
        kind: 'vip-missing', severity: 'error', node: b.node, service: s.name,
        summary: `${b.node} does not hold VIP ${s.vip} on lo.`,
        evidence: [on ? `${s.vip} is on ${on.ifname}, not lo` : `\`ip addr show dev lo\` on ${b.node} lists no ${s.vip}`],
        why: `in ${s.mode} mode the balancer delivers packets still addressed to the VIP; a server that does not own it drops them, so the requests the balancer sends to ${b.node} time out.`,
        fix: `\`lblab doctor --fix\` re-plumbs ${b.node}; by hand: ip addr add ${s.vip}/32 dev lo.`,
      });
    }
  }
  return out;
};
