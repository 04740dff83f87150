// UDP: ports, length, checksum, payload.
import type { DecodeContext } from './context';
import { hex4, u16 } from './format';
import { decodeVxlan, VXLAN_PORT } from './vxlan';

/** UDP at `off`; `wireEnd` is the end of the IP payload. `fragment`: a first fragment, whose UDP length covers later ones too. */
export function decodeUdp(ctx: DecodeContext, off: number, wireEnd: number, fragment: boolean): void {
  const b = ctx.buf;
  const avail = ctx.avail(off);
  ctx.layer('udp', off, 8);
  const sport = u16(b, off);
  const dport = u16(b, off + 2);
  const length = u16(b, off + 4);
  const sum = u16(b, off + 6);
  if (ctx.tree) {
    ctx.f('udp.srcport', sport, String(sport), off, 2);
    ctx.f('udp.dstport', dport, String(dport), off + 2, 2);
    ctx.f('udp.length', length, String(length), off + 4, 2);
    ctx.f('udp.checksum', sum, hex4(sum), off + 6, 2);
  }
  if (ctx.quoted) {
    // Linux quotes the whole datagram (up to 576 bytes): its payload as far as it goes
    const cap = Math.min(off + length, wireEnd, ctx.end) - off - 8;
    if (ctx.tree && length >= 8 && cap > 0) ctx.bytes('udp.payload', off + 8, cap);
    return;
  }
  if (avail < 8) {
    ctx.fail(`truncated UDP header: ${Math.max(0, avail)} of 8 bytes`);
    ctx.notes.text = 'udp, truncated';
    return;
  }
  let end = off + length;
  if (length < 8) {
    ctx.fail(`bad UDP length ${length} (minimum 8)`);
    end = wireEnd;
  } else if (end > wireEnd && !fragment) {
    ctx.fail(`UDP length ${length} exceeds the ${wireEnd - off} bytes of the IP payload`);
    end = wireEnd;
  } else if (fragment) {
    end = Math.min(end, wireEnd);
  }
  const br = ctx.brief;
  br.proto = 'udp';
  br.sport = sport;
  br.dport = dport;
  br.payloadLength = Math.max(0, length - 8);
  ctx.notes.ports = [sport, dport];
  ctx.notes.text = `UDP, length ${Math.max(0, length - 8)}`;
  const pl = off + 8;
  const cap = Math.min(end, ctx.end) - pl;
  if (cap > 0 && ctx.tree) {
    ctx.bytes('udp.payload', pl, cap);
  }
  // a whole datagram only: a first fragment's VXLAN frame is cut
  if (dport === VXLAN_PORT && !fragment && length >= 8) decodeVxlan(ctx, pl, end);
}
