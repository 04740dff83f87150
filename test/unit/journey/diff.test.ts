import { describe, expect, it } from 'vitest';
import type { JourneyChange, Mode } from '../../../electron/api';
import { diffHops, hopFields } from '../../../electron/engine/journey/diff';
import { requestHops, responseHops, type Hop } from '../../../electron/engine/journey/match';
import { frame, IP, MAC, TOKEN } from './packets';
import { KINDS, scenario } from './scenarios';

const ctxFor = (mode: Mode) => ({ mode, kindOf: (n: string) => KINDS[n] });

/** The changes at each hop of a path, keyed `node/iface/direction`. */
function changesAlong(hops: Hop[], mode: Mode): Map<string, JourneyChange[]> {
  return new Map(hops.map((h, i) => [`${h.frame.node}/${h.frame.iface}/${h.direction}`, diffHops(hops[i - 1], h, ctxFor(mode))]));
}
const rewrites = (cs: JourneyChange[] | undefined) => (cs ?? []).filter((c) => !c.expected).map((c) => c.field).sort();
const expected = (cs: JourneyChange[] | undefined) => (cs ?? []).filter((c) => c.expected).map((c) => c.field).sort();

function journey(mode: Mode) {
  const frames = scenario(mode);
  const req = requestHops(frames, TOKEN);
  return { request: changesAlong(req, mode), response: changesAlong(responseHops(frames, req), mode) };
}

describe("each mode's rewrite at the balancer's out hop", () => {
  it.each([
    ['dsr', ['eth.dst'], ['eth.src']],
    ['tunnel', ['encap', 'outer.ip.dst', 'outer.ip.src'], ['eth.dst', 'eth.src']],
    ['nat', ['ip.dst'], ['eth.dst', 'eth.src', 'ip.checksum', 'tcp.checksum']],
    ['snat', ['ip.dst', 'ip.src', 'tcp.srcport'], ['eth.dst', 'eth.src', 'ip.checksum', 'tcp.checksum']],
    ['l4proxy', ['tcp.stream'], []],
    ['l7', ['tcp.stream'], []],
  ] as const)('%s rewrites %j; %j are what any forwarding hop does', (mode, rewritten, usual) => {
    const { request } = journey(mode);
    const lbOut = request.get('lb/eth0/out');
    expect(rewrites(lbOut)).toEqual([...rewritten].sort());
    expect(expected(lbOut)).toEqual([...usual].sort());
    // nothing changes on a link, nor before the balancer
    for (const key of ['client1/eth0/out', 'lb/eth1/in', 'web1/eth0/in']) expect(request.get(key), key).toEqual([]);
  });

  it('dsr: the new source MAC is the balancer’s own, and says so', () => {
    const src = journey('dsr').request.get('lb/eth0/out')!.find((c) => c.field === 'eth.src')!;
    expect(src).toMatchObject({ from: MAC.client1, to: MAC.lbBack, expected: true });
    expect(src.why).toMatch(/own MAC/);
    expect(journey('dsr').request.get('lb/eth0/out')!.find((c) => c.field === 'eth.dst')).toMatchObject({ from: MAC.lbFront, to: MAC.web1, expected: false });
  });

  it('tunnel: the outer header appears from nothing, the inner one is untouched', () => {
    const cs = journey('tunnel').request.get('lb/eth0/out')!;
    expect(cs.find((c) => c.field === 'encap')).toMatchObject({ from: null, to: 'ipip' });
    expect(cs.find((c) => c.field === 'outer.ip.src')).toMatchObject({ from: null, to: IP.lbBack });
    expect(cs.find((c) => c.field === 'outer.ip.dst')).toMatchObject({ from: null, to: IP.web1 });
    expect(cs.some((c) => c.field.startsWith('ip.'))).toBe(false);
  });

  it('a proxy shows a new connection instead of its address, port and MAC changes', () => {
    const c = journey('l4proxy').request.get('lb/eth0/out')!;
    expect(c).toEqual([expect.objectContaining({ field: 'tcp.stream', from: `${IP.client1}:42074 > ${IP.vip}:80`, to: `${IP.lbBack}:53494 > ${IP.web1}:80` })]);
  });
});

describe('the response', () => {
  it('dsr: a router on the way decrements the TTL and changes MACs, all expected', () => {
    const r1 = journey('dsr').response.get('r1/eth1/out')!;
    expect(rewrites(r1)).toEqual([]);
    expect(expected(r1)).toEqual(['eth.dst', 'eth.src', 'ip.checksum', 'ip.ttl']);
    expect(r1.find((c) => c.field === 'ip.ttl')).toMatchObject({ from: 64, to: 63 });
  });

  it('nat: the source goes back to the VIP at the balancer', () => {
    const lb = journey('nat').response.get('lb/eth1/out')!;
    expect(rewrites(lb)).toEqual(['ip.src']);
    expect(lb.find((c) => c.field === 'ip.src')).toMatchObject({ from: IP.web1, to: IP.vip });
  });

  it('snat: source and destination and the client port come back', () => {
    expect(rewrites(journey('snat').response.get('lb/eth1/out'))).toEqual(['ip.dst', 'ip.src', 'tcp.dstport']);
  });

  it('l7: the answer to the client is the proxy’s other connection', () => {
    expect(rewrites(journey('l7').response.get('lb/eth1/out'))).toEqual(['tcp.stream']);
  });
});

describe('other hops', () => {
  const base = { node: 'srv', mac: MAC.web1, ts: 1, eth: { src: MAC.lbBack, dst: MAC.web1 }, ip: { src: IP.client1, dst: IP.vip }, tcp: { srcport: 1, dstport: 80 } };
  const ctx = ctxFor('tunnel');

  it('decapsulation is one change: encap ipip → none', () => {
    const wrapped: Hop = { direction: 'in', frame: frame({ ...base, outer: { src: IP.lbBack, dst: IP.web1 } }) };
    const plain: Hop = { direction: 'out', frame: frame({ ...base, node: 'lb', mac: MAC.lbBack }) };
    expect(diffHops(wrapped, plain, { mode: 'tunnel', kindOf: () => 'balancer' })).toEqual([expect.objectContaining({ field: 'encap', from: 'ipip', to: null, expected: false })]);
  });

  it('a change on a link (between an out hop and the next in hop) is never expected', () => {
    const a: Hop = { direction: 'out', frame: frame({ ...base, node: 'lb' }) };
    const b: Hop = { direction: 'in', frame: frame({ ...base, ip: { ...base.ip, ttl: 63 } }) };
    expect(diffHops(a, b, ctx)).toEqual([expect.objectContaining({ field: 'ip.ttl', expected: false })]);
  });

  it('a TTL that goes up is not a forwarding hop’s doing', () => {
    const a: Hop = { direction: 'in', frame: frame({ ...base, node: 'r1', ip: { ...base.ip, ttl: 10 } }) };
    const b: Hop = { direction: 'out', frame: frame({ ...base, node: 'r1', ip: { ...base.ip, ttl: 11 } }) };
    expect(diffHops(a, b, { mode: 'dsr', kindOf: () => 'router' })[0]).toMatchObject({ field: 'ip.ttl', expected: false });
  });

  it('the first hop has no changes', () => {
    expect(diffHops(undefined, { direction: 'out', frame: frame(base) }, ctx)).toEqual([]);
  });

  it('shows checksums in hex, the outer header only when there is one', () => {
    const plain = hopFields(frame({ ...base, ip: { ...base.ip, checksum: 0x2e } }).packet);
    expect(plain).toMatchObject({ 'ip.checksum': '0x002e', 'ip.dst': IP.vip, 'tcp.dstport': 80, encap: null });
    expect(plain).not.toHaveProperty('outer.ip.src');
    expect(hopFields(frame({ ...base, outer: { src: IP.lbBack, dst: IP.web1 } }).packet)).toMatchObject({ encap: 'ipip', 'outer.ip.src': IP.lbBack });
  });
});
