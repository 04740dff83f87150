// The journey over IPv6, on frames the capture decoder decodes from real bytes: the request found
// by its token, each mode's rewrite named with Wireshark's IPv6 fields (dsr: eth.dst only; tunnel:
// the outer IPv6 header of ip6ip6; nat: ipv6.dst; snat: ipv6.src too), the hop limit like the TTL.
import { describe, expect, it } from 'vitest';
import type { JourneyChange, LabStatus, Mode, NodeKind } from '../../../electron/api';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { diffHops, hopFields } from '../../../electron/engine/journey/diff';
import { encapOf, tupleOf, type Frame } from '../../../electron/engine/journey/frame';
import { assemble } from '../../../electron/engine/journey/journey';
import { requestHops, responseHops } from '../../../electron/engine/journey/match';
import { resolveJourney } from '../../../electron/engine/journey/resolve';
import { requestOf } from '../../../electron/engine/journey/send';
import { TCP } from '../../support/bpf/packet';
import { buildIp6, ip6, type Frame6Spec } from '../../support/bpf/packet6';
import { mac } from '../../support/bpf/packet';

const MAC = { client1: '02:42:c6:12:f2:03', lbFront: '02:42:c6:12:f2:02', lbBack: '02:42:c6:12:f3:02', web1: '02:42:c6:12:f3:04' };
const IP6 = { client1: 'fd00:4c42:0:f2::3', vip6: 'fd00:4c42:0:f2::fe', lbBack: 'fd00:4c42:0:f3::2', web1: 'fd00:4c42:0:f3::4' };
const KINDS: Record<string, NodeKind> = { client1: 'client', lb: 'balancer', web1: 'server' };
const TOKEN = 'lblab-journey-6a6b';
const REQUEST = `GET / HTTP/1.1\r\nHost: [${IP6.vip6}]\r\nX-Lblab-Journey: ${TOKEN}\r\n\r\n`;
const RESPONSE = 'HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n';

interface Seen { node: string; iface: string; mac: string; ts: number; eth: [string, string]; ip: Frame6Spec; outer?: [string, string] }

/** One captured frame: the bytes built, then decoded as a capture would be. */
function seen(s: Seen): Frame {
  const inner = buildIp6(s.ip);
  let l3 = inner;
  if (s.outer) {
    // ip6ip6 (RFC 2473): a fixed header, next header 41, around the packet
    const h = Buffer.alloc(40);
    h.writeUInt32BE(0x60000000, 0);
    h.writeUInt16BE(inner.length, 4);
    h[6] = 41;
    h[7] = 64;
    ip6(s.outer[0]).copy(h, 8);
    ip6(s.outer[1]).copy(h, 24);
    l3 = Buffer.concat([h, inner]);
  }
  const data = Buffer.concat([mac(s.eth[1]), mac(s.eth[0]), Buffer.from([0x86, 0xdd]), l3]);
  return { node: s.node, iface: s.iface, mac: s.mac, ts: BigInt(s.ts), raw: data, packet: decodePacket({ sec: 0, nsec: s.ts, len: data.length, data }, { linktype: 1 }) };
}

const req = (over: Partial<Frame6Spec> = {}): Frame6Spec => ({ proto: 'tcp', src: IP6.client1, dst: IP6.vip6, sport: 40000, dport: 80, flags: TCP.ACK | TCP.PSH, payload: Buffer.from(REQUEST), hops: 64, ...over });

/** The request from client1 through lb to web1 in a mode, as each interface saw it. */
function requestFrames(mode: Mode): Frame[] {
  const sent: Seen = { node: 'client1', iface: 'eth0', mac: MAC.client1, ts: 1000, eth: [MAC.client1, MAC.lbFront], ip: req() };
  const atLb: Seen = { ...sent, node: 'lb', iface: 'eth0', mac: MAC.lbFront, ts: 1010 };
  const out: Record<string, Partial<Seen>> = {
    dsr: {},
    tunnel: { outer: [IP6.lbBack, IP6.web1] },
    nat: { ip: req({ dst: IP6.web1, hops: 63 }) },
    snat: { ip: req({ src: IP6.lbBack, sport: 61000, dst: IP6.web1, hops: 63 }) },
  };
  const left: Seen = { ...sent, node: 'lb', iface: 'eth1', mac: MAC.lbBack, ts: 1020, eth: [MAC.lbBack, MAC.web1], ...out[mode] };
  const atWeb1: Seen = { ...left, node: 'web1', iface: 'eth0', mac: MAC.web1, ts: 1030 };
  return [sent, atLb, left, atWeb1].map(seen);
}

const ctxFor = (mode: Mode) => ({ mode, kindOf: (n: string) => KINDS[n] });
function atBalancerOut(mode: Mode): JourneyChange[] {
  const hops = requestHops(requestFrames(mode), TOKEN);
  expect(hops.map((h) => `${h.frame.node}/${h.frame.iface}/${h.direction}`)).toEqual(['client1/eth0/out', 'lb/eth0/in', 'lb/eth1/out', 'web1/eth0/in']);
  // nothing changes on a link
  expect(diffHops(hops[0], hops[1], ctxFor(mode))).toEqual([]);
  expect(diffHops(hops[2], hops[3], ctxFor(mode))).toEqual([]);
  return diffHops(hops[1], hops[2], ctxFor(mode));
}
const names = (cs: JourneyChange[], expected: boolean) => cs.filter((c) => c.expected === expected).map((c) => c.field).sort();

describe('the journey over IPv6', () => {
  it.each([
    ['dsr', ['eth.dst'], ['eth.src']],
    ['tunnel', ['encap', 'outer.ipv6.dst', 'outer.ipv6.src'], ['eth.dst', 'eth.src']],
    ['nat', ['ipv6.dst'], ['eth.dst', 'eth.src', 'ipv6.hlim', 'tcp.checksum']],
    ['snat', ['ipv6.dst', 'ipv6.src', 'tcp.srcport'], ['eth.dst', 'eth.src', 'ipv6.hlim', 'tcp.checksum']],
  ] as const)('%s: the balancer rewrites %j; %j are what any forwarding hop does', (mode, rewritten, usual) => {
    const cs = atBalancerOut(mode);
    expect(names(cs, false)).toEqual([...rewritten].sort());
    expect(names(cs, true)).toEqual([...usual].sort());
    // IPv4's names never appear in an IPv6 journey
    expect(cs.some((c) => c.field.startsWith('ip.') || c.field.startsWith('outer.ip.'))).toBe(false);
  });

  it('tunnel: the outer IPv6 header named as ip6ip6, from the balancer to the server', () => {
    const cs = atBalancerOut('tunnel');
    expect(cs.find((c) => c.field === 'encap')).toMatchObject({ from: null, to: 'ip6ip6', why: 'tunnel: lb wraps the packet in an outer IPv6 header (ip6ip6)' });
    expect(cs.find((c) => c.field === 'outer.ipv6.src')).toMatchObject({ from: null, to: IP6.lbBack });
    expect(cs.find((c) => c.field === 'outer.ipv6.dst')).toMatchObject({ from: null, to: IP6.web1 });
    const atWeb1 = requestFrames('tunnel')[3].packet;
    expect(encapOf(atWeb1)).toBe('ip6ip6');
    // the fields shown are the inner packet's, the outer header's beside them
    expect(hopFields(atWeb1)).toEqual({
      'eth.src': MAC.lbBack, 'eth.dst': MAC.web1, 'ipv6.src': IP6.client1, 'ipv6.dst': IP6.vip6, 'ipv6.hlim': 64,
      'tcp.srcport': 40000, 'tcp.dstport': 80, 'tcp.checksum': expect.stringMatching(/^0x[0-9a-f]{4}$/) as unknown as string,
      encap: 'ip6ip6', 'outer.ipv6.src': IP6.lbBack, 'outer.ipv6.dst': IP6.web1,
    });
    expect(tupleOf(atWeb1)).toEqual({ src: IP6.client1, sport: 40000, dst: IP6.vip6, dport: 80 });
  });

  it('a hop limit changed by a node without forwarding is a rewrite, like a TTL', () => {
    const frames = requestFrames('dsr');
    const hops = requestHops(frames, TOKEN);
    const odd = seen({ node: 'lb', iface: 'eth1', mac: MAC.lbBack, ts: 1020, eth: [MAC.lbBack, MAC.web1], ip: req({ hops: 60 }) });
    const c = diffHops(hops[1], { frame: odd, direction: 'out' }, ctxFor('dsr')).find((x) => x.field === 'ipv6.hlim');
    expect(c).toMatchObject({ from: 64, to: 60, expected: false, why: 'lb changed the hop limit' });
  });

  it('assembled: the VIP6 and family 6, the response that bypasses the balancer in dsr', () => {
    const frames = requestFrames('dsr');
    const back = (node: string, iface: string, m: string, ts: number, eth: [string, string]) =>
      seen({ node, iface, mac: m, ts, eth, ip: { proto: 'tcp', src: IP6.vip6, dst: IP6.client1, sport: 80, dport: 40000, flags: TCP.ACK | TCP.PSH, payload: Buffer.from(RESPONSE), hops: 64 } });
    frames.push(back('web1', 'eth0', MAC.web1, 2000, [MAC.web1, '02:42:c6:12:f3:03']), back('client1', 'eth0', MAC.client1, 2010, ['02:42:c6:12:f2:09', MAC.client1]));
    const st: LabStatus = {
      name: 'ds', state: 'running', networks: [], services: [{ name: 'web', balancer: 'lb', vip: '198.18.242.254', vip6: IP6.vip6, port: 80, mode: 'dsr', scheduler: 'rr', backends: [] }],
      nodes: (['client1', 'lb', 'web1'] as const).map((n) => ({ name: n, kind: KINDS[n], container: n, state: 'running' as const, routes: [], interfaces: [] })),
    };
    const j = assemble(frames, { st, service: st.services[0], vip: IP6.vip6, client: 'client1', sent: { url: `http://[${IP6.vip6}]:80/`, token: TOKEN, status: 200, localPort: 40000 } });
    expect(j).toMatchObject({ vip: IP6.vip6, family: 6, backend: 'web1', client: { node: 'client1', address: IP6.client1, port: 40000 } });
    expect(j.response.hops.map((h) => h.node)).toEqual(['web1', 'client1']);
    expect(j.response.viaBalancer).toBe(false);
    expect(responseHops(frames, requestHops(frames, TOKEN))).toHaveLength(2);
  });

  it('asks for the vip6 (the URL in brackets), and refuses a service without one in one line', () => {
    expect(requestOf(undefined, IP6.vip6, 80).url).toBe(`http://[${IP6.vip6}]:80/`);
    expect(requestOf('tcp', IP6.vip6, 2379).url).toBe(`etcd://[${IP6.vip6}]:2379`);
    expect(requestOf(undefined, '198.18.0.1', 80).url).toBe('http://198.18.0.1:80/');
    const node = (name: string, kind: NodeKind) => ({ name, kind, container: name, state: 'running' as const, routes: [], interfaces: [] });
    const svc = { name: 'web', balancer: 'lb', vip: '198.18.0.100', port: 80, mode: 'dsr' as const, scheduler: 'rr' as const, backends: [] };
    const st = (vip6?: string): LabStatus => ({ name: 'x', state: 'running', networks: [], nodes: [node('c1', 'client'), node('lb', 'balancer')], services: [{ ...svc, ...(vip6 && { vip6 }) }] });
    expect(resolveJourney(st(IP6.vip6), { family: 6 }).vip).toBe(IP6.vip6);
    expect(resolveJourney(st(IP6.vip6), {}).vip).toBe('198.18.0.100');
    expect(() => resolveJourney(st(), { family: 6 })).toThrow('service web of lab x has no IPv6 VIP (give it vip6 on a network with subnet6) to follow a request over IPv6');
  });
});
