// What deleting nodes or networks takes with it, said before it happens: the
// links of a network, the services a node serves in. Nothing to say → no question.
import type { BackendDoc, LabDoc } from '../../electron/api';

const bName = (b: string | BackendDoc) => (typeof b === 'string' ? b : b.node);
const list = (names: string[]) => (names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`);

/** One line per thing that goes with the deleted elements (links of other nodes, service roles); empty when nothing does. */
export function deletionImpact(doc: LabDoc, nodes: string[], networks: string[]): string[] {
  const out: string[] = [];
  const goneNodes = new Set(nodes);
  for (const net of networks) {
    const users = Object.entries(doc.nodes)
      .filter(([n, node]) => !goneNodes.has(n) && node.links.some((l) => l.network === net))
      .map(([n]) => n);
    if (users.length) out.push(`Network ${net} is used by ${users.length} node${users.length === 1 ? '' : 's'} (${list(users)}): ${users.length === 1 ? 'its link goes' : 'their links go'} with it.`);
  }
  for (const n of nodes) {
    for (const [s, svc] of Object.entries(doc.services ?? {})) {
      if (svc.balancer === n) out.push(`${n} is the balancer of service ${s}: the service is left without one.`);
      const inRoutes = svc.routes?.some((r) => r.backends.some((b) => bName(b) === n));
      if (svc.backends.some((b) => bName(b) === n) || inRoutes) out.push(`${n} is a backend of service ${s}: it is removed from it${inRoutes ? ' and its routes' : ''}.`);
    }
  }
  return out;
}
