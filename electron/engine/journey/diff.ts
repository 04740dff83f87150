// What changed from one hop to the next, and whether it is what any
// forwarding hop does (expected) or the mode's own rewrite. A change belongs
// to the node that sent the frame (an out hop); between an out hop and the
// next in hop the frame only crossed a link, where nothing should change.
import type { JourneyChange, JourneyValue, Mode, NodeKind } from '../../api';
import { isDataplaneMode, isProxyMode } from '../balancer/contract';
import { encapOf, familyOf, field, isTunnel, outerFamilyOf, seqOf, tupleOf, tupleText, type DecodedLike } from './frame';
import type { Hop } from './match';

/** The fields compared hop to hop (innermost headers): IPv4's, and IPv6's (no header checksum; the hop limit for the TTL). */
export const COMPARED = ['eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.checksum', 'tcp.srcport', 'tcp.dstport', 'tcp.checksum'] as const;
export const COMPARED6 = ['eth.src', 'eth.dst', 'ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'tcp.srcport', 'tcp.dstport', 'tcp.checksum'] as const;
const OUTER = { ip: ['outer.ip.src', 'outer.ip.dst'], ipv6: ['outer.ipv6.src', 'outer.ipv6.dst'] } as const;
const HOPS = new Set(['ip.ttl', 'ipv6.hlim']);
/** the hosts' headers of a VXLAN frame (an overlay network between Docker engines) */
const UNDERLAY = ['underlay.ip.src', 'underlay.ip.dst', 'underlay.udp.dstport', 'vxlan.vni'] as const;
const CHECKSUMS = new Set(['ip.checksum', 'tcp.checksum']);

export interface DiffContext {
  mode: Mode;
  /** l7: the gateway that relays (named with the balancer it runs on) */
  gateway?: string;
  kindOf(node: string): NodeKind | undefined;
}

const value = (p: DecodedLike, name: string): JourneyValue => {
  const v = field(p, name);
  if (v === undefined) return null;
  if (CHECKSUMS.has(name) && typeof v === 'number') return `0x${v.toString(16).padStart(4, '0')}`;
  return typeof v === 'boolean' ? Number(v) : v;
};

const has = (encap: string | null, kind: 'tunnel' | 'vxlan'): boolean => !!encap && encap.split('+').some((e) => (kind === 'tunnel' ? isTunnel(e) : e === kind));

/** The compared fields of a frame's family (IPv4's when it has no IP layer). */
const comparedOf = (p: DecodedLike): readonly string[] => (familyOf(p) === 'ipv6' ? COMPARED6 : COMPARED);
/** The outer header's compared fields (none without a tunnel). */
const outerOf = (p: DecodedLike): readonly string[] => {
  const fam = outerFamilyOf(p);
  return fam ? OUTER[fam] : [];
};

/** The compared fields of one frame, as the journey shows them. */
export function hopFields(p: DecodedLike): Record<string, JourneyValue> {
  const out: Record<string, JourneyValue> = {};
  for (const f of comparedOf(p)) out[f] = value(p, f);
  const encap = encapOf(p);
  out.encap = encap;
  for (const f of outerOf(p)) out[f] = value(p, f);
  if (has(encap, 'vxlan')) for (const f of UNDERLAY) out[f] = value(p, f);
  return out;
}

/** Why a MAC changed where it did, and whether any forwarding hop does it. */
function macChange(fieldName: 'eth.src' | 'eth.dst', at: string | undefined, ctx: DiffContext): Pick<JourneyChange, 'expected' | 'why'> {
  const kind = at ? ctx.kindOf(at) : undefined;
  if (kind === 'router') return { expected: true, why: `${at} routes the packet: new MACs for the next hop` };
  if (kind === 'balancer') {
    if (ctx.mode === 'dsr')
      return fieldName === 'eth.dst'
        ? { expected: false, why: `dsr: ${at} rewrites only the destination MAC, to the chosen server's` }
        : { expected: true, why: `a frame leaving ${at} carries ${at}'s own MAC as source` };
    // every other data-plane mode (tunnel, nat, snat) forwards at L3
    if (isDataplaneMode(ctx.mode)) return { expected: true, why: `${ctx.mode}: ${at} forwards at L3: new MACs for the next hop` };
    return { expected: true, why: `a frame leaving ${at} carries new MACs for the next hop` };
  }
  return { expected: false, why: at ? `${at} changed the ${fieldName === 'eth.src' ? 'source' : 'destination'} MAC` : 'changed on the link' };
}

const REWRITE_WHAT: Record<string, string> = {
  'ip.src': 'source address',
  'ip.dst': 'destination address',
  'ipv6.src': 'source address',
  'ipv6.dst': 'destination address',
  'tcp.srcport': 'source port',
  'tcp.dstport': 'destination port',
};

/** The changes from `prev` to `cur` (none for the first hop). */
export function diffHops(prev: Hop | undefined, cur: Hop, ctx: DiffContext): JourneyChange[] {
  if (!prev) return [];
  const a = prev.frame.packet;
  const b = cur.frame.packet;
  // the node that changed the frame: the sender of an out hop; an in hop only crossed a link
  const at = cur.direction === 'out' ? cur.frame.node : undefined;
  const where = at ?? `the link ${prev.frame.node} → ${cur.frame.node}`;

  // a proxy: another TCP connection (new ports and a new initial sequence number), not a rewritten packet
  const ta = tupleOf(a);
  const tb = tupleOf(b);
  if (ta && tb && tupleText(ta) !== tupleText(tb)) {
    const sa = seqOf(a);
    const sb = seqOf(b);
    const newConnection = sa !== undefined && sb !== undefined ? sa !== sb : isProxyMode(ctx.mode) && ctx.kindOf(at ?? '') === 'balancer';
    if (newConnection)
      return [{ field: 'tcp.stream', from: tupleText(ta), to: tupleText(tb), expected: false, why: `${ctx.mode}: ${at && ctx.gateway ? `${ctx.gateway} on ${at}` : where} relays the data on another TCP connection (its own)` }];
  }

  const changes: JourneyChange[] = [...encapChanges(prev, cur, where, ctx)];
  for (const f of [...new Set([...comparedOf(a), ...comparedOf(b)])]) {
    const [x, y] = [value(a, f), value(b, f)];
    if (x === y) continue;
    if (f === 'eth.src' || f === 'eth.dst') changes.push({ field: f, from: x, to: y, ...macChange(f, at, ctx) });
    else if (CHECKSUMS.has(f)) changes.push({ field: f, from: x, to: y, expected: true, why: 'the checksum follows the other changes' });
    else if (HOPS.has(f)) {
      const forwarded = at !== undefined && typeof x === 'number' && typeof y === 'number' && y === x - 1;
      const what = f === 'ip.ttl' ? 'TTL' : 'hop limit';
      changes.push({ field: f, from: x, to: y, expected: forwarded, why: forwarded ? `${at} forwarded the packet: ${what} decremented` : `${where} changed the ${what}` });
    } else changes.push({ field: f, from: x, to: y, expected: false, why: `${ctx.mode}: ${where} rewrites the ${REWRITE_WHAT[f]}` });
  }
  return changes;
}

/**
 * An encapsulation added or taken off, and its header's fields. IPIP is the
 * mode's own (a tunnel); VXLAN is the overlay network carrying the frame
 * between two hosts, whatever the mode: expected, the inner frame unchanged.
 */
function encapChanges(prev: Hop, cur: Hop, where: string, ctx: DiffContext): JourneyChange[] {
  const a = prev.frame.packet;
  const b = cur.frame.packet;
  const ea = encapOf(a);
  const eb = encapOf(b);
  const out: JourneyChange[] = [];
  const fields = (names: readonly string[], expected: boolean, why: (f: string) => string) => {
    for (const f of names) {
      const [x, y] = [value(a, f), value(b, f)];
      if (x !== y) out.push({ field: f, from: x, to: y, expected, why: why(f) });
    }
  };
  const [va, vb] = [has(ea, 'vxlan'), has(eb, 'vxlan')];
  const [ia, ib] = [has(ea, 'tunnel'), has(eb, 'tunnel')];
  if (ea !== eb) {
    const whys: string[] = [];
    let expected = true;
    if (!va && vb) whys.push(`${cur.frame.node}: the overlay network carries the frame to another host in VXLAN (outer IPv4 and UDP ${value(b, 'underlay.udp.dstport')}, VNI ${value(b, 'vxlan.vni')}), the frame itself unchanged`);
    if (va && !vb) whys.push(`${prev.frame.node}: the overlay network takes the VXLAN header off and hands the frame on as it left the other host`);
    if (!ia && ib) {
      whys.push(`${ctx.mode}: ${where} wraps the packet in an outer ${familyName(outerFamilyOf(b))} header (${tunnelOf(eb)})`);
      expected = false;
    }
    if (ia && !ib) {
      whys.push(`${where} takes the outer ${familyName(outerFamilyOf(a))} header off`);
      expected = false;
    }
    out.push({ field: 'encap', from: ea, to: eb, expected, why: whys.join('; ') });
  }
  if (va || vb) fields(UNDERLAY, true, (f) => (vb && !va ? `the VXLAN frame's ${UNDERLAY_WHAT[f]}` : va && !vb ? `the VXLAN header is gone` : `the overlay changed the ${UNDERLAY_WHAT[f]}`));
  if (ia || ib) {
    const outer = [...new Set([...outerOf(a), ...outerOf(b)])];
    fields(outer, false, (f) => (ib && !ia ? `the outer header's ${f.endsWith('.src') ? 'source' : 'destination'}` : ia && !ib ? 'the outer header is gone' : `${where} rewrote the outer header`));
  }
  // a header taken off: its fields go with the encap change, not one by one
  return out.filter((c) => c.field === 'encap' || c.to !== null || c.from === null);
}

const familyName = (f: 'ip' | 'ipv6' | undefined) => (f === 'ipv6' ? 'IPv6' : 'IPv4');
/** the tunnel's name as the why says it: IPIP as the IPv4 literature writes it, the others as iproute2 does (the
 * mixed ones with what they carry: a tunnel service over an IPv6 underlay sends ipip6) */
const TUNNEL_WHY: Record<string, string> = { ipip: 'IPIP', ipip6: 'ipip6: IPv4 in IPv6', sit: 'sit: IPv6 in IPv4' };
const tunnelOf = (e: string | null) => {
  const t = (e ?? '').split('+').find(isTunnel) ?? 'ipip';
  return TUNNEL_WHY[t] ?? t;
};

const UNDERLAY_WHAT: Record<string, string> = {
  'underlay.ip.src': 'source: the sending host',
  'underlay.ip.dst': 'destination: the receiving host',
  'underlay.udp.dstport': 'UDP port (VXLAN)',
  'vxlan.vni': 'network identifier (VNI): the overlay network',
};
