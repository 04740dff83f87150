// TCP conversations, as Wireshark numbers them (tcp.stream) with relative
// sequence numbers: observe segments in capture order, then any packet can
// be decoded later, in any order, with the same relative numbers. A new SYN
// with a different initial sequence number on a known 4-tuple starts a new
// stream (port reuse), so frames pick the generation they belong to.
import type { TcpStreamInfo, TcpStreamLookup } from './decode/context';
import type { TcpSegmentKey } from './decode/locate';

interface Generation {
  stream: number;
  first: number;
  last: number;
  /** "ip:port" of the side seen first */
  a: string;
  baseA?: number;
  baseB?: number;
}

const SYN = 0x02;
const ACK = 0x10;

function keyOf(src: string, sport: number, dst: string, dport: number): { key: string; from: string } {
  const x = `${src}:${sport}`;
  const y = `${dst}:${dport}`;
  return { key: x < y ? `${x}|${y}` : `${y}|${x}`, from: x };
}

export class TcpStreams implements TcpStreamLookup {
  private readonly byKey = new Map<string, Generation[]>();
  private next = 0;

  /** Streams seen so far (the next stream index). */
  get count(): number {
    return this.next;
  }

  /** Record a segment of frame `frame` (frames in increasing order); returns its stream index. */
  observe(s: TcpSegmentKey, frame: number): number {
    const { key, from } = keyOf(s.src, s.sport, s.dst, s.dport);
    let gens = this.byKey.get(key);
    if (!gens) this.byKey.set(key, (gens = []));
    let g = gens[gens.length - 1];
    if (s.quoted) {
      // a header quoted in an ICMP error: a conversation, but no sequence numbers to learn
      if (!g) gens.push((g = { stream: this.next++, first: frame, last: frame, a: from }));
      g.last = frame;
      return g.stream;
    }
    const fwd = g !== undefined && g.a === from;
    const synOnly = (s.flags & (SYN | ACK)) === SYN;
    if (!g || (synOnly && (fwd ? g.baseA : g.baseB) !== undefined && (fwd ? g.baseA : g.baseB) !== s.seq)) {
      g = { stream: this.next++, first: frame, last: frame, a: from };
      gens.push(g);
    }
    g.last = frame;
    // Wireshark's bases: the ISN for a SYN, else one before the first sequence number seen (so data starts
    // at 1); an ACK seen before the other side spoke sets the other side's base from the ack number
    const base = (s.flags & SYN ? s.seq : s.seq - 1) >>> 0;
    const otherBase = (s.ack - 1) >>> 0;
    if (g.a === from) {
      g.baseA ??= base;
      if (s.flags & ACK) g.baseB ??= otherBase;
    } else {
      g.baseB ??= base;
      if (s.flags & ACK) g.baseA ??= otherBase;
    }
    return g.stream;
  }

  lookup(src: string, sport: number, dst: string, dport: number, frame: number | undefined): TcpStreamInfo | undefined {
    const { key, from } = keyOf(src, sport, dst, dport);
    const gens = this.byKey.get(key);
    if (!gens) return undefined;
    let g = gens[gens.length - 1];
    if (frame !== undefined) for (let i = gens.length - 1; i >= 0 && gens[i].first > frame; i--) g = gens[i - 1];
    if (!g) return undefined;
    return g.a === from ? { stream: g.stream, seqBase: g.baseA, ackBase: g.baseB } : { stream: g.stream, seqBase: g.baseB, ackBase: g.baseA };
  }

  /** Forget streams whose last frame is before `frame` (the ring evicted them). */
  prune(frame: number): void {
    for (const [key, gens] of this.byKey) {
      const keep = gens.filter((g) => g.last >= frame);
      if (!keep.length) this.byKey.delete(key);
      else if (keep.length !== gens.length) this.byKey.set(key, keep);
    }
  }
}
