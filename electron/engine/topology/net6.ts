// IPv6 arithmetic on bigints, for dual-stack lab networks. ipaddr.js parses
// (every notation, zone ids refused by the lab file's schema); the planner
// works on 128-bit integers and prints RFC 5952 text (`fd00:4c42::5`).
import ipaddr from 'ipaddr.js';

export interface Subnet6 {
  cidr: string; // canonical "fd00:4c42:0:1::/64"
  base: bigint;
  prefix: number;
}

/** Lab IPv6 addresses: unique local addresses, fd00::/8 (RFC 4193, locally assigned). */
export const ULA_RANGE = { base: 0xfdn << 120n, prefix: 8, cidr: 'fd00::/8' } as const;
/** Where `subnet6: auto` networks come from: /64s of fd00:4c42::/48 ("LB"), the i-th network preferring the i-th /64. */
export const DEFAULT_POOL6 = { base: 0xfd004c42n << 96n, prefix: 48, cidr: 'fd00:4c42::/48' } as const;
export const DEFAULT_PREFIX6 = 64;
/** The smallest lab IPv6 subnet: its nodes take the same host numbers as in the IPv4 subnet (a /120 mirrors a /24). */
export const MAX_PREFIX6 = 120;
export const MIN_PREFIX6 = 48;

export function isIPv6(s: string): boolean {
  return s.includes(':') && !s.includes('%') && ipaddr.IPv6.isValid(s);
}

export function ip6ToBig(ip: string): bigint {
  return ipaddr.IPv6.parse(ip).parts.reduce((a, p) => (a << 16n) | BigInt(p), 0n);
}

export function bigToIp6(n: bigint): string {
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  return new ipaddr.IPv6(parts).toString();
}

const hostMask = (prefix: number) => (1n << BigInt(128 - prefix)) - 1n;

/** Parse "addr/p"; `hostBits` tells whether bits below the prefix were set. */
export function parseSubnet6(cidr: string): (Subnet6 & { hostBits: boolean }) | undefined {
  try {
    if (cidr.includes('%')) return undefined;
    const [addr, prefix] = ipaddr.IPv6.parseCIDR(cidr);
    if (addr.kind() !== 'ipv6') return undefined;
    const ip = ip6ToBig(addr.toString());
    const base = ip & ~hostMask(prefix);
    return { cidr: `${bigToIp6(base)}/${prefix}`, base, prefix, hostBits: base !== ip };
  } catch {
    return undefined;
  }
}

export function subnet6Of(base: bigint, prefix: number): Subnet6 {
  return { cidr: `${bigToIp6(base)}/${prefix}`, base, prefix };
}

export function contains6(s: Pick<Subnet6, 'base' | 'prefix'>, ip: bigint): boolean {
  return (ip & ~hostMask(s.prefix)) === s.base;
}

export function overlaps6(a: Subnet6, b: Subnet6): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & ~hostMask(p)) === (b.base & ~hostMask(p));
}

/** Number of addresses in a prefix, as a bigint. */
export const size6 = (prefix: number): bigint => 1n << BigInt(128 - prefix);
