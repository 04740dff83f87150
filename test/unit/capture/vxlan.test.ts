// VXLAN: the header after UDP 4789 and the Ethernet frame inside it, decoded
// by the same decoders; on real kernel traffic (the fixtures vxlan-capture.sh
// made between two network namespaces) and on crafted frames, cut and broken.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecodedPacket } from '../../../electron/api';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { locateTcp } from '../../../electron/engine/capture/decode/locate';
import { compileFilter, field, fieldValues } from '../../../electron/engine/capture/display-filter';
import { LINKTYPE, readPcap } from '../../../electron/engine/capture/pcap-reader';
import { A, CRAFTED_VXLAN, HOSTS, M } from '../../support/capture-frames';
import { checkFieldBytes, expectFields, layerNames, rec } from './support';

const FIXTURES = join(__dirname, 'fixtures');
function fixture(name: string): { linktype: number; packets: DecodedPacket[]; data: Buffer[] } {
  const { header, records } = readPcap(readFileSync(join(FIXTURES, name)));
  return { linktype: header.linktype, packets: records.map((r, i) => decodePacket(r, { linktype: header.linktype, number: i + 1 })), data: records.map((r) => r.data) };
}

describe('VXLAN on real kernel traffic', () => {
  const under = fixture('vxlan-underlay-a.pcap');
  const inner = fixture('vxlan-inner-a.pcap');

  it('every underlay frame is VXLAN VNI 4097 between the two hosts, decoded without errors', () => {
    expect(under.linktype).toBe(LINKTYPE.LINUX_SLL2);
    expect(under.packets.length).toBeGreaterThanOrEqual(8);
    under.packets.forEach((p, i) => {
      expect(p.error, p.summary).toBeUndefined();
      checkFieldBytes(p, under.data[i]);
      expect(field(p, 'vxlan.vni')).toBe(4097);
      expect(field(p, 'vxlan.flag_i')).toBe(true);
      expect(field(p, 'udp.dstport')).toBe(4789);
      expect(fieldValues(p, 'ip.src')[0]).toMatch(/^198\.19\.253\.[12]$/);
    });
  });

  it('the inner frame is the one the overlay device saw, byte for byte', () => {
    const get = (ps: DecodedPacket[]) => ps.find((p) => field(p, 'http.request.method') === 'GET')!;
    const u = get(under.packets);
    const n = get(inner.packets);
    expect(layerNames(u)).toEqual(['frame', 'sll', 'ip', 'udp', 'vxlan', 'eth', 'ip', 'tcp', 'http']);
    expect(layerNames(n)).toEqual(['frame', 'eth', 'ip', 'tcp', 'http']);
    const ethU = u.layers.find((l) => l.name === 'eth')!;
    const i = under.packets.indexOf(u);
    const j = inner.packets.indexOf(n);
    expect(under.data[i].subarray(ethU.offset).toString('hex')).toBe(inner.data[j].toString('hex'));
    expect(field(u, 'http.request.uri')).toBe('/vxtoken-5f3a9c');
    expect(u.summary).toMatch(/^ifindex \d+ Out IP 198\.19\.253\.1\.\d+ > 198\.19\.253\.2\.4789: VXLAN VNI 4097 · IP 198\.19\.253\.9\.\d+ > 198\.19\.253\.10\.8080: Flags \[P\.\], .*HTTP: GET \/vxtoken-5f3a9c HTTP\/1\.1$/);
    expect(u.summary.endsWith(n.summary)).toBe(true);
    expect(u.brief).toMatchObject({ proto: 'tcp', src: '198.19.253.9', dst: '198.19.253.10', dport: 8080, ethSrc: '02:42:0a:00:01:0a', outer: { src: '198.19.253.1', dst: '198.19.253.2' } });
  });

  it('ARP inside VXLAN', () => {
    const p = under.packets[0];
    expect(layerNames(p)).toEqual(['frame', 'sll', 'ip', 'udp', 'vxlan', 'eth', 'arp']);
    expect(p.summary).toMatch(/VXLAN VNI 4097 · ARP, Request who-has 198\.19\.253\.10 tell 198\.19\.253\.9, length 28$/);
    expect(p.brief).toMatchObject({ proto: 'arp', ethDst: 'ff:ff:ff:ff:ff:ff', outer: { src: '198.19.253.1', dst: '198.19.253.2' } });
    expect(p.brief.src).toBeUndefined();
  });

  it('TCP stream tracking finds the inner segment', () => {
    const i = under.packets.findIndex((p) => field(p, 'tcp.flags') === 0x002);
    expect(locateTcp(under.data[i], LINKTYPE.LINUX_SLL2)).toMatchObject({ src: '198.19.253.9', dst: '198.19.253.10', dport: 8080, flags: 0x002 });
  });

  it('display filters: vxlan, vxlan.vni, inner fields by occurrence', () => {
    const hits = (f: string) => under.packets.filter(compileFilter(f)).length;
    expect(hits('vxlan')).toBe(under.packets.length);
    expect(hits('vxlan.vni == 4097')).toBe(under.packets.length);
    expect(hits('vxlan.vni == 42')).toBe(0);
    expect(hits('vxlan && http.request.method == "GET"')).toBe(1);
    expect(hits('ip.src#2 == 198.19.253.9')).toBe(hits('ip.src#1 == 198.19.253.1 && tcp'));
    expect(inner.packets.filter(compileFilter('vxlan'))).toEqual([]);
  });
});

describe('VXLAN on crafted frames', () => {
  const dec = (name: string, n?: number, wire?: number) => {
    const d = CRAFTED_VXLAN[name];
    // cut by the capture's snaplen: the wire length stays whole
    const data = n === undefined ? d : d.subarray(0, n);
    return decodePacket(rec(data, wire ?? d.length));
  };

  it('fields at their offsets, as Wireshark names them', () => {
    for (const [name, d] of Object.entries(CRAFTED_VXLAN)) {
      const p = dec(name);
      expect(p.error, name).toBeUndefined();
      checkFieldBytes(p, d);
    }
    const p = dec('vxlanHttp');
    expectFields(p, [
      ['eth.dst', HOSTS.macB, 0, 6], ['eth.src', HOSTS.macA, 6, 6], ['ip.src', HOSTS.a, 26, 4], ['udp.dstport', 4789, 36, 2],
      ['vxlan.flags', 0x0800, 42, 2], ['vxlan.flag_i', true, 42, 2], ['vxlan.flag_g', false, 42, 2], ['vxlan.flags_reserved', 0, 42, 2],
      ['vxlan.gbp', 0, 44, 2], ['vxlan.vni', 4097, 46, 3], ['vxlan.reserved8', 0, 49, 1],
      ['eth.dst', M.server, 50, 6], ['eth.src', M.lb, 56, 6], ['ip.src', A.client, 76, 4], ['tcp.dstport', 80, 86, 2],
    ]);
    expect(p.summary).toBe(`IP ${HOSTS.a}.50123 > ${HOSTS.b}.4789: VXLAN VNI 4097 · IP ${A.client}.54321 > ${A.server}.80: Flags [P.], seq 124:217, ack 2000, win 502, length 93: HTTP: GET /index.html?x=1 HTTP/1.1`);
    expect(dec('vxlanArp').summary).toMatch(/: VXLAN VNI 256 · ARP, Request who-has/);
  });

  it('a cut or broken frame says what, in one line, after the fields that fit', () => {
    const cutHeader = dec('vxlanHttp', 47);
    expect(cutHeader.error).toBe('truncated VXLAN header: 5 of 8 bytes');
    expect(cutHeader.summary).toBe(`IP ${HOSTS.a}.50123 > ${HOSTS.b}.4789: VXLAN, truncated [truncated VXLAN header: 5 of 8 bytes]`);
    expect(field(cutHeader, 'vxlan.flags')).toBe(0x0800);
    expect(field(cutHeader, 'vxlan.vni')).toBeUndefined();
    expect(dec('vxlanHttp', 58).error).toBe('truncated Ethernet header: 8 of 14 bytes');
    expect(dec('vxlanHttp', 58).summary).toMatch(/VXLAN VNI 4097 · truncated Ethernet frame \[/);
    expect(dec('vxlanHttp', 90).error).toBe('truncated TCP header: 6 of 20 bytes');
    // the UDP datagram itself ends inside the VXLAN header
    const short = Buffer.from(CRAFTED_VXLAN.vxlanHttp.subarray(0, 47));
    short.writeUInt16BE(47 - 14, 16);
    short.writeUInt16BE(13, 38);
    expect(decodePacket(rec(short)).error).toBe('truncated VXLAN header: 5 of 8 bytes');

    const noI = Buffer.from(CRAFTED_VXLAN.vxlanHttp);
    noI[42] = 0;
    const p = decodePacket(rec(noI));
    expect(p.error).toBe('VXLAN header without the I flag (flags 0x0000): its VNI is not valid');
    expect(field(p, 'http.request.method')).toBe('GET');
  });

  it('only UDP to port 4789 is VXLAN; an empty one is cut', () => {
    const other = Buffer.from(CRAFTED_VXLAN.vxlanHttp);
    other.writeUInt16BE(4790, 36);
    expect(layerNames(decodePacket(rec(other)))).toEqual(['frame', 'eth', 'ip', 'udp']);
  });
});
