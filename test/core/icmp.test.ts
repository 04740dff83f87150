// ICMP errors about balanced flows (icmp_err.h), matched by the packet they
// quote. From the backend's side (nat, snat): translated back, so the
// client's stack finds its own socket in the quote — which must then be the
// very packet the client sent, byte for byte, every checksum right. From the
// client's side (a too-big or unreachable about a reply, sent to the VIP):
// on to the flow's backend, the way its mode sends (dsr: MACs, tunnel: IPIP,
// nat/snat: translated so that the quote is the backend's own packet).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_OK, TC_ACT_REDIRECT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, LB_ADDR, LB_EGRESS_MAC, SNAT_ADDR, VIP, beAddr, beMac, beOfMac, service } from './fixtures';
import { CLIENT_MAC, ICMP, LB_MAC, TCP, buildFrame, buildIcmpError, parseFrame, parseIcmpError, type FrameSpec } from '../support/bpf/packet';

const skip = skipReason();
const ROUTER = '198.18.1.254';
const CLIENT_ROUTER = '198.18.0.254';

describe('ICMP errors about balanced flows', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('icmp');
    await lab.dp.applyService(service({ id: 1, mode: 'nat' }));
    await lab.dp.applyService(service({ id: 2, mode: 'nat', proto: 'udp', port: 53 }));
    await lab.dp.applyService(service({ id: 3, mode: 'snat', port: 8080, snatAddress: SNAT_ADDR }));
    await lab.dp.applyService(service({ id: 4, mode: 'snat', proto: 'udp', port: 5353, snatAddress: SNAT_ADDR }));
    await lab.dp.applyService(service({ id: 5, mode: 'dsr', port: 8443 }));
    await lab.dp.applyService(service({ id: 6, mode: 'tunnel', port: 9443 }));
  });
  afterAll(async () => { await lab?.stop(); });

  /** Send a client packet on its way: what left toward the backend. */
  const forward = (spec: FrameSpec) => {
    const f = lab.run(buildFrame(spec), 1, CLIENT_IFINDEX);
    expect(f.retval).toBe(TC_ACT_REDIRECT);
    return f.out;
  };
  const payload = Buffer.alloc(200, 0x5a);

  for (const [mode, proto, dport, type, code] of [
    ['nat', 'udp', 53, ICMP.UNREACH, ICMP.PORT_UNREACH],
    ['nat', 'tcp', 80, ICMP.UNREACH, ICMP.FRAG_NEEDED],
    ['snat', 'udp', 5353, ICMP.UNREACH, ICMP.PORT_UNREACH],
    ['snat', 'tcp', 8080, ICMP.UNREACH, ICMP.FRAG_NEEDED],
  ] as const) {
    const what = code === ICMP.FRAG_NEEDED ? 'fragmentation needed' : 'port unreachable';
    it(`${mode}: ${what} (${proto}) from the backend goes back to the client, quoting what the client sent`, async () => {
      const spec: FrameSpec = { proto, src: CLIENT, dst: VIP, sport: 41000 + dport % 1000, dport, flags: TCP.ACK | TCP.PSH, payload };
      const client = buildFrame(spec);
      const out = forward(spec);
      const atBackend = parseFrame(out);
      const be = beOfMac(atBackend.dstMac);
      // the backend's stack answers the packet it got (nat: from the client; snat: from us)
      const err = buildIcmpError({
        src: beAddr(be), dst: atBackend.ip.src, srcMac: beMac(be), dstMac: LB_EGRESS_MAC,
        type, code, mtu: code === ICMP.FRAG_NEEDED ? 1400 : undefined, quoted: out.subarray(14),
      });
      const r = await lab.runCounted(err);
      expect(r.retval).toBe(TC_ACT_REDIRECT);
      expect(r.d).toEqual({ rx: 1, tx: 1, icmp_rev: 1 });
      // back the way the client's packets came: its MAC, from the one it sent to
      expect([parseFrame(r.out).dstMac, parseFrame(r.out).srcMac]).toEqual([CLIENT_MAC, LB_MAC]);
      const e = parseIcmpError(r.out);
      expect(e.ip).toMatchObject({ src: VIP, dst: CLIENT, headerOk: true, proto: 1 });
      expect([e.type, e.code, e.csumOk]).toEqual([type, code, true]);
      if (code === ICMP.FRAG_NEEDED) expect(e.mtu).toBe(1400);
      expect(e.q).toMatchObject({ src: CLIENT, dst: VIP, headerOk: true });
      expect([e.qsport, e.qdport, e.qL4Ok]).toEqual([spec.sport, dport, true]);
      expect(e.quoted.equals(client.subarray(14))).toBe(true);
    });
  }

  it('nat: an error from a router on the backend\'s side keeps the router as its source', async () => {
    const spec: FrameSpec = { proto: 'tcp', src: CLIENT, dst: VIP, sport: 41500, dport: 80, flags: TCP.ACK, payload };
    const client = buildFrame(spec);
    const out = forward(spec);
    const err = buildIcmpError({ src: ROUTER, dst: CLIENT, dstMac: LB_EGRESS_MAC, type: ICMP.UNREACH, code: ICMP.FRAG_NEEDED, mtu: 1280, quoted: out.subarray(14) });
    const r = await lab.runCounted(err);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const e = parseIcmpError(r.out);
    expect(e.ip).toMatchObject({ src: ROUTER, dst: CLIENT, headerOk: true });
    expect(e.csumOk && e.q.headerOk && e.qL4Ok).toBe(true);
    expect(e.quoted.equals(client.subarray(14))).toBe(true);
  });

  it('a quote of only the first 8 bytes of the segment (the minimum) is translated too', async () => {
    const spec: FrameSpec = { proto: 'tcp', src: CLIENT, dst: VIP, sport: 41600, dport: 8080, flags: TCP.ACK, payload };
    const client = buildFrame(spec);
    const out = forward(spec);
    const atBackend = parseFrame(out);
    const be = beOfMac(atBackend.dstMac);
    const err = buildIcmpError({ src: beAddr(be), dst: SNAT_ADDR, dstMac: LB_EGRESS_MAC, type: ICMP.UNREACH, code: ICMP.FRAG_NEEDED, mtu: 1400, quoted: out.subarray(14, 14 + 28) });
    const r = lab.run(err);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const e = parseIcmpError(r.out);
    expect(e.csumOk && e.q.headerOk).toBe(true);
    expect(e.quoted.equals(client.subarray(14, 14 + 20 + 8))).toBe(true);
  });

  /** The reply a backend sends, as the balancer hands it to the client (nat/snat). */
  const replyAtClient = (spec: FrameSpec, out: Buffer) => {
    const p = parseFrame(out);
    const be = beOfMac(p.dstMac);
    const fromBackend = buildFrame({ proto: spec.proto, src: beAddr(be), dst: p.ip.src, sport: spec.dport, dport: p.l4!.sport, srcMac: beMac(be), dstMac: LB_EGRESS_MAC, payload, flags: TCP.ACK });
    const r = lab.run(fromBackend);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    return { be, fromBackend, atClient: r.out };
  };

  for (const [mode, dport] of [['nat', 53], ['snat', 5353]] as const) {
    it(`${mode}: port unreachable from the client about a reply reaches the backend, quoting what it sent`, async () => {
      const spec: FrameSpec = { proto: 'udp', src: CLIENT, dst: VIP, sport: 42000 + dport % 1000, dport, payload };
      const out = forward(spec);
      const { be, fromBackend, atClient } = replyAtClient(spec, out);
      const err = buildIcmpError({ src: CLIENT, dst: VIP, type: ICMP.UNREACH, code: ICMP.PORT_UNREACH, quoted: atClient.subarray(14) });
      const r = await lab.runCounted(err);
      expect(r.retval).toBe(TC_ACT_REDIRECT);
      expect(r.d).toEqual({ rx: 1, tx: 1, icmp_fwd: 1 });
      const p = parseFrame(r.out);
      expect([p.dstMac, p.srcMac]).toEqual([beMac(be), LB_EGRESS_MAC]);
      const e = parseIcmpError(r.out);
      expect(e.ip).toMatchObject({ src: mode === 'snat' ? SNAT_ADDR : CLIENT, dst: beAddr(be), headerOk: true });
      expect(e.csumOk && e.q.headerOk && e.qL4Ok).toBe(true);
      expect(e.quoted.equals(fromBackend.subarray(14))).toBe(true);
    });
  }

  it('dsr: fragmentation needed sent to the VIP (about a reply) reaches the flow\'s backend, untouched', async () => {
    const spec: FrameSpec = { proto: 'tcp', src: CLIENT, dst: VIP, sport: 43000, dport: 8443, flags: TCP.SYN };
    const be = beOfMac(parseFrame(forward(spec)).dstMac);
    // the backend's reply (from the VIP) was too big for a router on the way to the client
    const reply = buildFrame({ proto: 'tcp', src: VIP, dst: CLIENT, sport: 8443, dport: 43000, flags: TCP.ACK, payload: Buffer.alloc(1400) });
    const err = buildIcmpError({ src: CLIENT_ROUTER, dst: VIP, type: ICMP.UNREACH, code: ICMP.FRAG_NEEDED, mtu: 1300, quoted: reply.subarray(14, 14 + 20 + 8) });
    const r = await lab.runCounted(err);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    expect(r.d).toEqual({ rx: 1, tx: 1, icmp_fwd: 1 });
    const p = parseFrame(r.out);
    expect([p.dstMac, p.srcMac]).toEqual([beMac(be), LB_EGRESS_MAC]);
    expect(r.out.subarray(14).equals(err.subarray(14))).toBe(true);
  });

  it('tunnel: the same reaches the backend inside IPIP', async () => {
    const spec: FrameSpec = { proto: 'tcp', src: CLIENT, dst: VIP, sport: 43100, dport: 9443, flags: TCP.SYN };
    const be = beOfMac(parseFrame(forward(spec)).dstMac);
    const reply = buildFrame({ proto: 'tcp', src: VIP, dst: CLIENT, sport: 9443, dport: 43100, flags: TCP.ACK, payload: Buffer.alloc(1400) });
    const err = buildIcmpError({ src: CLIENT_ROUTER, dst: VIP, type: ICMP.UNREACH, code: ICMP.FRAG_NEEDED, mtu: 1300, quoted: reply.subarray(14, 14 + 20 + 8) });
    const r = await lab.runCounted(err);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    expect(r.d).toEqual({ rx: 1, tx: 1, icmp_fwd: 1 });
    const p = parseFrame(r.out);
    expect(p.ip).toMatchObject({ proto: 4, src: LB_ADDR, dst: beAddr(be), headerOk: true });
    expect(r.out.subarray(34).equals(err.subarray(14))).toBe(true);
  });

  it('errors about no flow of ours, and pings to the VIP, go on as before', async () => {
    const stranger = buildFrame({ proto: 'udp', src: CLIENT, dst: '198.18.1.99', sport: 1, dport: 2 });
    const err = buildIcmpError({ src: '198.18.1.99', dst: CLIENT, type: ICMP.UNREACH, code: ICMP.PORT_UNREACH, quoted: stranger.subarray(14) });
    const r = await lab.runCounted(err);
    expect(r.retval).toBe(TC_ACT_OK);
    expect(r.out.equals(err)).toBe(true);
    expect(r.d).toEqual({ rx: 1, pass: 1 });
    const ping = await lab.runCounted(buildFrame({ proto: 'icmp', src: CLIENT, dst: VIP }));
    expect(ping.d).toEqual({ rx: 1, pass: 1, icmp_vip: 1 });
  });
});
