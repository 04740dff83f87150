// A small packet builder/parser for golden-packet tests: Ethernet, IPv4
// (with options), TCP, UDP, ICMP, IPIP — with checksum computation and
// verification done independently of the BPF code under test.

export interface L4Spec {
  proto: 'tcp' | 'udp' | 'icmp';
  sport?: number;
  dport?: number;
  flags?: number;          // TCP flags byte
  payload?: Buffer;
  udpZeroCsum?: boolean;   // UDP "no checksum"
}
export interface FrameSpec extends L4Spec {
  srcMac?: string; dstMac?: string;
  src: string; dst: string;
  ttl?: number; tos?: number; id?: number; df?: boolean;
  fragOffset?: number; mf?: boolean;
  options?: Buffer;        // IPv4 options (multiple of 4 bytes)
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));
export const mac = (s: string): Buffer => Buffer.from(s.split(':').map((h) => parseInt(h, 16)));
export const ipStr = (b: Buffer, off = 0): string => [...b.subarray(off, off + 4)].join('.');
export const macStr = (b: Buffer, off = 0): string =>
  [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** One's-complement sum folded to 16 bits (not inverted). */
export function onesSum(buf: Buffer, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < buf.length; i += 2) s += buf.readUInt16BE(i);
  if (buf.length % 2) s += buf[buf.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
export const csum = (buf: Buffer, init = 0): number => ~onesSum(buf, init) & 0xffff;

function pseudo(src: Buffer, dst: Buffer, proto: number, len: number): number {
  return onesSum(Buffer.concat([src, dst, Buffer.from([0, proto, len >> 8, len & 0xff])]));
}

export function buildL4(spec: L4Spec, src: Buffer, dst: Buffer): { proto: number; bytes: Buffer } {
  const payload = spec.payload ?? Buffer.from('golden packet payload!');
  if (spec.proto === 'icmp') {
    const b = Buffer.concat([Buffer.from([8, 0, 0, 0, 0x12, 0x34, 0, 1]), payload]);
    b.writeUInt16BE(csum(b), 2);
    return { proto: 1, bytes: b };
  }
  if (spec.proto === 'udp') {
    const b = Buffer.concat([Buffer.alloc(8), payload]);
    b.writeUInt16BE(spec.sport ?? 40000, 0);
    b.writeUInt16BE(spec.dport ?? 53, 2);
    b.writeUInt16BE(b.length, 4);
    if (!spec.udpZeroCsum) {
      const ps = pseudo(src, dst, 17, b.length);
      let c = csum(b, ps);
      if (c === 0) c = 0xffff;
      b.writeUInt16BE(c, 6);
    }
    return { proto: 17, bytes: b };
  }
  const b = Buffer.concat([Buffer.alloc(20), payload]);
  b.writeUInt16BE(spec.sport ?? 40000, 0);
  b.writeUInt16BE(spec.dport ?? 80, 2);
  b.writeUInt32BE(1000, 4);
  b.writeUInt32BE(spec.flags !== undefined && spec.flags & TCP.ACK ? 2000 : 0, 8);
  b[12] = 5 << 4;
  b[13] = spec.flags ?? TCP.SYN;
  b.writeUInt16BE(65535, 14);
  const ps = pseudo(src, dst, 6, b.length);
  b.writeUInt16BE(csum(b, ps), 16);
  return { proto: 6, bytes: b };
}

export function buildIp(spec: FrameSpec, proto: number, l4: Buffer): Buffer {
  const opts = spec.options ?? Buffer.alloc(0);
  if (opts.length % 4) throw new Error('options must be a multiple of 4 bytes');
  const h = Buffer.alloc(20 + opts.length);
  h[0] = 0x40 | (h.length / 4);
  h[1] = spec.tos ?? 0;
  h.writeUInt16BE(h.length + l4.length, 2);
  h.writeUInt16BE(spec.id ?? 0x1234, 4);
  h.writeUInt16BE((spec.df ?? true ? 0x4000 : 0) | (spec.mf ? 0x2000 : 0) | (spec.fragOffset ?? 0), 6);
  h[8] = spec.ttl ?? 63;
  h[9] = proto;
  ip4(spec.src).copy(h, 12);
  ip4(spec.dst).copy(h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(csum(h), 10);
  return Buffer.concat([h, l4]);
}

export const CLIENT_MAC = '02:00:00:00:00:0c';
export const LB_MAC = '02:00:00:00:00:0b';

export function buildFrame(spec: FrameSpec): Buffer {
  const l4 = buildL4(spec, ip4(spec.src), ip4(spec.dst));
  const ip = buildIp(spec, l4.proto, l4.bytes);
  return Buffer.concat([mac(spec.dstMac ?? LB_MAC), mac(spec.srcMac ?? CLIENT_MAC), Buffer.from([0x08, 0x00]), ip]);
}

export function arpFrame(): Buffer {
  const arp = Buffer.from('0001080006040001' + '02000000000c' + 'c6120001' + '000000000000' + 'c6120064', 'hex');
  return Buffer.concat([mac('ff:ff:ff:ff:ff:ff'), mac(CLIENT_MAC), Buffer.from([0x08, 0x06]), arp, Buffer.alloc(18)]);
}

// ---------------------------------------------------------------- parsing
export interface ParsedIp {
  off: number; ihl: number; tos: number; totLen: number; id: number; df: boolean; mf: boolean; fragOff: number;
  ttl: number; proto: number; check: number; src: string; dst: string;
  headerOk: boolean;                 // IPv4 header checksum verifies
}
export interface Parsed {
  dstMac: string; srcMac: string; ethType: number;
  ip: ParsedIp;
  inner?: ParsedIp;                  // IPIP: the encapsulated header
  l4?: { sport: number; dport: number; flags?: number; check: number; csumOk: boolean; payload: Buffer };
}

function parseIp(f: Buffer, off: number): ParsedIp {
  const ihl = (f[off] & 0x0f) * 4;
  const fo = f.readUInt16BE(off + 6);
  return {
    off, ihl, tos: f[off + 1], totLen: f.readUInt16BE(off + 2), id: f.readUInt16BE(off + 4),
    df: !!(fo & 0x4000), mf: !!(fo & 0x2000), fragOff: fo & 0x1fff, ttl: f[off + 8], proto: f[off + 9],
    check: f.readUInt16BE(off + 10), src: ipStr(f, off + 12), dst: ipStr(f, off + 16),
    headerOk: csum(f.subarray(off, off + ihl)) === 0,
  };
}

/** Parse an Ethernet/IPv4(/IPIP)/TCP|UDP frame and verify every checksum. */
export function parseFrame(f: Buffer): Parsed {
  const p: Parsed = { dstMac: macStr(f, 0), srcMac: macStr(f, 6), ethType: f.readUInt16BE(12), ip: parseIp(f, 14) };
  let ip = p.ip;
  if (ip.proto === 4) { p.inner = parseIp(f, 14 + ip.ihl); ip = p.inner; }
  const l4off = ip.off + ip.ihl;
  const l4 = f.subarray(l4off, ip.off + ip.totLen);
  const srcB = ip4(ip.src); const dstB = ip4(ip.dst);
  if (ip.proto === 6) {
    p.l4 = {
      sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2), flags: l4[13], check: l4.readUInt16BE(16),
      csumOk: csum(l4, pseudo(srcB, dstB, 6, l4.length)) === 0, payload: l4.subarray(20),
    };
  } else if (ip.proto === 17) {
    const check = l4.readUInt16BE(6);
    p.l4 = {
      sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2), check,
      csumOk: check === 0 || csum(l4, pseudo(srcB, dstB, 17, l4.length)) === 0, payload: l4.subarray(8),
    };
  }
  return p;
}

// ---------------------------------------------------------------- ICMP errors
export const ICMP = { UNREACH: 3, TIME_EXCEEDED: 11, PORT_UNREACH: 3, FRAG_NEEDED: 4 } as const;

/** An ICMP error frame (type, code; `mtu` for fragmentation needed) quoting `quoted`, an IPv4
 * packet from its header on (a real stack quotes up to 576 bytes; tests quote all of it). */
export function buildIcmpError(spec: {
  src: string; dst: string; srcMac?: string; dstMac?: string; type: number; code: number; mtu?: number; quoted: Buffer; ttl?: number;
}): Buffer {
  const icmp = Buffer.concat([Buffer.from([spec.type, spec.code, 0, 0, 0, 0, 0, 0]), spec.quoted]);
  if (spec.mtu !== undefined) icmp.writeUInt16BE(spec.mtu, 6);
  icmp.writeUInt16BE(csum(icmp), 2);
  const ip = buildIp({ proto: 'icmp', src: spec.src, dst: spec.dst, ttl: spec.ttl ?? 64, df: false }, 1, icmp);
  return Buffer.concat([mac(spec.dstMac ?? LB_MAC), mac(spec.srcMac ?? CLIENT_MAC), Buffer.from([0x08, 0x00]), ip]);
}

export interface ParsedIcmpError {
  ip: ParsedIp;
  type: number; code: number; mtu: number;
  csumOk: boolean;                   // the ICMP checksum over the whole message
  quoted: Buffer;                    // the quoted packet, from its IP header
  q: ParsedIp;                       // its header (headerOk: its checksum)
  qsport: number; qdport: number;
  qL4Ok: boolean;                    // its TCP/UDP checksum, when the quote holds all of the segment
}

/** Parse an Ethernet/IPv4/ICMP error frame and verify its checksums. */
export function parseIcmpError(f: Buffer): ParsedIcmpError {
  const ip = parseIp(f, 14);
  const icmp = f.subarray(14 + ip.ihl, 14 + ip.totLen);
  const quoted = icmp.subarray(8);
  const q = parseIp(quoted, 0);
  const l4 = quoted.subarray(q.ihl, q.totLen);
  let qL4Ok = false;
  if (quoted.length >= q.totLen) {
    const ps = pseudo(ip4(q.src), ip4(q.dst), q.proto, l4.length);
    qL4Ok = q.proto === 17 && l4.readUInt16BE(6) === 0 ? true : csum(l4, ps) === 0;
  }
  return {
    ip, type: icmp[0], code: icmp[1], mtu: icmp.readUInt16BE(6), csumOk: csum(icmp) === 0, quoted, q,
    qsport: l4.readUInt16BE(0), qdport: l4.readUInt16BE(2), qL4Ok,
  };
}
