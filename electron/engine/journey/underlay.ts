// The hop between two hosts of a lab spread over Docker engines: a network
// whose nodes sit on several hosts is an overlay, carried between the
// engines as VXLAN (UDP 4789). Inside the nodes that hop is invisible (the
// frame leaving a node on one host reaches the node on the other unchanged);
// a capture on each host's own network sees it wrapped. Those frames join a
// leg of the journey where its packet crossed: each one is the same inner
// packet as a hop of the leg, and goes right after the node that sent it
// (out of its host) or right before the node that received it (into its).
import { decodePacket } from '../capture/decode/index';
import { readPcap } from '../capture/pcap-reader';
import { field, num, seqOf, str, type Frame } from './frame';
import type { Hop } from './match';

/** One host's underlay capture (tcpdump -i any on the host's network, a cooked capture). */
export interface UnderlayFile {
  /** the lab's name for the host (a `hosts` key) */
  host: string;
  pcap: Buffer;
  /** the host's interface names by index (a cooked capture records the index only) */
  ifaces?: Record<number, string>;
}

/** A cooked capture's packet type: 4 is a frame this host sent; 0-3 one it received. */
const OUTGOING = 4;

/** The VXLAN frames of the hosts' captures, stamped with the host and the way they went. */
export function underlayFrames(files: UnderlayFile[]): Frame[] {
  const out: Frame[] = [];
  for (const f of files) {
    const { header, records } = readPcap(f.pcap);
    for (const rec of records) {
      const packet = decodePacket(rec, { linktype: header.linktype });
      if (!packet.layers.some((l) => l.name === 'vxlan')) continue;
      const ifindex = num(packet, 'sll.ifindex');
      out.push({
        node: f.host,
        iface: (ifindex !== undefined && f.ifaces?.[ifindex]) || (ifindex !== undefined ? `if${ifindex}` : 'any'),
        mac: '',
        ts: BigInt(rec.sec) * 1_000_000_000n + BigInt(rec.nsec),
        raw: rec.data,
        packet,
        direction: field(packet, 'sll.pkttype') === OUTGOING ? 'out' : 'in',
        underlay: true,
      });
    }
  }
  return out;
}

// what makes two captures the same packet: its (inner) headers as a forwarding hop left them
const KEY = ['eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.id', 'ip.ttl', 'tcp.srcport', 'tcp.dstport'] as const;
const packetKey = (f: Frame): string => [...KEY.map((k) => str(f.packet, k) ?? ''), String(seqOf(f.packet) ?? '')].join(' ');

/**
 * The leg with the underlay hops of its packet inserted in path order: per
 * host and direction the first frame that carries the same packet as a hop
 * of the leg. A host's out hop follows the node hop that sent the packet; an
 * in hop precedes the node hop that received it.
 */
export function withUnderlay(leg: Hop[], underlay: Frame[]): Hop[] {
  if (!underlay.length || !leg.length) return leg;
  const keys = new Set(leg.map((h) => packetKey(h.frame)));
  const first = new Map<string, Frame>();
  for (const f of underlay) {
    const k = packetKey(f);
    if (!keys.has(k)) continue;
    const id = `${f.node}\0${f.direction}\0${k}`;
    const had = first.get(id);
    if (!had || f.ts < had.ts) first.set(id, f);
  }
  const found = [...first.values()].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  const out = [...leg];
  // outs first: an in hop then finds the out hop of its packet already placed
  for (const f of [...found.filter((x) => x.direction === 'out'), ...found.filter((x) => x.direction === 'in')]) {
    const hop: Hop = { frame: f, direction: f.direction! };
    const k = packetKey(f);
    const same = (h: Hop) => packetKey(h.frame) === k;
    let at: number;
    if (hop.direction === 'out') {
      const sender = lastIndex(out, (h) => same(h) && h.direction === 'out' && !h.frame.underlay);
      at = sender >= 0 ? sender + 1 : out.findIndex((h) => same(h) && h.direction === 'in');
    } else {
      const wrapped = lastIndex(out, (h) => same(h) && h.direction === 'out');
      const receiver = out.findIndex((h, i) => i > wrapped && same(h) && h.direction === 'in' && !h.frame.underlay);
      at = receiver >= 0 ? receiver : wrapped >= 0 ? wrapped + 1 : out.length;
    }
    out.splice(at < 0 ? out.length : at, 0, hop);
  }
  return out;
}

function lastIndex<T>(xs: T[], pred: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return i;
  return -1;
}
