// The hop between two hosts, on real kernel traffic (the fixtures
// vxlan-capture.sh made: a VXLAN overlay between two network namespaces, an
// HTTP exchange across it, captured on each VXLAN device as a node sees its
// interface and on each side's underlay as the per-host capture does).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JourneyHop, LabStatus, ServiceStatus } from '../../../electron/api';
import { readPcap } from '../../../electron/engine/capture/pcap-reader';
import { writePcap } from '../../../electron/engine/capture/pcap-writer';
import type { CapturedFile } from '../../../electron/engine/journey/capture-all';
import { assemble } from '../../../electron/engine/journey/journey';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { diffHops, hopFields } from '../../../electron/engine/journey/diff';
import { requestHops, type Hop } from '../../../electron/engine/journey/match';
import { framesOf } from '../../../electron/engine/journey/read';
import { underlayFrames, withUnderlay, type UnderlayFile } from '../../../electron/engine/journey/underlay';
import { CRAFTED, eth, HOSTS, ipv4, rec, udp, vxlan } from '../../support/capture-frames';

const FIXTURES = join(__dirname, '../capture/fixtures');
const read = (name: string) => readFileSync(join(FIXTURES, name));
const TOKEN = 'vxtoken-5f3a9c';
const MAC = { a: '02:42:0a:00:01:0a', b: '02:42:0a:00:01:0b' };
const ADDR = { client: '198.19.253.9', web: '198.19.253.10', hostA: '198.19.253.1', hostB: '198.19.253.2' };

/** A pcap with every timestamp moved by `ns` (another host's clock). */
function shifted(pcap: Buffer, ns: bigint): Buffer {
  const { header, records } = readPcap(pcap);
  return writePcap(records.map((r) => {
    const t = BigInt(r.sec) * 1_000_000_000n + BigInt(r.nsec) + ns;
    return { ...r, sec: Number(t / 1_000_000_000n), nsec: Number(t % 1_000_000_000n) };
  }), { linktype: header.linktype, nanos: true });
}

const nodeFiles: CapturedFile[] = [
  { node: 'client1', iface: 'eth0', mac: MAC.a, pcap: read('vxlan-inner-a.pcap') },
  { node: 'web1', iface: 'eth0', mac: MAC.b, pcap: read('vxlan-inner-b.pcap') },
];
const underlay = (skewB = 0n): UnderlayFile[] => [
  { host: 'a', pcap: read('vxlan-underlay-a.pcap'), ifaces: { 2: 'ens4' } },
  { host: 'b', pcap: shifted(read('vxlan-underlay-b.pcap'), skewB), ifaces: { 2: 'ens4' } },
];

const service: ServiceStatus = { name: 'web', balancer: 'lb', vip: ADDR.web, port: 8080, mode: 'nat', scheduler: 'maglev', backends: [{ node: 'web1', address: ADDR.web, weight: 1 }] };
const node = (name: string, kind: 'client' | 'server', mac: string, address: string) => ({
  name, kind, container: `lblab-vx-${name}`, state: 'running' as const, routes: [], interfaces: [{ name: 'eth0', network: 'wide', mac, address: `${address}/30` }],
});
const st: LabStatus = { name: 'vx', state: 'running', networks: [], nodes: [node('client1', 'client', MAC.a, ADDR.client), node('web1', 'server', MAC.b, ADDR.web)], services: [service] };
const HOST_OF: Record<string, string> = { client1: 'a', web1: 'b' };

function journeyOf(skewB = 0n) {
  return assemble(framesOf(nodeFiles), {
    st, service, client: 'client1',
    sent: { url: `http://${ADDR.web}:8080/${TOKEN}`, token: TOKEN, status: 200 },
    underlay: underlayFrames(underlay(skewB)),
    hostOf: (n) => HOST_OF[n],
  });
}
const where = (hops: JourneyHop[]) => hops.map((h) => `${h.node}/${h.direction}${h.underlay ? ' (underlay)' : ''}`);

describe('underlay frames', () => {
  it('are the hosts’ VXLAN frames, with the way each went and the interface by name', () => {
    const fs = underlayFrames(underlay());
    expect(fs.length).toBeGreaterThanOrEqual(20);
    expect(fs.every((f) => f.underlay && f.iface === 'ens4')).toBe(true);
    const get = fs.find((f) => f.node === 'a' && Buffer.from(f.raw).includes(TOKEN))!;
    expect(get.direction).toBe('out');
    expect(fs.find((f) => f.node === 'b' && Buffer.from(f.raw).includes(TOKEN))!.direction).toBe('in');
  });

  it('a file of other traffic adds nothing; an empty leg stays empty', () => {
    expect(underlayFrames([{ host: 'a', pcap: read('vxlan-inner-a.pcap') }])).toEqual([]);
    expect(withUnderlay([], underlayFrames(underlay()))).toEqual([]);
  });
});

describe('a journey across two hosts', () => {
  const j = journeyOf();

  it('the request crosses from host a to host b between the nodes, in path order', () => {
    expect(where(j.request.hops)).toEqual(['client1/out', 'a/out (underlay)', 'b/in (underlay)', 'web1/in']);
    expect(where(j.response.hops)).toEqual(['web1/out', 'b/out (underlay)', 'a/in (underlay)', 'client1/in']);
    expect(j.error).toBeUndefined();
    expect(j.backend).toBe('web1');
  });

  it('the hop into the underlay adds VXLAN between the hosts’ addresses, as the overlay does (expected), the frame unchanged', () => {
    const [c, a, b, w] = j.request.hops;
    expect(c).toMatchObject({ host: 'a', kind: 'client', network: 'wide', changes: [] });
    expect(c.underlay).toBeUndefined();
    expect(a).toMatchObject({ node: 'a', host: 'a', underlay: true, iface: 'ens4' });
    expect(a.kind).toBeUndefined();
    expect(a.changes.map((x) => [x.field, x.from, x.to, x.expected])).toEqual([
      ['encap', null, 'vxlan', true],
      ['underlay.ip.src', null, ADDR.hostA, true],
      ['underlay.ip.dst', null, ADDR.hostB, true],
      ['underlay.udp.dstport', null, 4789, true],
      ['vxlan.vni', null, 4097, true],
    ]);
    expect(a.changes[0].why).toMatch(/overlay network carries the frame to another host in VXLAN \(outer IPv4 and UDP 4789, VNI 4097\)/);
    expect(a.fields).toMatchObject({ encap: 'vxlan', 'underlay.ip.src': ADDR.hostA, 'vxlan.vni': 4097, 'ip.src': ADDR.client, 'eth.src': MAC.a });
    expect(a.summary).toMatch(/VXLAN VNI 4097 · IP 198\.19\.253\.9\.\d+ > 198\.19\.253\.10\.8080: .*GET \/vxtoken-5f3a9c/);
    expect(b.changes).toEqual([]);
    expect(w.changes.map((x) => [x.field, x.from, x.to, x.expected])).toEqual([['encap', 'vxlan', null, true]]);
    expect(w.changes[0].why).toMatch(/^b: the overlay network takes the VXLAN header off/);
    expect(w.fields.encap).toBeNull();
  });

  it('the response crosses back from host b to host a', () => {
    const [, b, a] = j.response.hops;
    expect(b.changes.find((x) => x.field === 'underlay.ip.src')).toMatchObject({ to: ADDR.hostB });
    expect(a.fields).toMatchObject({ 'underlay.ip.dst': ADDR.hostA, 'tcp.srcport': 8080 });
  });

  it('places the hop by the packet, not by the hosts’ clocks', () => {
    // host b's clock 10 s behind: its in hop would sort before everything
    const skewed = journeyOf(-10_000_000_000n);
    expect(where(skewed.request.hops)).toEqual(['client1/out', 'a/out (underlay)', 'b/in (underlay)', 'web1/in']);
  });

  it('only the journey’s packet: the TCP handshake and ARP crossing the same hosts stay out', () => {
    const req = requestHops(framesOf(nodeFiles), TOKEN);
    expect(withUnderlay(req, underlayFrames(underlay())).filter((h) => h.frame.underlay)).toHaveLength(2);
  });
});

describe('a tunnel across the overlay: IPIP inside VXLAN', () => {
  const frameOf = (node: string, raw: Buffer, direction: 'in' | 'out', underlay = false): Hop => ({
    frame: { node, iface: 'eth0', mac: '', ts: 1n, raw, packet: decodePacket(rec(raw)), direction, ...(underlay ? { underlay: true as const } : {}) },
    direction,
  });
  const ipip = CRAFTED.ipipTcp;
  const wrapped = eth(HOSTS.macB, HOSTS.macA, 0x0800, ipv4({ src: HOSTS.a, dst: HOSTS.b, proto: 17, payload: udp(50123, 4789, vxlan(4097, ipip), HOSTS.a, HOSTS.b) }));
  const ctx = { mode: 'tunnel' as const, kindOf: (n: string) => (n === 'lb' ? ('balancer' as const) : undefined) };

  it('the overlay adds VXLAN around the tunnel, whose outer header stays as the balancer made it', () => {
    const lb = frameOf('lb', ipip, 'out');
    const a = frameOf('a', wrapped, 'out', true);
    expect(hopFields(a.frame.packet)).toMatchObject({ encap: 'vxlan+ipip', 'outer.ip.src': '198.18.0.2', 'underlay.ip.src': HOSTS.a, 'vxlan.vni': 4097, 'ip.src': '198.18.0.10' });
    const cs = diffHops(lb, a, ctx);
    expect(cs.map((c) => [c.field, c.from, c.to, c.expected])).toEqual([
      ['encap', 'ipip', 'vxlan+ipip', true],
      ['underlay.ip.src', null, HOSTS.a, true],
      ['underlay.ip.dst', null, HOSTS.b, true],
      ['underlay.udp.dstport', null, 4789, true],
      ['vxlan.vni', null, 4097, true],
    ]);
    const web = frameOf('web1', ipip, 'in');
    expect(diffHops(frameOf('b', wrapped, 'in', true), web, ctx).map((c) => [c.field, c.from, c.to])).toEqual([['encap', 'vxlan+ipip', 'ipip']]);
  });
});
