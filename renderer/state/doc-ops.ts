// Pure edits of a LabDoc. Every function returns a new document (never mutates).
import type { BackendDoc, LabDoc, LinkDoc, NetworkDoc, NodeDoc, NodeKind, Position, ServiceDoc } from '../../electron/api';

export type ElementKind = NodeKind | 'network';

export const emptyDoc = (): LabDoc => ({ name: 'untitled-lab', networks: {}, nodes: {}, services: {} });

const PREFIX: Record<ElementKind, string> = { client: 'client', balancer: 'lb', server: 'web', router: 'r', network: 'net' };

/** The next free name like web3, unique across nodes, networks and services. */
export function freeName(doc: LabDoc, kind: ElementKind | 'service'): string {
  const prefix = kind === 'service' ? 'svc' : PREFIX[kind];
  const used = new Set([...Object.keys(doc.nodes), ...Object.keys(doc.networks), ...Object.keys(doc.services ?? {})]);
  for (let i = 1; ; i++) if (!used.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

export function addElement(doc: LabDoc, kind: ElementKind, position: Position, name = freeName(doc, kind)): { doc: LabDoc; name: string } {
  const pos = { x: Math.round(position.x), y: Math.round(position.y) };
  if (kind === 'network') return { doc: { ...doc, networks: { ...doc.networks, [name]: { position: pos } } }, name };
  return { doc: { ...doc, nodes: { ...doc.nodes, [name]: { kind, links: [], position: pos } } }, name };
}

export function setNode(doc: LabDoc, name: string, patch: Partial<NodeDoc>): LabDoc {
  const cur = doc.nodes[name];
  if (!cur) return doc;
  return { ...doc, nodes: { ...doc.nodes, [name]: clean({ ...cur, ...patch }) } };
}
export function setNetwork(doc: LabDoc, name: string, patch: Partial<NetworkDoc>): LabDoc {
  const cur = doc.networks[name];
  if (!cur) return doc;
  return { ...doc, networks: { ...doc.networks, [name]: clean({ ...cur, ...patch }) } };
}
export function setService(doc: LabDoc, name: string, patch: Partial<ServiceDoc>): LabDoc {
  const cur = doc.services?.[name];
  if (!cur) return doc;
  return { ...doc, services: { ...doc.services, [name]: clean({ ...cur, ...patch }) } };
}
export function setLink(doc: LabDoc, node: string, index: number, patch: Partial<LinkDoc>): LabDoc {
  const cur = doc.nodes[node];
  if (!cur || !cur.links[index]) return doc;
  const links = cur.links.map((l, i) => (i === index ? clean({ ...l, ...patch }) : l));
  return setNode(doc, node, { links });
}

export function setPosition(doc: LabDoc, id: ElementId, position: Position): LabDoc {
  const p = { x: Math.round(position.x), y: Math.round(position.y) };
  return id.type === 'network' ? setNetwork(doc, id.name, { position: p }) : setNode(doc, id.name, { position: p });
}

export function addLink(doc: LabDoc, node: string, network: string): LabDoc {
  const cur = doc.nodes[node];
  if (!cur || !doc.networks[network]) return doc;
  if (cur.links.some((l) => l.network === network)) return doc;
  return setNode(doc, node, { links: [...cur.links, { network }] });
}
export function removeLink(doc: LabDoc, node: string, index: number): LabDoc {
  const cur = doc.nodes[node];
  if (!cur) return doc;
  return setNode(doc, node, { links: cur.links.filter((_, i) => i !== index) });
}

const backendName = (b: string | BackendDoc) => (typeof b === 'string' ? b : b.node);

export function removeNode(doc: LabDoc, name: string): LabDoc {
  if (!doc.nodes[name]) return doc;
  const nodes = { ...doc.nodes };
  delete nodes[name];
  const services: Record<string, ServiceDoc> = {};
  for (const [s, svc] of Object.entries(doc.services ?? {})) {
    services[s] = {
      ...svc,
      backends: svc.backends.filter((b) => backendName(b) !== name),
      ...(svc.routes ? { routes: svc.routes.map((r) => ({ ...r, backends: r.backends.filter((b) => backendName(b) !== name) })) } : {}),
    };
  }
  return { ...doc, nodes, services };
}
export function removeNetwork(doc: LabDoc, name: string): LabDoc {
  if (!doc.networks[name]) return doc;
  const networks = { ...doc.networks };
  delete networks[name];
  const nodes: Record<string, NodeDoc> = {};
  for (const [n, node] of Object.entries(doc.nodes)) nodes[n] = { ...node, links: node.links.filter((l) => l.network !== name) };
  return { ...doc, networks, nodes };
}
export function removeService(doc: LabDoc, name: string): LabDoc {
  if (!doc.services?.[name]) return doc;
  const services = { ...doc.services };
  delete services[name];
  return { ...doc, services };
}

export function addService(doc: LabDoc): { doc: LabDoc; name: string } {
  const name = doc.services && Object.keys(doc.services).length === 0 ? 'web' : freeName(doc, 'service');
  const finalName = doc.services?.[name] || doc.nodes[name] ? freeName(doc, 'service') : name;
  const balancer = Object.entries(doc.nodes).find(([, n]) => n.kind === 'balancer')?.[0] ?? '';
  const backends = Object.entries(doc.nodes).filter(([, n]) => n.kind === 'server').map(([n]) => n);
  const svc: ServiceDoc = { balancer, port: 80, mode: 'dsr', scheduler: 'maglev', backends };
  return { doc: { ...doc, services: { ...(doc.services ?? {}), [finalName]: svc } }, name: finalName };
}

/** Rename keeping key order and every reference (links, services, backends, routes). */
export function renameNode(doc: LabDoc, from: string, to: string): LabDoc {
  if (from === to || !doc.nodes[from] || doc.nodes[to]) return doc;
  const rn = (b: string | BackendDoc) => (typeof b === 'string' ? (b === from ? to : b) : b.node === from ? { ...b, node: to } : b);
  const services: Record<string, ServiceDoc> = {};
  for (const [s, svc] of Object.entries(doc.services ?? {})) {
    services[s] = {
      ...svc,
      balancer: svc.balancer === from ? to : svc.balancer,
      backends: svc.backends.map(rn),
      ...(svc.routes ? { routes: svc.routes.map((r) => ({ ...r, backends: r.backends.map(rn) })) } : {}),
    };
  }
  return { ...doc, nodes: renameKey(doc.nodes, from, to), ...(doc.services ? { services } : {}) };
}
export function renameNetwork(doc: LabDoc, from: string, to: string): LabDoc {
  if (from === to || !doc.networks[from] || doc.networks[to]) return doc;
  const nodes: Record<string, NodeDoc> = {};
  for (const [n, node] of Object.entries(doc.nodes))
    nodes[n] = { ...node, links: node.links.map((l) => (l.network === from ? { ...l, network: to } : l)) };
  return { ...doc, networks: renameKey(doc.networks, from, to), nodes };
}
export function renameService(doc: LabDoc, from: string, to: string): LabDoc {
  if (from === to || !doc.services?.[from] || doc.services[to]) return doc;
  return { ...doc, services: renameKey(doc.services, from, to) };
}

function renameKey<T>(rec: Record<string, T>, from: string, to: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(rec)) out[k === from ? to : k] = v;
  return out;
}

/** Drop undefined / empty-string optional fields so the saved YAML stays minimal. */
export function clean<T extends object>(o: T): T {
  const out = {} as T;
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v;
  return out;
}

// ---------------------------------------------------------------- element ids used on the canvas
export type ElementId = { type: 'node' | 'network'; name: string };
export const nodeId = (name: string) => `node:${name}`;
export const netId = (name: string) => `net:${name}`;
export const linkId = (node: string, index: number) => `link:${node}:${index}`;
export function parseId(id: string): ElementId | { type: 'link'; node: string; index: number } | null {
  if (id.startsWith('node:')) return { type: 'node', name: id.slice(5) };
  if (id.startsWith('net:')) return { type: 'network', name: id.slice(4) };
  const m = /^link:(.+):(\d+)$/.exec(id);
  if (m) return { type: 'link', node: m[1], index: Number(m[2]) };
  return null;
}
