// Flow lifetimes (flow.h, gc.h): what a flow holds — its lb_flows entries,
// its snat port, its active count — is given back once it is closed and has
// lingered, or has been idle past the timeout of its state; the sweep
// (lb_gc, run here by hand: dp.sweep()) deletes expired entries and reports
// the ports each backend holds. Many flows come from bench.bpf.o's `flood`
// (a new 5-tuple per run).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, TC_ACT_SHOT, delta, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, SNAT_ADDR, VIP, backend, beAddr, beMac, beOfMac, service } from './fixtures';
import { LB_MAC, TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { RING_SIZE, SNAT_PORT_MIN, SNAT_PORT_SPAN, TICK_NS } from '../../lab-images/balancer/agent/dataplane-abi';
import { DEFAULT_FLOW_TIMEOUTS } from '../../lab-images/balancer/contract/config';

const skip = skipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A tick of the data plane's clock in ms, and a margin over n of them. */
const TICK_MS = TICK_NS / 1e6;
const past = (ticks: number) => sleep(Math.ceil((ticks + 1) * TICK_MS) + 150);

describe('snat ports: given back after close and linger', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('snatports', 'bench.bpf.o');
    // one backend: all the range's ports are its; ports rest one tick once given back (test/core/snat-pool.test.ts
    // holds the rest to the servers' TIME_WAIT)
    await lab.dp.applyService(service({ id: 1, mode: 'snat', snatAddress: SNAT_ADDR, backends: [backend(1)], table: new Array<number>(RING_SIZE).fill(1) }));
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, tcpClosed: 1 }, 1);
  });
  afterAll(async () => { await lab?.stop(); });

  const syn = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 1, dport: 80, flags: TCP.SYN });
  const rst = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 1, dport: 80, flags: TCP.RST | TCP.ACK });

  it('a full range of short flows, closed, then another: every flow gets a port, none is dropped', async () => {
    const round = async (first: number) => {
      const before = await lab.stats();
      lab.floodFrom(first);
      expect(lab.flood(syn, SNAT_PORT_SPAN)).toBe(TC_ACT_REDIRECT);
      const opened = delta(before, await lab.stats());
      expect(opened).toMatchObject({ snat_fwd: SNAT_PORT_SPAN, new_flow: SNAT_PORT_SPAN, 'be1.active': SNAT_PORT_SPAN });
      expect(opened['drop.snat_ports']).toBeUndefined();
      await lab.dp.sweep();
      expect((await lab.stats())['be1.ports']).toBe(SNAT_PORT_SPAN);
      // the clients close them all (RST): the counts come back at once, the ports after the linger
      lab.floodFrom(first);
      lab.flood(rst, SNAT_PORT_SPAN);
      const closed = await lab.stats();
      expect(closed['be1.active']).toBe(0);
      await lab.dp.sweep();
      expect((await lab.stats())['be1.ports']).toBe(SNAT_PORT_SPAN); // still lingering
      await past(1);
      await lab.dp.sweep();
      const swept = delta(closed, await lab.stats());
      expect(swept.gc_expired).toBe(2 * SNAT_PORT_SPAN); // forward and reply entries
      expect((await lab.stats())['be1.ports']).toBe(0);
      expect(lab.flowCount()).toBe(0);
    };
    await round(0);
    await round(SNAT_PORT_SPAN); // other 5-tuples, the same ports
  }, 120_000);

  it('ports are handed out in turn: one comes back only after the whole range', async () => {
    const port = (sport: number) => {
      const r = lab.run(buildFrame({ proto: 'tcp', src: '198.18.0.77', dst: VIP, sport, dport: 80, flags: TCP.SYN }));
      return parseFrame(r.out).l4!.sport;
    };
    const a = port(5000);
    const b = port(5001);
    expect(b).toBe(a + 1 === SNAT_PORT_MIN + SNAT_PORT_SPAN ? SNAT_PORT_MIN : a + 1);
  });

  it('a new connection on a closed 5-tuple takes its port again (the backend sees the same peer)', async () => {
    const from = (flags: number) => lab.run(buildFrame({ proto: 'tcp', src: '198.18.0.78', dst: VIP, sport: 6000, dport: 80, flags }));
    const p1 = parseFrame(from(TCP.SYN).out).l4!.sport;
    from(TCP.RST); // e.g. the backend's TIME_WAIT refused the SYN, the client reset
    const again = parseFrame(from(TCP.SYN).out).l4!.sport;
    expect(again).toBe(p1);
    // another 5-tuple: the next port in turn
    const other = parseFrame(lab.run(buildFrame({ proto: 'tcp', src: '198.18.0.78', dst: VIP, sport: 6001, dport: 80, flags: TCP.SYN })).out).l4!.sport;
    expect(other).not.toBe(p1);
  });

  it('a flow that finds no port is dropped and leaves nothing: no entry, no active count', async () => {
    // hold every port (SYN timeout: the flows stay)
    lab.floodFrom(100_000);
    lab.flood(syn, SNAT_PORT_SPAN);
    await lab.dp.sweep();
    const full = await lab.stats();
    expect(full['be1.ports']).toBe(SNAT_PORT_SPAN);
    const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: '198.18.0.99', dst: VIP, sport: 7000, dport: 80, flags: TCP.SYN }));
    expect(r.retval).toBe(TC_ACT_SHOT);
    expect(r.d['drop.snat_ports']).toBe(1);
    expect(r.d['be1.active'] ?? 0).toBe(0);
    expect(lab.flowEntry({ src: '198.18.0.99', dst: VIP, sport: 7000, dport: 80, proto: 6 })).toBeUndefined();
    // every port held (the flows of the test before hold two of them), nothing more
    expect(lab.flowCount()).toBe(2 * SNAT_PORT_SPAN);
  }, 60_000);
});

describe('idle timeouts by state, checked on use and by the sweep', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('idle');
    await lab.dp.applyService(service({ id: 1, mode: 'nat', scheduler: 'lc' }));
    await lab.dp.applyService(service({ id: 2, mode: 'nat', proto: 'udp', port: 53, scheduler: 'lc' }));
    // seconds (= ticks here): SYN 1, established 12, half-closed 5, closed 1, UDP 1
    await lab.dp.setFlowTimeouts({ tcpSyn: 1, tcpEstablished: 12, tcpFin: 5, tcpClosed: 1, udp: 1 });
  });
  afterAll(async () => { await lab?.stop(); });

  const tcp = (sport: number, flags: number) => lab.run(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags }), 1, CLIENT_IFINDEX);
  const key = (sport: number, proto = 6, dport = 80) => ({ src: CLIENT, dst: VIP, sport, dport, proto });

  it('SYN, UDP and closed flows go first, half-closed later, established last; every active count comes back', async () => {
    const be = beOfMac(parseFrame(tcp(100, TCP.SYN).out).dstMac); // SYN only
    tcp(101, TCP.SYN); tcp(101, TCP.ACK); // established
    tcp(102, TCP.SYN); tcp(102, TCP.ACK); tcp(102, TCP.FIN | TCP.ACK); // half-closed (client FIN)
    // closed: FIN both ways (the backend's FIN comes back through the balancer)
    const c = parseFrame(tcp(103, TCP.SYN).out);
    tcp(103, TCP.ACK); tcp(103, TCP.FIN | TCP.ACK);
    const cb = beOfMac(c.dstMac);
    expect(lab.run(buildFrame({ proto: 'tcp', src: beAddr(cb), dst: CLIENT, sport: 80, dport: 103, flags: TCP.FIN | TCP.ACK, srcMac: beMac(cb), dstMac: LB_MAC })).retval).toBe(TC_ACT_REDIRECT);
    for (const sport of [200, 201, 202, 203]) lab.run(buildFrame({ proto: 'udp', src: CLIENT, dst: VIP, sport, dport: 53 }), 1, CLIENT_IFINDEX);
    const st = await lab.dp.readStats();
    const active = (svc: number) => [2 * svc - 1, 2 * svc].reduce((a, id) => a + (st.backends[id]?.activeFlows ?? 0), 0);
    expect(active(1)).toBe(2); // 100 and 101; 102 and 103 gave theirs back with their FIN
    expect(active(2)).toBe(4);
    expect(be).toBeGreaterThan(0);

    await past(1);
    await lab.dp.sweep();
    expect(lab.flowEntry(key(100))).toBeUndefined(); // SYN timeout
    expect(lab.flowEntry(key(103))).toBeUndefined(); // closed, lingered
    for (const sport of [200, 201, 202, 203]) expect(lab.flowEntry(key(sport, 17, 53))).toBeUndefined();
    expect(lab.flowEntry(key(101))).toBeDefined();
    expect(lab.flowEntry(key(102))).toBeDefined();
    let s2 = await lab.dp.readStats();
    expect([3, 4].reduce((a, id) => a + (s2.backends[id]?.activeFlows ?? 0), 0)).toBe(0); // UDP: back to 0
    expect([1, 2].reduce((a, id) => a + (s2.backends[id]?.activeFlows ?? 0), 0)).toBe(1); // only 101 holds one

    await past(5);
    await lab.dp.sweep();
    expect(lab.flowEntry(key(102))).toBeUndefined(); // half-closed timeout
    expect(lab.flowEntry(key(101))).toBeDefined();
    await past(12 - 7);
    await lab.dp.sweep();
    expect(lab.flowEntry(key(101))).toBeUndefined();
    s2 = await lab.dp.readStats();
    expect([1, 2, 3, 4].reduce((a, id) => a + (s2.backends[id]?.activeFlows ?? 0), 0)).toBe(0);
    expect(lab.flowCount()).toBe(0);
  }, 60_000);

  it('a packet that finds its flow expired schedules it afresh, before any sweep', async () => {
    await lab.dp.setFlowTimeouts({ tcpSyn: 1, tcpEstablished: 12, tcpFin: 5, tcpClosed: 1, udp: 3 });
    const udp = () => lab.runCounted(buildFrame({ proto: 'udp', src: CLIENT, dst: VIP, sport: 300, dport: 53 }), CLIENT_IFINDEX);
    expect((await udp()).d).toMatchObject({ new_flow: 1 });
    const same = await udp();
    expect(same.d.new_flow, JSON.stringify(same.d)).toBeUndefined(); // still the same flow
    await past(3);
    const again = await udp();
    expect(again.d).toMatchObject({ flow_expired: 1, new_flow: 1 });
    // the expired flow's count was given back when it was replaced
    const st = await lab.dp.readStats();
    expect([3, 4].reduce((a, id) => a + (st.backends[id]?.activeFlows ?? 0), 0)).toBe(1);
  }, 30_000);
});

// A stamp one tick ahead of the clock reading in hand: another CPU stamped the
// next tick a moment after this one read the clock (the sweep reads it once per
// pass, and a pass over a busy table takes milliseconds). It is 0 ticks old, not
// 2^32 - 1: deleting such an entry breaks a live connection (its next packet is
// scheduled afresh, to a new snat port the server knows nothing of: it resets).
/** struct flow_val's last_seen (core/flow_types.h): its last field, after 48 bytes. */
const LAST_SEEN_OFFSET = 48;

describe('a stamp from the next tick: the flow is fresh, not expired', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('nexttick');
    await lab.dp.applyService(service({ id: 1, mode: 'snat', snatAddress: SNAT_ADDR, backends: [backend(1)], table: new Array<number>(RING_SIZE).fill(1) }));
  });
  afterAll(async () => { await lab?.stop(); });

  const key = (sport: number) => ({ src: CLIENT, dst: VIP, sport, dport: 80, proto: 6 });
  const tcp = (sport: number, flags: number) => lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags }), CLIENT_IFINDEX);
  /** The flow of `sport`, opened (SYN) and stamped one tick ahead of the tick it was opened in; that tick. */
  async function aheadByOne(sport: number): Promise<number> {
    await tcp(sport, TCP.SYN);
    const k = key(sport);
    const hex = (b: number) => b.toString(16).padStart(2, '0');
    const keyHex = [...k.src.split('.').map(Number), ...k.dst.split('.').map(Number), k.sport >> 8, k.sport & 0xff, 0, 80, 6, 0, 0, 0].map(hex);
    const path = lab.dp.mapPath('lb_flows');
    const got = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'lookup', 'pinned', path, 'key', 'hex', ...keyHex], { encoding: 'utf8' })) as
      { value: string[]; formatted: { value: { last_seen: number } } };
    const now = got.formatted.value.last_seen;
    const value = Buffer.from(got.value.map((b) => parseInt(b, 16)));
    expect(value.readUInt32LE(LAST_SEEN_OFFSET)).toBe(now); // the layout this test writes
    value.writeUInt32LE(now + 1, LAST_SEEN_OFFSET);
    execFileSync('bpftool', ['map', 'update', 'pinned', path, 'key', 'hex', ...keyHex, 'value', 'hex', ...[...value].map(hex)]);
    return now;
  }
  /** The data plane's tick now (a probe flow's stamp). */
  const tickNow = async (sport: number) => {
    await tcp(sport, TCP.SYN);
    return lab.flowEntry(key(sport))!.last_seen;
  };

  it('the sweep keeps it', async () => {
    for (let attempt = 0; ; attempt++) {
      const opened = await aheadByOne(4000 + attempt);
      const before = await lab.stats();
      await lab.dp.sweep();
      const swept = delta(before, await lab.stats());
      if ((await tickNow(4100 + attempt)) !== opened && attempt < 3) continue; // the tick turned meanwhile: again
      expect(swept.gc_expired, JSON.stringify(swept)).toBeUndefined();
      expect(lab.flowEntry(key(4000 + attempt))).toBeDefined();
      return;
    }
  });

  it('a packet of the tick before goes on with it: same port, nothing scheduled afresh', async () => {
    for (let attempt = 0; ; attempt++) {
      const sport = 5000 + attempt;
      const opened = await aheadByOne(sport);
      const r = await tcp(sport, TCP.ACK);
      if ((await tickNow(5100 + attempt)) !== opened && attempt < 3) continue;
      expect(r.d.flow_expired, JSON.stringify(r.d)).toBeUndefined();
      expect(r.d.new_flow).toBeUndefined();
      expect(r.retval).toBe(TC_ACT_REDIRECT);
      return;
    }
  });
});
