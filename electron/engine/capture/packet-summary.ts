// A decoded packet as one row of the packet list.
import type { DecodedPacket, PacketSummary } from '../../api';

/** Wireshark's Protocol column names for our layer names (others: upper case). */
const COLUMN: Record<string, string> = { eth: 'Ethernet', ip: 'IPv4', sll: 'SLL', vlan: '802.1Q', frame: 'Frame' };

export function protocolOf(p: DecodedPacket): string {
  for (let i = p.layers.length - 1; i >= 0; i--) {
    const name = p.layers[i].name;
    if (name !== 'data') return COLUMN[name] ?? name.toUpperCase();
  }
  return 'Frame';
}

export function toSummary(p: DecodedPacket, index: number, node: string, iface: string): PacketSummary {
  const b = p.brief;
  return {
    index,
    ts: p.ts,
    node,
    iface,
    len: p.len,
    summary: p.summary,
    protocol: protocolOf(p),
    src: b.src ?? b.ethSrc ?? '',
    dst: b.dst ?? b.ethDst ?? '',
  };
}
