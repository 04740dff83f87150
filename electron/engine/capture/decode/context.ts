// The state one packet's decoding fills: layers and fields (with their byte
// ranges), the brief, the notes the summary line is built from, and the first
// error. Protocol decoders only read bytes below `end` through their checks;
// a field that would reach past the captured bytes is silently left out, so
// a truncated header yields the fields that fit and one error.
import type { CaptureField, CaptureLayer, CaptureValue, PacketBrief } from '../../../api';

/** One IPv4 header as the summary line shows it. */
export interface IpNote { src: string; dst: string; frag?: string }

/** What summary.ts turns into a tcpdump-like line. */
export interface SummaryNotes {
  /** before everything: direction of a cooked capture, VLAN tags */
  prefix: string;
  /** the IPv4 headers, outermost first (an IPIP packet has two) */
  ips: IpNote[];
  /** ports of the innermost TCP/UDP header, shown after the innermost addresses */
  ports?: [number, number];
  /** what follows `IP a > b: ` (or the whole line for non-IP frames) */
  text: string;
}

/** Relative sequence numbers for one TCP segment's direction (see TcpStreams). */
export interface TcpStreamInfo { stream: number; seqBase?: number; ackBase?: number }
export interface TcpStreamLookup {
  lookup(src: string, sport: number, dst: string, dport: number, frame: number | undefined): TcpStreamInfo | undefined;
}

// the fast path's layers share one empty, frozen field list
const NO_FIELDS = Object.freeze([]) as unknown as CaptureField[];

export class DecodeContext {
  readonly layers: CaptureLayer[] = [];
  readonly brief: PacketBrief = { proto: 'frame' };
  readonly notes: SummaryNotes = { prefix: '', ips: [], text: '' };
  error: string | undefined = undefined;
  /** inside an ICMP error's quoted header: fields only, no brief/summary, truncation expected */
  quoted = false;
  /** addresses of the IPv4 header decoded last (quoted or not): TCP looks its stream up with them */
  ipSrc = '';
  ipDst = '';
  /** how many VXLAN headers enclose the frame being decoded */
  vxlanDepth = 0;
  private cur: CaptureField[] = [];

  constructor(
    readonly buf: Buffer,
    /** end of the captured bytes */
    readonly end: number,
    /** build the field tree (false: layers, brief and summary only, the fast path for packet lists) */
    readonly tree: boolean,
    readonly streams?: TcpStreamLookup,
    readonly frame?: number,
  ) {}

  /** Start a layer; fields go to it until the next one starts. */
  layer(name: string, offset: number, length: number): CaptureLayer {
    const l: CaptureLayer = { name, offset, length: Math.max(0, Math.min(length, this.end - offset)), fields: this.tree ? [] : NO_FIELDS };
    this.layers.push(l);
    this.cur = l.fields;
    return l;
  }

  /** Add a field to the current layer if its bytes were captured. */
  f(name: string, value: CaptureValue, display: string, offset: number, length: number): void {
    if (offset + length <= this.end) this.cur.push({ name, value, display, offset, length });
  }

  /** Record the first problem; decoding callers stop after it. */
  fail(message: string): void {
    if (this.error === undefined) this.error = message;
  }

  /** Bytes captured from `offset` on. */
  avail(offset: number): number {
    return this.end - offset;
  }
}
