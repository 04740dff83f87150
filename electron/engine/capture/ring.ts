// A bounded, in-memory capture: the last `capacity` frames, oldest evicted
// first (and counted), decoded on demand. Frames are stored as their pcap
// records (16-byte header + bytes) packed end to end in 1 MiB slabs, with
// three typed arrays as the index: no JS object per packet (a Buffer per
// packet costs ~100 bytes of heap and fragments the pool), memory ≈ the
// bytes held + one slab, and export is a concatenation behind a pcap header.
import { CAPTURE_RING_DEFAULT, type DecodedPacket } from '../../api';
import type { FieldSelection } from './decode/context';
import { decodePacket } from './decode/index';
import { locateTcp } from './decode/locate';
import { LINKTYPE, type PcapRecord } from './pcap-reader';
import { pcapFileHeader, writeRecordHeader } from './pcap-writer';
import { TcpStreams } from './tcp-streams';

const SLAB = 1 << 20; // larger than any record (262 144 + 16 bytes)

export interface RingOptions {
  /** frames kept (default CAPTURE_RING_DEFAULT) */
  capacity?: number;
  /** bytes kept at most (records with their headers): the oldest frames go first, the newest always stays */
  maxBytes?: number;
  /** the capture's link type (default Ethernet) */
  linktype?: number;
  /** number TCP streams and give relative sequence numbers (default true) */
  tcpStreams?: boolean;
}

export interface RingStats {
  /** frames held */
  size: number;
  capacity: number;
  /** frames ever pushed */
  total: number;
  /** frames evicted to make room */
  dropped: number;
  /** bytes held (records with their 16-byte headers) */
  bytes: number;
}

export class PacketRing {
  readonly capacity: number;
  readonly maxBytes: number;
  readonly linktype: number;
  readonly streams: TcpStreams | undefined;
  // per slot (packet number n lives in slot (n - 1) % capacity): its slab id, offset, record size
  private readonly slabOf: Int32Array;
  private readonly offOf: Int32Array;
  private readonly sizeOf: Int32Array;
  // slabs in use, oldest first; slabs[i] has id firstSlab + i
  private slabs: Buffer[] = [];
  private firstSlab = 0;
  private used = 0; // bytes used in the newest slab
  private spare: Buffer | undefined; // one freed slab kept for reuse
  private count = 0;
  private nextNumber = 1;
  private evicted = 0;
  private held = 0;

  constructor(opts: RingOptions = {}) {
    const capacity = opts.capacity ?? CAPTURE_RING_DEFAULT;
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.maxBytes = opts.maxBytes ?? Infinity;
    this.linktype = opts.linktype ?? LINKTYPE.ETHERNET;
    this.streams = opts.tcpStreams === false ? undefined : new TcpStreams();
    this.slabOf = new Int32Array(capacity);
    this.offOf = new Int32Array(capacity);
    this.sizeOf = new Int32Array(capacity);
  }

  /** Store a copy of the frame; returns its number (1-based, like frame.number). */
  push(rec: PcapRecord): number {
    if (this.count === this.capacity) this.evictOldest();
    const n = this.nextNumber++;
    const size = 16 + rec.data.length;
    if (!this.slabs.length || this.used + size > SLAB) {
      this.slabs.push(this.spare ?? Buffer.allocUnsafeSlow(SLAB));
      this.spare = undefined;
      this.used = 0;
    }
    const slab = this.slabs[this.slabs.length - 1];
    writeRecordHeader(slab, this.used, rec, true);
    rec.data.copy(slab, this.used + 16);
    const slot = (n - 1) % this.capacity;
    this.slabOf[slot] = this.firstSlab + this.slabs.length - 1;
    this.offOf[slot] = this.used;
    this.sizeOf[slot] = size;
    this.used += size;
    this.count++;
    this.held += size;
    while (this.held > this.maxBytes && this.count > 1) this.evictOldest();
    if (this.streams) {
      const k = locateTcp(rec.data, this.linktype);
      if (k) this.streams.observe(k, n);
    }
    return n;
  }

  private evictOldest(): void {
    const slot = (this.first - 1) % this.capacity;
    this.held -= this.sizeOf[slot];
    this.count--;
    this.evicted++;
    // free the slabs no frame lives in any more
    const keep = this.count ? this.slabOf[(this.first - 1) % this.capacity] : this.firstSlab + this.slabs.length - 1;
    while (this.firstSlab < keep) {
      this.spare = this.slabs.shift();
      this.firstSlab++;
    }
    if (this.streams && this.evicted % this.capacity === 0) this.streams.prune(this.first);
  }

  get size(): number {
    return this.count;
  }
  get dropped(): number {
    return this.evicted;
  }
  /** Number of the oldest frame held (the next number when empty). */
  get first(): number {
    return this.nextNumber - this.count;
  }
  /** Number of the newest frame held (first - 1 when empty). */
  get last(): number {
    return this.nextNumber - 1;
  }

  stats(): RingStats {
    return { size: this.count, capacity: this.capacity, total: this.nextNumber - 1, dropped: this.evicted, bytes: this.held };
  }

  /** The frame numbered `n`, or undefined if evicted / not yet seen. `data` views the ring's copy. */
  record(n: number): PcapRecord | undefined {
    const b = this.raw(n);
    if (!b) return undefined;
    return { sec: b.readUInt32LE(0), nsec: b.readUInt32LE(4), len: b.readUInt32LE(12), data: b.subarray(16) };
  }

  /** Full decode of frame `n` (with its bytes as hex when `bytes`; the fast path without the field tree when `fields` is false). */
  decode(n: number, opts: { bytes?: boolean; fields?: boolean | FieldSelection } = {}): DecodedPacket | undefined {
    const r = this.record(n);
    if (!r) return undefined;
    return decodePacket(r, { linktype: this.linktype, number: n, bytes: opts.bytes, fields: opts.fields, streams: this.streams });
  }

  /** Frames from number `from` on, at most `count` (a page of the packet list: the fast path unless `fields`). */
  page(from: number, count: number, opts: { fields?: boolean } = {}): DecodedPacket[] {
    const out: DecodedPacket[] = [];
    const start = Math.max(from, this.first);
    for (let n = start; n <= this.last && out.length < count; n++) out.push(this.decode(n, { fields: opts.fields ?? false })!);
    return out;
  }

  /**
   * Numbers of the frames (oldest first, from number `from` on) that satisfy
   * `match`; at most `limit`. A compiled display filter names the fields it
   * reads, and only those are decoded; any other predicate sees the full tree.
   */
  filter(match: ((p: DecodedPacket) => boolean) & { fields?: FieldSelection }, limit = Infinity, from = 1): number[] {
    const out: number[] = [];
    const fields = match.fields ?? true;
    for (let n = Math.max(from, this.first); n <= this.last && out.length < limit; n++) if (match(this.decode(n, { fields })!)) out.push(n);
    return out;
  }

  /** The frames held (or those numbered in `numbers`) as a pcap file with nanosecond timestamps. */
  toPcap(numbers?: Iterable<number>): Buffer {
    const parts = [pcapFileHeader({ linktype: this.linktype, nanos: true })];
    for (const n of numbers ?? this.numbers()) {
      const b = this.raw(n);
      if (b) parts.push(b);
    }
    return Buffer.concat(parts);
  }

  /** Forget every frame (numbering goes on). */
  clear(): void {
    this.slabs = [];
    this.firstSlab = 0;
    this.used = 0;
    this.count = this.held = 0;
  }

  private *numbers(): Generator<number> {
    for (let n = this.first; n <= this.last; n++) yield n;
  }

  private raw(n: number): Buffer | undefined {
    if (!Number.isInteger(n) || n < this.first || n > this.last) return undefined;
    const slot = (n - 1) % this.capacity;
    const slab = this.slabs[this.slabOf[slot] - this.firstSlab];
    const off = this.offOf[slot];
    return slab.subarray(off, off + this.sizeOf[slot]);
  }
}
