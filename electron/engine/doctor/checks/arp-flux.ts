// arp-flux: a dsr backend that holds the VIP but answers ARP for it (arp_ignore
// below 1) or announces it (arp_announce below 2): neighbours may learn the VIP
// at the server's MAC and send clients straight to it, past the balancer.
// The probe adds what a client resolved the VIP to (probes.ts).
import type { Finding } from '../../../api';
import { effective, labInterfaces } from '../look';
import { backendsOf, type Check } from './context';

export const arpFlux: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  const judged = new Set<string>();
  for (const s of plan.services) {
    if (s.mode !== 'dsr') continue;
    for (const b of backendsOf(s)) {
      const look = looks[b.node];
      if (!look || judged.has(b.node)) continue;
      judged.add(b.node);
      const evidence: string[] = [];
      let ignore = false;
      let announce = false;
      for (const i of labInterfaces(look)) {
        const ig = effective(look, 'arp_ignore', i.ifname);
        const an = effective(look, 'arp_announce', i.ifname);
        if (ig < 1) {
          ignore = true;
          evidence.push(`arp_ignore on ${i.ifname} is ${ig} (all ${look.sysctls['net.ipv4.conf.all.arp_ignore'] ?? '?'}, ${i.ifname} ${look.sysctls[`net.ipv4.conf.${i.ifname}.arp_ignore`] ?? '?'}): it answers ARP for addresses on lo`);
        }
        if (an < 2) {
          announce = true;
          evidence.push(`arp_announce on ${i.ifname} is ${an}: its ARP requests may carry the VIP as sender`);
        }
      }
      if (!ignore && !announce) continue;
      out.push({
        kind: 'arp-flux', severity: ignore ? 'error' : 'warning', node: b.node, service: s.name,
        summary: `${b.node} ${ignore ? 'answers ARP for' : 'announces'} VIP ${s.vip}, which only balancer ${s.balancer} may.`,
        evidence,
        why: 'in dsr mode every server holds the VIP; if one answers ARP for it, neighbours on its segment send VIP traffic to that server directly, past the balancer, so one server gets it all or connections break when the ARP entry flips.',
        fix: `\`lblab doctor --fix\` sets them back; by hand on ${b.node}: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2.`,
      });
    }
  }
  return out;
};
