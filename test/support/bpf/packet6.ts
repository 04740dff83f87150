// IPv6 frames for the golden tests: build (with extension headers and
// fragment headers) and parse, checksums computed and verified over the
// IPv6 pseudo header (RFC 8200 8.1).
import { ipv6Bytes } from '../../../lab-images/balancer/agent/dataplane-abi';
import { CLIENT_MAC, LB_MAC, buildL4, csum, mac, macStr, onesSum, type L4Spec } from './packet';

export const ip6 = (s: string): Buffer => Buffer.from(ipv6Bytes(s));
/** Canonical-enough text of 16 bytes (full form, lower case, no compression). */
export const ip6Str = (b: Buffer, off = 0): string =>
  Array.from({ length: 8 }, (_, i) => b.readUInt16BE(off + 2 * i).toString(16)).join(':');
/** The same form for an address given as text (to compare with ip6Str). */
export const norm6 = (s: string): string => ip6Str(ip6(s));

export const NH = { HOP: 0, TCP: 6, UDP: 17, IPV6: 41, ROUTING: 43, FRAG: 44, ESP: 50, AH: 51, ICMPV6: 58, NONE: 59, DEST: 60 } as const;

export interface Frame6Spec extends L4Spec {
  src: string;
  dst: string;
  hops?: number;
  /** traffic class */
  tc?: number;
  /** extension headers before the L4 header, in order: type and body (padded to 8n bytes here) */
  ext?: { type: number; body?: Buffer }[];
  /** a fragment header last before the L4 data: offset (8-byte units), more fragments, id */
  frag?: { offset: number; more: boolean; id: number };
  /** the L4 bytes as they are (a later fragment's data), instead of a built header */
  rawL4?: Buffer;
  srcMac?: string;
  dstMac?: string;
}

function pseudo6(src: Buffer, dst: Buffer, nh: number, len: number): number {
  const b = Buffer.alloc(40);
  src.copy(b, 0);
  dst.copy(b, 16);
  b.writeUInt32BE(len, 32);
  b[39] = nh;
  return onesSum(b);
}

/** L4 bytes with the checksum over the IPv6 pseudo header. */
export function buildL4v6(spec: L4Spec, src: Buffer, dst: Buffer): { proto: number; bytes: Buffer } {
  const { proto, bytes } = buildL4(spec, Buffer.alloc(4), Buffer.alloc(4));
  const coff = proto === 6 ? 16 : proto === 17 ? 6 : -1;
  if (coff >= 0 && !(proto === 17 && spec.udpZeroCsum)) {
    bytes.writeUInt16BE(0, coff);
    let c = csum(bytes, pseudo6(src, dst, proto, bytes.length));
    if (proto === 17 && c === 0) c = 0xffff;
    bytes.writeUInt16BE(c, coff);
  }
  return { proto, bytes };
}

function extHeader(type: number, next: number, body: Uint8Array = Buffer.alloc(6)): Buffer {
  const len = Math.ceil((body.length + 2) / 8) * 8;
  const h = Buffer.alloc(len);
  h[0] = next;
  h[1] = type === NH.AH ? len / 4 - 2 : len / 8 - 1;
  h.set(body, 2);
  return h;
}

/** An IPv6 packet (no Ethernet header). */
export function buildIp6(spec: Frame6Spec): Buffer {
  const src = ip6(spec.src);
  const dst = ip6(spec.dst);
  const l4 = spec.rawL4 ? { proto: spec.proto === 'udp' ? 17 : 6, bytes: spec.rawL4 } : buildL4v6(spec, src, dst);
  const chain: { type: number; body?: Buffer }[] = [...(spec.ext ?? [])];
  if (spec.frag) {
    const body = Buffer.alloc(6);
    body.writeUInt16BE((spec.frag.offset << 3) | (spec.frag.more ? 1 : 0), 0);
    body.writeUInt32BE(spec.frag.id, 2);
    chain.push({ type: NH.FRAG, body });
  }
  const hdrs = chain.map((e, i) => {
    const next = i + 1 < chain.length ? chain[i + 1].type : l4.proto;
    if (e.type === NH.FRAG) { const h = Buffer.alloc(8); h[0] = next; Buffer.from(e.body!).copy(h, 2); return h; }
    return extHeader(e.type, next, e.body);
  });
  const payload = Buffer.concat([...hdrs, l4.bytes]);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000 | ((spec.tc ?? 0) << 20) | 0x12345, 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = chain.length ? chain[0].type : l4.proto;
  h[7] = spec.hops ?? 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  return Buffer.concat([h, payload]);
}

export function buildFrame6(spec: Frame6Spec): Buffer {
  const eth = Buffer.concat([mac(spec.dstMac ?? LB_MAC), mac(spec.srcMac ?? CLIENT_MAC), Buffer.from([0x86, 0xdd])]);
  return Buffer.concat([eth, buildIp6(spec)]);
}

export interface Parsed6 {
  dstMac: string; srcMac: string; ethType: number;
  ip: { version: number; tc: number; flow: number; plen: number; nh: number; hops: number; src: string; dst: string };
  /** the upper layer after any extension headers */
  l4?: { proto: number; off: number; sport: number; dport: number; csumOk: boolean };
  /** ip6ip6: the inner packet parsed */
  inner?: Parsed6['ip'] & { l4?: Parsed6['l4'] };
}

function parseIp6(b: Buffer, off: number): { ip: Parsed6['ip']; l4?: Parsed6['l4'] } {
  const w = b.readUInt32BE(off);
  const ip = {
    version: w >>> 28, tc: (w >>> 20) & 0xff, flow: w & 0xfffff, plen: b.readUInt16BE(off + 4),
    nh: b[off + 6], hops: b[off + 7], src: ip6Str(b, off + 8), dst: ip6Str(b, off + 24),
  };
  let nh = ip.nh;
  let p = off + 40;
  while (nh === NH.HOP || nh === NH.DEST || nh === NH.ROUTING || nh === NH.FRAG) {
    const len = nh === NH.FRAG ? 8 : (b[p + 1] + 1) * 8;
    nh = b[p];
    p += len;
  }
  if (nh !== NH.TCP && nh !== NH.UDP) return { ip };
  const seg = b.subarray(p, off + 40 + ip.plen);
  const ok = csum(seg, pseudo6(b.subarray(off + 8, off + 24), b.subarray(off + 24, off + 40), nh, seg.length)) === 0;
  return { ip, l4: { proto: nh, off: p, sport: b.readUInt16BE(p), dport: b.readUInt16BE(p + 2), csumOk: ok } };
}

export function parseFrame6(f: Buffer): Parsed6 {
  const out: Parsed6 = { dstMac: macStr(f, 0), srcMac: macStr(f, 6), ethType: f.readUInt16BE(12), ...parseIp6(f, 14) };
  if (out.ip.nh === NH.IPV6) {
    const inner = parseIp6(f, 54);
    out.inner = { ...inner.ip, l4: inner.l4 };
  }
  return out;
}

export { CLIENT_MAC, LB_MAC };

/** An ICMPv6 error (type, code, the 4 bytes after the checksum) quoting `quoted`, checksum over the pseudo header. */
export function buildIcmp6Error(spec: { src: string; dst: string; type: number; code: number; rest?: number; quoted: Buffer;
  srcMac?: string; dstMac?: string }): Buffer {
  const src = ip6(spec.src);
  const dst = ip6(spec.dst);
  const msg = Buffer.concat([Buffer.alloc(8), spec.quoted]);
  msg[0] = spec.type;
  msg[1] = spec.code;
  msg.writeUInt32BE(spec.rest ?? 0, 4);
  msg.writeUInt16BE(csum(msg, pseudo6(src, dst, NH.ICMPV6, msg.length)), 2);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(msg.length, 4);
  h[6] = NH.ICMPV6;
  h[7] = 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  const eth = Buffer.concat([mac(spec.dstMac ?? LB_MAC), mac(spec.srcMac ?? CLIENT_MAC), Buffer.from([0x86, 0xdd])]);
  return Buffer.concat([eth, h, msg]);
}

export interface ParsedIcmp6 {
  dstMac: string; srcMac: string;
  ip: Parsed6['ip'];
  type: number; code: number; rest: number;
  /** the ICMPv6 checksum over the pseudo header and the whole message */
  csumOk: boolean;
  /** the quote's bytes, and its IPv6 header and L4 parsed (the L4 checksum checked when the quote is whole) */
  quote: Buffer;
  q: { ip: Parsed6['ip']; l4?: Parsed6['l4'] };
}

/** An ICMPv6 message without extension headers. */
export function parseIcmp6(f: Buffer): ParsedIcmp6 {
  const { ip } = parseIp6(f, 14);
  const msg = f.subarray(54, 54 + ip.plen);
  const quote = msg.subarray(8);
  return {
    dstMac: macStr(f, 0), srcMac: macStr(f, 6), ip, type: msg[0], code: msg[1], rest: msg.readUInt32BE(4),
    csumOk: csum(msg, pseudo6(f.subarray(22, 38), f.subarray(38, 54), NH.ICMPV6, msg.length)) === 0,
    quote, q: parseIp6(quote, 0),
  };
}
