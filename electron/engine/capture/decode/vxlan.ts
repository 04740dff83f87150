// VXLAN (RFC 7348): the 8-byte header after UDP port 4789 (flags, VNI), then
// a whole Ethernet frame, decoded by the same decoders as an outer one. The
// summary keeps the outer part (`IP a.p > b.4789: VXLAN VNI n · `) before the
// inner frame's own line; the brief moves to the inner frame, the outer IPv4
// header to `outer` as for IPIP.
import { formatSummary } from '../summary';
import type { DecodeContext } from './context';
import { decodeEth } from './eth';
import { hex4, u16 } from './format';

export const VXLAN_PORT = 4789;
const HEADER = 8;
/** VXLAN in VXLAN in ...: deeper than this, the rest is data */
const MAX_NESTING = 2;

// Wireshark's flag bits of the first 16 bits (RFC 7348's I flag, and the Group Based Policy extension's G, D, A)
const FLAG_G = 0x8000;
const FLAG_I = 0x0800;
const FLAG_D = 0x0040;
const FLAG_A = 0x0008;
const RESERVED = 0x77b7;

/** VXLAN at `off` (the UDP payload); `wireEnd` is where the UDP datagram ends. */
export function decodeVxlan(ctx: DecodeContext, off: number, wireEnd: number): void {
  const b = ctx.buf;
  ctx.layer('vxlan', off, HEADER);
  const flags = u16(b, off);
  const vni = (b[off + 4] << 16) | (b[off + 5] << 8) | b[off + 6];
  if (ctx.tree) {
    const names = [flags & FLAG_G && 'GBP', flags & FLAG_I && 'VNI', flags & FLAG_D && "Don't Learn", flags & FLAG_A && 'Policy Applied'].filter(Boolean).join(', ');
    ctx.f('vxlan.flags', flags, `${hex4(flags)}${names ? `, ${names}` : ''}`, off, 2);
    ctx.f('vxlan.flag_g', (flags & FLAG_G) !== 0, (flags & FLAG_G) !== 0 ? 'Defined' : 'Not defined', off, 2);
    ctx.f('vxlan.flag_i', (flags & FLAG_I) !== 0, (flags & FLAG_I) !== 0 ? 'True' : 'False', off, 2);
    ctx.f('vxlan.flag_d', (flags & FLAG_D) !== 0, (flags & FLAG_D) !== 0 ? 'True' : 'False', off, 2);
    ctx.f('vxlan.flag_a', (flags & FLAG_A) !== 0, (flags & FLAG_A) !== 0 ? 'True' : 'False', off, 2);
    ctx.f('vxlan.flags_reserved', flags & RESERVED, hex4(flags & RESERVED), off, 2);
    ctx.f('vxlan.gbp', u16(b, off + 2), String(u16(b, off + 2)), off + 2, 2);
    ctx.f('vxlan.vni', vni, String(vni), off + 4, 3);
    ctx.f('vxlan.reserved8', b[off + 7], String(b[off + 7]), off + 7, 1);
  }
  const have = Math.min(ctx.avail(off), wireEnd - off);
  if (have < HEADER) {
    ctx.fail(`truncated VXLAN header: ${Math.max(0, have)} of ${HEADER} bytes`);
    ctx.notes.text = 'VXLAN, truncated';
    return;
  }
  // RFC 7348: the I flag must be set for the VNI to be valid; the frame is still shown, as Wireshark does
  if (!(flags & FLAG_I)) ctx.fail(`VXLAN header without the I flag (flags ${hex4(flags)}): its VNI is not valid`);
  ctx.notes.text = `VXLAN VNI ${vni}`;
  if (ctx.vxlanDepth >= MAX_NESTING) return;

  // the outer part of the line stays; the inner frame writes its own after it
  const notes = ctx.notes;
  notes.prefix = `${formatSummary(notes, undefined)} · `;
  notes.ips = [];
  notes.ports = undefined;
  notes.text = '';
  const br = ctx.brief;
  if (br.src !== undefined && br.outer === undefined) br.outer = { src: br.src, dst: br.dst ?? '', id: br.ipId ?? 0, ttl: br.ttl ?? 0 };
  for (const k of ['src', 'dst', 'ipProto', 'ipId', 'ttl', 'sport', 'dport', 'payloadLength'] as const) delete br[k];
  ctx.vxlanDepth++;
  decodeEth(ctx, wireEnd, off + HEADER);
  ctx.vxlanDepth--;
}
