// Ethernet II (and 802.3 length frames) plus 802.1Q / 802.1ad tags.
import type { DecodeContext } from './context';
import { decodeEthertype } from './ethertype';
import { bytesDisplay, ethertypeName, hexBytes, macAt, setStr, u16 } from './format';
import { decodeData } from './data';

/**
 * Ethernet at `off` (0, or an encapsulated frame's start); frames of at most
 * 60 bytes call their tail padding (as Wireshark does), others trailer.
 */
export function decodeEth(ctx: DecodeContext, wireEnd: number, off = 0): void {
  const b = ctx.buf;
  const eth = ctx.layer('eth', off, 14);
  const tree = ctx.tree; // the payload's layers change ctx.tree
  const dst = macAt(b, off);
  const src = macAt(b, off + 6);
  if (tree) {
    ctx.f('eth.dst', dst, dst, off, 6);
    ctx.f('eth.src', src, src, off + 6, 6);
  }
  const have = Math.min(ctx.avail(off), wireEnd - off);
  if (have < 14) {
    ctx.fail(`truncated Ethernet header: ${Math.max(0, have)} of 14 bytes`);
    ctx.notes.text = 'truncated Ethernet frame';
    return;
  }
  ctx.brief.proto = 'eth';
  ctx.brief.ethSrc = src;
  ctx.brief.ethDst = dst;
  const type = u16(b, off + 12);
  const l2 = off + 14;
  let used: number;
  if (type < 0x0600) {
    // IEEE 802.3: a length, then LLC we do not decode
    if (tree) ctx.f('eth.len', type, String(type), off + 12, 2);
    ctx.notes.text = `802.3, length ${wireEnd - l2}`;
    decodeData(ctx, l2, Math.min(wireEnd, l2 + type));
    used = l2 + type;
  } else {
    if (tree) ctx.f('eth.type', type, ethertypeName(type), off + 12, 2);
    used = decodeEthertype(ctx, type, l2, wireEnd);
  }
  const capEnd = Math.min(ctx.end, wireEnd);
  const trailer = wireEnd - off <= 60 ? 'eth.padding' : 'eth.trailer';
  if (used >= l2 && used < capEnd && tree && ctx.keeps(trailer)) {
    const h = hexBytes(b, used, capEnd - used);
    eth.fields.push({ name: trailer, value: h, display: bytesDisplay(h), offset: used, length: capEnd - used });
  }
}

/**
 * One VLAN tag at `off` (the 4 bytes after the TPID): an 802.1Q C-tag
 * ('vlan' layer) or an 802.1ad S-tag ('ieee8021ad', as Wireshark names it).
 * Returns the inner ethertype, or -1 when truncated.
 */
export function decodeVlanTag(ctx: DecodeContext, off: number, sTag: boolean): number {
  const b = ctx.buf;
  const p = sTag ? 'ieee8021ad' : 'vlan';
  ctx.layer(p, off, 4);
  const tci = u16(b, off);
  const pcp = tci >> 13;
  const dei = (tci & 0x1000) !== 0;
  const id = tci & 0x0fff;
  // Wireshark's ranges: the C-tag's bit fields span the 2-byte TCI, the S-tag's priority/DEI its first byte
  if (ctx.tree) {
    ctx.f(sTag ? 'ieee8021ad.priority' : 'vlan.priority', pcp, String(pcp), off, sTag ? 1 : 2);
    ctx.f(sTag ? 'ieee8021ad.dei' : 'vlan.dei', dei, setStr(dei), off, sTag ? 1 : 2);
    ctx.f(sTag ? 'ieee8021ad.id' : 'vlan.id', id, String(id), off, 2);
  }
  if (ctx.avail(off) < 4) {
    ctx.fail(`truncated ${sTag ? '802.1ad' : '802.1Q'} tag: ${Math.max(0, ctx.avail(off))} of 4 bytes`);
    return -1;
  }
  const type = u16(b, off + 2);
  if (ctx.tree) ctx.f(sTag ? 'ieee8021ah.etype' : 'vlan.etype', type, ethertypeName(type), off + 2, 2);
  if (ctx.brief.vlan === undefined) ctx.brief.vlan = id;
  ctx.notes.prefix += `${sTag ? 'ieee8021ad' : 'vlan'} ${id}, p ${pcp}, `;
  return type;
}
