// One captured frame as the journey reads it: where it was seen, when, its
// bytes, and field access by Wireshark display-filter name over the decoded
// layers. `ip.*` / `ipv6.*` names read the innermost IPv4 / IPv6 header;
// `outer.ip.*` / `outer.ipv6.*` a tunnel's outer header (IPIP, ip6ip6, ipip6: IPv4 in IPv6); `underlay.ip.*` / `underlay.udp.*` the hosts' headers of a
// VXLAN frame (an overlay network between Docker engines), whose inner frame
// the other names read. Only the structural subset of a decoded packet is
// needed, so matching and diffing can be tested with hand-made packets.

export type FieldValue = number | string | boolean;

export interface DecodedField { name: string; value: FieldValue; offset: number; length: number }
export interface DecodedLayer { name: string; offset: number; length: number; fields: DecodedField[] }
/** What the journey needs of a decoded packet (the capture decoder's packets fit it). */
export interface DecodedLike { layers: DecodedLayer[]; summary: string }

export interface Frame {
  node: string;
  iface: string;
  /** the capturing interface's own MAC (lowercase, colon-separated) */
  mac: string;
  /** capture time, nanoseconds since the epoch */
  ts: bigint;
  raw: Uint8Array;
  packet: DecodedLike;
  /** known from the link layer (a cooked capture's packet type): overrides the MAC rule */
  direction?: 'in' | 'out';
  /** seen on a host's own network between Docker engines (`node` is then the host's name), not in a node */
  underlay?: true;
}

/** A TCP connection as `a:p > b:q` (tcpdump's arrow: the change's own arrow stays readable). */
export interface Tuple { src: string; sport: number; dst: string; dport: number }
export const tupleText = (t: Tuple): string => `${t.src}:${t.sport} > ${t.dst}:${t.dport}`;
export const reverseText = (t: Tuple): string => `${t.dst}:${t.dport} > ${t.src}:${t.sport}`;

const layersNamed = (p: DecodedLike, name: string) => p.layers.filter((l) => l.name === name);

/** The frame a VXLAN header carries starts after it: the layers from there on. */
function innerLayers(p: DecodedLike): DecodedLayer[] {
  let k = -1;
  p.layers.forEach((l, i) => l.name === 'vxlan' && (k = i));
  return k < 0 ? p.layers : p.layers.slice(k + 1);
}

/** The layers before the first VXLAN header (none without one). */
function underlayLayers(p: DecodedLike): DecodedLayer[] {
  const k = p.layers.findIndex((l) => l.name === 'vxlan');
  return k < 0 ? [] : p.layers.slice(0, k + 1);
}

/** The network layers (IPv4 or IPv6) of the frame a VXLAN header carries (or of the frame), outermost first. */
const netLayers = (p: DecodedLike): DecodedLayer[] => innerLayers(p).filter((l) => l.name === 'ip' || l.name === 'ipv6');

/** The innermost packet's family: `ip` or `ipv6` (undefined: neither). */
export function familyOf(p: DecodedLike): 'ip' | 'ipv6' | undefined {
  return netLayers(p).pop()?.name as 'ip' | 'ipv6' | undefined;
}

/** A tunnel's outer header's family (undefined: no tunnel). */
export function outerFamilyOf(p: DecodedLike): 'ip' | 'ipv6' | undefined {
  const n = netLayers(p);
  return n.length > 1 ? (n[0].name as 'ip' | 'ipv6') : undefined;
}

/**
 * The layer a field name reads: underlay.* → the last header of that protocol
 * before the VXLAN header; outer.ip.* / outer.ipv6.* → the first of two IP
 * headers of the (inner) frame, when of that family; else the innermost layer
 * of that protocol.
 */
function layerFor(p: DecodedLike, name: string): { layer?: DecodedLayer; field: string } {
  if (name.startsWith('underlay.')) {
    const f = name.slice('underlay.'.length);
    const proto = f.split('.')[0];
    return { layer: underlayLayers(p).filter((l) => l.name === proto).pop(), field: f };
  }
  if (name.startsWith('outer.')) {
    const f = name.slice('outer.'.length);
    const ips = netLayers(p);
    return { layer: ips.length > 1 && ips[0].name === f.split('.')[0] ? ips[0] : undefined, field: f };
  }
  const proto = name.split('.')[0];
  const all = layersNamed(p, proto);
  return { layer: all[all.length - 1], field: name };
}

/** A field's value, or undefined when the packet has no such field. */
export function field(p: DecodedLike, name: string): FieldValue | undefined {
  const { layer, field: f } = layerFor(p, name);
  return layer?.fields.find((x) => x.name === f)?.value;
}

export const num = (p: DecodedLike, name: string): number | undefined => {
  const v = field(p, name);
  return typeof v === 'number' ? v : undefined;
};
export const str = (p: DecodedLike, name: string): string | undefined => {
  const v = field(p, name);
  return v === undefined ? undefined : String(v);
};

/** The encapsulations around the innermost packet, outermost first: `vxlan`, a tunnel (TUNNELS), `vxlan+ipip`; null for none. */
export type Encap = string | null;
/** A tunnel by its outer and inner families, as iproute2 names the modes: IPv4 in IPv4, IPv6 in IPv6, IPv4 in IPv6, IPv6 in IPv4. */
export const TUNNELS: Record<string, string> = { 'ip/ip': 'ipip', 'ipv6/ipv6': 'ip6ip6', 'ipv6/ip': 'ipip6', 'ip/ipv6': 'sit' };
export const isTunnel = (part: string): boolean => Object.values(TUNNELS).includes(part);
export function encapOf(p: DecodedLike): Encap {
  const parts: string[] = [];
  if (p.layers.some((l) => l.name === 'vxlan')) parts.push('vxlan');
  const n = netLayers(p);
  if (n.length > 1) parts.push(TUNNELS[`${n[0].name}/${n[n.length - 1].name}`]);
  return parts.length ? parts.join('+') : null;
}

/** The innermost TCP connection, when the frame carries TCP over IPv4 or IPv6. */
export function tupleOf(p: DecodedLike): Tuple | undefined {
  const fam = familyOf(p) ?? 'ip';
  const src = str(p, `${fam}.src`);
  const dst = str(p, `${fam}.dst`);
  const sport = num(p, 'tcp.srcport');
  const dport = num(p, 'tcp.dstport');
  if (!src || !dst || sport === undefined || dport === undefined || !layersNamed(p, 'tcp').length) return undefined;
  return { src, sport, dst, dport };
}

/** The raw sequence number (Wireshark's tcp.seq is relative to the stream; a decoder of lone packets gives the raw one). */
export const seqOf = (p: DecodedLike): number | undefined => num(p, 'tcp.seq_raw') ?? num(p, 'tcp.seq');

const flag = (p: DecodedLike, name: string): boolean => {
  const v = field(p, name);
  return v === true || v === 1;
};
/** A connection's first packet: SYN without ACK. */
export const isSyn = (p: DecodedLike): boolean => flag(p, 'tcp.flags.syn') && !flag(p, 'tcp.flags.ack');

/** The TCP payload bytes (empty when none). */
export function tcpPayload(f: Frame): Uint8Array {
  const tcp = layersNamed(f.packet, 'tcp').pop();
  if (!tcp) return new Uint8Array(0);
  const start = tcp.offset + tcp.length;
  const len = num(f.packet, 'tcp.len');
  return f.raw.subarray(start, len === undefined ? f.raw.length : Math.min(f.raw.length, start + len));
}

/** Whether the frame's bytes contain `needle` anywhere (headers rewritten or not, encapsulated or not). */
export function rawContains(f: Frame, needle: Uint8Array): boolean {
  return Buffer.from(f.raw.buffer, f.raw.byteOffset, f.raw.byteLength).indexOf(needle) >= 0;
}

/** Frames this interface sent carry its own MAC as source (unless the capture says which way it went). */
export const directionOf = (f: Frame): 'in' | 'out' => f.direction ?? ((str(f.packet, 'eth.src') ?? '').toLowerCase() === f.mac.toLowerCase() ? 'out' : 'in');

/** Nanoseconds since the epoch as `seconds.nnnnnnnnn`. */
export const tsText = (ts: bigint): string => `${ts / 1_000_000_000n}.${String(ts % 1_000_000_000n).padStart(9, '0')}`;
