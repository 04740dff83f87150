// TypeScript twin of core/hash.h, so tests can predict the exact table slot
// the BPF program must pick for a flow (not just a plausible distribution).
const SEED = 0x4c424c42;
const rol = (w: number, s: number): number => ((w << s) | (w >>> (32 - s))) >>> 0;

export function jhash3(a: number, b: number, c: number, init = SEED): number {
  const k = (0xdeadbeef + (3 << 2) + init) >>> 0;
  a = (a + k) >>> 0; b = (b + k) >>> 0; c = (c + k) >>> 0;
  c = ((c ^ b) - rol(b, 14)) >>> 0;
  a = ((a ^ c) - rol(c, 11)) >>> 0;
  b = ((b ^ a) - rol(a, 25)) >>> 0;
  c = ((c ^ b) - rol(b, 16)) >>> 0;
  a = ((a ^ c) - rol(c, 4)) >>> 0;
  b = ((b ^ a) - rol(a, 14)) >>> 0;
  c = ((c ^ b) - rol(b, 24)) >>> 0;
  return c;
}

// The BPF code loads network-order fields as little-endian integers.
const le32 = (ip: string): number => Buffer.from(ip.split('.').map(Number)).readUInt32LE(0);
const le16 = (port: number): number => ((port & 0xff) << 8) | (port >> 8);

export function hashFlow(src: string, dst: string, sport: number, dport: number, proto: number): number {
  const ports = ((le16(sport) << 16) | le16(dport)) >>> 0;
  return jhash3(le32(src), (le32(dst) ^ proto) >>> 0, ports);
}
export const hashSrc = (src: string): number => jhash3(le32(src), 0, 0);
