// What the inspector accepts for a network's subnet6 and a service's vip6 before the engine
// validates the lab (which also judges size, overlap and placement): `auto`, or an IPv6 subnet in
// the unique local range fd00::/8, or an IPv6 address. The browser's URL parser judges the syntax.

export type Ipv6InputProblem = 'syntax' | 'notUla' | 'prefix';

/** The address in its canonical (compressed, lowercase) form, or undefined when it is none. */
export function parseIpv6(text: string): string | undefined {
  if (!text.includes(':')) return undefined;
  try {
    const host = new URL(`http://[${text}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** subnet6: empty (IPv4 only), `auto`, or a ULA subnet like fd00:4c42:0:1::/64. */
export function subnet6Problem(value: string | undefined): Ipv6InputProblem | undefined {
  const v = value?.trim() ?? '';
  if (v === '' || v === 'auto') return undefined;
  const [addr, len, extra] = v.split('/');
  const canon = parseIpv6(addr);
  if (!canon || extra !== undefined || len === undefined) return 'syntax';
  if (!/^\d{1,3}$/.test(len) || Number(len) < 8 || Number(len) > 128) return 'prefix';
  // the first group, leading zeros dropped by the parser: fdXX is 4 digits
  const first = canon.startsWith(':') ? 0 : parseInt(canon.split(':')[0], 16);
  return first >> 8 === 0xfd ? undefined : 'notUla';
}

/** vip6: empty (IPv4 only), `auto`, or an IPv6 address. */
export function vip6Problem(value: string | undefined): Ipv6InputProblem | undefined {
  const v = value?.trim() ?? '';
  if (v === '' || v === 'auto') return undefined;
  return parseIpv6(v) && !v.includes('/') ? undefined : 'syntax';
}
