// Find the innermost TCP header of a frame without decoding it (used to
// follow TCP streams as packets arrive; the full decode happens on demand).
import { LINKTYPE } from '../pcap-reader';
import { ipv4At, u16, u32 } from './format';

export interface TcpSegmentKey {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** TCP flags (9 bits) */
  flags: number;
}

function l3Offset(b: Uint8Array, end: number, linktype: number): { off: number; type: number } | undefined {
  let off: number;
  let type: number;
  if (linktype === LINKTYPE.ETHERNET) [off, type] = [14, u16(b, 12)];
  else if (linktype === LINKTYPE.LINUX_SLL) [off, type] = [16, u16(b, 14)];
  else if (linktype === LINKTYPE.LINUX_SLL2) [off, type] = [20, u16(b, 0)];
  else if (linktype === LINKTYPE.RAW || linktype === LINKTYPE.IPV4) [off, type] = [0, 0x0800];
  else return undefined;
  for (let tags = 0; (type === 0x8100 || type === 0x88a8) && tags < 4; tags++) {
    type = u16(b, off + 2);
    off += 4;
  }
  return off <= end ? { off, type } : undefined;
}

export function locateTcp(b: Uint8Array, linktype: number): TcpSegmentKey | undefined {
  const end = b.length;
  const l3 = l3Offset(b, end, linktype);
  if (!l3 || l3.type !== 0x0800) return undefined;
  let off = l3.off;
  for (let depth = 0; depth < 5; depth++) {
    if (end - off < 20 || b[off] >> 4 !== 4) return undefined;
    const ihl = (b[off] & 15) * 4;
    if (ihl < 20 || (u16(b, off + 6) & 0x1fff) !== 0) return undefined;
    const proto = b[off + 9];
    const t = off + ihl;
    if (proto === 4) {
      off = t;
      continue;
    }
    if (proto !== 6 || end - t < 20) return undefined;
    return {
      src: ipv4At(b, off + 12), dst: ipv4At(b, off + 16), sport: u16(b, t), dport: u16(b, t + 2),
      seq: u32(b, t + 4), ack: u32(b, t + 8), flags: u16(b, t + 12) & 0x1ff,
    };
  }
  return undefined;
}
