// Linux cooked captures (`tcpdump -i any`): SLL (LINKTYPE_LINUX_SLL, 113)
// and SLL2 (LINKTYPE_LINUX_SLL2, 276).
import type { DecodeContext } from './context';
import { decodeEthertype } from './ethertype';
import { bytesDisplay, ethertypeName, hexBytes, macAt, u16, u32 } from './format';

const PKTTYPES = ['Unicast to us', 'Broadcast', 'Multicast', 'Unicast to another host', 'Sent by us'];
// tcpdump's direction words
const DIRECTION = ['In', 'B', 'M', 'P', 'Out'];

const pkttypeDisplay = (t: number): string => `${PKTTYPES[t] ?? 'Unknown'} (${t})`;

function addr(ctx: DecodeContext, hatype: number, halen: number, off: number): void {
  const n = Math.min(halen, 8);
  if (hatype === 1 && halen === 6) {
    const m = macAt(ctx.buf, off);
    if (ctx.tree) ctx.f('sll.src.eth', m, m, off, 6);
    ctx.brief.ethSrc = m;
  } else if (n > 0 && ctx.tree) {
    const h = hexBytes(ctx.buf, off, Math.min(n, ctx.avail(off)));
    ctx.f('sll.src.other', h, bytesDisplay(h), off, n);
  }
}

export function decodeSll(ctx: DecodeContext, wireEnd: number): void {
  const b = ctx.buf;
  ctx.layer('sll', 0, 16);
  const pkttype = u16(b, 0);
  const hatype = u16(b, 2);
  const halen = u16(b, 4);
  if (ctx.tree) {
    ctx.f('sll.pkttype', pkttype, pkttypeDisplay(pkttype), 0, 2);
    ctx.f('sll.hatype', hatype, String(hatype), 2, 2);
    ctx.f('sll.halen', halen, String(halen), 4, 2);
  }
  if (ctx.avail(0) < 16) {
    ctx.fail(`truncated Linux cooked header: ${ctx.avail(0)} of 16 bytes`);
    return;
  }
  addr(ctx, hatype, halen, 6);
  const type = u16(b, 14);
  if (ctx.tree) ctx.f('sll.etype', type, ethertypeName(type), 14, 2);
  ctx.brief.proto = 'sll';
  ctx.notes.prefix = `${DIRECTION[pkttype] ?? pkttype} `;
  decodeEthertype(ctx, type, 16, wireEnd);
}

export function decodeSll2(ctx: DecodeContext, wireEnd: number): void {
  const b = ctx.buf;
  ctx.layer('sll', 0, 20);
  const type = u16(b, 0);
  const ifindex = u32(b, 4);
  const hatype = u16(b, 8);
  const pkttype = b[10];
  const halen = b[11];
  if (ctx.tree) {
    ctx.f('sll.etype', type, ethertypeName(type), 0, 2);
    ctx.f('sll.ifindex', ifindex, String(ifindex), 4, 4);
    ctx.f('sll.hatype', hatype, String(hatype), 8, 2);
    ctx.f('sll.pkttype', pkttype, pkttypeDisplay(pkttype), 10, 1);
    ctx.f('sll.halen', halen, String(halen), 11, 1);
  }
  if (ctx.avail(0) < 20) {
    ctx.fail(`truncated Linux cooked v2 header: ${ctx.avail(0)} of 20 bytes`);
    return;
  }
  addr(ctx, hatype, halen, 12);
  ctx.brief.proto = 'sll';
  ctx.notes.prefix = `ifindex ${ifindex} ${DIRECTION[pkttype] ?? pkttype} `;
  decodeEthertype(ctx, type, 20, wireEnd);
}
