// Drop reasons that say what happened (core/abi.h enum lb_drop): each golden
// packet here is dropped once, under its own reason, and moves no counter of
// a packet sent. A redirect whose interface does not exist is one: the kernel
// would drop the packet after the program, where no counter sees it, so the
// core looks the interface up first (test-run lets a map name any index and
// never transmits): on the slow path, when a flow is scheduled or its
// per-CPU flow cache copy is (re)made; the copy keeps the interface found.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, TC_ACT_SHOT, delta, runFresh, runProg, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, LB_EGRESS_MAC, VIP, backend, beAddr, beMac, beOfMac, service } from './fixtures';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';

const skip = skipReason();
/** An interface index no network namespace here has. */
const MISSING_IFINDEX = 0x7ffffff0;
/** What a packet that left moves: tx and the per-mode, ICMP and backend packet counters. */
const SENT = /^(tx|dsr|encap|nat_fwd|nat_rev|snat_fwd|snat_rev|icmp_fwd|icmp_rev|icmp_too_big|be\d+\.(packets|bytes))$/;
const sentKeys = (d: Record<string, number>) => Object.keys(d).filter((k) => SENT.test(k));
/** Packets a flow cache copy serves between two looks at lb_flows (flow_cache.h FC_REFRESH_HITS). */
const FC_REFRESH_HITS = 256;
/** The CPU the cached-flow frames run on (the flow cache is per CPU). */
const CPU = 0;

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
      expect(r.d).toEqual({ rx: 1, 'drop.redirect_fail': 1, new_flow: 1, [`be${be}.active`]: 1 });
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
    expect(r.d).toEqual({ rx: 1, 'drop.no_neighbour': 1, new_flow: 1, 'be7.active': 1 });
    expect(sentKeys(r.d)).toEqual([]);
  });

  // A cached flow's packets use the interface its copy was made with, unchecked:
  // a device that vanishes meanwhile is noticed, and counted, when the copy is
  // made again (after FC_REFRESH_HITS packets, or its epoch: 128 jiffies).
  describe('a flow served from the flow cache', () => {
    const frame = (sport: number, flags: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 84, flags });
    const on = (f: Buffer, ingressIfindex = 0) => runProg(lab.dp.progPath, f, 1, ingressIfindex, CPU);
    /** SYN schedules, the ACK establishes the flow and copies it into CPU's cache, one more ACK is served from the copy. */
    const established = (sport: number) => {
      for (const flags of [TCP.SYN, TCP.ACK, TCP.ACK]) expect(on(frame(sport, flags)).retval).toBe(TC_ACT_REDIRECT);
    };
    const dsrTo = (ifindex: number) =>
      service({ id: 5, mode: 'dsr', port: 84, backends: [backend(9, { egress: { ...backend(9).egress!, ifindex } })] });
    /** A device of this namespace (test-run's) that can be removed: one end of a veth pair. Its ifindex. */
    const addDevice = (dev: string): number => {
      execFileSync('ip', ['link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`]);
      return Number(readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8'));
    };
    /** After the device went: n packets of the cached flow on CPU, each on a fresh copy of f. */
    const afterVanish = async (f: Buffer, sentCounter: string) => {
      const n = FC_REFRESH_HITS + 44;
      const before = await lab.stats();
      const { retvals } = runFresh(lab.dp.progPath, [f], n, { cpu: CPU });
      const d = delta(before, await lab.stats());
      const out = retvals.findIndex((v) => v !== TC_ACT_REDIRECT);
      // the copy's remaining packets go out unchecked (the kernel drops them after the program, uncounted): fewer than its hits
      expect(out).toBeGreaterThanOrEqual(0);
      expect(out).toBeLessThan(FC_REFRESH_HITS);
      // the refill looks the device up: that packet and every one after it is counted
      expect([...retvals.slice(out)].every((v) => v === TC_ACT_SHOT)).toBe(true);
      expect(d[sentCounter] ?? 0).toBe(out);
      expect(d['drop.redirect_fail']).toBe(n - out);
      expect(d.rx).toBe(n);
    };

    it('dsr: its backend\'s interface vanishes: redirect_fail from the copy\'s refill on', async () => {
      const dev = 'lbgone0';
      try {
        await lab.dp.applyService(dsrTo(addDevice(dev)));
        established(44300);
      } finally {
        execFileSync('ip', ['link', 'del', dev]);
      }
      await afterVanish(frame(44300, TCP.ACK), 'dsr');
      // the refill left no copy: on any CPU, every packet is looked at
      const again = await lab.runCounted(frame(44300, TCP.ACK));
      expect(again.retval).toBe(TC_ACT_SHOT);
      expect(again.d).toEqual({ rx: 1, 'drop.redirect_fail': 1 });
    });

    it('nat: the interface its replies go out of vanishes: redirect_fail from the copy\'s refill on', async () => {
      const dev = 'lbgone1';
      let reply: Buffer;
      try {
        // the request arrives on the device: its flow learns it, and its replies go back out of it
        const req = on(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 44400, dport: 82, flags: TCP.SYN }), addDevice(dev));
        expect(req.retval).toBe(TC_ACT_REDIRECT);
        const be = beOfMac(parseFrame(req.out).dstMac);
        reply = buildFrame({ proto: 'tcp', src: beAddr(be), dst: CLIENT, sport: 82, dport: 44400, flags: TCP.ACK,
          srcMac: beMac(be), dstMac: LB_EGRESS_MAC });
        // the first reply copies the reply entry (its interface looked up), the second is served from the copy
        for (let i = 0; i < 2; i++) expect(on(reply).retval).toBe(TC_ACT_REDIRECT);
      } finally {
        execFileSync('ip', ['link', 'del', dev]);
      }
      await afterVanish(reply, 'nat_rev');
    });

    it('dsr: the control plane moves its backend to an interface that does not exist: the next packet is redirect_fail', async () => {
      await lab.dp.applyService(dsrTo(CLIENT_IFINDEX));
      established(44301);
      await lab.dp.applyService(dsrTo(MISSING_IFINDEX));
      // the copy still holds, but the interface it was made with is not the backend's any more: looked up
      const before = await lab.stats();
      expect(on(frame(44301, TCP.ACK)).retval).toBe(TC_ACT_SHOT);
      expect(delta(before, await lab.stats())).toEqual({ rx: 1, 'drop.redirect_fail': 1 });
    });
  });
});
