// A small frame builder for the capture decoder's tests and bench: Ethernet (+802.1Q),
// ARP, IPv4 (options, fragments, IPIP), TCP (options), UDP, ICMP, with real
// checksums, and the crafted frames the tests check field by field.

import type { PcapRecord } from '../../electron/engine/capture/pcap-reader';

/** A pcap record of a frame (timestamps fixed unless given). */
export const rec = (data: Buffer, len = data.length, sec = 1_700_000_000, nsec = 123_456_000): PcapRecord => ({ sec, nsec, len, data });

export const mac = (s: string): Buffer => Buffer.from(s.split(':').map((h) => parseInt(h, 16)));
export const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

function onesSum(buf: Buffer, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < buf.length; i += 2) s += buf.readUInt16BE(i);
  if (buf.length % 2) s += buf[buf.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
export const csum = (buf: Buffer, init = 0): number => ~onesSum(buf, init) & 0xffff;
/** 16 bytes of an IPv6 address (any notation Node's URL parser takes). */
export const ip6 = (s: string): Buffer => {
  const full = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const [head, tail] = full.split('::');
  const part = (h: string | undefined) => (h ? h.split(':') : []);
  const groups = tail === undefined ? part(head) : [...part(head), ...Array<string>(8 - part(head).length - part(tail).length).fill('0'), ...part(tail)];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
};
/** The TCP/UDP/ICMPv6 pseudo-header sum: IPv4's, or IPv6's when the addresses are IPv6. */
export const pseudo = (src: string, dst: string, proto: number, len: number): number =>
  src.includes(':')
    ? onesSum(Buffer.concat([ip6(src), ip6(dst), Buffer.from([len >>> 24, (len >> 16) & 0xff, len >> 8 & 0xff, len & 0xff, 0, 0, 0, proto])]))
    : onesSum(Buffer.concat([ip4(src), ip4(dst), Buffer.from([0, proto, len >> 8, len & 0xff])]));

export interface VlanTag { id: number; pcp?: number; dei?: boolean; tpid?: number }

export function eth(dst: string, src: string, type: number, payload: Buffer, vlans: VlanTag[] = []): Buffer {
  const tags = vlans.map((v, i) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(((v.pcp ?? 0) << 13) | (v.dei ? 0x1000 : 0) | v.id, 0);
    t.writeUInt16BE(i + 1 < vlans.length ? (vlans[i + 1].tpid ?? 0x8100) : type, 2);
    return t;
  });
  const h = Buffer.alloc(14);
  mac(dst).copy(h, 0);
  mac(src).copy(h, 6);
  h.writeUInt16BE(vlans.length ? (vlans[0].tpid ?? 0x8100) : type, 12);
  return Buffer.concat([h, ...tags, payload]);
}

/** Pad an Ethernet frame to the 60-byte minimum, as a NIC does. */
export const pad60 = (f: Buffer): Buffer => (f.length >= 60 ? f : Buffer.concat([f, Buffer.alloc(60 - f.length)]));

export interface IpSpec {
  src: string;
  dst: string;
  proto: number;
  payload: Buffer;
  ttl?: number;
  id?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** bytes, a multiple of 8 */
  fragOffset?: number;
  options?: Buffer;
  /** override the total length (malformed frames) */
  totalLen?: number;
}

export function ipv4(s: IpSpec): Buffer {
  const opts = s.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20 + opts.length);
  h[0] = 0x40 | (h.length / 4);
  h[1] = s.tos ?? 0;
  h.writeUInt16BE(s.totalLen ?? h.length + s.payload.length, 2);
  h.writeUInt16BE(s.id ?? 0x1234, 4);
  h.writeUInt16BE((s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | ((s.fragOffset ?? 0) / 8), 6);
  h[8] = s.ttl ?? 64;
  h[9] = s.proto;
  ip4(s.src).copy(h, 12);
  ip4(s.dst).copy(h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(csum(h), 10);
  return Buffer.concat([h, s.payload]);
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export const tcpOpt = {
  mss: (n: number): Buffer => Buffer.from([2, 4, n >> 8, n & 0xff]),
  sackPerm: (): Buffer => Buffer.from([4, 2]),
  ts: (val: number, ecr: number): Buffer => {
    const b = Buffer.from([8, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    b.writeUInt32BE(val, 2);
    b.writeUInt32BE(ecr, 6);
    return b;
  },
  nop: (): Buffer => Buffer.from([1]),
  wscale: (n: number): Buffer => Buffer.from([3, 3, n]),
  sack: (...edges: number[]): Buffer => {
    const b = Buffer.alloc(2 + 4 * edges.length);
    b[0] = 5;
    b[1] = b.length;
    edges.forEach((e, i) => b.writeUInt32BE(e, 2 + 4 * i));
    return b;
  },
};

export interface TcpSpec {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags: number;
  win?: number;
  urg?: number;
  options?: Buffer[];
  payload?: Buffer;
}

export function tcp(t: TcpSpec, src: string, dst: string): Buffer {
  let opts = Buffer.concat(t.options ?? []);
  if (opts.length % 4) opts = Buffer.concat([opts, Buffer.alloc(4 - (opts.length % 4))]);
  const h = Buffer.alloc(20 + opts.length);
  h.writeUInt16BE(t.sport, 0);
  h.writeUInt16BE(t.dport, 2);
  h.writeUInt32BE(t.seq ?? 0, 4);
  h.writeUInt32BE(t.ack ?? 0, 8);
  h.writeUInt16BE(((h.length / 4) << 12) | t.flags, 12);
  h.writeUInt16BE(t.win ?? 64240, 14);
  h.writeUInt16BE(t.urg ?? 0, 18);
  opts.copy(h, 20);
  const seg = Buffer.concat([h, t.payload ?? Buffer.alloc(0)]);
  seg.writeUInt16BE(csum(seg, pseudo(src, dst, 6, seg.length)), 16);
  return seg;
}

export function udp(sport: number, dport: number, payload: Buffer, src: string, dst: string): Buffer {
  const b = Buffer.concat([Buffer.alloc(8), payload]);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b.writeUInt16BE(b.length, 4);
  b.writeUInt16BE(csum(b, pseudo(src, dst, 17, b.length)) || 0xffff, 6);
  return b;
}

/** ICMP with its 4 bytes after the checksum (`rest`) and a body. */
export function icmp(type: number, code: number, rest: Buffer, body: Buffer): Buffer {
  const b = Buffer.concat([Buffer.from([type, code, 0, 0]), rest, body]);
  b.writeUInt16BE(csum(b), 2);
  return b;
}
export const echoRest = (id: number, seq: number): Buffer => Buffer.from([id >> 8, id & 0xff, seq >> 8, seq & 0xff]);

export function arp(op: number, sha: string, spa: string, tha: string, tpa: string): Buffer {
  return Buffer.concat([Buffer.from([0, 1, 8, 0, 6, 4, 0, op]), mac(sha), ip4(spa), mac(tha), ip4(tpa)]);
}

// ---------------------------------------------------------------- crafted frames

export const M = { client: '02:42:c6:12:00:0a', lb: '02:42:c6:12:00:02', server: '02:42:c6:12:00:0b', bcast: 'ff:ff:ff:ff:ff:ff' };
export const A = { client: '198.18.0.10', vip: '198.18.0.100', lb: '198.18.0.2', server: '198.18.0.11' };

export const HTTP_GET = 'GET /index.html?x=1 HTTP/1.1\r\nHost: 198.18.0.100\r\nUser-Agent: lblab-test/1.0\r\nAccept: */*\r\n\r\n';
export const HTTP_200 = 'HTTP/1.1 200 OK\r\nServer: lblab\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';

const synOptions = [tcpOpt.mss(1460), tcpOpt.sackPerm(), tcpOpt.ts(123456, 0), tcpOpt.nop(), tcpOpt.wscale(7)];
const ipTcp = (src: string, dst: string, t: TcpSpec, ip: Partial<IpSpec> = {}): Buffer =>
  ipv4({ src, dst, proto: 6, payload: tcp(t, src, dst), ...ip });
const udpPayload = Buffer.from('lblab udp datagram....');

function quoted(ipPacket: Buffer): Buffer {
  const ihl = (ipPacket[0] & 15) * 4;
  return ipPacket.subarray(0, ihl + 8);
}

const big = Buffer.alloc(3000, 0x61);
const bigUdp = udp(40001, 5000, big, A.client, A.vip);

/** A VXLAN header (I flag set) and the frame it carries. */
export function vxlan(vni: number, frame: Buffer, flags = 0x08): Buffer {
  const h = Buffer.alloc(8);
  h[0] = flags;
  h.writeUIntBE(vni, 4, 3);
  return Buffer.concat([h, frame]);
}
/** Two Docker engines' addresses on the underlay. */
export const HOSTS = { a: '198.18.254.1', b: '198.18.254.2', macA: '02:00:c6:12:fe:01', macB: '02:00:c6:12:fe:02' };
const underlay = (inner: Buffer, vni = 4097): Buffer =>
  eth(HOSTS.macB, HOSTS.macA, 0x0800, ipv4({ src: HOSTS.a, dst: HOSTS.b, proto: 17, df: true, payload: udp(50123, 4789, vxlan(vni, inner), HOSTS.a, HOSTS.b) }));

/** The crafted frames (Ethernet), by name. */
export const CRAFTED: Record<string, Buffer> = {
  tcpSyn: eth(M.lb, M.client, 0x0800, ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 123, flags: TCP.SYN, win: 64240, options: synOptions }, { df: true, id: 0x4d2 })),
  ipipTcp: eth(M.server, M.lb, 0x0800, ipv4({
    src: A.lb, dst: A.server, proto: 4, ttl: 63, id: 0x0bad,
    payload: ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 124, ack: 987654321, flags: TCP.ACK, win: 502 }, { df: true, id: 0x4d3 }),
  })),
  udp: eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 17, payload: udp(40000, 53, udpPayload, A.client, A.vip) })),
  icmpEcho: eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 1, df: true, payload: icmp(8, 0, echoRest(0x1234, 1), Buffer.alloc(56, 0x2a)) })),
  icmpPortUnreachable: eth(M.client, M.lb, 0x0800, ipv4({
    src: A.vip, dst: A.client, proto: 1, tos: 0xc0,
    payload: icmp(3, 3, Buffer.alloc(4), quoted(ipv4({ src: A.client, dst: A.vip, proto: 17, payload: udp(40000, 9, udpPayload, A.client, A.vip) }))),
  })),
  icmpFragNeeded: eth(M.client, M.lb, 0x0800, ipv4({
    src: A.lb, dst: A.client, proto: 1, tos: 0xc0,
    payload: icmp(3, 4, Buffer.from([0, 0, 0x05, 0x78]), quoted(ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 5000, ack: 1, flags: TCP.ACK | TCP.PSH, payload: Buffer.alloc(1460, 0x62) }, { df: true }))),
  })),
  arpRequest: pad60(eth(M.bcast, M.client, 0x0806, arp(1, M.client, A.client, '00:00:00:00:00:00', '198.18.0.1'))),
  vlanUdp: eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 17, payload: udp(40000, 53, udpPayload, A.client, A.vip) }), [{ id: 10, pcp: 3 }]),
  fragFirst: eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 17, id: 0x7777, mf: true, payload: bigUdp.subarray(0, 1480) })),
  fragSecond: eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 17, id: 0x7777, fragOffset: 1480, payload: bigUdp.subarray(1480, 2960) })),
  httpGet: eth(M.lb, M.client, 0x0800, ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 124, ack: 2000, flags: TCP.PSH | TCP.ACK, win: 502, options: [tcpOpt.nop(), tcpOpt.nop(), tcpOpt.ts(123460, 777)], payload: Buffer.from(HTTP_GET, 'latin1') }, { df: true })),
  http200: eth(M.client, M.lb, 0x0800, ipTcp(A.vip, A.client, { sport: 80, dport: 54321, seq: 2000, ack: 124 + HTTP_GET.length, flags: TCP.PSH | TCP.ACK, win: 509, payload: Buffer.from(HTTP_200, 'latin1') }, { df: true })),
  ipOptions: eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 17, options: Buffer.from([148, 4, 0, 0]), payload: udp(40000, 53, udpPayload, A.client, A.vip) })),
  tcpSack: eth(M.lb, M.client, 0x0800, ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 200, ack: 3000, flags: TCP.ACK, options: [tcpOpt.nop(), tcpOpt.nop(), tcpOpt.sack(4000, 5000, 6000, 7000)] })),
  tcpFinUrg: eth(M.lb, M.client, 0x0800, ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 300, ack: 3000, flags: TCP.FIN | TCP.ACK | TCP.URG | TCP.ECE | TCP.CWR, urg: 5 })),
  tcpRst: eth(M.lb, M.client, 0x0800, ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 301, flags: TCP.RST })),
  arpReply: pad60(eth(M.client, M.lb, 0x0806, arp(2, M.lb, '198.18.0.1', M.client, A.client))),
  qinq: eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 1, payload: icmp(0, 0, echoRest(7, 9), Buffer.alloc(8)) }), [{ id: 100, tpid: 0x88a8 }, { id: 20, pcp: 5, dei: true }]),
  timeExceeded: eth(M.client, M.lb, 0x0800, ipv4({
    src: A.lb, dst: A.client, proto: 1,
    // Linux quotes the whole datagram (up to 576 bytes), not just 8 bytes past the header
    payload: icmp(11, 0, Buffer.alloc(4), ipTcp(A.client, A.vip, { sport: 54322, dport: 443, seq: 1, ack: 9, flags: TCP.PSH | TCP.ACK, options: [tcpOpt.nop(), tcpOpt.nop(), tcpOpt.ts(5, 6)], payload: Buffer.from('quoted payload') }, { ttl: 1 })),
  })),
  // an ethertype neither the decoder nor Wireshark knows (local experimental): data
  unknownEthertype: eth('02:42:c6:12:00:ff', M.client, 0x88b5, Buffer.alloc(48)),
};

/** VXLAN between two engines (Ethernet on the underlay), by name. */
export const CRAFTED_VXLAN: Record<string, Buffer> = {
  vxlanHttp: underlay(eth(M.server, M.lb, 0x0800, ipTcp(A.client, A.server, { sport: 54321, dport: 80, seq: 124, ack: 2000, flags: TCP.PSH | TCP.ACK, win: 502, payload: Buffer.from(HTTP_GET, 'latin1') }, { df: true }))),
  vxlanArp: underlay(eth(M.bcast, M.lb, 0x0806, arp(1, M.lb, A.lb, '00:00:00:00:00:00', A.server)), 256),
};

/** A Linux cooked (SLL, linktype 113) frame. pkttype 0 = to us, 4 = sent by us. */
export function sll(pkttype: number, src: string, type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(pkttype, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  mac(src).copy(h, 6);
  h.writeUInt16BE(type, 14);
  return Buffer.concat([h, payload]);
}

/** A Linux cooked v2 (SLL2, linktype 276) frame. */
export function sll2(pkttype: number, ifindex: number, src: string, type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt32BE(ifindex, 4);
  h.writeUInt16BE(1, 8);
  h[10] = pkttype;
  h[11] = 6;
  mac(src).copy(h, 12);
  return Buffer.concat([h, payload]);
}

const synPacket = ipTcp(A.client, A.vip, { sport: 54321, dport: 80, seq: 123, flags: TCP.SYN, options: synOptions }, { df: true });
export const CRAFTED_SLL: Record<string, Buffer> = {
  sllTcp: sll(4, M.client, 0x0800, synPacket),
  sllArp: sll(0, M.lb, 0x0806, arp(2, M.lb, '198.18.0.1', M.client, A.client)),
};
export const CRAFTED_SLL2: Record<string, Buffer> = {
  sll2Tcp: sll2(0, 7, M.client, 0x0800, synPacket),
  sll2Udp: sll2(4, 3, M.lb, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 17, payload: udp(40000, 53, Buffer.from('x'), A.client, A.vip) })),
};
