// The Captures panel's data module on plain objects: summaries kept in the
// compact table and read back as rows (relative time, 100 000 of them, the
// ring's evictions, what is left to fetch), the filtered index list, the
// decode tree of a packet the engine's decoder made, the hex view's
// highlighting, and the capture form's targets.
import { describe, expect, it } from 'vitest';
import { CAPTURE_RING_DEFAULT, CAPTURE_RING_MAX } from '../../../electron/api';
import { decodePacket } from '../../../electron/engine/capture/index';
import {
  base64ToBytes, buildCapture, bytesToBase64, captureChoices, decodeTree, defaultCaptureForm, defaultPicks, fieldAtByte, hexLine, hexRowCount,
  hexToBytes, IndexList, linkChoice, PacketTable, packetView, relTime,
} from '../../../renderer/lib/capture-data';
import { tcpFrame } from '../../support/capture-fakes';
import { CRAFTED_VXLAN } from '../../support/capture-frames';
import { STATUS, summary, T0 } from './captures-fixtures';

describe('PacketTable', () => {
  it('turns summaries into rows with the time relative to the first packet', () => {
    const t = new PacketTable();
    t.put([summary(1), summary(2), summary(3)]);
    expect(t.count).toBe(3);
    expect(t.row(2)).toEqual({ index: 2, ts: T0 + 1500, where: 'web1:eth0', src: '198.18.0.12', dst: '198.18.0.100', protocol: 'TCP', len: 56, info: summary(2).summary });
    expect([1, 2, 3].map((i) => relTime(t.row(i)!.ts, t.t0))).toEqual(['0.000000', '0.001500', '0.003000']);
    expect(t.row(4)).toBeUndefined();
    // the zero is the oldest packet seen, also when it arrives after newer ones (a page fetched later)
    const late = new PacketTable();
    late.put([summary(5)]);
    late.put([summary(4)]);
    expect(relTime(late.row(5)!.ts, late.t0)).toBe('0.001500');
  });

  it('holds 100 000 rows and reads any of them back', () => {
    const t = new PacketTable();
    const n = 100_000;
    for (let from = 1; from <= n; from += 2000) t.put(Array.from({ length: 2000 }, (_, k) => summary(from + k)));
    t.setBounds(n, 0);
    expect(t.count).toBe(n);
    expect(t.held).toBe(n);
    for (const i of [1, 1024, 1025, 50_000, 99_999, n]) expect(t.row(i)).toMatchObject({ index: i, info: summary(i).summary, len: summary(i).len, src: summary(i).src });
    expect(relTime(t.row(n)!.ts, t.t0)).toBe(((n - 1) * 1500 / 1e6).toFixed(6));
    const v = packetView(t, null);
    expect([v.length, v.indexAt(0), v.indexAt(n - 1), v.positionOf(77)]).toEqual([n, 1, n, 76]);
  });

  it('forgets what the ring let go and says which frames are left to fetch', () => {
    const t = new PacketTable();
    t.put(Array.from({ length: 3000 }, (_, k) => summary(k + 1)));
    t.setBounds(5000, 1500); // frames 1..1500 left the ring; 3001..5000 came in a burst not sent
    expect([t.first, t.last, t.count, t.held]).toEqual([1501, 5000, 3500, 1500]);
    expect(t.row(1500)).toBeUndefined();
    expect(t.row(1501)?.index).toBe(1501);
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
    expect(t.missing(range(1400, 3100))).toEqual([[3001, 100]]);
    expect(t.missing(range(2990, 7000), 1000)).toEqual([[3001, 1000], [4001, 1000]]);
    // a filtered view's scattered rows: one page for those close together
    expect(t.missing([3001, 3009, 3017, 3400, 3408, 4990])).toEqual([[3001, 17], [3400, 9], [4990, 1]]);
    expect(t.missing([3001, 3009, 3017], 10)).toEqual([[3001, 9], [3017, 1]]);
    // frames under `first` are not stored again
    t.put([summary(10)]);
    expect(t.row(10)).toBeUndefined();
    const v = packetView(t, null);
    expect([v.length, v.indexAt(0), v.positionOf(1501)]).toEqual([3500, 1501, 0]);
  });
});

describe('IndexList', () => {
  it('appends new matches, drops those that left the ring, finds positions', () => {
    const l = new IndexList();
    l.push([3, 7, 9]);
    l.push([7, 9, 12]); // a re-examined batch repeats nothing
    expect(Array.from({ length: l.length }, (_, i) => l.at(i))).toEqual([3, 7, 9, 12]);
    l.trimBefore(8);
    expect(Array.from({ length: l.length }, (_, i) => l.at(i))).toEqual([9, 12]);
    expect([l.positionOf(9), l.positionOf(12), l.positionOf(10)]).toEqual([0, 1, 1]);
    const big = new IndexList();
    big.push(Array.from({ length: 5000 }, (_, i) => 2 * i + 1));
    expect([big.length, big.at(4999)]).toEqual([5000, 9999]);
    const view = packetView(new PacketTable(), big);
    expect([view.length, view.indexAt(2), view.positionOf(7)]).toEqual([5000, 5, 3]);
  });
});

// a SYN as the engine decodes it, with its bytes (the hex view's input)
const frame = tcpFrame({ src: '198.18.0.10', dst: '198.18.0.100', sport: 40000, dport: 80, flags: 0x02, seq: 100 });
const packet = decodePacket({ sec: 1_700_000_000, nsec: 0, len: frame.length, data: frame }, { number: 7, bytes: true });

describe('decode tree', () => {
  it('has the decoder\'s layers and fields, Wireshark titles, and sub-fields under their field', () => {
    const tree = decodeTree(packet, 'lb:eth0');
    expect(tree.map((l) => l.name)).toEqual(packet.layers.map((l) => l.name));
    expect(tree.map((l) => l.title)).toEqual([
      `Frame 7: ${frame.length} bytes on wire, ${frame.length} bytes captured on lb:eth0`,
      'Ethernet II, Src: 02:42:c6:12:00:0a, Dst: 02:42:c6:12:00:64',
      'Internet Protocol Version 4, Src: 198.18.0.10, Dst: 198.18.0.100',
      // a SYN: no Ack; no stream followed here, so the raw sequence number
      'Transmission Control Protocol, Src Port: 40000, Dst Port: 80, Seq: 100, Len: 0',
    ]);
    // every field, in order, with its display value and bytes
    tree.forEach((l, i) => expect(l.fields.map((f) => [f.name, f.display, f.offset, f.length])).toEqual(packet.layers[i].fields.map((f) => [f.name, f.display, f.offset, f.length])));
    const tcp = tree[3].fields;
    const depth = (name: string) => tcp.find((f) => f.name === name)!.depth;
    expect([depth('tcp.srcport'), depth('tcp.flags'), depth('tcp.flags.syn'), depth('tcp.flags.ack')]).toEqual([0, 0, 1, 1]);
    expect(tcp.find((f) => f.name === 'tcp.flags')!.display).toBe('0x002 (SYN)');
  });

  it('VXLAN: the header between the hosts\' UDP and the frame it carries, each with its title', () => {
    const d = CRAFTED_VXLAN.vxlanHttp;
    const p = decodePacket({ sec: 1_700_000_000, nsec: 0, len: d.length, data: d });
    expect(decodeTree(p).slice(3, 7).map((l) => l.title)).toEqual([
      'User Datagram Protocol, Src Port: 50123, Dst Port: 4789',
      'Virtual eXtensible Local Area Network, VNI: 4097',
      'Ethernet II, Src: 02:42:c6:12:00:02, Dst: 02:42:c6:12:00:0b',
      'Internet Protocol Version 4, Src: 198.18.0.10, Dst: 198.18.0.11',
    ]);
  });

  it('finds the innermost field under a byte, else the layer', () => {
    const tree = decodeTree(packet);
    const name = (o: number) => {
      const s = fieldAtByte(tree, o);
      return s && (tree.flatMap((l) => l.fields).find((f) => f.key === s.key)?.name ?? `layer ${tree[Number(s.key)].name}`);
    };
    expect(name(0)).toBe('eth.dst');
    expect(name(31)).toBe('ip.dst');
    expect(name(35)).toBe('tcp.srcport');
    expect(fieldAtByte(tree, 31)).toEqual({ key: expect.any(String), offset: 30, length: 4 });
    expect(name(frame.length)).toBeUndefined();
  });
});

describe('hex view', () => {
  it('lays out 16 bytes a row with ASCII and marks exactly the selected field\'s bytes', () => {
    const bytes = hexToBytes(packet.bytes!);
    expect(Buffer.from(bytes).equals(frame)).toBe(true);
    expect(hexRowCount(bytes)).toBe(Math.ceil(frame.length / 16));
    const dst = packet.layers.find((l) => l.name === 'ip')!.fields.find((f) => f.name === 'ip.dst')!;
    const lines = Array.from({ length: hexRowCount(bytes) }, (_, r) => hexLine(bytes, r, dst));
    expect(lines.map((l) => l.offset)).toEqual(['0000', '0010', '0020', '0030'].slice(0, lines.length));
    const on = lines.flatMap((l) => l.bytes.filter((b) => b.on));
    expect(on.map((b) => b.offset)).toEqual([30, 31, 32, 33]);
    expect(on.map((b) => parseInt(b.hex, 16)).join('.')).toBe('198.18.0.100');
    const first = lines[0].bytes;
    expect(first.map((b) => b.hex).join('')).toBe(frame.subarray(0, 16).toString('hex'));
    expect(first.map((b) => b.ascii).join('')).toBe([...frame.subarray(0, 16)].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join(''));
    // no selection, or a computed field (no bytes of its own): nothing marked
    expect(hexLine(bytes, 2).bytes.some((b) => b.on)).toBe(false);
    expect(hexLine(bytes, 2, { offset: 34, length: 0 }).bytes.some((b) => b.on)).toBe(false);
  });

  it('carries bytes both ways as base64 (pcap save and open)', () => {
    const raw = new Uint8Array(70_000).map((_, i) => (i * 7) & 255);
    expect(bytesToBase64(raw)).toBe(Buffer.from(raw).toString('base64'));
    expect(Buffer.from(base64ToBytes(Buffer.from(raw).toString('base64'))).equals(Buffer.from(raw))).toBe(true);
  });
});

describe('capture form', () => {
  it('offers every interface, ticks the balancer\'s, and builds startCapture\'s arguments', () => {
    const choices = captureChoices({ ...STATUS, nodes: STATUS.nodes.map((n) => (n.name === 'web1' ? { ...n, state: 'exited' as const } : n)) });
    expect(choices.map((c) => `${c.key} ${c.network}`)).toEqual(['client1:eth0 front', 'lb:eth0 front', 'lb:eth1 back', 'web1:eth0 back']);
    expect(defaultPicks(choices)).toEqual(['lb:eth0', 'lb:eth1']);
    expect(linkChoice(choices, 'lb', 'back')?.key).toBe('lb:eth1');
    const form = { ...defaultCaptureForm(), picked: ['lb:eth1', 'client1:eth0'], filter: ' tcp port 80 ', ringSize: '5 000' };
    expect(buildCapture(form, choices)).toEqual({ targets: [{ node: 'client1', iface: 'eth0' }, { node: 'lb', iface: 'eth1' }], opts: { ringSize: 5000, filter: 'tcp port 80' } });
    expect(buildCapture({ ...form, filter: '' }, choices)).toMatchObject({ opts: { ringSize: 5000 } });
    expect(buildCapture({ ...form, picked: [] }, choices)).toEqual({ error: 'Pick at least one interface.' });
    expect(buildCapture({ ...form, picked: ['web1:eth0'] }, choices)).toEqual({ error: 'web1 is not running.' });
    expect(buildCapture({ ...form, ringSize: '0' }, choices)).toMatchObject({ error: expect.stringMatching(/^Ring size/) });
    expect(buildCapture({ ...form, ringSize: String(CAPTURE_RING_MAX) }, choices)).toMatchObject({ opts: { ringSize: CAPTURE_RING_MAX } });
    expect(buildCapture({ ...form, ringSize: String(CAPTURE_RING_MAX + 1) }, choices)).toMatchObject({ error: expect.stringMatching(/^Ring size/) });
    expect(buildCapture({ ...form, ringSize: '' }, choices)).toMatchObject({ opts: { ringSize: CAPTURE_RING_DEFAULT } });
    expect(captureChoices(null)).toEqual([]);
  });
});
