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
  1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 132: 'SCTP',
};
