// Which engines a journey captures the underlay on: those of the hosts an
// overlay network spans (a lab spread over hosts whose network links nodes on
// several of them), and the host of each node, for the hops.
import type { LabDoc } from '../../api';
import { isMultiHost, labHosts } from '../docker/placement';
import { nodeHost } from '../topology/hosts';
import { planLab } from '../topology';
import type { UnderlayEngine } from './underlay-capture';

/** The engines of the hosts the lab's overlay networks join; none for a lab on one engine or without an overlay. */
export function overlayEngines(doc: LabDoc | undefined): UnderlayEngine[] {
  if (!doc || !isMultiHost(doc)) return [];
  let hosts: Set<string>;
  try {
    hosts = new Set(planLab(doc).networks.filter((n) => n.overlay).flatMap((n) => n.hosts ?? []));
  } catch {
    return []; // a document that does not plan any more: nodes' captures only
  }
  if (!hosts.size) return [];
  return labHosts(doc).filter((h) => hosts.has(h.name)).map((h) => ({ host: h.name, client: h.client }));
}

/** The host of each node, for a lab spread over hosts. */
export function hostsOf(doc: LabDoc | undefined): ((node: string) => string | undefined) | undefined {
  if (!doc || !isMultiHost(doc)) return undefined;
  return (node) => (doc.nodes[node] ? nodeHost(doc, node) : undefined);
}
