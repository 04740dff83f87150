// The pcap reader, streamed in chunks of every size, against the writer and
// hand-made files of both byte orders and both timestamp resolutions.
import { describe, expect, it } from 'vitest';
import { LINKTYPE, PcapFormatError, PcapReader, readPcap, type PcapRecord } from '../../../electron/engine/capture/pcap-reader';
import { pcapFileHeader, pcapRecordBytes, writePcap } from '../../../electron/engine/capture/pcap-writer';
import { CRAFTED } from '../../support/capture-frames';

const records: PcapRecord[] = Object.values(CRAFTED).map((data, i) => ({ sec: 1_700_000_000 + i, nsec: (i * 7919 % 1_000_000) * 1000, len: data.length + (i % 3 === 0 ? 100 : 0), data }));

/** A pcap written by hand: either byte order, µs or ns. */
function handMade(le: boolean, nanos: boolean, recs: PcapRecord[], linktype = 1, snaplen = 65535): Buffer {
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const h = Buffer.alloc(24);
  w32(h, nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  h.writeUInt16LE(le ? 2 : 0x200, 4); // version 2.4 in the file's byte order
  h.writeUInt16LE(le ? 4 : 0x400, 6);
  w32(h, snaplen, 16);
  w32(h, linktype, 20);
  const parts: Buffer[] = [h];
  for (const r of recs) {
    const rh = Buffer.alloc(16);
    w32(rh, r.sec, 0);
    w32(rh, nanos ? r.nsec : r.nsec / 1000, 4);
    w32(rh, r.data.length, 8);
    w32(rh, r.len, 12);
    parts.push(rh, r.data);
  }
  return Buffer.concat(parts);
}

const plain = (rs: PcapRecord[]) => rs.map((r) => ({ sec: r.sec, nsec: r.nsec, len: r.len, hex: r.data.toString('hex') }));

describe('pcap reader', () => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      it(`${le ? 'little' : 'big'}-endian, ${nanos ? 'ns' : 'µs'}: whole, one byte at a time, random chunks`, () => {
        const file = handMade(le, nanos, records, LINKTYPE.LINUX_SLL2, 9000);
        const whole = readPcap(file);
        expect(whole.header).toEqual({ linktype: 276, snaplen: 9000, nanos, littleEndian: le, versionMajor: 2, versionMinor: 4 });
        expect(whole.truncated).toBeUndefined();
        expect(plain(whole.records)).toEqual(plain(records));

        const r1 = new PcapReader();
        const bytewise: PcapRecord[] = [];
        for (let i = 0; i < file.length; i++) bytewise.push(...r1.push(file.subarray(i, i + 1)));
        expect(plain(bytewise)).toEqual(plain(records));
        expect(r1.pending).toBe(0);
        expect(r1.finish()).toBeUndefined();

        const r2 = new PcapReader();
        const chunked: PcapRecord[] = [];
        for (let i = 0, n = 1; i < file.length; i += n, n = (n * 7 + 3) % 97 + 1) chunked.push(...r2.push(file.subarray(i, i + n)));
        expect(plain(chunked)).toEqual(plain(records));
      });
    }
  }

  it('records arrive as soon as they are complete', () => {
    const file = writePcap(records.slice(0, 2));
    const r = new PcapReader();
    expect(r.push(file.subarray(0, 23))).toEqual([]);
    expect(r.header).toBeUndefined();
    const first = 24 + 16 + records[0].data.length;
    expect(r.push(file.subarray(23, first - 1))).toEqual([]);
    expect(r.pending).toBe(first - 1 - 24);
    expect(r.push(file.subarray(first - 1, first + 5)).map((x) => x.data.length)).toEqual([records[0].data.length]);
    expect(r.finish()).toBe(`pcap stream ended inside a record at byte ${first} (5 bytes left over)`);
  });

  it('says what is wrong with a bad stream', () => {
    expect(new PcapReader().push(Buffer.from('0a0d0d0a', 'hex'))).toEqual([]); // too short to tell yet
    const ng = Buffer.alloc(28);
    ng.writeUInt32BE(0x0a0d0d0a, 0);
    expect(() => readPcap(ng)).toThrow(/pcapng files are not supported/);
    expect(() => readPcap(Buffer.alloc(24, 1))).toThrow(new PcapFormatError('not a pcap file: magic 0x01010101'));
    expect(() => readPcap(Buffer.alloc(10))).toThrow(/shorter than the 24-byte header/);
    const corrupt = writePcap(records.slice(0, 1));
    corrupt.writeUInt32LE(10_000_000, 24 + 8);
    expect(() => readPcap(corrupt)).toThrow('pcap record at byte 24 has 10000000 captured bytes, more than the 262144 allowed: corrupt file');
    const cut = writePcap(records.slice(0, 2));
    expect(readPcap(cut.subarray(0, cut.length - 3)).truncated).toMatch(/^pcap stream ended inside a record/);
  });
});

describe('pcap writer', () => {
  it('round-trips through the reader (µs and ns)', () => {
    for (const nanos of [false, true]) {
      const back = readPcap(writePcap(records, { nanos, linktype: LINKTYPE.ETHERNET }));
      expect(back.header).toMatchObject({ linktype: 1, nanos, littleEndian: true, snaplen: 262144 });
      expect(plain(back.records)).toEqual(plain(records));
    }
  });
  it('writes the header and records byte for byte like a hand-made little-endian file', () => {
    expect(writePcap(records, { snaplen: 65535 })).toEqual(handMade(true, false, records));
    expect(pcapFileHeader({ nanos: true, linktype: 113 }).toString('hex')).toBe('4d3cb2a1' + '02000400' + '00000000' + '00000000' + '00000400' + '71000000');
    const r = pcapRecordBytes({ sec: 1, nsec: 2500, len: 3, data: Buffer.from([9, 8]) });
    expect(r.toString('hex')).toBe('01000000020000000200000003000000' + '0908');
  });
});
