// IPv4: header, options, fragments; the payload goes to TCP, UDP, ICMP or,
// for IPIP (protocol 4), to a second IPv4 layer as Wireshark shows it.
import type { DecodeContext } from './context';
import { decodeData } from './data';
import { IP_PROTOS, hex, ipv4At, setStr, u16 } from './format';
import { decodeIcmp } from './icmp';
import { decodeTcp } from './tcp';
import { decodeUdp } from './udp';

const MAX_DEPTH = 4; // IPIP in IPIP ... and ICMP-quoted headers

const OPTION_NAMES: Record<number, string> = {
  0: 'End of Options List (EOL)', 1: 'No-Operation (NOP)', 7: 'Record Route', 68: 'Time Stamp', 130: 'Security',
  131: 'Loose Source Route', 137: 'Strict Source Route', 148: 'Router Alert',
};

const FLAG_NAMES = ['', 'More fragments', "Don't fragment", "Don't fragment, More fragments"];

function headerChecksumOk(b: Uint8Array, off: number, ihl: number): boolean {
  let s = 0;
  for (let i = off; i < off + ihl; i += 2) s += (b[i] << 8) | b[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s === 0xffff;
}

function decodeOptions(ctx: DecodeContext, off: number, end: number): void {
  const b = ctx.buf;
  let p = off;
  while (p < end) {
    const type = b[p];
    ctx.f('ip.opt.type', type, `${type} (${OPTION_NAMES[type] ?? 'Unknown'})`, p, 1);
    if (type === 0) break; // EOL: the rest is padding
    if (type === 1) {
      p++;
      continue;
    }
    if (p + 1 >= end) {
      ctx.fail(`IPv4 option ${type} has no length byte`);
      return;
    }
    const len = b[p + 1];
    ctx.f('ip.opt.len', len, String(len), p + 1, 1);
    if (len < 2 || p + len > end) {
      ctx.fail(`bad IPv4 option length ${len} for option ${type}`);
      return;
    }
    if (type === 148 && len === 4) ctx.f('ip.opt.ra', u16(b, p + 2), String(u16(b, p + 2)), p + 2, 2);
    else if ((type === 7 || type === 131 || type === 137 || type === 68) && len >= 3) ctx.f('ip.opt.ptr', b[p + 2], String(b[p + 2]), p + 2, 1);
    p += len;
  }
}

/**
 * IPv4 at `off`; `wireEnd` is where the enclosing payload ends on the wire.
 * Returns where the datagram ends (so the link layer can show padding).
 */
export function decodeIpv4(ctx: DecodeContext, off: number, wireEnd: number, depth: number): number {
  const b = ctx.buf;
  const avail = ctx.avail(off);
  const quoted = ctx.quoted;
  const v0 = b[off];
  const ihl = (v0 & 0x0f) * 4;
  ctx.layer('ip', off, ihl >= 20 ? ihl : 20);
  if (avail < 1) {
    ctx.fail('truncated IPv4 header: 0 of 20 bytes');
    return off;
  }
  const version = v0 >> 4;
  ctx.f('ip.version', version, String(version), off, 1);
  if (version !== 4) {
    ctx.fail(`IPv4 header has version ${version}`);
    return off;
  }
  ctx.f('ip.hdr_len', ihl, `${ihl} bytes (${ihl >> 2})`, off, 1);
  if (ihl < 20) {
    ctx.fail(`bad IPv4 header length ${ihl} (minimum 20)`);
    return off;
  }
  const ds = b[off + 1];
  ctx.f('ip.dsfield', ds, hex(ds, 2), off + 1, 1);
  ctx.f('ip.dsfield.dscp', ds >> 2, String(ds >> 2), off + 1, 1);
  ctx.f('ip.dsfield.ecn', ds & 3, String(ds & 3), off + 1, 1);
  const totalLen = u16(b, off + 2);
  ctx.f('ip.len', totalLen, String(totalLen), off + 2, 2);
  const id = u16(b, off + 4);
  ctx.f('ip.id', id, `${hex(id, 4)} (${id})`, off + 4, 2);
  const ff = u16(b, off + 6);
  const flags = ff >> 13;
  const rb = (flags & 4) !== 0;
  const df = (flags & 2) !== 0;
  const mf = (flags & 1) !== 0;
  const fragOff = (ff & 0x1fff) * 8;
  ctx.f('ip.flags', flags, `${hex(flags, 1)}${FLAG_NAMES[flags & 3] ? `, ${FLAG_NAMES[flags & 3]}` : ''}`, off + 6, 1);
  ctx.f('ip.flags.rb', rb, setStr(rb), off + 6, 1);
  ctx.f('ip.flags.df', df, setStr(df), off + 6, 1);
  ctx.f('ip.flags.mf', mf, setStr(mf), off + 6, 1);
  ctx.f('ip.frag_offset', fragOff >> 3, `${fragOff} bytes (${fragOff >> 3})`, off + 6, 2);
  const ttl = b[off + 8];
  ctx.f('ip.ttl', ttl, String(ttl), off + 8, 1);
  const proto = b[off + 9];
  ctx.f('ip.proto', proto, `${IP_PROTOS[proto] ?? 'Unknown'} (${proto})`, off + 9, 1);
  const sum = u16(b, off + 10);
  ctx.f('ip.checksum', sum, hex(sum, 4), off + 10, 2);
  if (avail >= ihl) {
    const good = headerChecksumOk(b, off, ihl);
    ctx.f('ip.checksum.status', good ? 1 : 0, good ? 'Good' : 'Bad', off + 10, 0);
  }
  const src = ipv4At(b, off + 12);
  const dst = ipv4At(b, off + 16);
  ctx.f('ip.src', src, src, off + 12, 4);
  ctx.f('ip.dst', dst, dst, off + 16, 4);
  if (avail < ihl) {
    if (!quoted || avail < 20) ctx.fail(`truncated ${quoted ? 'quoted ' : ''}IPv4 header: ${Math.max(0, avail)} of ${ihl} bytes`);
    if (!quoted) ctx.notes.text = 'IP truncated';
    return off + Math.max(0, avail);
  }
  if (ihl > 20) decodeOptions(ctx, off + 20, off + ihl);

  let end = off + totalLen;
  if (totalLen < ihl) {
    ctx.fail(`bad IPv4 total length ${totalLen} (header is ${ihl} bytes)`);
    end = wireEnd;
  } else if (end > wireEnd) {
    // a quoted header's datagram was cut by the ICMP error on purpose
    if (!quoted) ctx.fail(`IPv4 total length ${totalLen} exceeds the ${wireEnd - off} bytes that carry it`);
    end = wireEnd;
  }
  const fragment = mf || fragOff > 0;
  if (!quoted) {
    const br = ctx.brief;
    if (br.src !== undefined && br.outer === undefined) br.outer = { src: br.src, dst: br.dst ?? '', id: br.ipId ?? 0, ttl: br.ttl ?? 0 };
    br.proto = 'ip';
    br.src = src;
    br.dst = dst;
    br.ipProto = proto;
    br.ipId = id;
    br.ttl = ttl;
    br.tcpFlags = br.sport = br.dport = br.seq = br.ack = br.icmpType = br.icmpCode = br.payloadLength = undefined;
    ctx.notes.ports = undefined;
    ctx.notes.ips.push({ src, dst, frag: fragment ? `(frag ${id}:${end - off - ihl}@${fragOff}${mf ? '+' : ''})` : undefined });
    ctx.notes.text = `${IP_PROTOS[proto]?.toLowerCase() ?? `ip-proto-${proto}`}, length ${end - off - ihl}`;
  }
  const pl = off + ihl;
  if (fragOff > 0) {
    decodeData(ctx, pl, end); // a later fragment: no transport header here
  } else if (proto === 6) {
    decodeTcp(ctx, pl, end, fragment);
  } else if (proto === 17) {
    decodeUdp(ctx, pl, end, fragment);
  } else if (proto === 1) {
    decodeIcmp(ctx, pl, end, depth < MAX_DEPTH);
  } else if (proto === 4 && depth < MAX_DEPTH) {
    decodeIpv4(ctx, pl, end, depth + 1);
  } else {
    decodeData(ctx, pl, end);
  }
  return end;
}
