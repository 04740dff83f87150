// A display filter decodes only the fields it reads (Wireshark primes its
// tree the same way). These tests hold that to the full tree: every field
// lives in the layer its name says, a primed decode gives exactly the full
// tree's fields it asked for (and the same layers, summary, brief and error),
// and a filter over a ring keeps the same packets either way.
import { describe, expect, it } from 'vitest';
import type { DecodedPacket } from '../../../electron/api';
import { decodePacket, type FieldSelection } from '../../../electron/engine/capture/decode/index';
import { CAPTURE_FIELDS, compileFilter, fieldLayer } from '../../../electron/engine/capture/display-filter';
import { LINKTYPE } from '../../../electron/engine/capture/pcap-reader';
import { PacketRing } from '../../../electron/engine/capture/ring';
import { CRAFTED, CRAFTED_SLL, CRAFTED_SLL2, CRAFTED_VXLAN } from '../../support/capture-frames';
import { rec } from './support';

const FRAMES: [string, Buffer, number][] = [
  ...Object.entries(CRAFTED).map(([n, b]): [string, Buffer, number] => [n, b, LINKTYPE.ETHERNET]),
  ...Object.entries(CRAFTED_VXLAN).map(([n, b]): [string, Buffer, number] => [n, b, LINKTYPE.ETHERNET]),
  ...Object.entries(CRAFTED_SLL).map(([n, b]): [string, Buffer, number] => [n, b, LINKTYPE.LINUX_SLL]),
  ...Object.entries(CRAFTED_SLL2).map(([n, b]): [string, Buffer, number] => [n, b, LINKTYPE.LINUX_SLL2]),
];
// every frame whole and cut at a few offsets: truncation changes which layers exist
const CASES = FRAMES.flatMap(([name, b, linktype]) =>
  [b.length, 60, 40, 30, 20, 14].filter((n) => n <= b.length).map((n) => ({ what: `${name}[0:${n}]`, data: b.subarray(0, n), len: b.length, linktype })),
);

const decode = (c: (typeof CASES)[number], fields: boolean | FieldSelection): DecodedPacket =>
  decodePacket(rec(c.data, c.len), { linktype: c.linktype, number: 1, fields });

describe('primed decoding', () => {
  it('every field of the full tree lives in the layer its name says', () => {
    const wrong: string[] = [];
    for (const c of CASES) {
      for (const l of decode(c, true).layers) for (const f of l.fields) if (fieldLayer(f.name) !== l.name) wrong.push(`${c.what}: ${f.name} in ${l.name}`);
    }
    expect(wrong).toEqual([]);
  });

  it('a primed decode has exactly the full tree\'s fields it asks for, nothing else', () => {
    let compared = 0;
    for (const c of CASES) {
      const full = decode(c, true);
      const same = (primed: DecodedPacket, keep: (layer: string, field: string) => boolean, what: string) => {
        expect(primed.summary, what).toBe(full.summary);
        expect(primed.brief, what).toEqual(full.brief);
        expect(primed.error, what).toBe(full.error);
        expect(primed.layers.map((l) => [l.name, l.offset, l.length]), what).toEqual(full.layers.map((l) => [l.name, l.offset, l.length]));
        primed.layers.forEach((l, i) => expect(l.fields, `${what} ${l.name}`).toEqual(full.layers[i].fields.filter((f) => keep(l.name, f.name))));
        compared++;
      };
      // a whole layer: every field name it has
      for (const layer of new Set(full.layers.map((l) => l.name))) {
        const names = new Set(full.layers.filter((l) => l.name === layer).flatMap((l) => l.fields.map((f) => f.name)));
        same(decode(c, { layers: new Set([layer]), names }), (l) => l === layer, `${c.what} layer ${layer}`);
      }
      // one field at a time
      for (const name of new Set(full.layers.flatMap((l) => l.fields.map((f) => f.name)))) {
        same(decode(c, { layers: new Set([fieldLayer(name)]), names: new Set([name]) }), (_, f) => f === name, `${c.what} field ${name}`);
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('a compiled filter names the fields it reads and their layers', () => {
    const sel = (text: string) => {
      const { layers, names } = compileFilter(text).fields;
      return { layers: [...layers].sort(), names: [...names].sort() };
    };
    expect(sel('ip.src == 198.18.0.10 && tcp.flags.syn == 1')).toEqual({ layers: ['ip', 'tcp'], names: ['ip.src', 'tcp.flags.syn'] });
    expect(sel('vlan.etype == 0x0800 || frame.len > 100')).toEqual({ layers: ['frame', 'vlan'], names: ['frame.len', 'vlan.etype'] });
    expect(sel('tcp.port == 80').names).toEqual(['tcp.dstport', 'tcp.srcport']); // an alias reads what it stands for
    expect(sel('tcp')).toEqual({ layers: [], names: [] }); // a protocol's presence needs no fields
    expect(sel('')).toEqual({ layers: [], names: [] });
  });

  it('filters over a ring keep the same packets primed as over the full tree', () => {
    const ring = new PacketRing({ capacity: 100 });
    for (const [, b] of FRAMES.filter(([, , lt]) => lt === LINKTYPE.ETHERNET)) ring.push(rec(b));
    const filters = [
      'ip.src == 198.18.0.10', 'tcp.flags.syn == 1', 'http.request.method == "GET"', 'icmp.type == 3', 'eth.dst == ff:ff:ff:ff:ff:ff',
      'arp.opcode == 1', 'vxlan.vni == 42', 'ip.ttl < 64 && !tcp', 'frame.len > 100 and udp', 'data.len > 0',
    ].filter((f) => Object.keys(CAPTURE_FIELDS).some((k) => f.includes(k)));
    let kept = 0;
    for (const text of filters) {
      const compiled = compileFilter(text);
      const full = ring.filter((p) => compiled(p));
      expect(ring.filter(compiled), text).toEqual(full);
      kept += full.length;
    }
    expect(kept).toBeGreaterThan(0);
  });
});
