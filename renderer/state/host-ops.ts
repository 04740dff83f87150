// Pure edits of a lab's hosts (name → engine) and of where its nodes run.
// Every function returns a new document. The order of `hosts` matters (the
// first host holds nodes without `host`), so renames keep each host's place.
import type { LabDoc, NodeDoc } from '../../electron/api';
import { hostNames, nodeHost } from '../lib/hosts';

/** The next free host name: h1, h2, … */
export function freeHostName(doc: LabDoc): string {
  const used = new Set(hostNames(doc));
  for (let i = 1; ; i++) if (!used.has(`h${i}`)) return `h${i}`;
}

/** A new host at the end of `hosts`; the lab's first host defaults to this machine's engine (`default`). */
export function addHost(doc: LabDoc, engine?: string): { doc: LabDoc; name: string } {
  const name = freeHostName(doc);
  const first = hostNames(doc).length === 0;
  return { doc: { ...doc, hosts: { ...doc.hosts, [name]: engine ?? (first ? 'default' : '') } }, name };
}

export function setHostEngine(doc: LabDoc, name: string, engine: string): LabDoc {
  if (!doc.hosts || !(name in doc.hosts)) return doc;
  return { ...doc, hosts: { ...doc.hosts, [name]: engine } };
}

const mapNodes = (doc: LabDoc, f: (n: NodeDoc) => NodeDoc): Record<string, NodeDoc> =>
  Object.fromEntries(Object.entries(doc.nodes).map(([k, n]) => [k, f(n)]));

const withoutHost = (n: NodeDoc): NodeDoc => {
  const { host: _gone, ...rest } = n;
  void _gone;
  return rest;
};

/** Rename a host in place (same position in `hosts`); the nodes placed on it follow. */
export function renameHost(doc: LabDoc, from: string, to: string): LabDoc {
  if (!doc.hosts || !(from in doc.hosts) || from === to || to in doc.hosts) return doc;
  const hosts = Object.fromEntries(Object.entries(doc.hosts).map(([k, v]) => [k === from ? to : k, v]));
  return { ...doc, hosts, nodes: mapNodes(doc, (n) => (n.host === from ? { ...n, host: to } : n)) };
}

/** The nodes that run on a host (those naming it, and those without `host` when it is the first). */
export const nodesOnHost = (doc: LabDoc, host: string): string[] => Object.keys(doc.nodes).filter((n) => nodeHost(doc, n) === host);

/**
 * Remove a host. Its nodes move to the first host that remains (they lose
 * their `host`); removing the last host makes the lab a one-engine lab again
 * (no `hosts`, no node `host`).
 */
export function removeHost(doc: LabDoc, name: string): LabDoc {
  if (!doc.hosts || !(name in doc.hosts)) return doc;
  const hosts = { ...doc.hosts };
  delete hosts[name];
  if (Object.keys(hosts).length === 0) {
    const rest = { ...doc, nodes: mapNodes(doc, withoutHost) };
    delete rest.hosts;
    return rest;
  }
  return { ...doc, hosts, nodes: mapNodes(doc, (n) => (n.host === name ? withoutHost(n) : n)) };
}

/** Place a node on a host; undefined (or the first host's name given as '') puts it on the first host. */
export function setNodeHost(doc: LabDoc, node: string, host: string | undefined): LabDoc {
  const cur = doc.nodes[node];
  if (!cur) return doc;
  return { ...doc, nodes: { ...doc.nodes, [node]: host ? { ...cur, host } : withoutHost(cur) } };
}
