// IPv6 frames for the decoder's tests: the fixed header, extension headers, ICMPv6 (echo, neighbour
// discovery, errors quoting the packet), tunnels (ip6ip6, IPv6 in IPv4), with real checksums.
import { A, M, TCP, csum, eth, ip6, ipv4, pseudo, tcp, udp } from './capture-frames';

export interface Ip6Spec {
  src: string;
  dst: string;
  /** next header of the fixed header (the first extension header's type, when there are some) */
  nxt: number;
  payload: Buffer;
  hlim?: number;
  tclass?: number;
  flow?: number;
  /** override the payload length (malformed frames) */
  plen?: number;
}

export function ipv6(s: Ip6Spec): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((s.tclass ?? 0) << 20) | (s.flow ?? 0)) >>> 0, 0);
  h.writeUInt16BE(s.plen ?? s.payload.length, 4);
  h[6] = s.nxt;
  h[7] = s.hlim ?? 64;
  ip6(s.src).copy(h, 8);
  ip6(s.dst).copy(h, 24);
  return Buffer.concat([h, s.payload]);
}

/** An options header (hop-by-hop 0, destination options 60): next header, length, options padded to 8n bytes. */
export function optsHeader(next: number, options: Buffer): Buffer {
  const body = options.length + 2;
  const total = Math.ceil(body / 8) * 8;
  const pad = total - body;
  const padding = pad === 0 ? Buffer.alloc(0) : pad === 1 ? Buffer.from([0]) : Buffer.concat([Buffer.from([1, pad - 2]), Buffer.alloc(pad - 2)]);
  return Buffer.concat([Buffer.from([next, total / 8 - 1]), options, padding]);
}

/** A fragment header: offset in bytes (a multiple of 8). */
export function fragHeader(next: number, offset: number, more: boolean, id: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = next;
  b.writeUInt16BE(offset | (more ? 1 : 0), 2);
  b.writeUInt32BE(id >>> 0, 4);
  return b;
}

/** ICMPv6 with its 4 bytes after the checksum (`rest`) and a body, checksummed over the pseudo-header. */
export function icmp6(type: number, code: number, rest: Buffer, body: Buffer, src: string, dst: string): Buffer {
  const b = Buffer.concat([Buffer.from([type, code, 0, 0]), rest, body]);
  b.writeUInt16BE(csum(b, pseudo(src, dst, 58, b.length)), 2);
  return b;
}

export const A6 = { client: 'fd00:4c42::a', vip: 'fd00:4c42::fe', lb: 'fd00:4c42::2', server: 'fd00:4c42::b', router: 'fd00:4c42:0:1::1' };
const u32b = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const lladdr = (type: 1 | 2, m: string) => Buffer.concat([Buffer.from([type, 1]), Buffer.from(m.split(':').map((h) => parseInt(h, 16)))]);
const solicited = (a: string) => `ff02::1:ff${ip6(a).toString('hex').slice(26, 28)}:${ip6(a).toString('hex').slice(28, 32)}`;

const syn6 = () => tcp({ sport: 40000, dport: 80, seq: 1000, flags: TCP.SYN, options: [Buffer.from([2, 4, 0x05, 0x8c])] }, A6.client, A6.vip);
const synPacket = () => ipv6({ src: A6.client, dst: A6.vip, nxt: 6, payload: syn6(), flow: 0x12345 });
const dgram = () => udp(40001, 9, Buffer.from('lblab closed port'), A6.client, A6.server);

/** One of each IPv6 shape the decoder handles, on Ethernet. */
export const CRAFTED6: Record<string, Buffer> = {
  tcpSyn: eth(M.lb, M.client, 0x86dd, synPacket()),
  httpGet: eth(M.lb, M.client, 0x86dd, ipv6({ src: A6.client, dst: A6.vip, nxt: 6, tclass: 0xb8, payload: tcp({ sport: 40000, dport: 80, seq: 1001, ack: 5, flags: TCP.PSH | TCP.ACK, payload: Buffer.from('GET / HTTP/1.1\r\nHost: [fd00:4c42::fe]\r\n\r\n') }, A6.client, A6.vip) })),
  udp: eth(M.server, M.client, 0x86dd, ipv6({ src: A6.client, dst: A6.server, nxt: 17, payload: dgram() })),
  echoRequest: eth(M.lb, M.client, 0x86dd, ipv6({ src: A6.client, dst: A6.lb, nxt: 58, payload: icmp6(128, 0, Buffer.from([0x4c, 0x42, 0, 1]), Buffer.from('lblab-ping6'), A6.client, A6.lb) })),
  echoReply: eth(M.client, M.lb, 0x86dd, ipv6({ src: A6.lb, dst: A6.client, nxt: 58, payload: icmp6(129, 0, Buffer.from([0x4c, 0x42, 0, 1]), Buffer.from('lblab-ping6'), A6.lb, A6.client) })),
  neighborSolicitation: eth('33:33:ff:00:00:fe', M.client, 0x86dd, ipv6({ src: A6.client, dst: solicited(A6.vip), nxt: 58, hlim: 255, payload: icmp6(135, 0, Buffer.alloc(4), Buffer.concat([ip6(A6.vip), lladdr(1, M.client)]), A6.client, solicited(A6.vip)) })),
  neighborAdvertisement: eth(M.client, M.lb, 0x86dd, ipv6({ src: A6.vip, dst: A6.client, nxt: 58, hlim: 255, payload: icmp6(136, 0, u32b(0x60000000), Buffer.concat([ip6(A6.vip), lladdr(2, M.lb)]), A6.vip, A6.client) })),
  packetTooBig: eth(M.client, M.lb, 0x86dd, ipv6({ src: A6.router, dst: A6.client, nxt: 58, payload: icmp6(2, 0, u32b(1280), synPacket(), A6.router, A6.client) })),
  portUnreachable: eth(M.client, M.server, 0x86dd, ipv6({ src: A6.server, dst: A6.client, nxt: 58, payload: icmp6(1, 4, Buffer.alloc(4), ipv6({ src: A6.client, dst: A6.server, nxt: 17, payload: dgram() }), A6.server, A6.client) })),
  hopByHop: eth(M.lb, M.client, 0x86dd, ipv6({ src: A6.client, dst: 'ff02::16', nxt: 0, hlim: 1, payload: Buffer.concat([optsHeader(60, Buffer.from([5, 2, 0, 0])), optsHeader(17, Buffer.alloc(0)), udp(5000, 5001, Buffer.from('x'), A6.client, 'ff02::16')]) })),
  routing: eth(M.lb, M.client, 0x86dd, ipv6({ src: A6.client, dst: A6.vip, nxt: 43, payload: Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]), syn6()]) })),
  firstFragment: eth(M.lb, M.client, 0x86dd, ipv6({ src: A6.client, dst: A6.server, nxt: 44, payload: Buffer.concat([fragHeader(17, 0, true, 0xdeadbeef), udp(40002, 9, Buffer.alloc(24, 0x41), A6.client, A6.server).subarray(0, 16)]) })),
  laterFragment: eth(M.lb, M.client, 0x86dd, ipv6({ src: A6.client, dst: A6.server, nxt: 44, payload: Buffer.concat([fragHeader(17, 16, false, 0xdeadbeef), Buffer.alloc(16, 0x41)]) })),
  ip6ip6: eth(M.server, M.lb, 0x86dd, ipv6({ src: A6.lb, dst: A6.server, nxt: 41, hlim: 63, payload: synPacket() })),
  ipv6InIpv4: eth(M.server, M.lb, 0x0800, ipv4({ src: A.lb, dst: A.server, proto: 41, payload: synPacket() })),
  ipv4InIpv6: eth(M.server, M.lb, 0x86dd, ipv6({ src: A6.lb, dst: A6.server, nxt: 4, payload: ipv4({ src: A.client, dst: A.vip, proto: 6, payload: tcp({ sport: 40000, dport: 80, flags: TCP.SYN }, A.client, A.vip) }) })),
  // 4in6 as the balancer writes it (a tunnel service over an IPv6 underlay): traffic class = the inner TOS, flow label 0,
  // hop limit 64, the client's IPv4 packet (DF, data) inside
  ipv4InIpv6Balancer: eth(M.server, M.lb, 0x86dd, ipv6({ src: A6.lb, dst: A6.server, nxt: 4, tclass: 0x28, flow: 0, hlim: 64, payload: ipv4({ src: A.client, dst: A.vip, proto: 6, tos: 0x28, df: true, ttl: 63, payload: tcp({ sport: 40000, dport: 80, seq: 1001, ack: 5, flags: TCP.PSH | TCP.ACK, payload: Buffer.from('GET / HTTP/1.1\r\nHost: 198.18.0.254\r\n\r\n') }, A.client, A.vip) }) })),
};
