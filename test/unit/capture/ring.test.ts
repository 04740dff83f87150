// The capture ring: bounded, numbered, counts evictions, decodes on demand,
// exports pcap; TCP streams get Wireshark's relative numbers.
import { describe, expect, it } from 'vitest';
import { CAPTURE_RING_DEFAULT } from '../../../electron/api';
import { readPcap, type PcapRecord } from '../../../electron/engine/capture/pcap-reader';
import { PacketRing } from '../../../electron/engine/capture/ring';
import { field } from '../../../electron/engine/capture/display-filter';
import { compileFilter } from '../../../electron/engine/capture/display-filter';
import { A, CRAFTED, M, TCP, eth, ipv4, tcp } from '../../support/capture-frames';
import { rec } from './support';

const seg = (from: 'c' | 's', flags: number, seq: number, ack: number, sport = 40000, payload = 0): Buffer => {
  const [src, dst, sp, dp] = from === 'c' ? [A.client, A.vip, sport, 80] : [A.vip, A.client, 80, sport];
  return eth(M.lb, M.client, 0x0800, ipv4({ src, dst, proto: 6, payload: tcp({ sport: sp, dport: dp, seq, ack, flags, payload: Buffer.alloc(payload, 0x41) }, src, dst) }));
};

describe('PacketRing', () => {
  it('keeps the newest `capacity` frames, numbered from 1, and counts the evicted', () => {
    const ring = new PacketRing({ capacity: 5 });
    const frames = Array.from({ length: 12 }, (_, i) => rec(CRAFTED.udp, CRAFTED.udp.length, 1000 + i, 0));
    const numbers = frames.map((f) => ring.push(f));
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(ring.stats()).toEqual({ size: 5, capacity: 5, total: 12, dropped: 7, bytes: 5 * (16 + CRAFTED.udp.length) });
    expect([ring.first, ring.last]).toEqual([8, 12]);
    expect(ring.record(7)).toBeUndefined();
    expect(ring.record(13)).toBeUndefined();
    expect(ring.record(8)).toMatchObject({ sec: 1007, nsec: 0, len: CRAFTED.udp.length });
    expect(ring.record(8)!.data.equals(CRAFTED.udp)).toBe(true);
    expect(ring.decode(12)).toMatchObject({ number: 12, ts: 1011e6, summary: 'IP 198.18.0.10.40000 > 198.18.0.100.53: UDP, length 22' });
    expect(ring.page(1, 3).map((p) => p.number)).toEqual([8, 9, 10]);
  });

  it('copies frames: reusing the input buffer does not change what it holds', () => {
    const ring = new PacketRing({ capacity: 2 });
    const buf = Buffer.from(CRAFTED.udp);
    ring.push(rec(buf));
    buf.fill(0);
    expect(ring.decode(1)!.brief.src).toBe(A.client);
  });

  it('exports its frames as a pcap (all, or chosen numbers), nanosecond timestamps kept', () => {
    const ring = new PacketRing({ capacity: 3 });
    const src: PcapRecord[] = Object.values(CRAFTED).slice(0, 5).map((d, i) => rec(d, d.length + i, 1_700_000_000 + i, 123_456_789));
    src.forEach((r) => ring.push(r));
    const all = readPcap(ring.toPcap());
    expect(all.header).toMatchObject({ nanos: true, linktype: 1 });
    expect(all.records.map((r) => [r.sec, r.nsec, r.len, r.data.toString('hex')])).toEqual(src.slice(2).map((r) => [r.sec, r.nsec, r.len, r.data.toString('hex')]));
    expect(readPcap(ring.toPcap([5, 1, 3])).records.map((r) => r.sec)).toEqual([1_700_000_004, 1_700_000_002]);
  });

  it('filters with a display filter', () => {
    const ring = new PacketRing();
    for (const d of Object.values(CRAFTED)) ring.push(rec(d));
    const names = Object.keys(CRAFTED);
    const hits = (f: string) => ring.filter(compileFilter(f)).map((n) => names[n - 1]);
    expect(hits('arp')).toEqual(['arpRequest', 'arpReply']);
    expect(hits('http.request.method == "GET"')).toEqual(['httpGet']);
    expect(hits('ip.dst#2 == 198.18.0.100 && ip.proto == 4')).toEqual(['ipipTcp']);
    expect(ring.filter(compileFilter('tcp'), 2)).toHaveLength(2);
  });

  it('numbers TCP streams and gives relative sequence numbers, as Wireshark', () => {
    const ring = new PacketRing();
    const isnC = 4_000_000_000;
    const isnS = 77;
    const frames = [
      seg('c', TCP.SYN, isnC, 0),
      seg('s', TCP.SYN | TCP.ACK, isnS, isnC + 1),
      seg('c', TCP.ACK, isnC + 1, isnS + 1),
      seg('c', TCP.PSH | TCP.ACK, isnC + 1, isnS + 1, 40000, 10),
      seg('s', TCP.ACK, isnS + 1, (isnC + 11) >>> 0),
      seg('c', TCP.SYN, 5, 0, 40001), // another connection
      seg('c', TCP.FIN | TCP.ACK, (isnC + 11) >>> 0, isnS + 1),
      seg('c', TCP.SYN, 999, 0), // the 4-tuple reused: a new stream
    ];
    frames.forEach((f) => ring.push(rec(f)));
    const rows = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => {
      const p = ring.decode(n)!;
      return [field(p, 'tcp.stream'), field(p, 'tcp.seq'), field(p, 'tcp.ack')];
    });
    expect(rows).toEqual([[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 1], [0, 1, 11], [1, 0, 0], [0, 11, 1], [2, 0, 0]]);
    // decoding out of order gives the same numbers
    expect(field(ring.decode(3)!, 'tcp.seq')).toBe(1);
    expect(ring.streams!.count).toBe(3);
  });

  it('forgets streams once their frames are evicted (bounded memory)', () => {
    const ring = new PacketRing({ capacity: 100 });
    for (let i = 0; i < 5000; i++) ring.push(rec(seg('c', TCP.SYN, i, 0, 10000 + (i % 5000))));
    const streams = ring.streams as unknown as { byKey: Map<string, unknown> };
    expect(streams.byKey.size).toBeLessThanOrEqual(200);
    expect(field(ring.decode(5000)!, 'tcp.stream')).toBe(4999);
  });

  it('keeps every byte right across slabs as frames of all sizes come and go, and frees the slabs', () => {
    const ring = new PacketRing({ capacity: 1000, tcpStreams: false });
    const frame = (i: number): Buffer => Buffer.alloc(60 + ((i * 7919) % 9000), i % 251);
    for (let i = 0; i < 20_000; i++) ring.push(rec(frame(i), frame(i).length + 1, i, i));
    expect([ring.first, ring.last, ring.dropped]).toEqual([19_001, 20_000, 19_000]);
    for (let n = ring.first; n <= ring.last; n++) {
      const r = ring.record(n)!;
      expect(r.data.equals(frame(n - 1)), `frame ${n}`).toBe(true);
      expect([r.sec, r.nsec, r.len]).toEqual([n - 1, n - 1, r.data.length + 1]);
    }
    const slabs = (ring as unknown as { slabs: Buffer[] }).slabs.length;
    expect(slabs).toBeLessThanOrEqual(Math.ceil(ring.stats().bytes / (1 << 20)) + 1);
    ring.clear();
    expect([ring.size, ring.first, ring.record(20_000)]).toEqual([0, 20_001, undefined]);
    expect(ring.push(rec(CRAFTED.udp))).toBe(20_001);
    expect(ring.decode(20_001)!.brief.dport).toBe(53);
  });

  it('keeps the API default number of frames unless told otherwise, and rejects a bad capacity', () => {
    expect(new PacketRing().capacity).toBe(CAPTURE_RING_DEFAULT);
    expect(() => new PacketRing({ capacity: 0 })).toThrow('ring capacity must be a positive integer, got 0');
  });
});
