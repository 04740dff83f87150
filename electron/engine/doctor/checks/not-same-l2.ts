// not-same-l2: a dsr backend that no longer shares the balancer's segment (its
// interface there removed, down, or its address gone). The lab file's validation
// forbids planning it; this is the live state drifting from the plan.
import type { Finding } from '../../../api';
import { ifaceWith } from '../look';
import { addressOn, backendsOf, nodeOf, type Check } from './context';

export const notSameL2: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  for (const s of plan.services) {
    if (s.mode !== 'dsr') continue;
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      if (!look) continue;
      const lbAddr = addressOn(nodeOf(plan, s.balancer), b.network);
      const itf = ifaceWith(look, b.address);
      const down = itf && (itf.operstate === 'DOWN' || (itf.flags && !itf.flags.includes('UP')));
      if (itf && !down) continue;
      out.push({
        kind: 'not-same-l2', severity: 'error', node: b.node, service: s.name,
        summary: `${b.node} is not on network ${b.network} with balancer ${s.balancer}${down ? ` (its interface ${itf.ifname} is down)` : ''}.`,
        evidence: [itf ? `${itf.ifname} holding ${b.address} is ${itf.operstate ?? 'down'}` : `no interface of ${b.node} holds ${b.address} (network ${b.network}${lbAddr ? `, balancer at ${lbAddr}` : ''})`],
        why: 'in dsr mode the balancer changes only the destination MAC, so it can reach a server only on a segment they share.',
        fix: `bring its interface on ${b.network} back (\`lblab up\` of the lab file recreates what is missing), or run the service in tunnel mode, which crosses routers.`,
      });
    }
  }
  return out;
};
