// ARP (Ethernet / IPv4 addresses in full, other kinds to the opcode).
import type { DecodeContext } from './context';
import { ethertypeName, ipv4At, macAt, u16 } from './format';

const OPCODES: Record<number, string> = { 1: 'request', 2: 'reply', 3: 'reverse request', 4: 'reverse reply' };

/** Returns where the ARP message ends. */
export function decodeArp(ctx: DecodeContext, off: number, wireEnd: number): number {
  const b = ctx.buf;
  const avail = ctx.avail(off);
  const hs = b[off + 4];
  const ps = b[off + 5];
  const size = 8 + 2 * ((hs | 0) + (ps | 0));
  ctx.layer('arp', off, size);
  const htype = u16(b, off);
  const ptype = u16(b, off + 2);
  const op = u16(b, off + 6);
  if (ctx.tree) {
    ctx.f('arp.hw.type', htype, htype === 1 ? 'Ethernet (1)' : String(htype), off, 2);
    ctx.f('arp.proto.type', ptype, ethertypeName(ptype), off + 2, 2);
    ctx.f('arp.hw.size', hs, String(hs), off + 4, 1);
    ctx.f('arp.proto.size', ps, String(ps), off + 5, 1);
    ctx.f('arp.opcode', op, `${OPCODES[op] ?? 'unknown'} (${op})`, off + 6, 2);
  }
  if (avail < size) {
    ctx.fail(`truncated ARP message: ${Math.max(0, avail)} of ${avail < 8 ? 28 : size} bytes`);
    ctx.notes.text = 'ARP, truncated';
    return off + Math.max(0, avail);
  }
  ctx.brief.proto = 'arp';
  const length = wireEnd - off;
  if (hs !== 6 || ps !== 4 || ptype !== 0x0800) {
    ctx.notes.text = `ARP, ${OPCODES[op] ?? `opcode ${op}`}, hardware type ${htype}, length ${length}`;
    return off + size;
  }
  const sha = macAt(b, off + 8);
  const spa = ipv4At(b, off + 14);
  const tha = macAt(b, off + 18);
  const tpa = ipv4At(b, off + 24);
  if (ctx.tree) {
    ctx.f('arp.src.hw_mac', sha, sha, off + 8, 6);
    ctx.f('arp.src.proto_ipv4', spa, spa, off + 14, 4);
    ctx.f('arp.dst.hw_mac', tha, tha, off + 18, 6);
    ctx.f('arp.dst.proto_ipv4', tpa, tpa, off + 24, 4);
  }
  if (op === 1) {
    const known = tha !== '00:00:00:00:00:00' && tha !== 'ff:ff:ff:ff:ff:ff' ? ` (${tha})` : '';
    ctx.notes.text = `ARP, Request who-has ${tpa}${known} tell ${spa}, length ${length}`;
  } else if (op === 2) {
    ctx.notes.text = `ARP, Reply ${spa} is-at ${sha}, length ${length}`;
  } else {
    ctx.notes.text = `ARP, ${OPCODES[op] ?? `opcode ${op}`}, length ${length}`;
  }
  return off + size;
}
