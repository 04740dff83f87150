// IPv4 arithmetic on unsigned 32-bit integers. ipaddr.js does the parsing
// (it knows every odd notation and rejects it); the planner then only needs
// integer ranges, which are easier to reason about than byte arrays.
import ipaddr from 'ipaddr.js';

export interface Subnet {
  cidr: string; // canonical "a.b.c.d/p"
  base: number; // network address as uint32
  prefix: number;
  size: number; // number of addresses, 2^(32-prefix)
}

export function isIPv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s);
}

export function ipToInt(ip: string): number {
  const b = ipaddr.IPv4.parse(ip).octets;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parse "a.b.c.d/p"; `hostBits` tells whether bits below the prefix were set (a typo we report). */
export function parseSubnet(cidr: string): (Subnet & { hostBits: boolean }) | undefined {
  try {
    const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
    const ip = ipToInt(addr.toString());
    const size = 2 ** (32 - prefix);
    const base = prefix === 0 ? 0 : (ip & ~(size - 1)) >>> 0;
    return { cidr: `${intToIp(base)}/${prefix}`, base, prefix, size, hostBits: base !== ip };
  } catch {
    return undefined;
  }
}

export function subnetOf(base: number, prefix: number): Subnet {
  return { cidr: `${intToIp(base)}/${prefix}`, base, prefix, size: 2 ** (32 - prefix) };
}

export function contains(s: Subnet, ip: number): boolean {
  return ip >= s.base && ip < s.base + s.size;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** Docker's bridge takes the first usable address as its gateway (the host side). */
export function gatewayOf(s: Subnet): number {
  return s.base + 1;
}

/**
 * The largest aligned block inside `s` (at most `max` addresses, at least `min`) that holds none of
 * `used`, nor the network or broadcast address; undefined when none fits. The middle of the subnet is
 * tried first: planned node addresses grow from the bottom, VIPs from the top.
 */
export function freeBlock(s: Subnet, used: number[], min: number, max = 64): Subnet | undefined {
  for (let size = Math.min(max, s.size / 2); size >= min; size /= 2) {
    const blocks = Array.from({ length: s.size / size }, (_, i) => s.base + i * size);
    const mid = s.base + s.size / 2;
    blocks.sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid));
    for (const base of blocks) {
      const inside = (ip: number) => ip >= base && ip < base + size;
      if (inside(s.base) || inside(s.base + s.size - 1) || used.some(inside)) continue;
      return subnetOf(base, 32 - Math.log2(size));
    }
  }
  return undefined;
}

export function broadcastOf(s: Subnet): number {
  return s.base + s.size - 1;
}

/** Ranges a lab may use: they never collide with the Internet. 198.18.0.0/15 is the default. */
export const LAB_RANGES: Subnet[] = ['198.18.0.0/15', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map(
  (c) => parseSubnet(c)!,
);
export const DEFAULT_POOL = LAB_RANGES[0];

export function insideLabRanges(s: Subnet): boolean {
  return LAB_RANGES.some((r) => s.base >= r.base && s.base + s.size <= r.base + r.size);
}

/** Natural order for names: web2 before web10, so generated addresses follow what people expect. */
export const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
