// Find the innermost TCP header of a frame (inside IPIP or VXLAN too) without decoding it (used to
// follow TCP streams as packets arrive; the full decode happens on demand).
import { LINKTYPE } from '../pcap-reader';
import { ipv4At, ipv6At, u16, u32 } from './format';
import { VXLAN_PORT } from './vxlan';

export interface TcpSegmentKey {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** TCP flags (9 bits) */
  flags: number;
  /** the header quoted in an ICMP error (only the addresses and ports count) */
  quoted?: boolean;
}

const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

// link type -> [offset of the ethertype, offset of the layer 3 header] (-1: raw IPv4)
const LINK: Record<number, [number, number]> = {
  [LINKTYPE.ETHERNET]: [12, 14], [LINKTYPE.LINUX_SLL]: [14, 16], [LINKTYPE.LINUX_SLL2]: [0, 20], [LINKTYPE.RAW]: [-1, 0], [LINKTYPE.IPV4]: [-1, 0],
};

function l3Offset(b: Uint8Array, end: number, linktype: number): { off: number; type: number } | undefined {
  const link = LINK[linktype];
  if (!link) return undefined;
  let off = link[1];
  let type = link[0] < 0 ? 0x0800 : u16(b, link[0]);
  for (let tags = 0; (type === 0x8100 || type === 0x88a8) && tags < 4; tags++) {
    type = u16(b, off + 2);
    off += 4;
  }
  return off <= end ? { off, type } : undefined;
}

export function locateTcp(b: Uint8Array, linktype: number): TcpSegmentKey | undefined {
  const end = b.length;
  const l3 = l3Offset(b, end, linktype);
  if (!l3 || (l3.type !== 0x0800 && l3.type !== 0x86dd)) return undefined;
  let off = l3.off;
  let quoted = false;
  for (let depth = 0; depth < 5; depth++) {
    if (end - off >= 40 && b[off] >> 4 === 6) {
      const v6 = ipv6Step(b, off, end, quoted);
      if (!v6) return undefined;
      if ('key' in v6) return v6.key;
      off = v6.next;
      quoted ||= v6.quoted;
      continue;
    }
    if (end - off < 20 || b[off] >> 4 !== 4) return undefined;
    const ihl = (b[off] & 15) * 4;
    if (ihl < 20 || (u16(b, off + 6) & 0x1fff) !== 0) return undefined;
    const proto = b[off + 9];
    const t = off + ihl;
    if ((proto === 4 || proto === 41) && !quoted) {
      off = t;
      continue;
    }
    // VXLAN: UDP to 4789, its 8-byte header, then an Ethernet frame (maybe VLAN-tagged)
    if (proto === 17 && !quoted && u16(b, t + 2) === VXLAN_PORT) {
      const inner = l3Offset(b.subarray(t + 16), end - t - 16, LINKTYPE.ETHERNET);
      if (!inner || (inner.type !== 0x0800 && inner.type !== 0x86dd)) return undefined;
      off = t + 16 + inner.off;
      continue;
    }
    if (proto === 1 && !quoted && end - t >= 8 && ICMP_ERRORS.has(b[t])) {
      // Wireshark gives a whole TCP header quoted in an ICMP error a conversation too
      off = t + 8;
      quoted = true;
      continue;
    }
    if (proto !== 6 || end - t < 20) return undefined;
    return segment(b, t, ipv4At(b, off + 12), ipv4At(b, off + 16), quoted);
  }
  return undefined;
}

function segment(b: Uint8Array, t: number, src: string, dst: string, quoted: boolean): TcpSegmentKey {
  const key: TcpSegmentKey = { src, dst, sport: u16(b, t), dport: u16(b, t + 2), seq: 0, ack: 0, flags: 0 };
  if (quoted) key.quoted = true;
  else {
    key.seq = u32(b, t + 4);
    key.ack = u32(b, t + 8);
    key.flags = u16(b, t + 12) & 0x1ff;
  }
  return key;
}

const ICMP6_ERRORS = new Set([1, 2, 3, 4]);

/** One IPv6 header at `off` (extension headers walked): the TCP segment it carries, or where the next IP header starts. */
function ipv6Step(b: Uint8Array, off: number, end: number, quoted: boolean): { key: TcpSegmentKey } | { next: number; quoted: boolean } | undefined {
  let nxt = b[off + 6];
  let t = off + 40;
  for (let n = 0; n < 8 && (nxt === 0 || nxt === 43 || nxt === 60 || nxt === 44); n++) {
    if (end - t < 8) return undefined;
    if (nxt === 44 && (u16(b, t + 2) & 0xfff8) !== 0) return undefined; // a later fragment
    const len = nxt === 44 ? 8 : (b[t + 1] + 1) * 8;
    nxt = b[t];
    t += len;
  }
  if ((nxt === 41 || nxt === 4) && !quoted) return { next: t, quoted: false };
  if (nxt === 58 && !quoted && end - t >= 8 && ICMP6_ERRORS.has(b[t])) return { next: t + 8, quoted: true };
  if (nxt !== 6 || end - t < 20) return undefined;
  return { key: segment(b, t, ipv6At(b, off + 8), ipv6At(b, off + 24), quoted) };
}
