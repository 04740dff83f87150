// decap-missing: a tunnel backend that cannot decapsulate IPIP: no decap
// program on the ingress of its interfaces and no tunl0 up.
import type { Finding } from '../../../api';
import { labInterfaces } from '../look';
import { backendsOf, type Check } from './context';

/** The decapsulator's program name as `tc filter show` prints it (topology/plumbing.ts). */
const DECAP = /decap_ingress|decap\.bpf/;

export const decapMissing: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  for (const s of plan.services) {
    if (s.mode !== 'tunnel') continue;
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      if (!look) continue;
      const itfs = labInterfaces(look);
      const with_ = itfs.filter((i) => DECAP.test(look.ingress[i.ifname] ?? ''));
      const tunl = look.addrs.find((a) => a.ifname === 'tunl0' && (a.flags ?? []).includes('UP'));
      if (tunl || (itfs.length && with_.length === itfs.length)) continue;
      const lacking = itfs.filter((i) => !with_.includes(i)).map((i) => i.ifname);
      out.push({
        kind: 'decap-missing', severity: 'error', node: b.node, service: s.name,
        summary: `${b.node} cannot decapsulate the balancer's IPIP packets${with_.length ? ` on ${lacking.join(', ')}` : ''}.`,
        evidence: [`no decap filter on the ingress of ${lacking.join(', ') || 'any interface'} (\`tc filter show dev ${lacking[0] ?? 'eth0'} ingress\` lists no decap_ingress)`, 'tunl0 is absent or down'],
        why: 'in tunnel mode the balancer wraps each request in an outer IPv4 header to the server; without decapsulation the server sees protocol 4 packets it does not take, and the requests time out.',
        fix: `\`lblab doctor --fix\` re-plumbs ${b.node} (it attaches the decap program again).`,
      });
    }
  }
  return out;
};
