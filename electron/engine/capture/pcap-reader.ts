// Incremental reader of classic libpcap files and streams (`tcpdump -U -w -`):
// push Buffer chunks of any size, get the records that completed.
//
// Hand-written rather than taken from npm: the registry's pcap parsers
// (pcap-parser 0.2.1, pcap-stream, pcap-ng-parser 1.0.0) are unmaintained,
// event-emitter/stream-bound, and none reads nanosecond-resolution files;
// the format is a 24-byte header and 16-byte record headers.

/** Link-layer header types (tcpdump.org/linktypes.html) the decoder knows. */
export const LINKTYPE = { ETHERNET: 1, RAW: 101, LINUX_SLL: 113, IPV4: 228, LINUX_SLL2: 276 } as const;

export interface PcapHeader {
  linktype: number;
  snaplen: number;
  /** nanosecond timestamps (magic 0xa1b23c4d) rather than microseconds */
  nanos: boolean;
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
}

/** One captured frame. `data.length` is the captured length (caplen). */
export interface PcapRecord {
  /** seconds since the epoch */
  sec: number;
  /** nanoseconds within the second (microsecond files: a multiple of 1000) */
  nsec: number;
  /** length on the wire (orig_len) */
  len: number;
  data: Buffer;
}

export class PcapFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PcapFormatError';
  }
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const PCAPNG = 0x0a0d0d0a;
/** Largest record accepted when the header's snaplen is smaller (Wireshark's limit). */
const MAX_RECORD = 262_144;
const EMPTY = Buffer.alloc(0);

/** Parse a 24-byte global header (throws PcapFormatError). */
export function parsePcapHeader(b: Buffer): PcapHeader {
  if (b.length < 24) throw new PcapFormatError(`pcap header needs 24 bytes, got ${b.length}`);
  const le = b.readUInt32LE(0);
  const be = b.readUInt32BE(0);
  let littleEndian: boolean;
  let nanos: boolean;
  if (le === MAGIC_US || le === MAGIC_NS) [littleEndian, nanos] = [true, le === MAGIC_NS];
  else if (be === MAGIC_US || be === MAGIC_NS) [littleEndian, nanos] = [false, be === MAGIC_NS];
  else if (be === PCAPNG) throw new PcapFormatError('pcapng files are not supported: write classic pcap (tcpdump -w, or tshark -F pcap)');
  else throw new PcapFormatError(`not a pcap file: magic 0x${be.toString(16).padStart(8, '0')}`);
  const u16 = (o: number): number => (littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
  return {
    linktype: u32(20) & 0x0fffffff, // the top bits may carry FCS information
    snaplen: u32(16),
    nanos,
    littleEndian,
    versionMajor: u16(4),
    versionMinor: u16(6),
  };
}

export class PcapReader {
  header: PcapHeader | undefined;
  private rest: Buffer = EMPTY;
  private offset = 0; // file offset of `rest`, for error messages

  /**
   * Feed the next chunk; returns the records it completed, in order. Their
   * `data` views the chunk (no copy): copy it to keep it once the chunk's
   * buffer is reused (PacketRing.push copies).
   * Throws PcapFormatError on a corrupt stream (the reader is then unusable).
   */
  push(chunk: Buffer): PcapRecord[] {
    const b = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: PcapRecord[] = [];
    let p = 0;
    if (!this.header) {
      if (b.length < 24) {
        this.rest = b;
        return out;
      }
      this.header = parsePcapHeader(b);
      p = 24;
    }
    const { littleEndian, nanos, snaplen } = this.header;
    const limit = Math.max(snaplen, MAX_RECORD);
    const mult = nanos ? 1 : 1000;
    while (b.length - p >= 16) {
      const sec = littleEndian ? b.readUInt32LE(p) : b.readUInt32BE(p);
      const frac = littleEndian ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
      const incl = littleEndian ? b.readUInt32LE(p + 8) : b.readUInt32BE(p + 8);
      const orig = littleEndian ? b.readUInt32LE(p + 12) : b.readUInt32BE(p + 12);
      if (incl > limit) throw new PcapFormatError(`pcap record at byte ${this.offset + p} has ${incl} captured bytes, more than the ${limit} allowed: corrupt file`);
      if (b.length - p - 16 < incl) break;
      out.push({ sec, nsec: frac * mult, len: orig, data: b.subarray(p + 16, p + 16 + incl) });
      p += 16 + incl;
    }
    this.offset += p;
    // a copy: the caller may reuse its chunk buffer once push returns
    this.rest = p === b.length ? EMPTY : Buffer.from(b.subarray(p));
    return out;
  }

  /** Bytes held back waiting for the rest of a record (or of the header). */
  get pending(): number {
    return this.rest.length;
  }

  /** At end of stream: undefined if it ended on a record boundary, else what was left incomplete (one line). */
  finish(): string | undefined {
    if (!this.header) return this.rest.length || this.offset === 0 ? `pcap stream ended inside its header (${this.rest.length} of 24 bytes)` : undefined;
    if (!this.rest.length) return undefined;
    return `pcap stream ended inside a record at byte ${this.offset} (${this.rest.length} bytes left over)`;
  }
}

/** Read a whole pcap file held in memory. `truncated` says if its last record was cut. */
export function readPcap(buf: Buffer): { header: PcapHeader; records: PcapRecord[]; truncated?: string } {
  const r = new PcapReader();
  const records = r.push(buf);
  if (!r.header) throw new PcapFormatError(`not a pcap file: ${buf.length} bytes, shorter than the 24-byte header`);
  const truncated = r.finish();
  return truncated ? { header: r.header, records, truncated } : { header: r.header, records };
}
