// ICMP: type/code, echo identifiers, and for error messages the quoted IPv4
// header and the first bytes of its payload, decoded as their own layers
// (Wireshark shows a second 'ip' layer and a 'udp'/'tcp' layer there too).
import type { DecodeContext } from './context';
import { decodeData } from './data';
import { hex4, hexBytes, ipv4At, u16 } from './format';
import { decodeIpv4 } from './ipv4';

const TYPES: Record<number, string> = {
  0: 'Echo (ping) reply', 3: 'Destination unreachable', 4: 'Source quench (flow control)', 5: 'Redirect',
  8: 'Echo (ping) request', 9: 'Router advertisement', 10: 'Router solicitation', 11: 'Time-to-live exceeded',
  12: 'Parameter problem', 13: 'Timestamp request', 14: 'Timestamp reply', 17: 'Address mask request', 18: 'Address mask reply',
};
const UNREACH: Record<number, string> = {
  0: 'Network unreachable', 1: 'Host unreachable', 2: 'Protocol unreachable', 3: 'Port unreachable',
  4: 'Fragmentation needed', 5: 'Source route failed', 6: 'Destination network unknown', 7: 'Destination host unknown',
  9: 'Network administratively prohibited', 10: 'Host administratively prohibited', 13: 'Communication administratively filtered',
};
// tcpdump's wording, %s = the quoted destination
const UNREACH_TEXT: Record<number, string> = {
  0: 'net %s unreachable', 1: 'host %s unreachable', 5: '%s unreachable - source route failed',
  6: 'net %s unreachable - unknown', 7: 'host %s unreachable - unknown', 9: 'net %s unreachable - admin prohibited',
  10: 'host %s unreachable - admin prohibited', 13: 'host %s unreachable - admin prohibited filter',
};
const ERRORS = new Set([3, 4, 5, 11, 12]);
const WITH_ID = new Set([0, 8, 13, 14, 15, 16, 17, 18]);

function codeName(type: number, code: number): string {
  if (type === 3) return UNREACH[code] ?? 'Unknown';
  if (type === 11) return code === 0 ? 'Time to live exceeded in transit' : code === 1 ? 'Fragment reassembly time exceeded' : 'Unknown';
  if (type === 5) return ['Redirect for network', 'Redirect for host', 'Redirect for TOS and network', 'Redirect for TOS and host'][code] ?? 'Unknown';
  return '';
}

/** The one-line text of an error message, from the quoted header's bytes at `q`. */
function errorText(ctx: DecodeContext, type: number, code: number, q: number, mtu: number): string {
  const b = ctx.buf;
  const have = ctx.avail(q);
  const dst = have >= 20 ? ipv4At(b, q + 16) : '?';
  if (type === 3) {
    if (code === 2) return `${dst} protocol ${have >= 10 ? b[q + 9] : '?'} unreachable`;
    if (code === 3) {
      const ihl = (b[q] & 15) * 4;
      const proto = b[q + 9];
      const name = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : `proto ${proto}`;
      const port = have >= ihl + 4 && ihl >= 20 ? String(u16(b, q + ihl + 2)) : '?';
      return `${dst} ${name} port ${port} unreachable`;
    }
    if (code === 4) return `${dst} unreachable - need to frag (mtu ${mtu})`;
    return (UNREACH_TEXT[code] ?? `%s unreachable - code ${code}`).replace('%s', dst);
  }
  if (type === 11) return code === 1 ? 'ip reassembly time exceeded' : 'time exceeded in-transit';
  if (type === 5) return `redirect ${dst} to ${code === 0 || code === 2 ? 'net' : 'host'} ${ipv4At(b, q - 4)}`;
  if (type === 4) return `source quench ${dst}`;
  return `parameter problem - octet ${b[q - 4]}`;
}

/** The fields after the checksum, by type. */
function icmpFields(ctx: DecodeContext, type: number, code: number, off: number, isError: boolean, mtu: number): void {
  const b = ctx.buf;
  if (WITH_ID.has(type)) {
    const id = u16(b, off + 4);
    const seq = u16(b, off + 6);
    ctx.f('icmp.ident', id, `${id} (${hex4(id)})`, off + 4, 2);
    ctx.f('icmp.seq', seq, `${seq} (${hex4(seq)})`, off + 6, 2);
  } else if (type === 3 && code === 4) {
    ctx.f('icmp.unused', hexBytes(b, off + 4, 2), hexBytes(b, off + 4, 2), off + 4, 2);
    ctx.f('icmp.mtu', mtu, String(mtu), off + 6, 2);
  } else if (type === 5) {
    ctx.f('icmp.redir_gw', ipv4At(b, off + 4), ipv4At(b, off + 4), off + 4, 4);
  } else if (type === 12) {
    ctx.f('icmp.pointer', b[off + 4], String(b[off + 4]), off + 4, 1);
  } else if (isError) {
    ctx.f('icmp.unused', hexBytes(b, off + 4, 4), hexBytes(b, off + 4, 4), off + 4, 4);
  }
}

/** ICMP at `off`; `wireEnd` is the end of the IP payload. `quote`: decode an error's quoted header (not inside another quote). */
export function decodeIcmp(ctx: DecodeContext, off: number, wireEnd: number, quote: boolean): void {
  const b = ctx.buf;
  const avail = ctx.avail(off);
  const quoted = ctx.quoted;
  ctx.layer('icmp', off, Math.max(8, wireEnd - off));
  const type = b[off];
  const code = b[off + 1];
  const sum = u16(b, off + 2);
  const length = wireEnd - off;
  const isError = ERRORS.has(type);
  const mtu = type === 3 && code === 4 ? u16(b, off + 6) : 0;
  if (ctx.tree) {
    ctx.f('icmp.type', type, `${type} (${TYPES[type] ?? 'Unknown'})`, off, 1);
    const cn = codeName(type, code);
    ctx.f('icmp.code', code, cn ? `${code} (${cn})` : String(code), off + 1, 1);
    ctx.f('icmp.checksum', sum, hex4(sum), off + 2, 2);
    icmpFields(ctx, type, code, off, isError, mtu);
  }
  if (quoted) return;
  if (avail < 8) {
    ctx.fail(`truncated ICMP header: ${Math.max(0, avail)} of 8 bytes`);
    ctx.notes.text = 'ICMP, truncated';
    return;
  }
  const br = ctx.brief;
  br.proto = 'icmp';
  br.icmpType = type;
  br.icmpCode = code;
  br.payloadLength = Math.max(0, length - 8);
  if (type === 0 || type === 8) {
    ctx.notes.text = `ICMP echo ${type === 8 ? 'request' : 'reply'}, id ${u16(b, off + 4)}, seq ${u16(b, off + 6)}, length ${length}`;
    decodeData(ctx, off + 8, wireEnd);
  } else if (isError) {
    ctx.notes.text = `ICMP ${errorText(ctx, type, code, off + 8, mtu)}, length ${length}`;
    if (!quote) return;
    if (ctx.avail(off + 8) <= 0 || wireEnd <= off + 8) {
      ctx.fail('ICMP error without the quoted IPv4 header');
      return;
    }
    const notes = ctx.notes.text;
    ctx.quoted = true;
    try {
      decodeIpv4(ctx, off + 8, wireEnd, 1);
    } finally {
      ctx.quoted = false;
    }
    ctx.notes.text = notes;
  } else {
    ctx.notes.text = `ICMP type ${type}, code ${code}, length ${length}`;
    decodeData(ctx, off + 8, wireEnd);
  }
}
