// IPv4: header, options, fragments; the payload goes to TCP, UDP, ICMP or,
// for IPIP (protocol 4), to a second IPv4 layer as Wireshark shows it.
import type { DecodeContext } from './context';
import { decodeData } from './data';
import { IP_PROTOS, hex2, hex4, ipv4At, setStr, u16 } from './format';
import { decodeIcmp } from './icmp';
import { decodeIpv6 } from './ipv6';
import { decodeTcp } from './tcp';
import { decodeUdp } from './udp';

const MAX_DEPTH = 4; // IPIP in IPIP ... and ICMP-quoted headers

const OPTION_NAMES: Record<number, string> = {
  0: 'End of Options List (EOL)', 1: 'No-Operation (NOP)', 7: 'Record Route', 68: 'Time Stamp', 130: 'Security',
  131: 'Loose Source Route', 137: 'Strict Source Route', 148: 'Router Alert',
};

const FLAG_NAMES = ['', ', More fragments', ", Don't fragment", ", Don't fragment, More fragments"];
const FLAG_DISPLAY = Array.from({ length: 8 }, (_, f) => `0x${f}${FLAG_NAMES[f & 3]}`);

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
  const tree = ctx.tree;
  if (avail < 1) {
    ctx.fail('truncated IPv4 header: 0 of 20 bytes');
    return off;
  }
  const version = v0 >> 4;
  if (tree) ctx.f('ip.version', version, String(version), off, 1);
  if (version !== 4) {
    ctx.fail(`IPv4 header has version ${version}`);
    return off;
  }
  if (tree) ctx.f('ip.hdr_len', ihl, `${ihl} bytes (${ihl >> 2})`, off, 1);
  if (ihl < 20) {
    ctx.fail(`bad IPv4 header length ${ihl} (minimum 20)`);
    return off;
  }
  const totalLen = u16(b, off + 2);
  const id = u16(b, off + 4);
  const ff = u16(b, off + 6);
  const mf = (ff & 0x2000) !== 0;
  const fragOff = (ff & 0x1fff) * 8;
  const ttl = b[off + 8];
  const proto = b[off + 9];
  const src = ipv4At(b, off + 12);
  const dst = ipv4At(b, off + 16);
  if (tree) {
    const ds = b[off + 1];
    ctx.f('ip.dsfield', ds, hex2(ds), off + 1, 1);
    ctx.f('ip.dsfield.dscp', ds >> 2, String(ds >> 2), off + 1, 1);
    ctx.f('ip.dsfield.ecn', ds & 3, String(ds & 3), off + 1, 1);
    ctx.f('ip.len', totalLen, String(totalLen), off + 2, 2);
    ctx.f('ip.id', id, `${hex4(id)} (${id})`, off + 4, 2);
    const flags = ff >> 13;
    ctx.f('ip.flags', flags, FLAG_DISPLAY[flags], off + 6, 1);
    ctx.f('ip.flags.rb', (flags & 4) !== 0, setStr((flags & 4) !== 0), off + 6, 1);
    ctx.f('ip.flags.df', (flags & 2) !== 0, setStr((flags & 2) !== 0), off + 6, 1);
    ctx.f('ip.flags.mf', mf, setStr(mf), off + 6, 1);
    ctx.f('ip.frag_offset', fragOff >> 3, `${fragOff} bytes (${fragOff >> 3})`, off + 6, 2);
    ctx.f('ip.ttl', ttl, String(ttl), off + 8, 1);
    ctx.f('ip.proto', proto, `${IP_PROTOS[proto] ?? 'Unknown'} (${proto})`, off + 9, 1);
    const sum = u16(b, off + 10);
    ctx.f('ip.checksum', sum, hex4(sum), off + 10, 2);
    if (avail >= ihl) {
      const good = headerChecksumOk(b, off, ihl);
      ctx.f('ip.checksum.status', good ? 1 : 0, good ? 'Good' : 'Bad', off + 10, 0);
    }
    ctx.f('ip.src', src, src, off + 12, 4);
    ctx.f('ip.dst', dst, dst, off + 16, 4);
  }
  ctx.ipSrc = src;
  ctx.ipDst = dst;
  if (avail < ihl) {
    if (!quoted || avail < 20) ctx.fail(`truncated ${quoted ? 'quoted ' : ''}IPv4 header: ${Math.max(0, avail)} of ${ihl} bytes`);
    if (!quoted) ctx.notes.text = 'IP truncated';
    return off + Math.max(0, avail);
  }
  if (ihl > 20 && tree) decodeOptions(ctx, off + 20, off + ihl);

  let end = off + totalLen;
  let overrun: string | undefined;
  if (totalLen < ihl) {
    ctx.fail(`bad IPv4 total length ${totalLen} (header is ${ihl} bytes)`);
    end = wireEnd;
  } else if (end > wireEnd) {
    // reported after the payload, so a cut transport header is the error shown;
    // a quoted header's datagram was cut by the ICMP error on purpose
    if (!quoted) overrun = `IPv4 total length ${totalLen} exceeds the ${wireEnd - off} bytes that carry it`;
    end = wireEnd;
  }
  const fragment = mf || fragOff > 0;
  if (!quoted) {
    ctx.noteIp({ src, dst, proto, id, ttl }, { src, dst, frag: fragment ? `(frag ${id}:${end - off - ihl}@${fragOff}${mf ? '+' : ''})` : undefined });
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
  } else if (proto === 41 && depth < MAX_DEPTH) {
    decodeIpv6(ctx, pl, end, depth + 1);
  } else {
    decodeData(ctx, pl, end);
  }
  if (!quoted && !ctx.notes.text) ctx.notes.text = `${IP_PROTOS[proto]?.toLowerCase() ?? `ip-proto-${proto}`}, length ${end - off - ihl}`;
  if (overrun) ctx.fail(overrun);
  return end;
}
