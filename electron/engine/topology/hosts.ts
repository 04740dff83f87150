// Where a lab spread over hosts puts its nodes and networks (pure: the lab
// document only). A node runs on its `host`, else the first host; a network
// is on the hosts of the nodes that link to it, and spans hosts (an overlay)
// when those are more than one.
import type { LabDoc } from '../../api';

/** The host a node runs on: its `host`, else the first of `hosts` (undefined for a lab without hosts). */
export function nodeHost(doc: Pick<LabDoc, 'hosts' | 'nodes'>, node: string): string {
  return doc.nodes[node]?.host ?? Object.keys(doc.hosts ?? { default: '' })[0];
}

/** The hosts whose nodes link to a network, in node order. */
export function networkHosts(doc: Pick<LabDoc, 'hosts' | 'nodes'>, net: string): string[] {
  return [...new Set(Object.keys(doc.nodes).filter((n) => doc.nodes[n].links.some((l) => l.network === net)).map((n) => nodeHost(doc, n)))];
}
