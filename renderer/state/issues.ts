// Where each validation issue belongs on the canvas.
import { balancersOf, type LabDoc, type LabIssue } from '../../electron/api';
import { linkId } from './doc-ops';

export interface IssueIndex {
  nodes: Map<string, string[]>;
  networks: Map<string, string[]>;
  services: Map<string, string[]>;
  links: Map<string, string[]>;
  /** by formatted field path: what the inspector's fields show */
  fields: Map<string, string[]>;
  lab: string[];
}

function push(m: Map<string, string[]>, k: string, msg: string) {
  const list = m.get(k);
  if (list) {
    if (!list.includes(msg)) list.push(msg);
  } else m.set(k, [msg]);
}

/** ['nodes','web1','links',0,'rate'] → "nodes.web1.links[0].rate" (the inspector fields' paths). */
export const pathKey = (path: (string | number)[]) => path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : String(p)), '');

/** The line people read: "client1's link to front: rate "fast" is not a rate like 100mbit" (engine issues say
 * where in words); an issue without words falls back to its field path. */
export function issueText(i: LabIssue): string {
  if (i.where !== undefined) return i.where ? `${i.where}: ${i.message}` : i.message;
  const where = pathKey(i.path);
  return where ? `${where}: ${i.message}` : i.message;
}

export function indexIssues(doc: LabDoc, issues: LabIssue[]): IssueIndex {
  const ix: IssueIndex = { nodes: new Map(), networks: new Map(), services: new Map(), links: new Map(), fields: new Map(), lab: [] };
  for (const i of issues) {
    const msg = issueText(i);
    if (i.path.length) push(ix.fields, pathKey(i.path), i.message);
    let placed = false;
    const [p0, p1, p2, p3] = i.path;
    const node = i.node ?? (p0 === 'nodes' && typeof p1 === 'string' ? p1 : undefined);
    const network = i.network ?? (p0 === 'networks' && typeof p1 === 'string' ? p1 : undefined);
    const service = i.service ?? (p0 === 'services' && typeof p1 === 'string' ? p1 : undefined);
    if (node && p0 === 'nodes' && p2 === 'links' && typeof p3 === 'number') {
      push(ix.links, linkId(node, p3), msg);
      placed = true;
    }
    if (node && doc.nodes[node]) {
      push(ix.nodes, node, msg);
      placed = true;
    }
    if (network && doc.networks[network]) {
      push(ix.networks, network, msg);
      placed = true;
    }
    if (service) {
      push(ix.services, service, msg);
      const svc = doc.services?.[service];
      for (const bal of svc ? balancersOf(svc) : []) if (bal && doc.nodes[bal] && !node) push(ix.nodes, bal, msg);
      placed = true;
    }
    if (!placed) ix.lab.push(msg);
  }
  return ix;
}
