// Classic libpcap writer (little-endian, version 2.4): what tcpdump, tshark
// and Wireshark open. Pure Buffer producers, so callers can write to a file,
// a socket or an HTTP download as they like.
import { LINKTYPE, type PcapRecord } from './pcap-reader';

export interface PcapWriteOptions {
  /** default LINKTYPE_ETHERNET */
  linktype?: number;
  /** default 262144 */
  snaplen?: number;
  /** nanosecond timestamps (magic 0xa1b23c4d); default microseconds */
  nanos?: boolean;
}

/** The 24-byte global header. */
export function pcapFileHeader(opts: PcapWriteOptions = {}): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(opts.snaplen ?? 262_144, 16);
  b.writeUInt32LE(opts.linktype ?? LINKTYPE.ETHERNET, 20);
  return b;
}

/** Write a record's 16-byte header at `off` of `b`. */
export function writeRecordHeader(b: Buffer, off: number, rec: PcapRecord, nanos: boolean): void {
  b.writeUInt32LE(rec.sec >>> 0, off);
  b.writeUInt32LE(nanos ? rec.nsec : Math.floor(rec.nsec / 1000), off + 4);
  b.writeUInt32LE(rec.data.length, off + 8);
  b.writeUInt32LE(Math.max(rec.len, rec.data.length), off + 12);
}

/** One record: 16-byte header and the captured bytes. */
export function pcapRecordBytes(rec: PcapRecord, nanos = false): Buffer {
  const b = Buffer.allocUnsafe(16 + rec.data.length);
  writeRecordHeader(b, 0, rec, nanos);
  rec.data.copy(b, 16);
  return b;
}

/** A whole pcap file. */
export function writePcap(records: Iterable<PcapRecord>, opts: PcapWriteOptions = {}): Buffer {
  const parts = [pcapFileHeader(opts)];
  for (const r of records) parts.push(pcapRecordBytes(r, opts.nanos ?? false));
  return Buffer.concat(parts);
}
