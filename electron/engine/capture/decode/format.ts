// Value formatting shared by the protocol decoders: addresses and hex built
// from lookup tables (the decoder runs for every packet of a capture, so no
// per-byte toString/padStart).

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `aa:bb:cc:dd:ee:ff` from 6 bytes at `off`. */
export function macAt(b: Uint8Array, off: number): string {
  return `${HEX2[b[off]]}:${HEX2[b[off + 1]]}:${HEX2[b[off + 2]]}:${HEX2[b[off + 3]]}:${HEX2[b[off + 4]]}:${HEX2[b[off + 5]]}`;
}

/** Dotted IPv4 from 4 bytes at `off`. */
export function ipv4At(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** `0x` + `n` in at least `digits` hex digits. */
export function hex(n: number, digits: number): string {
  const s = n.toString(16);
  return s.length >= digits ? `0x${s}` : `0x${'0'.repeat(digits - s.length)}${s}`;
}

/** `0x` + two / four hex digits (the common widths, from the table). */
export const hex2 = (n: number): string => `0x${HEX2[n & 0xff]}`;
export const hex4 = (n: number): string => `0x${HEX2[(n >> 8) & 0xff]}${HEX2[n & 0xff]}`;

/** Lowercase hex of a byte range (a bytes field's value). */
export function hexBytes(b: Buffer, off: number, len: number): string {
  return b.toString('hex', off, off + len);
}

export const u16 = (b: Uint8Array, off: number): number => (b[off] << 8) | b[off + 1];
export const u32 = (b: Uint8Array, off: number): number => ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;

export const setStr = (v: boolean): string => (v ? 'Set' : 'Not set');

/** Display for a bytes field: the hex, cut for very long payloads (the value keeps it all). */
export function bytesDisplay(h: string): string {
  return h.length > 64 ? `${h.slice(0, 64)}…` : h;
}

export const ETHERTYPES: Record<number, string> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q Virtual LAN', 0x88a8: '802.1ad Provider Bridge (Q-in-Q)',
  0x86dd: 'IPv6', 0x88cc: '802.1 Link Layer Discovery Protocol (LLDP)', 0x8847: 'MPLS label switched packet',
  0x8035: 'RARP', 0x9000: 'Loopback',
};
export const ethertypeName = (t: number): string => `${ETHERTYPES[t] ?? 'Unknown'} (${hex4(t)})`;

export const IP_PROTOS: Record<number, string> = {
  0: 'IPv6 Hop-by-Hop Option', 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 43: 'Routing Header for IPv6', 44: 'Fragment Header for IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 59: 'IPv6 No Next Header', 60: 'Destination Options for IPv6', 132: 'SCTP',
};

/** An IPv6 address from 16 bytes at `off`, as RFC 5952 (and Wireshark) writes it: lowercase, the longest run of
 * two or more zero groups as `::` (the first of equal runs), an IPv4-mapped address's last 32 bits dotted. */
export function ipv6At(b: Uint8Array, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return `::ffff:${ipv4At(b, off + 12)}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = g.map((x) => x.toString(16));
  if (best < 0) return hexes.join(':');
  return `${hexes.slice(0, best).join(':')}::${hexes.slice(best + bestLen).join(':')}`;
}
