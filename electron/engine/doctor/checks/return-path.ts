// return-path: a nat backend whose answers do not go back through the balancer
// (its route to the clients is not via the balancer), so they leave with the
// server's own address and the client drops them.
import type { Finding } from '../../../api';
import { routeTo } from '../look';
import { backendsOf, nodeOf, type Check } from './context';

export const returnPath: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  const clients = plan.nodes.filter((n) => n.kind === 'client');
  for (const s of plan.services) {
    if (s.mode !== 'nat') continue;
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      const want = nodeOf(plan, b.node)?.routes.find((r) => r.dst === 'default')?.via;
      if (!look || !want) continue;
      // where the server sends answers: toward every client address (and the default route)
      const wrong: string[] = [];
      const def = look.routes.find((r) => r.dst === 'default');
      if (def?.gateway !== want) wrong.push(def ? `default via ${def.gateway ?? `dev ${def.dev}`}` : 'no default route');
      for (const c of clients) {
        for (const i of c.interfaces) {
          const r = routeTo(look, i.address);
          if (r && r.dst !== 'default' && r.gateway !== want) wrong.push(`${c.name} (${i.address}) reached by ${r.dst}${r.gateway ? ` via ${r.gateway}` : ` dev ${r.dev}`}`);
        }
      }
      if (!wrong.length) continue;
      out.push({
        kind: 'return-path', severity: 'error', node: b.node, service: s.name,
        summary: `${b.node} does not send its answers back through balancer ${s.balancer} (${want}).`,
        evidence: wrong,
        why: 'in nat mode the balancer must turn the answer\'s source back into the VIP; an answer that bypasses it reaches the client from the server\'s own address, which the client drops.',
        fix: `\`lblab doctor --fix\` re-plumbs ${b.node}; by hand: ip route replace default via ${want}.`,
      });
    }
  }
  return out;
};
