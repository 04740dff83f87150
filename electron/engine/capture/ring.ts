// A bounded, in-memory capture: the last `capacity` frames, oldest evicted
// first (and counted). Frames are kept raw, each as one Buffer holding its
// pcap record (16-byte header + bytes), and decoded on demand: a decoded
// tree is ~50 objects per packet, the raw frame one. Export is a
// concatenation of those records behind a pcap header.
import type { DecodedPacket } from '../../api';
import { decodePacket } from './decode/index';
import { locateTcp } from './decode/locate';
import { LINKTYPE, type PcapRecord } from './pcap-reader';
import { pcapFileHeader, writeRecordHeader } from './pcap-writer';
import { TcpStreams } from './tcp-streams';

export const DEFAULT_RING_CAPACITY = 100_000;

export interface RingOptions {
  /** frames kept (default 100 000) */
  capacity?: number;
  /** bytes kept at most (records with headers): the oldest frames go first, the newest always stays */
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
  private readonly slots: (Buffer | undefined)[];
  private head = 0; // slot of the oldest frame
  private count = 0;
  private nextNumber = 1;
  private evicted = 0;
  private held = 0;

  constructor(opts: RingOptions = {}) {
    const capacity = opts.capacity ?? DEFAULT_RING_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.maxBytes = opts.maxBytes ?? Infinity;
    this.linktype = opts.linktype ?? LINKTYPE.ETHERNET;
    this.streams = opts.tcpStreams === false ? undefined : new TcpStreams();
    this.slots = new Array(capacity).fill(undefined);
  }

  /** Store a copy of the frame; returns its number (1-based, like frame.number). */
  push(rec: PcapRecord): number {
    const n = this.nextNumber++;
    const b = Buffer.allocUnsafe(16 + rec.data.length);
    writeRecordHeader(b, 0, rec, true);
    rec.data.copy(b, 16);
    let slot: number;
    if (this.count === this.capacity) {
      slot = this.head;
      this.held -= this.slots[slot]!.length;
      this.head = (this.head + 1) % this.capacity;
      this.evicted++;
      if (this.streams && this.evicted % this.capacity === 0) this.streams.prune(this.first);
    } else {
      slot = (this.head + this.count) % this.capacity;
      this.count++;
    }
    this.slots[slot] = b;
    this.held += b.length;
    while (this.held > this.maxBytes && this.count > 1) {
      this.held -= this.slots[this.head]!.length;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.evicted++;
      if (this.streams && this.evicted % this.capacity === 0) this.streams.prune(this.first);
    }
    if (this.streams) {
      const k = locateTcp(rec.data, this.linktype);
      if (k) this.streams.observe(k, n);
    }
    return n;
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

  /** Full decode of frame `n` (with its bytes as hex when `bytes`). */
  decode(n: number, opts: { bytes?: boolean } = {}): DecodedPacket | undefined {
    const r = this.record(n);
    if (!r) return undefined;
    return decodePacket(r, { linktype: this.linktype, number: n, bytes: opts.bytes, streams: this.streams });
  }

  /** Decoded frames from number `from` on, at most `count` (a page of the packet list). */
  page(from: number, count: number): DecodedPacket[] {
    const out: DecodedPacket[] = [];
    const start = Math.max(from, this.first);
    for (let n = start; n <= this.last && out.length < count; n++) out.push(this.decode(n)!);
    return out;
  }

  /** Numbers of the frames (oldest first) whose decode satisfies `match`; at most `limit`. */
  filter(match: (p: DecodedPacket) => boolean, limit = Infinity): number[] {
    const out: number[] = [];
    for (let n = this.first; n <= this.last && out.length < limit; n++) if (match(this.decode(n)!)) out.push(n);
    return out;
  }

  /** The frames held (or those numbered in `numbers`) as a pcap file with nanosecond timestamps. */
  toPcap(numbers?: Iterable<number>): Buffer {
    const parts = [pcapFileHeader({ linktype: this.linktype, nanos: true })];
    if (numbers) {
      for (const n of numbers) {
        const b = this.raw(n);
        if (b) parts.push(b);
      }
    } else {
      for (let i = 0; i < this.count; i++) parts.push(this.slots[(this.head + i) % this.capacity]!);
    }
    return Buffer.concat(parts);
  }

  clear(): void {
    this.slots.fill(undefined);
    this.head = this.count = this.held = 0;
  }

  private raw(n: number): Buffer | undefined {
    if (!Number.isInteger(n) || n < this.first || n > this.last) return undefined;
    return this.slots[(this.head + (n - this.first)) % this.capacity];
  }
}
