// The state one packet's decoding fills: layers and fields (with their byte
// ranges), the brief, the notes the summary line is built from, and the first
// error. Protocol decoders only read bytes below `end` through their checks;
// a field that would reach past the captured bytes is silently left out, so
// a truncated header yields the fields that fit and one error.
import type { CaptureField, CaptureLayer, CaptureValue, PacketBrief } from '../../../api';
import { bytesDisplay, hexBytes } from './format';

/** One IPv4 header as the summary line shows it. */
export interface IpNote { src: string; dst: string; frag?: string; /** an IPv6 header: tcpdump says IP6 */ v6?: true }

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

/** The fields a display filter reads, and the layers holding them: a decode builds only these. */
export interface FieldSelection {
  readonly layers: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
}

// the fast path's layers share one empty, frozen field list
const NO_FIELDS = Object.freeze([]) as unknown as CaptureField[];

export class DecodeContext {
  readonly layers: CaptureLayer[] = [];
  readonly brief: PacketBrief = { proto: 'frame' };
  readonly notes: SummaryNotes = { prefix: '', ips: [], text: '' };
  error: string | undefined = undefined;
  /**
   * whether the layer started last builds its fields: a decoder reads it right
   * after its `layer()` call (a nested layer changes it)
   */
  tree: boolean;
  /** inside an ICMP error's quoted header: fields only, no brief/summary, truncation expected */
  quoted = false;
  /** addresses of the IPv4 header decoded last (quoted or not): TCP looks its stream up with them */
  ipSrc = '';
  ipDst = '';
  /** how many VXLAN headers enclose the frame being decoded */
  vxlanDepth = 0;
  private cur: CaptureField[] = [];

  /** An IP header (v4 or v6) into the brief and the summary's notes: an earlier one (a tunnel's) becomes `outer`. */
  noteIp(h: { src: string; dst: string; proto: number; id: number; ttl: number }, note: IpNote): void {
    const br = this.brief;
    if (br.src !== undefined && br.outer === undefined) br.outer = { src: br.src, dst: br.dst ?? '', id: br.ipId ?? 0, ttl: br.ttl ?? 0 };
    br.proto = 'ip';
    br.src = h.src;
    br.dst = h.dst;
    br.ipProto = h.proto;
    br.ipId = h.id;
    br.ttl = h.ttl;
    this.notes.ips.push(note);
    this.notes.text = ''; // the transport decoder's, or a fallback
  }
  private readonly names: ReadonlySet<string> | undefined;

  constructor(
    readonly buf: Buffer,
    /** end of the captured bytes */
    readonly end: number,
    /**
     * which fields to build: all (true), none (false: layers, brief and
     * summary only, the fast path for packet lists), or those a display
     * filter reads (Wireshark primes its tree the same way)
     */
    readonly fields: boolean | FieldSelection,
    readonly streams?: TcpStreamLookup,
    readonly frame?: number,
  ) {
    this.tree = fields !== false;
    this.names = typeof fields === 'object' ? fields.names : undefined;
  }

  /** Whether layers named `name` build their fields. */
  wants(name: string): boolean {
    const f = this.fields;
    return f === true || (f !== false && f.layers.has(name));
  }

  /** Whether a field named `name` is kept (in a layer that builds fields). */
  keeps(name: string): boolean {
    return this.names === undefined || this.names.has(name);
  }

  /** Start a layer; fields go to it until the next one starts. */
  layer(name: string, offset: number, length: number): CaptureLayer {
    const tree = (this.tree = this.wants(name));
    const l: CaptureLayer = { name, offset, length: Math.max(0, Math.min(length, this.end - offset)), fields: tree ? [] : NO_FIELDS };
    this.layers.push(l);
    this.cur = l.fields;
    return l;
  }

  /** Add a field to the current layer if its bytes were captured. */
  f(name: string, value: CaptureValue, display: string, offset: number, length: number): void {
    if (offset + length <= this.end && this.cur !== NO_FIELDS && this.keeps(name)) this.cur.push({ name, value, display, offset, length });
  }

  /** Add a bytes field (value: all its bytes as hex) over [offset, offset + length) if captured. */
  bytes(name: string, offset: number, length: number): void {
    if (offset + length <= this.end && this.cur !== NO_FIELDS && this.keeps(name)) {
      const h = hexBytes(this.buf, offset, length);
      this.cur.push({ name, value: h, display: bytesDisplay(h), offset, length });
    }
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
