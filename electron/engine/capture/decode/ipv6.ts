// IPv6: the fixed header, the extension headers walked in order (hop-by-hop,
// routing, fragment, destination options; their fields in the ipv6 layer, as
// Wireshark names them), then TCP, UDP, ICMPv6 or, for a tunnel (ip6ip6: next
// header 41; IPv4 in IPv6: 4), a second IP layer as Wireshark shows it.
import type { DecodeContext } from './context';
import { decodeData } from './data';
import { IP_PROTOS, hex2, hex, ipv6At, setStr, u16, u32 } from './format';
import { decodeIcmpv6 } from './icmpv6';
import { decodeIpv4 } from './ipv4';
import { decodeTcp } from './tcp';
import { decodeUdp } from './udp';

const MAX_DEPTH = 4; // tunnels in tunnels ... and ICMPv6-quoted headers
/** Extension headers walked before giving up (a loop of them is malformed, not endless). */
const MAX_EXTENSIONS = 8;
const HDR = 40;

/** Hop-by-hop options, routing, destination options: next header and length in 8-octet units. */
const OPTS_EXT: Record<number, string> = { 0: 'hopopts', 43: 'routing', 60: 'dstopts' };

/**
 * IPv6 at `off`; `wireEnd` is where the enclosing payload ends on the wire.
 * Returns where the packet ends (so the link layer can show padding).
 */
export function decodeIpv6(ctx: DecodeContext, off: number, wireEnd: number, depth: number): number {
  const b = ctx.buf;
  const avail = ctx.avail(off);
  const quoted = ctx.quoted;
  const layer = ctx.layer('ipv6', off, HDR);
  const tree = ctx.tree;
  if (avail < 1) {
    ctx.fail('truncated IPv6 header: 0 of 40 bytes');
    return off;
  }
  const version = b[off] >> 4;
  if (tree) ctx.f('ipv6.version', version, String(version), off, 1);
  if (version !== 6) {
    ctx.fail(`IPv6 header has version ${version}`);
    return off;
  }
  const word = avail >= 4 ? ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0 : 0;
  const tclass = (word >>> 20) & 0xff;
  const flow = word & 0xfffff;
  const plen = u16(b, off + 4);
  let nxt = b[off + 6];
  const hlim = b[off + 7];
  const src = avail >= 24 ? ipv6At(b, off + 8) : '';
  const dst = avail >= HDR ? ipv6At(b, off + 24) : '';
  if (tree) {
    ctx.f('ipv6.tclass', tclass, hex2(tclass), off, 4);
    ctx.f('ipv6.tclass.dscp', tclass >> 2, String(tclass >> 2), off, 4);
    ctx.f('ipv6.tclass.ecn', tclass & 3, String(tclass & 3), off, 4);
    ctx.f('ipv6.flow', flow, hex(flow, 5), off + 1, 3);
    ctx.f('ipv6.plen', plen, String(plen), off + 4, 2);
    ctx.f('ipv6.nxt', nxt, `${IP_PROTOS[nxt] ?? 'Unknown'} (${nxt})`, off + 6, 1);
    ctx.f('ipv6.hlim', hlim, String(hlim), off + 7, 1);
    ctx.f('ipv6.src', src, src, off + 8, 16);
    ctx.f('ipv6.dst', dst, dst, off + 24, 16);
  }
  ctx.ipSrc = src;
  ctx.ipDst = dst;
  if (avail < HDR) {
    if (!quoted) {
      ctx.fail(`truncated IPv6 header: ${Math.max(0, avail)} of ${HDR} bytes`);
      ctx.notes.text = 'IP6 truncated';
    }
    return off + Math.max(0, avail);
  }
  let end = off + HDR + plen;
  let overrun: string | undefined;
  if (end > wireEnd) {
    if (!quoted) overrun = `IPv6 payload length ${plen} exceeds the ${wireEnd - off - HDR} bytes that carry it`;
    end = wireEnd;
  }

  // extension headers, in order; a fragment header says whether a transport header follows here
  let p = off + HDR;
  let fragOff = 0;
  let more = false;
  let fragId = 0;
  let fragment = false;
  for (let n = 0; OPTS_EXT[nxt] !== undefined || nxt === 44; n++) {
    if (n === MAX_EXTENSIONS) {
      ctx.fail(`more than ${MAX_EXTENSIONS} IPv6 extension headers`);
      nxt = 59;
      break;
    }
    const len = nxt === 44 ? 8 : (b[p + 1] + 1) * 8;
    if (ctx.avail(p) < 2 || p + len > end) {
      if (!quoted) ctx.fail(`truncated IPv6 ${OPTS_EXT[nxt] ?? 'fragment'} header`);
      layer.length = Math.max(0, Math.min(p, ctx.end) - off);
      if (!quoted) ctx.notes.text = 'IP6 truncated';
      return Math.min(p, ctx.end);
    }
    const name = OPTS_EXT[nxt];
    const next = b[p];
    if (tree) {
      if (name) {
        ctx.f(`ipv6.${name}.nxt`, next, `${IP_PROTOS[next] ?? 'Unknown'} (${next})`, p, 1);
        ctx.f(`ipv6.${name}.len`, b[p + 1], String(b[p + 1]), p + 1, 1);
        ctx.f(`ipv6.${name}.len_oct`, len, `${len} bytes`, p + 1, 1);
        if (nxt === 43) {
          ctx.f('ipv6.routing.type', b[p + 2], String(b[p + 2]), p + 2, 1);
          ctx.f('ipv6.routing.segleft', b[p + 3], String(b[p + 3]), p + 3, 1);
        }
      } else {
        const fo = u16(b, p + 2);
        ctx.f('ipv6.fraghdr.nxt', next, `${IP_PROTOS[next] ?? 'Unknown'} (${next})`, p, 1);
        ctx.f('ipv6.fraghdr.reserved_octet', b[p + 1], hex2(b[p + 1]), p + 1, 1);
        ctx.f('ipv6.fraghdr.offset', fo >> 3, `${fo >> 3} (${(fo >> 3) * 8} bytes)`, p + 2, 2);
        ctx.f('ipv6.fraghdr.reserved_bits', (fo >> 1) & 3, String((fo >> 1) & 3), p + 2, 2);
        ctx.f('ipv6.fraghdr.more', (fo & 1) !== 0, setStr((fo & 1) !== 0), p + 2, 2);
        ctx.f('ipv6.fraghdr.ident', u32(b, p + 4), hex(u32(b, p + 4), 8), p + 4, 4);
      }
    }
    if (!name) {
      const fo = u16(b, p + 2);
      fragOff = (fo >> 3) * 8;
      more = (fo & 1) !== 0;
      fragId = u32(b, p + 4);
      fragment = true;
    }
    nxt = next;
    p += len;
  }
  layer.length = Math.max(0, Math.min(p, ctx.end) - off);

  if (!quoted) {
    ctx.noteIp({ src, dst, proto: nxt, id: flow, ttl: hlim }, { src, dst, v6: true, frag: fragment ? `(frag 0x${fragId.toString(16).padStart(8, '0')}:${fragOff}|${end - p}${more ? '+' : ''})` : undefined });
  }
  if (fragOff > 0 || nxt === 59) {
    decodeData(ctx, p, end);
  } else if (nxt === 6) {
    decodeTcp(ctx, p, end, fragment);
  } else if (nxt === 17) {
    decodeUdp(ctx, p, end, fragment);
  } else if (nxt === 58) {
    decodeIcmpv6(ctx, p, end, depth < MAX_DEPTH, off);
  } else if (nxt === 41 && depth < MAX_DEPTH) {
    decodeIpv6(ctx, p, end, depth + 1);
  } else if (nxt === 4 && depth < MAX_DEPTH) {
    decodeIpv4(ctx, p, end, depth + 1);
  } else {
    decodeData(ctx, p, end);
  }
  if (!quoted && !ctx.notes.text) ctx.notes.text = `${IP_PROTOS[nxt]?.toLowerCase() ?? `ip-proto-${nxt}`}, length ${end - p}`;
  if (overrun) ctx.fail(overrun);
  return end;
}

/** The 16-bit one's complement sum of an upper-layer packet with the IPv6 pseudo-header (RFC 8200 8.1): 0xffff when right. */
export function pseudoSum6(b: Uint8Array, ip6: number, off: number, len: number, proto: number): number {
  let s = 0;
  for (let i = ip6 + 8; i < ip6 + 40; i += 2) s += (b[i] << 8) | b[i + 1];
  s += (len >>> 16) + (len & 0xffff) + proto;
  const last = off + len;
  for (let i = off; i + 1 < last; i += 2) s += (b[i] << 8) | b[i + 1];
  if (len & 1) s += b[last - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
