// What deleting nodes or networks takes with it, said before it happens: the
// links of a network, the services a node serves in. Nothing to say → no question.
import type { BackendDoc, LabDoc } from '../../electron/api';
import { i18n } from '../i18n';

const bName = (b: string | BackendDoc) => (typeof b === 'string' ? b : b.node);
const list = (names: string[]) => (names.length <= 4 ? names.join(', ') : i18n.t('app.impact.andMore', { names: names.slice(0, 4).join(', '), count: names.length - 4 }));

/** One line per thing that goes with the deleted elements (links of other nodes, service roles); empty when nothing does. */
export function deletionImpact(doc: LabDoc, nodes: string[], networks: string[]): string[] {
  const out: string[] = [];
  const goneNodes = new Set(nodes);
  for (const net of networks) {
    const users = Object.entries(doc.nodes)
      .filter(([n, node]) => !goneNodes.has(n) && node.links.some((l) => l.network === net))
      .map(([n]) => n);
    if (users.length) out.push(i18n.t('app.impact.network', { net, count: users.length, list: list(users) }));
  }
  for (const n of nodes) {
    for (const [s, svc] of Object.entries(doc.services ?? {})) {
      if (svc.balancer === n) out.push(i18n.t('app.impact.balancer', { node: n, service: s }));
      const inRoutes = svc.routes?.some((r) => r.backends.some((b) => bName(b) === n));
      if (svc.backends.some((b) => bName(b) === n) || inRoutes) out.push(i18n.t(inRoutes ? 'app.impact.backendRoutes' : 'app.impact.backend', { node: n, service: s }));
    }
  }
  return out;
}
