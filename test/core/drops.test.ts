// Drop reasons that say what happened (core/abi.h enum lb_drop): each golden
// packet here is dropped once, under its own reason, and moves no counter of
// a packet sent. A redirect whose interface does not exist is one: the kernel
// would drop the packet after the program, where no counter sees it, so the
// core looks the interface up first (test-run lets a map name any index and
// never transmits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, TC_ACT_SHOT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, LB_EGRESS_MAC, VIP, backend, beAddr, beMac, beOfMac, service } from './fixtures';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';

const skip = skipReason();
/** An interface index no network namespace here has. */
const MISSING_IFINDEX = 0x7ffffff0;
/** What a packet that left moves: tx and the per-mode, ICMP and backend packet counters. */
const SENT = /^(tx|dsr|encap|nat_fwd|nat_rev|snat_fwd|snat_rev|icmp_fwd|icmp_rev|icmp_too_big|be\d+\.(packets|bytes))$/;
const sentKeys = (d: Record<string, number>) => Object.keys(d).filter((k) => SENT.test(k));

describe('drop reasons', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('drops');
    const gone = (id: number) => backend(id, { egress: { ...backend(id).egress!, ifindex: MISSING_IFINDEX } });
    await lab.dp.applyService(service({ id: 1, mode: 'nat', backends: [gone(1)] }));
    await lab.dp.applyService(service({ id: 2, mode: 'dsr', port: 81, backends: [gone(3)] }));
    await lab.dp.applyService(service({ id: 3, mode: 'nat', port: 82 }));
    // an egress without the next hop's MAC: the core would have to ask the FIB, which dsr cannot use
    await lab.dp.applyService(service({ id: 4, mode: 'dsr', port: 83, backends: [backend(7, { egress: { ...backend(7).egress!, nextHopMac: undefined } })] }));
  });
  afterAll(async () => { await lab?.stop(); });

  for (const [mode, port, be] of [['nat', 80, 1], ['dsr', 81, 3]] as const) {
    it(`${mode}: a backend whose egress interface is gone: redirect_fail, never counted as sent`, async () => {
      const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 44000 + port, dport: port, flags: TCP.SYN }));
      expect(r.retval).toBe(TC_ACT_SHOT);
      // scheduled (the flow holds its backend), then dropped at the redirect
      // flow_added: the flow's entries (nat: both directions)
      expect(r.d).toEqual({ rx: 1, 'drop.redirect_fail': 1, new_flow: 1, flow_added: mode === 'nat' ? 2 : 1, [`be${be}.active`]: 1 });
      expect(sentKeys(r.d)).toEqual([]);
    });
  }

  it('nat: a reply toward a client interface that is gone: redirect_fail, not nat_rev', async () => {
    // the request arrives on an interface that disappears before the reply: its flow learned it
    const req = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 44100, dport: 82, flags: TCP.SYN }), MISSING_IFINDEX);
    expect(req.retval).toBe(TC_ACT_REDIRECT);
    expect(req.d).toMatchObject({ nat_fwd: 1 });
    const be = beOfMac(parseFrame(req.out).dstMac);
    const reply = buildFrame({ proto: 'tcp', src: beAddr(be), dst: CLIENT, sport: 82, dport: 44100, flags: TCP.SYN | TCP.ACK,
      srcMac: beMac(be), dstMac: LB_EGRESS_MAC });
    const r = await lab.runCounted(reply);
    expect(r.retval).toBe(TC_ACT_SHOT);
    expect(r.d).toEqual({ rx: 1, 'drop.redirect_fail': 1 });
    // the same reply once the client's side is reachable again (a new request from a live interface)
    const again = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 44101, dport: 82, flags: TCP.SYN }), CLIENT_IFINDEX);
    const be2 = beOfMac(parseFrame(again.out).dstMac);
    const ok = await lab.runCounted(buildFrame({ proto: 'tcp', src: beAddr(be2), dst: CLIENT, sport: 82, dport: 44101,
      flags: TCP.SYN | TCP.ACK, srcMac: beMac(be2), dstMac: LB_EGRESS_MAC }));
    expect(ok.retval).toBe(TC_ACT_REDIRECT);
    expect(ok.d).toEqual({ rx: 1, tx: 1, nat_rev: 1 });
  });

  it('dsr: a backend without its MAC (no L2 entry): no_neighbour, not fib_fail', async () => {
    const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 44200, dport: 83, flags: TCP.SYN }));
    expect(r.retval).toBe(TC_ACT_SHOT);
    expect(r.d).toEqual({ rx: 1, 'drop.no_neighbour': 1, new_flow: 1, flow_added: 1, 'be7.active': 1 });
    expect(sentKeys(r.d)).toEqual([]);
  });
});
