// The packet journey shaped for the Packet journey tab and the canvas: one
// card per hop with each field marked against the hop before, the verdict in
// words, and the path as the canvas's node→network edges. Pure: no React, no
// DOM, so every rule here is unit-tested on real journeys.
import type { Journey, JourneyChange, JourneyHop, JourneyValue, LabDoc } from '../../electron/api';
import { joinWords } from './compare-data';
import { i18n } from '../i18n';
import { fmtUnit } from '../i18n/format';

export type Leg = 'request' | 'response';
export const LEGS: Leg[] = ['request', 'response'];

/**
 * How a field of one hop compares with the hop before:
 * rewrite / added / removed: the mode's own doing (or anything unexpected);
 * expected: what any forwarding hop does (TTL, checksums, MACs at an L3 hop);
 * same: unchanged (and every field of a path's first hop).
 */
export type Mark = 'rewrite' | 'added' | 'removed' | 'expected' | 'same';

export interface FieldRow {
  field: string;
  /** the value as shown ('—' when the hop has no such field) */
  value: string;
  mark: Mark;
  /** why it changed (the tooltip) */
  why?: string;
  /** the hop before's value, when it changed */
  from?: string;
  /** more about the value (tcp.stream: the connection) */
  detail?: string;
}

export interface HopCard {
  key: string;
  leg: Leg;
  /** 1-based, per leg */
  index: number;
  node: string;
  iface: string;
  direction: 'in' | 'out';
  kind?: JourneyHop['kind'];
  network?: string;
  /** a lab spread over hosts: the host the frame was seen on */
  host?: string;
  /** seen on the hosts' own network (the VXLAN between two engines): `node` is the host */
  underlay?: boolean;
  /** microseconds since the request left the client */
  t: number;
  summary: string;
  rows: FieldRow[];
  /** what this hop did of the mode's own, e.g. `rewritten by dsr` (none when nothing unexpected changed) */
  badge?: string;
}

// ---------------------------------------------------------------- formatting
/** 0 µs, 23.6 µs, 1.84 ms, 2.1 s */
export function fmtMicros(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us < 1000) return us === 0 ? fmtUnit(0, 'µs') : fmtUnit(us, 'µs', 1);
  if (us < 1_000_000) return fmtUnit(us / 1000, 'ms', us < 10_000 ? 2 : 1);
  return fmtUnit(us / 1_000_000, 's', 1);
}

export const showValue = (v: JourneyValue | undefined): string => (v === null || v === undefined || v === '' ? '—' : String(v));

// ---------------------------------------------------------------- hop cards
/** The rows every card shows, in this order (encapsulation and proxy rows only when the journey has them). */
const BASE_ROWS = ['eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'ip.ttl', 'ip.checksum', 'tcp.checksum'];
const OUTER_ROWS = ['outer.ip.src', 'outer.ip.dst'];
/** the VXLAN header between two hosts (an overlay network spanning Docker engines) */
const UNDERLAY_ROWS = ['underlay.ip.src', 'underlay.ip.dst', 'underlay.udp.dstport', 'vxlan.vni'];
const STREAM_ROW = 'tcp.stream';
/** what a proxy's own connection changes, shown as its rewrite */
const CONNECTION_FIELDS = new Set(['ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport']);

const allHops = (j: Journey): JourneyHop[] => [...j.request.hops, ...j.response.hops];

/** The field rows of this journey's cards: the same on every card, so they line up side by side. */
export function journeyRows(j: Journey): string[] {
  const hops = allHops(j);
  const encaps = (h: JourneyHop) => [h.fields.encap, ...h.changes.filter((c) => c.field === 'encap').flatMap((c) => [c.from, c.to])].flatMap((e) => (e ? String(e).split('+') : []));
  const ipip = hops.some((h) => encaps(h).includes('ipip') || h.changes.some((c) => c.field.startsWith('outer.')));
  const vxlan = hops.some((h) => encaps(h).includes('vxlan'));
  const stream = hops.some((h) => h.changes.some((c) => c.field === STREAM_ROW));
  const rows = [...BASE_ROWS];
  if (ipip || vxlan) rows.splice(2, 0, 'encap', ...(vxlan ? UNDERLAY_ROWS : []), ...(ipip ? OUTER_ROWS : []));
  if (stream) rows.splice(rows.indexOf('tcp.dstport') + 1, 0, STREAM_ROW);
  return rows;
}

/** A hop's TCP connection, the same key in both directions. */
function connectionKey(h: JourneyHop): string | undefined {
  const f = h.fields;
  if (f['ip.src'] == null || f['ip.dst'] == null || f['tcp.srcport'] == null || f['tcp.dstport'] == null) return undefined;
  const ends = [`${f['ip.src']}:${f['tcp.srcport']}`, `${f['ip.dst']}:${f['tcp.dstport']}`].sort();
  return ends.join(' ');
}
const tupleText = (h: JourneyHop): string =>
  `${showValue(h.fields['ip.src'])}:${showValue(h.fields['tcp.srcport'])} > ${showValue(h.fields['ip.dst'])}:${showValue(h.fields['tcp.dstport'])}`;

/** Wireshark-like stream numbers: each TCP connection of the journey gets the next index, in order of appearance. */
function streamIndex(j: Journey): (h: JourneyHop) => string {
  const ids = new Map<string, number>();
  for (const h of allHops(j)) {
    const k = connectionKey(h);
    if (k !== undefined && !ids.has(k)) ids.set(k, ids.size);
  }
  return (h) => {
    const k = connectionKey(h);
    return k === undefined ? '—' : String(ids.get(k));
  };
}

function markOf(c: JourneyChange): Mark {
  if (c.expected) return 'expected';
  if (c.from === null) return 'added';
  if (c.to === null) return 'removed';
  return 'rewrite';
}

function badgeOf(h: JourneyHop, mode: string): string | undefined {
  const own = h.changes.filter((c) => !c.expected);
  if (!own.length) return undefined;
  if (h.kind !== 'balancer') return i18n.t('journey.badgeUnexpected', { node: h.node });
  if (own.some((c) => c.field === STREAM_ROW)) return i18n.t('journey.badgeRelayed', { mode });
  const encap = own.find((c) => c.field === 'encap');
  if (encap) return encap.to ? i18n.t('journey.badgeWrapped', { mode }) : i18n.t('journey.badgeUnwrapped', { mode });
  return i18n.t('journey.badgeRewritten', { mode });
}

type ValueOf = (hop: JourneyHop, field: string) => string;

/** One field of hop `h` against the hop before. */
function fieldRow(h: JourneyHop, prev: JourneyHop | undefined, field: string, value: ValueOf): FieldRow {
  const shown = value(h, field);
  const c = h.changes.find((x) => x.field === field);
  if (c) return { field, value: shown, mark: markOf(c), why: c.why, from: field === STREAM_ROW && prev ? value(prev, field) : showValue(c.from) };
  // a proxy's own connection: the engine reports tcp.stream; the addresses and
  // ports are that connection's, the rest is a new packet's
  const stream = h.changes.find((x) => x.field === STREAM_ROW);
  if (stream && prev && value(prev, field) !== shown) {
    if (CONNECTION_FIELDS.has(field)) return { field, value: shown, mark: 'rewrite', why: stream.why, from: value(prev, field) };
    return { field, value: shown, mark: 'expected', why: i18n.t('journey.newPacket', { node: h.node }), from: value(prev, field) };
  }
  return { field, value: shown, mark: 'same' };
}

/** One card per hop of one leg, each field marked against the hop before. */
export function hopCards(j: Journey, leg: Leg, rows: string[] = journeyRows(j)): HopCard[] {
  const hops = j[leg].hops;
  const stream = streamIndex(j);
  const value: ValueOf = (hop, field) => (field === STREAM_ROW ? stream(hop) : showValue(hop.fields[field]));
  return hops.map((h, i) => ({
    key: `${leg}-${i}`,
    leg,
    index: i + 1,
    node: h.node,
    iface: h.iface,
    direction: h.direction,
    kind: h.kind,
    network: h.network,
    ...(h.host ? { host: h.host } : {}),
    ...(h.underlay ? { underlay: true } : {}),
    t: h.t,
    summary: h.summary,
    rows: rows.map((field) => {
      const row = fieldRow(h, hops[i - 1], field, value);
      return field === STREAM_ROW ? { ...row, detail: tupleText(h) } : row;
    }),
    badge: badgeOf(h, j.mode),
  }));
}

export function journeyCards(j: Journey): Record<Leg, HopCard[]> {
  const rows = journeyRows(j);
  return { request: hopCards(j, 'request', rows), response: hopCards(j, 'response', rows) };
}

// ---------------------------------------------------------------- the verdict
/** The nodes a leg went through, each once per visit: `web3 → r1 → client1` (the hosts' underlay between them is no node). */
export function nodePath(hops: JourneyHop[]): string[] {
  const out: string[] = [];
  for (const h of hops) if (!h.underlay && out[out.length - 1] !== h.node) out.push(h.node);
  return out;
}

/** The hosts a leg crossed between, in order (`a → b`); empty when it stayed on one. */
export function hostPath(hops: JourneyHop[]): string[] {
  const out: string[] = [];
  for (const h of hops) if (h.host && out[out.length - 1] !== h.host) out.push(h.host);
  return out.length > 1 ? out : [];
}

/** What one node did of its own to the packet, in words (undefined: nothing). */
function rewriteWords(hops: JourneyHop[], node: string, leg: Leg): string | undefined {
  const own = hops.filter((h) => h.node === node).flatMap((h) => h.changes.filter((c) => !c.expected));
  if (!own.length) return undefined;
  const stream = own.find((c) => c.field === STREAM_ROW);
  if (stream) return leg === 'request' ? i18n.t('journey.relayedRequest', { node, stream: showValue(stream.to) }) : i18n.t('journey.relayedResponse', { node });
  const encap = own.find((c) => c.field === 'encap');
  const rest = [...new Set(own.filter((c) => c.field !== 'encap' && !c.field.startsWith('outer.')).map((c) => c.field))];
  const more = rest.length ? i18n.t('journey.andRewrote', { fields: joinWords(rest) }) : '';
  if (encap?.to) {
    const src = own.find((c) => c.field === 'outer.ip.src')?.to;
    const dst = own.find((c) => c.field === 'outer.ip.dst')?.to;
    const ends = src != null && dst != null ? ` (${src} → ${dst})` : '';
    return i18n.t('journey.wrapped', { node, ends, rest: more });
  }
  if (encap) return i18n.t('journey.unwrapped', { node, rest: more });
  const outer = own.filter((c) => c.field.startsWith('outer.')).map((c) => c.field);
  const fields = [...rest, ...new Set(outer)];
  return i18n.t(fields.length === 1 ? 'journey.rewroteOnly' : 'journey.rewrote', { node, fields: joinWords(fields) });
}

function legRewrites(hops: JourneyHop[], leg: Leg): string[] {
  return nodePath(hops)
    .filter((n, i, all) => all.indexOf(n) === i)
    .map((n) => rewriteWords(hops, n, leg))
    .filter((w): w is string => !!w);
}

/**
 * The journey in one sentence, e.g. `dsr: lb rewrote only eth.dst; the
 * response went web3 → r1 → client1 and did not cross the balancer.`
 */
export function verdict(j: Journey): string {
  const req = j.request.hops;
  const resp = j.response.hops;
  let first: string;
  if (!req.length) first = i18n.t('journey.requestNotSeen');
  else {
    const done = legRewrites(req, 'request');
    first = done.length ? done.join(i18n.t('journey.then')) : j.backend ? i18n.t('journey.nothingRewroteTo', { backend: j.backend }) : i18n.t('journey.nothingRewrote');
  }
  let second: string;
  if (!resp.length) second = req.length ? i18n.t('journey.noResponse') : '';
  else {
    const path = nodePath(resp).join(' → ');
    if (j.response.viaBalancer) {
      const back = legRewrites(resp, 'response');
      second = back.length ? i18n.t('journey.responseBackWhere', { path, what: back.join(i18n.t('journey.then')) }) : i18n.t('journey.responseBack', { path });
    } else second = i18n.t('journey.responseDirect', { path });
  }
  return i18n.t('journey.verdict', { mode: j.mode, text: [first, second].filter(Boolean).join(i18n.t('journey.verdictSep')) });
}

/** The facts under the verdict: who sent what where, who answered, how long it took. */
export function journeyMeta(j: Journey): string {
  // an IPv6 address in brackets before its port
  const hp = (a: string, port: number) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
  const from = `${j.client.node} (${j.client.port ? hp(j.client.address, j.client.port) : j.client.address}) → ${hp(j.vip, j.port)}`;
  const parts = [`${j.service}: ${from}`];
  if (j.backend) parts.push(i18n.t('journey.servedBy', { backend: j.backend }));
  if (j.response.status !== undefined) parts.push(`HTTP ${j.response.status}`);
  const hosts = hostPath(j.request.hops);
  if (hosts.length) parts.push(i18n.t('journey.acrossHosts', { hosts: hosts.join(' → ') }));
  const last = j.response.hops[j.response.hops.length - 1];
  if (last) parts.push(i18n.t('journey.roundTrip', { t: fmtMicros(last.t) }));
  return parts.join(' · ');
}

// ---------------------------------------------------------------- the canvas
/** One crossing of a network: the frame left `from` and arrived at `to`. */
export interface PathStep {
  leg: Leg;
  /** 1-based, per leg */
  step: number;
  from: { node: string; network?: string };
  to: { node: string; network?: string };
}
export interface JourneyHighlight {
  steps: PathStep[];
  /** the nodes each leg went through, in order */
  nodes: Record<Leg, string[]>;
}

/** The path of both legs as network crossings: consecutive hops on two nodes (out@A → in@B) cross one network. */
export function journeyHighlight(j: Journey): JourneyHighlight {
  const steps: PathStep[] = [];
  for (const leg of LEGS) {
    // the hosts' underlay is the inside of one network crossing, not a node
    const hops = j[leg].hops.filter((h) => !h.underlay);
    let step = 0;
    for (let i = 1; i < hops.length; i++) {
      const a = hops[i - 1];
      const b = hops[i];
      if (a.node === b.node) continue; // through one node: no link crossed
      steps.push({ leg, step: ++step, from: { node: a.node, network: a.network }, to: { node: b.node, network: b.network } });
    }
  }
  return { steps, nodes: { request: nodePath(j.request.hops), response: nodePath(j.response.hops) } };
}

export interface EdgeUse {
  leg: Leg;
  step: number;
  /** the frame went node → network on this edge (else network → node) */
  toNetwork: boolean;
}
/** A canvas link (node ↔ network) the journey lit, with every use of it. */
export interface LitEdge {
  node: string;
  network: string;
  uses: EdgeUse[];
}

export const edgeKey = (node: string, network: string) => `${node}\u0000${network}`;

/** The canvas links a journey crossed, for the document on the canvas (hops without a network use the one both nodes share). */
export function litEdges(h: JourneyHighlight, doc: Pick<LabDoc, 'nodes'>): Map<string, LitEdge> {
  const out = new Map<string, LitEdge>();
  const linked = (node: string, net?: string) => !!net && !!doc.nodes[node]?.links.some((l) => l.network === net);
  const shared = (a: string, b: string) => doc.nodes[a]?.links.find((l) => doc.nodes[b]?.links.some((m) => m.network === l.network))?.network;
  const add = (node: string, network: string | undefined, use: EdgeUse) => {
    if (!network || !linked(node, network)) return;
    const k = edgeKey(node, network);
    const e = out.get(k) ?? { node, network, uses: [] };
    if (!e.uses.some((u) => u.leg === use.leg && u.step === use.step && u.toNetwork === use.toNetwork)) e.uses.push(use);
    out.set(k, e);
  };
  for (const s of h.steps) {
    const common = shared(s.from.node, s.to.node);
    const fromNet = linked(s.from.node, s.from.network) ? s.from.network : linked(s.from.node, s.to.network) ? s.to.network : common;
    const toNet = linked(s.to.node, s.to.network) ? s.to.network : linked(s.to.node, s.from.network) ? s.from.network : common;
    add(s.from.node, fromNet, { leg: s.leg, step: s.step, toNetwork: true });
    add(s.to.node, toNet, { leg: s.leg, step: s.step, toNetwork: false });
  }
  return out;
}

/** The legs that went through each node and network on the canvas (for their highlight). */
export function litElements(h: JourneyHighlight, edges: Map<string, LitEdge>): { nodes: Map<string, Set<Leg>>; networks: Map<string, Set<Leg>> } {
  const nodes = new Map<string, Set<Leg>>();
  const networks = new Map<string, Set<Leg>>();
  const put = (m: Map<string, Set<Leg>>, k: string, leg: Leg) => m.set(k, (m.get(k) ?? new Set<Leg>()).add(leg));
  for (const leg of LEGS) for (const n of h.nodes[leg]) put(nodes, n, leg);
  for (const e of edges.values()) for (const u of e.uses) put(networks, e.network, u.leg);
  return { nodes, networks };
}
