import { describe, expect, it } from 'vitest';
import { directionOf } from '../../../electron/engine/journey/frame';
import { orderHops, requestHops, responseHops, statusCode, synHops, type Hop } from '../../../electron/engine/journey/match';
import { frame, IP, MAC, REQUEST, RESPONSE, TOKEN } from './packets';
import { scenario } from './scenarios';

const path = (hops: Hop[]) => hops.map((h) => `${h.frame.node}/${h.frame.iface}/${h.direction}`);

describe('the request at every hop', () => {
  it.each([
    ['dsr', ['client1/eth0/out', 'lb/eth1/in', 'lb/eth0/out', 'web1/eth0/in']],
    ['tunnel', ['client1/eth0/out', 'lb/eth1/in', 'lb/eth0/out', 'web1/eth0/in']],
    ['nat', ['client1/eth0/out', 'lb/eth1/in', 'lb/eth0/out', 'web1/eth0/in']],
    ['l7', ['client1/eth0/out', 'lb/eth1/in', 'lb/eth0/out', 'web1/eth0/in']],
  ] as const)('%s: the frames carrying the token, in time order, handshake and health checks left out', (mode, want) => {
    expect(path(requestHops(scenario(mode), TOKEN))).toEqual(want);
  });

  it('finds nothing when no frame carries the token', () => {
    expect(requestHops(scenario('dsr'), 'not-there')).toEqual([]);
  });

  it('takes a retransmission on the same interface as the same hop (the first copy)', () => {
    const f = (ts: number) => frame({ node: 'client1', mac: MAC.client1, ts, eth: { src: MAC.client1, dst: MAC.lbFront }, ip: { src: IP.client1, dst: IP.vip }, tcp: { srcport: 1, dstport: 80 }, payload: REQUEST });
    const hops = requestHops([f(300), f(100), f(200)], TOKEN);
    expect(hops.map((h) => h.frame.ts)).toEqual([100n]);
  });

  it('one interface seeing the packet both ways (a one-arm balancer) gives two hops, in then out', () => {
    const lb = { node: 'lb', mac: MAC.lbFront };
    const p = { ip: { src: IP.client1, dst: IP.vip }, tcp: { srcport: 1, dstport: 80 }, payload: REQUEST };
    const hops = requestHops(
      [frame({ ...lb, ...p, ts: 20, eth: { src: MAC.lbFront, dst: MAC.web1 } }), frame({ ...lb, ...p, ts: 10, eth: { src: MAC.client1, dst: MAC.lbFront } })],
      TOKEN,
    );
    expect(path(hops)).toEqual(['lb/eth0/in', 'lb/eth0/out']);
  });
});

describe('direction and order', () => {
  it('a frame is out when its source MAC is the capturing interface’s own (any case), else in', () => {
    const p = { node: 'lb', ts: 1, ip: { src: IP.client1, dst: IP.vip }, tcp: { srcport: 1, dstport: 80 } };
    expect(directionOf(frame({ ...p, mac: MAC.lbBack.toUpperCase(), eth: { src: MAC.lbBack, dst: MAC.web1 } }))).toBe('out');
    expect(directionOf(frame({ ...p, mac: MAC.lbFront, eth: { src: MAC.client1, dst: MAC.lbFront } }))).toBe('in');
  });

  it('orders by time, and on a tie puts the sender’s copy before the receiver’s', () => {
    const at = (node: string, ts: number, direction: 'in' | 'out'): Hop => ({ direction, frame: frame({ node, mac: 'x', ts, eth: { src: 'a', dst: 'b' }, ip: { src: '1.1.1.1', dst: '2.2.2.2' }, tcp: { srcport: 1, dstport: 2 } }) });
    const hops = [at('web1', 7, 'in'), at('lb', 7, 'out'), at('client1', 3, 'out'), at('lb', 5, 'in')];
    expect(orderHops(hops).map((h) => `${h.frame.node}/${h.direction}`)).toEqual(['client1/out', 'lb/in', 'lb/out', 'web1/in']);
    // the input order does not matter
    expect(orderHops([...hops].reverse()).map((h) => `${h.frame.node}/${h.direction}`)).toEqual(['client1/out', 'lb/in', 'lb/out', 'web1/in']);
  });

  it('on a tie at one node, what it received comes before what it forwarded (a forwarded frame may keep its receive time)', () => {
    const at = (node: string, ts: number, direction: 'in' | 'out'): Hop => ({ direction, frame: frame({ node, mac: 'x', ts, eth: { src: 'a', dst: 'b' }, ip: { src: '1.1.1.1', dst: '2.2.2.2' }, tcp: { srcport: 1, dstport: 2 } }) });
    const order = (hs: Hop[]) => orderHops(hs).map((h) => `${h.frame.node}/${h.direction}`);
    expect(order([at('lb', 5, 'out'), at('lb', 5, 'in'), at('client1', 3, 'out')])).toEqual(['client1/out', 'lb/in', 'lb/out']);
    // all four at once: client out → lb in → lb out → web1 in
    expect(order([at('web1', 5, 'in'), at('lb', 5, 'out'), at('lb', 5, 'in'), at('client1', 5, 'out')])).toEqual(['client1/out', 'lb/in', 'lb/out', 'web1/in']);
  });
});

describe('the response at every hop', () => {
  it.each([
    ['dsr', ['web1/eth0/out', 'r1/eth0/in', 'r1/eth1/out', 'client1/eth0/in']],
    ['tunnel', ['web1/eth0/out', 'r1/eth0/in', 'r1/eth1/out', 'client1/eth0/in']],
    ['nat', ['web1/eth0/out', 'lb/eth0/in', 'lb/eth1/out', 'client1/eth0/in']],
    ['snat', ['web1/eth0/out', 'lb/eth0/in', 'lb/eth1/out', 'client1/eth0/in']],
    // the proxy's connection to the server is known from the request hops after the proxy
    ['l4proxy', ['web1/eth0/out', 'lb/eth0/in', 'lb/eth1/out', 'client1/eth0/in']],
    ['l7', ['web1/eth0/out', 'lb/eth0/in', 'lb/eth1/out', 'client1/eth0/in']],
  ] as const)('%s: the first status line back on the request’s connections (not a health check’s)', (mode, want) => {
    const frames = scenario(mode);
    const res = responseHops(frames, requestHops(frames, TOKEN));
    expect(path(res)).toEqual(want);
    expect(statusCode(res[0].frame)).toBe(200);
  });

  it('ignores a status line seen before the request (an earlier connection with the same ports)', () => {
    const frames = scenario('nat');
    const req = requestHops(frames, TOKEN);
    const early = frame({ node: 'client1', mac: MAC.client1, ts: 10, eth: { src: MAC.lbFront, dst: MAC.client1 }, ip: { src: IP.vip, dst: IP.client1 }, tcp: { srcport: 80, dstport: 42074 }, payload: RESPONSE });
    const res = responseHops([early, ...frames], req);
    expect(res.find((h) => h.frame.node === 'client1')?.frame.ts).toBe(2_025_000n);
  });

  it('has no response without request hops', () => {
    expect(responseHops(scenario('dsr'), [])).toEqual([]);
  });
});

describe('when no data was sent', () => {
  it('follows the client’s SYN by its sequence number', () => {
    const frames = scenario('nat');
    const hops = synHops(frames, { node: 'client1', addresses: [IP.client1] }, IP.vip, 80);
    expect(path(hops)).toEqual(['client1/eth0/out', 'lb/eth1/in']);
    expect(synHops(frames, { node: 'client1', addresses: [IP.client1] }, IP.vip, 8080)).toEqual([]);
  });
});
