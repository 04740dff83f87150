// The journey of a request to an IPv4 VIP whose tunnel crosses an IPv6 underlay ("4in6"), on frames the
// capture decoder decodes from real bytes: the balancer adds an outer IPv6 header (next header 4) named
// ipip6, the inner fields stay IPv4's, the server's hop takes the header off; the capture filter lets those
// frames through.
import { describe, expect, it } from 'vitest';
import type { JourneyChange, Mode, NodeKind } from '../../../electron/api';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { diffHops, hopFields } from '../../../electron/engine/journey/diff';
import { encapOf, outerFamilyOf, tupleOf, type Frame } from '../../../electron/engine/journey/frame';
import { JOURNEY_FILTER } from '../../../electron/engine/journey/journey';
import { requestHops } from '../../../electron/engine/journey/match';
import { TCP, buildFrame, mac } from '../../support/bpf/packet';
import { ip6 } from '../../support/bpf/packet6';

const MAC = { client1: '02:42:c6:12:f2:03', lbFront: '02:42:c6:12:f2:02', lbBack: '02:42:c6:12:f3:02', web1: '02:42:c6:12:f3:04' };
const IP = { client1: '198.18.242.3', vip: '198.18.242.254' };
const IP6 = { lbBack: 'fd00:4c42:0:f3::2', web1: 'fd00:4c42:0:f3::4' };
const KINDS: Record<string, NodeKind> = { client1: 'client', lb: 'balancer', web1: 'server' };
const TOKEN = 'lblab-journey-4646';
const REQUEST = `GET / HTTP/1.1\r\nHost: ${IP.vip}\r\nX-Lblab-Journey: ${TOKEN}\r\n\r\n`;

interface Seen { node: string; iface: string; mac: string; ts: number; eth: [string, string]; outer?: boolean }

/** One captured frame: the client's IPv4 request, wrapped in IPv6 as the balancer does when `outer`, then decoded. */
function seen(s: Seen): Frame {
  const f = buildFrame({ proto: 'tcp', src: IP.client1, dst: IP.vip, sport: 40000, dport: 80, flags: TCP.ACK | TCP.PSH, payload: Buffer.from(REQUEST), ttl: 64 });
  let data = Buffer.concat([mac(s.eth[1]), mac(s.eth[0]), f.subarray(12)]);
  if (s.outer) {
    const inner = f.subarray(14);
    const h = Buffer.alloc(40);
    h.writeUInt32BE(0x60000000, 0);
    h.writeUInt16BE(inner.length, 4);
    h[6] = 4; // IPv4 in IPv6
    h[7] = 64;
    ip6(IP6.lbBack).copy(h, 8);
    ip6(IP6.web1).copy(h, 24);
    data = Buffer.concat([mac(s.eth[1]), mac(s.eth[0]), Buffer.from([0x86, 0xdd]), h, inner]);
  }
  return { node: s.node, iface: s.iface, mac: s.mac, ts: BigInt(s.ts), raw: data, packet: decodePacket({ sec: 0, nsec: s.ts, len: data.length, data }, { linktype: 1 }) };
}

function requestFrames(): Frame[] {
  const sent: Seen = { node: 'client1', iface: 'eth0', mac: MAC.client1, ts: 1000, eth: [MAC.client1, MAC.lbFront] };
  const atLb: Seen = { ...sent, node: 'lb', iface: 'eth0', mac: MAC.lbFront, ts: 1010 };
  const left: Seen = { ...sent, node: 'lb', iface: 'eth1', mac: MAC.lbBack, ts: 1020, eth: [MAC.lbBack, MAC.web1], outer: true };
  const atWeb1: Seen = { ...left, node: 'web1', iface: 'eth0', mac: MAC.web1, ts: 1030 };
  return [sent, atLb, left, atWeb1].map(seen);
}

const ctx = { mode: 'tunnel' as Mode, kindOf: (n: string) => KINDS[n] };

describe('the journey of a tunnel over IPv6 (4in6)', () => {
  it('the balancer adds an outer IPv6 header (ipip6: IPv4 in IPv6), from its IPv6 address to the server\'s', () => {
    const hops = requestHops(requestFrames(), TOKEN);
    expect(hops.map((h) => `${h.frame.node}/${h.frame.iface}/${h.direction}`)).toEqual(['client1/eth0/out', 'lb/eth0/in', 'lb/eth1/out', 'web1/eth0/in']);
    expect(diffHops(hops[2], hops[3], ctx)).toEqual([]);
    const cs: JourneyChange[] = diffHops(hops[1], hops[2], ctx);
    expect(cs.find((c) => c.field === 'encap')).toMatchObject({ from: null, to: 'ipip6', expected: false, why: 'tunnel: lb wraps the packet in an outer IPv6 header (ipip6: IPv4 in IPv6)' });
    expect(cs.find((c) => c.field === 'outer.ipv6.src')).toMatchObject({ from: null, to: IP6.lbBack });
    expect(cs.find((c) => c.field === 'outer.ipv6.dst')).toMatchObject({ from: null, to: IP6.web1 });
    // the inner packet is the client's IPv4 one, untouched
    expect(cs.some((c) => c.field.startsWith('ip.') || c.field.startsWith('tcp.'))).toBe(false);
  });

  it('a 4in6 frame reads as IPv4 inside, IPv6 outside (Wireshark: ipv6.nxt 4, then ip.*)', () => {
    const atWeb1 = requestFrames()[3].packet;
    expect(encapOf(atWeb1)).toBe('ipip6');
    expect(outerFamilyOf(atWeb1)).toBe('ipv6');
    expect(atWeb1.layers.map((l) => l.name)).toEqual(['frame', 'eth', 'ipv6', 'ip', 'tcp', 'http']);
    expect(atWeb1.layers.find((l) => l.name === 'ipv6')!.fields.find((f) => f.name === 'ipv6.nxt')!.value).toBe(4);
    expect(hopFields(atWeb1)).toMatchObject({ 'ip.src': IP.client1, 'ip.dst': IP.vip, encap: 'ipip6', 'outer.ipv6.src': IP6.lbBack, 'outer.ipv6.dst': IP6.web1 });
    expect(tupleOf(atWeb1)).toEqual({ src: IP.client1, sport: 40000, dst: IP.vip, dport: 80 });
  });

  it('the capture filter takes IPv4 in IPv6 beside IPIP and ip6ip6', () => {
    expect(JOURNEY_FILTER(80)).toBe('tcp port 80 or ip proto 4 or ip6 proto 41 or ip6 proto 4');
  });
});
