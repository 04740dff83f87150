// mtu: interfaces on one lab network with different MTUs. The bridge carries
// frames as large as the largest; a veth drops what exceeds its own MTU
// silently (no ICMP "fragmentation needed" comes back), so full-size packets
// toward the smaller one vanish while small ones (handshakes, short answers)
// pass: the classic black hole. Tunnel mode adds 20 bytes to every request,
// which only the balancer's own "too big" answers keep within the path.
import type { Finding } from '../../../api';
import { serviceBackendNodes } from '../../topology/plan';
import { ifaceWith } from '../look';
import type { Check } from './context';

export const mtu: Check = ({ plan, looks }) => {
  const out: Finding[] = [];
  const inPath = (node: string) =>
    plan.services.find((s) => s.balancer === node || serviceBackendNodes(s).includes(node)) ??
    (plan.nodes.find((n) => n.name === node)?.kind === 'router' ? plan.services[0] : undefined);
  for (const net of plan.networks) {
    const on: { node: string; ifname: string; mtu: number }[] = [];
    for (const n of plan.nodes) {
      const address = n.interfaces.find((i) => i.network === net.name)?.address;
      const look = looks[n.name];
      const itf = address && look ? ifaceWith(look, address) : undefined;
      if (itf?.mtu) on.push({ node: n.name, ifname: itf.ifname, mtu: itf.mtu });
    }
    const max = Math.max(...on.map((x) => x.mtu));
    for (const x of on.filter((y) => y.mtu < max)) {
      const bigger = on.filter((y) => y.mtu === max).map((y) => y.node);
      const s = inPath(x.node);
      out.push({
        kind: 'mtu', severity: s ? 'error' : 'warning', node: x.node, service: s?.name ?? null,
        summary: `${x.node}'s interface on network ${net.name} has MTU ${x.mtu}, smaller than its neighbours' ${max}.`,
        evidence: [`${x.node} ${x.ifname} mtu ${x.mtu}`, `${bigger.slice(0, 3).join(', ')}${bigger.length > 3 ? ` (+${bigger.length - 3})` : ''} mtu ${max} on ${net.name}`],
        why: `frames larger than ${x.mtu} bytes sent to ${x.node} are dropped without an ICMP "fragmentation needed", so full-size packets (large requests, responses, tunnelled requests) vanish while small ones pass.`,
        fix: `give every interface on ${net.name} the same MTU: on ${x.node}, ip link set dev ${x.ifname} mtu ${max}.`,
      });
    }
  }
  return out;
};
