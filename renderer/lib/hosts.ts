// A lab spread over hosts, as the canvas shows it: which host a node runs
// on, a colour per host, the networks that become overlays (their nodes sit
// on more than one host), and the hosts a running lab cannot reach.
import type { LabDoc, LabStatus } from '../../electron/api';
import { i18n } from '../i18n';

/** Docker's overlay MTU on a 1500-byte underlay: outer IPv4 + UDP + VXLAN + the inner Ethernet header take 50 bytes. */
export const OVERLAY_MTU = 1450;

/** Host colours, readable on the app's dark surfaces and as text on them; a host keeps its colour by its place in `hosts`. */
export const HOST_PALETTE = ['#38bdf8', '#facc15', '#4ade80', '#fb923c', '#a78bfa', '#fb7185'] as const;

export const hostNames = (doc: LabDoc): string[] => Object.keys(doc.hosts ?? {});

/** The host a node runs on (its `host`, else the first host); undefined when the lab names no hosts. */
export function nodeHost(doc: LabDoc, node: string): string | undefined {
  const first = hostNames(doc)[0];
  if (first === undefined) return undefined;
  return doc.nodes[node]?.host ?? first;
}

/** A host's colour: its index in `hosts`, wrapping round the palette; undefined for a name the lab does not define. */
export function hostColor(doc: LabDoc, host: string): string | undefined {
  const i = hostNames(doc).indexOf(host);
  return i < 0 ? undefined : HOST_PALETTE[i % HOST_PALETTE.length];
}

/** Per network: the hosts its linked nodes sit on, in `hosts` order (empty for a lab without hosts). */
export function networkHosts(doc: LabDoc): Map<string, string[]> {
  const order = hostNames(doc);
  const out = new Map<string, string[]>();
  if (!order.length) return out;
  for (const net of Object.keys(doc.networks)) out.set(net, []);
  for (const [name, n] of Object.entries(doc.nodes)) {
    const h = nodeHost(doc, name)!;
    for (const l of n.links) {
      const list = out.get(l.network);
      if (list && !list.includes(h)) list.push(h);
    }
  }
  for (const list of out.values()) list.sort((a, b) => rank(order, a) - rank(order, b));
  return out;
}
const rank = (order: string[], h: string) => (order.includes(h) ? order.indexOf(h) : order.length);

/** The networks that span hosts (an overlay, carried as VXLAN), each with the hosts it spans. */
export function overlayNetworks(doc: LabDoc): Map<string, string[]> {
  return new Map([...networkHosts(doc)].filter(([, hosts]) => hosts.length > 1));
}

/** A host of a running lab that does not answer, as a node on it shows it. */
export interface HostDown { host: string; /** "host h2 unreachable" */ label: string; /** why, in words, when the status says */ problem?: string }

/** Per node of a running lab: its host when the status says that host does not answer. */
export function unreachableNodes(status: LabStatus | null | undefined): Map<string, HostDown> {
  const out = new Map<string, HostDown>();
  const hosts = status?.hosts ?? [];
  const down = new Map(hosts.filter((h) => !h.reachable).map((h) => [h.name, h]));
  if (!down.size) return out;
  for (const n of status?.nodes ?? []) {
    // a node without host runs on the lab's first host, as in the lab file
    const h = down.get(n.host ?? hosts[0].name);
    if (h) out.set(n.name, { host: h.name, label: i18n.t('canvas.hostUnreachable', { host: h.name }), ...(h.problem ? { problem: h.problem } : {}) });
  }
  return out;
}
