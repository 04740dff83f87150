// Auto-layout (dagre) for lab files without positions: clients on top, then
// networks, balancers and routers, servers at the bottom.
import dagre from '@dagrejs/dagre';
import type { LabDoc } from '../../electron/api';
import { netId, nodeId } from './doc-ops';

export const NODE_SIZE = { width: 150, height: 64 };
export const NET_SIZE = { width: 220, height: 40 };

export function needsLayout(doc: LabDoc): boolean {
  return Object.values(doc.nodes).some((n) => !n.position) || Object.values(doc.networks).some((n) => !n.position);
}

export function autoLayout(doc: LabDoc): LabDoc {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 50, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of Object.keys(doc.nodes)) g.setNode(nodeId(n), { ...NODE_SIZE });
  for (const n of Object.keys(doc.networks)) g.setNode(netId(n), { ...NET_SIZE });
  const hasClient = new Set<string>();
  for (const n of Object.values(doc.nodes)) if (n.kind === 'client') for (const l of n.links) hasClient.add(l.network);
  for (const [name, n] of Object.entries(doc.nodes)) {
    for (const l of n.links) {
      if (!doc.networks[l.network]) continue;
      const down = n.kind === 'client' || ((n.kind === 'balancer' || n.kind === 'router') && !hasClient.has(l.network));
      if (down) g.setEdge(nodeId(name), netId(l.network));
      else g.setEdge(netId(l.network), nodeId(name));
    }
  }
  dagre.layout(g);
  const pos = (id: string, size: { width: number; height: number }) => {
    const p = g.node(id) as { x: number; y: number };
    return { x: Math.round(p.x - size.width / 2), y: Math.round(p.y - size.height / 2) };
  };
  const placed = new Map(Object.keys(doc.nodes).map((k) => [k, pos(nodeId(k), NODE_SIZE)]));
  inNameOrder(doc, placed);
  const nodes = Object.fromEntries(Object.entries(doc.nodes).map(([k, v]) => [k, { ...v, position: placed.get(k)! }]));
  const networks = Object.fromEntries(Object.entries(doc.networks).map(([k, v]) => [k, { ...v, position: pos(netId(k), NET_SIZE) }]));
  return { ...doc, nodes, networks };
}

/**
 * Dagre orders the boxes of a row however it likes (client2 before client1).
 * Nodes that are interchangeable — same row, same kind, same networks — get
 * their row's places in name order (web2 before web10): the edges stay the same.
 */
function inNameOrder(doc: LabDoc, placed: Map<string, { x: number; y: number }>) {
  const groups = new Map<string, string[]>();
  for (const [name, n] of Object.entries(doc.nodes)) {
    const key = `${placed.get(name)!.y}|${n.kind}|${n.links.map((l) => l.network).sort().join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  for (const names of groups.values()) {
    if (names.length < 2) continue;
    const slots = names.map((n) => placed.get(n)!).sort((a, b) => a.x - b.x);
    [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).forEach((n, i) => placed.set(n, slots[i]));
  }
}
