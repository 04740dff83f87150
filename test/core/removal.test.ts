// A removed service (or a backend removed from one) leaves nothing in the
// data plane: the agent reuses service and backend ids lowest first, so a
// flow entry left behind would attach to whatever gets those ids next.
// dataplane.ts removeService / applyService flush them (gc.h lb_gc_req).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_OK, TC_ACT_REDIRECT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, LB_EGRESS_MAC, VIP, backend, beAddr, beMac, beOfMac, service } from './fixtures';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';

const skip = skipReason();
const OTHER_VIP = '198.18.0.101';

describe('removal leaves nothing behind', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => { lab = await Lab.start('removal'); });
  afterAll(async () => { await lab?.stop(); });

  const ack = (sport: number, vip = VIP, dport = 80) => buildFrame({ proto: 'tcp', src: CLIENT, dst: vip, sport, dport, flags: TCP.ACK });

  it('a removed service\'s flows and counts are gone; the next service with its ids inherits nothing', async () => {
    await lab.dp.applyService(service({ id: 1, mode: 'nat' }));
    const bes = new Map<number, number>();
    for (const sport of [50000, 50001, 50002, 50003]) {
      const r = lab.run(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags: TCP.SYN }), 1, CLIENT_IFINDEX);
      bes.set(sport, beOfMac(parseFrame(r.out).dstMac));
      lab.run(ack(sport), 1, CLIENT_IFINDEX);
    }
    expect(lab.flowCount()).toBe(8);
    await lab.dp.removeService(1);
    expect(lab.flowCount()).toBe(0);
    const st = await lab.dp.readStats();
    for (const id of [1, 2]) expect(st.backends[id] ?? { activeFlows: 0, packets: 0 }).toMatchObject({ activeFlows: 0, packets: 0 });

    // the same ids (service 1, backends 1 and 2) for another VIP and port
    await lab.dp.applyService(service({ id: 1, mode: 'nat', vip: OTHER_VIP, port: 443 }));
    for (const sport of bes.keys()) {
      // an old flow's packet: its VIP is no service any more
      const r = await lab.runCounted(ack(sport), CLIENT_IFINDEX);
      expect(r.retval).toBe(TC_ACT_OK);
      expect(r.d).toEqual({ rx: 1, pass: 1 });
      // an old reply: nothing translates it
      const be = bes.get(sport)!;
      const rv = await lab.runCounted(buildFrame({ proto: 'tcp', src: beAddr(be), dst: CLIENT, sport: 80, dport: sport, flags: TCP.ACK, srcMac: beMac(be), dstMac: LB_EGRESS_MAC }));
      expect(rv.d).toEqual({ rx: 1, pass: 1 });
    }
    // the new service works, its counts start from 0
    const n = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: OTHER_VIP, sport: 51000, dport: 443, flags: TCP.SYN }), CLIENT_IFINDEX);
    expect(n.retval).toBe(TC_ACT_REDIRECT);
    const nb = beOfMac(parseFrame(n.out).dstMac);
    expect((await lab.dp.readStats()).backends[nb]).toMatchObject({ activeFlows: 1, packets: 1 });
    await lab.dp.removeService(1);
  });

  it('a backend removed from a service: its flows and counts go with it', async () => {
    const svc = (ids: number[]) => service({ id: 2, mode: 'nat', port: 8080, backends: ids.map((i) => backend(i)) });
    await lab.dp.applyService(svc([3, 4]));
    for (let sport = 52000; sport < 52016; sport++) {
      lab.run(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 8080, flags: TCP.SYN }), 1, CLIENT_IFINDEX);
    }
    const before = await lab.dp.readStats();
    expect(before.backends[3].activeFlows + before.backends[4].activeFlows).toBe(16);
    const on4 = before.backends[4].activeFlows;
    expect(on4).toBeGreaterThan(0);
    await lab.dp.applyService(svc([3]));
    const after = await lab.dp.readStats();
    expect(after.backends[4] ?? { activeFlows: 0, packets: 0 }).toMatchObject({ activeFlows: 0, packets: 0 });
    expect(after.backends[3].activeFlows).toBe(16 - on4);
    expect(lab.flowCount()).toBe(2 * (16 - on4));
  });

  it('a live mode switch: the old mode\'s flows go, the next packet is handled in the new mode', async () => {
    // applyService with another mode for the same service: switched in place (its table kept), not removed first
    const svc = (mode: 'nat' | 'dsr') => service({ id: 3, mode, port: 8081, backends: [backend(5), backend(6)] });
    const syn = (sport: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 8081, flags: TCP.SYN });
    const others = lab.flowCount(); // the earlier tests' flows, of other services
    await lab.dp.applyService(svc('nat'));
    for (let sport = 53000; sport < 53004; sport++) lab.run(syn(sport), 1, CLIENT_IFINDEX);
    expect(lab.flowCount()).toBe(others + 8);
    await lab.dp.applyService(svc('dsr'));
    expect(lab.flowCount()).toBe(others);
    const r = lab.run(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 53000, dport: 8081, flags: TCP.ACK }), 1, CLIENT_IFINDEX);
    const f = parseFrame(r.out);
    // dsr: only the MACs change; nat would have put the backend's address in the destination
    expect(f.ip.dst).toBe(VIP);
    expect([5, 6]).toContain(beOfMac(f.dstMac));
    await lab.dp.applyService(svc('nat'));
    const n = parseFrame(lab.run(syn(53010), 1, CLIENT_IFINDEX).out);
    expect([beAddr(5), beAddr(6)]).toContain(n.ip.dst);
    await lab.dp.removeService(3);
  });
});

