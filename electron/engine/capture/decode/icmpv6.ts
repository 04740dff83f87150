// ICMPv6: type/code/checksum (checked against the IPv6 pseudo-header), echo,
// packet too big, parameter problem, neighbour discovery (NS, NA, RS, RA,
// redirect: targets and link-layer address options), and for error messages
// the quoted IPv6 header and what follows it as their own layers, as
// Wireshark shows them.
import type { DecodeContext } from './context';
import { decodeData } from './data';
import { hex, hex4, hexBytes, ipv6At, macAt, setStr, u16, u32 } from './format';
import { decodeIpv6, pseudoSum6 } from './ipv6';

const TYPES: Record<number, string> = {
  1: 'Destination Unreachable', 2: 'Packet Too Big', 3: 'Time Exceeded', 4: 'Parameter Problem',
  128: 'Echo (ping) request', 129: 'Echo (ping) reply', 133: 'Router Solicitation', 134: 'Router Advertisement',
  135: 'Neighbor Solicitation', 136: 'Neighbor Advertisement', 137: 'Redirect',
};
const UNREACH: Record<number, string> = {
  0: 'no route to destination', 1: 'Communication with destination administratively prohibited', 2: 'Beyond scope of source address',
  3: 'Address unreachable', 4: 'Port unreachable', 5: 'Source address failed ingress/egress policy', 6: 'Reject route to destination',
};
// tcpdump's words
const TEXT: Record<number, string> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded in-transit', 4: 'parameter problem',
  128: 'echo request', 129: 'echo reply', 133: 'router solicitation', 134: 'router advertisement',
  135: 'neighbor solicitation', 136: 'neighbor advertisement', 137: 'redirect',
};
const ERRORS = new Set([1, 2, 3, 4]);
const OPT_NAMES: Record<number, string> = { 1: 'Source link-layer address', 2: 'Target link-layer address', 3: 'Prefix information', 4: 'Redirected header', 5: 'MTU' };

/** Neighbour discovery options (type, length in 8-octet units, link-layer addresses, MTU) from `p` to `end`. */
function ndOptions(ctx: DecodeContext, p: number, end: number): void {
  const b = ctx.buf;
  while (p + 2 <= end && ctx.avail(p) >= 2) {
    const type = b[p];
    const len = b[p + 1] * 8;
    ctx.f('icmpv6.opt.type', type, `${OPT_NAMES[type] ?? 'Unknown'} (${type})`, p, 1);
    ctx.f('icmpv6.opt.length', b[p + 1], `${b[p + 1]} (${len} bytes)`, p + 1, 1);
    if (len === 0 || p + len > end) {
      ctx.fail(`bad ICMPv6 option length ${b[p + 1]} for option ${type}`);
      return;
    }
    if ((type === 1 || type === 2) && len === 8) {
      const mac = macAt(b, p + 2);
      ctx.f('icmpv6.opt.linkaddr', hexBytes(b, p + 2, 6), mac, p + 2, 6);
      ctx.f(type === 1 ? 'icmpv6.opt.src_linkaddr' : 'icmpv6.opt.target_linkaddr', hexBytes(b, p + 2, 6), mac, p + 2, 6);
    } else if (type === 5 && len === 8) {
      ctx.f('icmpv6.opt.mtu', u32(b, p + 4), String(u32(b, p + 4)), p + 4, 4);
    }
    p += len;
  }
}

/** The fields after the checksum, by type; returns where the options or the quoted packet start. */
function icmpv6Fields(ctx: DecodeContext, type: number, off: number, end: number): number {
  const b = ctx.buf;
  const tree = ctx.tree;
  const target = (name: string, at: number) => tree && ctx.f(name, ipv6At(b, at), ipv6At(b, at), at, 16);
  if (type === 128 || type === 129) {
    if (tree) {
      ctx.f('icmpv6.echo.identifier', u16(b, off + 4), hex4(u16(b, off + 4)), off + 4, 2);
      ctx.f('icmpv6.echo.sequence_number', u16(b, off + 6), String(u16(b, off + 6)), off + 6, 2);
    }
    return off + 8;
  }
  if (type === 2) {
    if (tree) ctx.f('icmpv6.mtu', u32(b, off + 4), String(u32(b, off + 4)), off + 4, 4);
    return off + 8;
  }
  if (type === 4) {
    if (tree) ctx.f('icmpv6.pointer', u32(b, off + 4), String(u32(b, off + 4)), off + 4, 4);
    return off + 8;
  }
  if (type === 136) {
    const w = u32(b, off + 4);
    if (tree) {
      ctx.f('icmpv6.nd.na.flag', w, hex(w, 8), off + 4, 4);
      ctx.f('icmpv6.nd.na.flag.r', (w & 0x80000000) !== 0, setStr((w & 0x80000000) !== 0), off + 4, 4);
      ctx.f('icmpv6.nd.na.flag.s', (w & 0x40000000) !== 0, setStr((w & 0x40000000) !== 0), off + 4, 4);
      ctx.f('icmpv6.nd.na.flag.o', (w & 0x20000000) !== 0, setStr((w & 0x20000000) !== 0), off + 4, 4);
      ctx.f('icmpv6.nd.na.flag.rsv', w & 0x1fffffff, String(w & 0x1fffffff), off + 4, 4);
    }
    target('icmpv6.nd.na.target_address', off + 8);
    if (tree) ndOptions(ctx, off + 24, end);
    return off + 24;
  }
  if (type === 1 || type === 3 || type === 133 || type === 135 || type === 137) {
    if (tree) ctx.bytes('icmpv6.reserved', off + 4, 4);
    if (type === 135) {
      target('icmpv6.nd.ns.target_address', off + 8);
      if (tree) ndOptions(ctx, off + 24, end);
      return off + 24;
    }
    if (type === 137) {
      target('icmpv6.nd.rd.target_address', off + 8);
      return off + 40;
    }
    if (type === 133 && tree) ndOptions(ctx, off + 8, end);
    return off + 8;
  }
  return off + 8;
}

/** The one-line text, as tcpdump writes it. */
function text(ctx: DecodeContext, type: number, code: number, off: number, length: number): string {
  const b = ctx.buf;
  const has = (n: number) => ctx.avail(off) >= n;
  const name = TEXT[type] ?? `type-#${type}`;
  if (type === 128 || type === 129) return `ICMP6, ${name}, id ${u16(b, off + 4)}, seq ${u16(b, off + 6)}, length ${length}`;
  if (type === 135 && has(24)) return `ICMP6, ${name}, who has ${ipv6At(b, off + 8)}, length ${length}`;
  if (type === 136 && has(24)) return `ICMP6, ${name}, tgt is ${ipv6At(b, off + 8)}, length ${length}`;
  if (type === 2) return `ICMP6, ${name}, mtu ${u32(b, off + 4)}, length ${length}`;
  if (type === 1 && has(48)) return `ICMP6, ${name}, ${(UNREACH[code] ?? `code ${code}`).toLowerCase()} ${ipv6At(b, off + 32)}, length ${length}`;
  return `ICMP6, ${name}${ERRORS.has(type) || TEXT[type] ? '' : `, code ${code}`}, length ${length}`;
}

/** ICMPv6 at `off`; `wireEnd` is the end of the IPv6 payload; `ip6` where the enclosing IPv6 header starts (the pseudo-header).
 * `quote`: decode an error's quoted packet (not inside another quote). */
export function decodeIcmpv6(ctx: DecodeContext, off: number, wireEnd: number, quote: boolean, ip6: number): void {
  const b = ctx.buf;
  const avail = ctx.avail(off);
  const quoted = ctx.quoted;
  ctx.layer('icmpv6', off, Math.max(4, wireEnd - off));
  const type = b[off];
  const code = b[off + 1];
  const sum = u16(b, off + 2);
  const length = wireEnd - off;
  const isError = ERRORS.has(type);
  if (ctx.tree) {
    ctx.f('icmpv6.type', type, `${TYPES[type] ?? 'Unknown'} (${type})`, off, 1);
    ctx.f('icmpv6.code', code, type === 1 && UNREACH[code] ? `${UNREACH[code]} (${code})` : String(code), off + 1, 1);
    ctx.f('icmpv6.checksum', sum, hex4(sum), off + 2, 2);
    // checked when the whole message was captured (a quoted one never is)
    if (!quoted && ctx.end >= wireEnd && avail >= 4) {
      const good = pseudoSum6(b, ip6, off, length, 58) === 0xffff;
      ctx.f('icmpv6.checksum.status', good ? 1 : 0, good ? 'Good' : 'Bad', off + 2, 0);
    }
  }
  const body = icmpv6Fields(ctx, type, off, wireEnd);
  if (quoted) return;
  if (avail < 4) {
    ctx.fail(`truncated ICMPv6 header: ${Math.max(0, avail)} of 4 bytes`);
    ctx.notes.text = 'ICMP6, truncated';
    return;
  }
  const br = ctx.brief;
  br.proto = 'icmpv6';
  br.icmpType = type;
  br.icmpCode = code;
  br.payloadLength = Math.max(0, length - 8);
  ctx.notes.text = text(ctx, type, code, off, length);
  if (isError) {
    if (!quote) return;
    if (ctx.avail(body) <= 0 || wireEnd <= body) {
      ctx.fail('ICMPv6 error without the quoted IPv6 header');
      return;
    }
    const notes = ctx.notes.text;
    ctx.quoted = true;
    try {
      decodeIpv6(ctx, body, wireEnd, 1);
    } finally {
      ctx.quoted = false;
    }
    ctx.notes.text = notes;
  } else if (type === 128 || type === 129) {
    decodeData(ctx, body, wireEnd);
  }
}
