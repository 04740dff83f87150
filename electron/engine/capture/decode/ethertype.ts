// What follows an ethertype (Ethernet, VLAN tags, Linux cooked captures).
import type { DecodeContext } from './context';
import { decodeArp } from './arp';
import { decodeData } from './data';
import { decodeVlanTag } from './eth';
import { ETHERTYPES, hex4 } from './format';
import { decodeIpv4 } from './ipv4';
import { decodeIpv6 } from './ipv6';

const MAX_TAGS = 4;

/** Decode the payload of ethertype `type` at `off`; returns where the decoded protocol's bytes end (for padding). */
export function decodeEthertype(ctx: DecodeContext, type: number, off: number, wireEnd: number): number {
  for (let tags = 0; type === 0x8100 || type === 0x88a8; tags++) {
    if (tags === MAX_TAGS) {
      ctx.fail(`more than ${MAX_TAGS} VLAN tags`);
      return off;
    }
    type = decodeVlanTag(ctx, off, type === 0x88a8);
    if (type < 0) return off;
    off += 4;
  }
  if (type === 0x0800) return decodeIpv4(ctx, off, wireEnd, 0);
  if (type === 0x0806) return decodeArp(ctx, off, wireEnd);
  if (type === 0x86dd) return decodeIpv6(ctx, off, wireEnd, 0);
  ctx.notes.text = `ethertype ${ETHERTYPES[type] ?? 'Unknown'} (${hex4(type)}), length ${wireEnd}`;
  decodeData(ctx, off, wireEnd);
  return wireEnd;
}
