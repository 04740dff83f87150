// rp-filter: strict reverse-path filtering where the plan turns it off (routers,
// tunnel backends). It drops a packet whose source the node would route out of
// another interface than the one it came in on: on a router, a dsr or tunnel
// server's answers (their source is the VIP, routed toward the balancer's side);
// on a tunnel backend, decapsulated requests from clients routed elsewhere.
import type { Finding } from '../../../api';
import { isDirectReturnMode } from '../../balancer/contract';
import { effective, ifaceWith, labInterfaces, routeTo } from '../look';
import { backendsOf, nodeOf, type Check } from './context';

export const rpFilter: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  const clients = plan.nodes.filter((n) => n.kind === 'client').flatMap((c) => c.interfaces.map((i) => ({ name: c.name, address: i.address })));
  for (const n of plan.nodes) {
    const look = looks[n.name];
    if (!look || n.sysctls['net.ipv4.conf.all.rp_filter'] !== '0') continue;
    const strict = labInterfaces(look).filter((i) => effective(look, 'rp_filter', i.ifname) === 1);
    if (!strict.length) continue;
    const drops: string[] = [];
    let service: string | null = null;
    for (const s of plan.services) {
      if (!isDirectReturnMode(s.mode)) continue;
      for (const b of backendsOf(s)) {
        if (n.kind === 'router') {
          // the server's answers come from the VIP and enter on the router's interface on the server's network
          const at = ifaceWith(look, nodeOf(plan, n.name)?.interfaces.find((i) => i.network === b.network)?.address ?? '');
          const back = routeTo(look, s.vip);
          if (at && strict.includes(at) && back?.dev && back.dev !== at.ifname && !drops.some((d) => d.startsWith(`${s.vip} `))) {
            drops.push(`${s.vip} (answers of ${s.name}) arrive on ${at.ifname} but ${n.name} routes ${s.vip} out of ${back.dev}`);
            service ??= s.name;
          }
        } else if (b.node === n.name && s.mode === 'tunnel') {
          const at = ifaceWith(look, b.address);
          for (const c of clients) {
            const back = routeTo(look, c.address);
            if (at && strict.includes(at) && back?.dev && back.dev !== at.ifname) {
              drops.push(`decapsulated requests from ${c.name} (${c.address}) arrive on ${at.ifname} but ${n.name} routes them out of ${back.dev}`);
              service ??= s.name;
            }
          }
        }
      }
    }
    const values = strict.map((i) => `rp_filter on ${i.ifname} is 1 (all ${look.sysctls['net.ipv4.conf.all.rp_filter'] ?? '?'}, ${i.ifname} ${look.sysctls[`net.ipv4.conf.${i.ifname}.rp_filter`] ?? '?'})`);
    out.push({
      kind: 'rp-filter', severity: drops.length ? 'error' : 'warning', node: n.name, service,
      summary: `${n.name} filters by reverse path strictly${drops.length ? ' and drops what the mode delivers' : ', which the lab turns off here'}.`,
      evidence: [...values, ...drops],
      why: drops.length
        ? 'strict rp_filter drops a packet whose source is routed out of another interface than the one it arrived on; in dsr and tunnel modes the answers carry the VIP as source on a path the VIP is not routed on.'
        : 'in dsr and tunnel modes answers and decapsulated requests can arrive where their source is not routed; nothing is dropped in this topology today, but a route change will.',
      fix: `\`lblab doctor --fix\` sets it back; by hand on ${n.name}: sysctl -w net.ipv4.conf.all.rp_filter=0 and the same for each interface.`,
    });
  }
  return out;
};
