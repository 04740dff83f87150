// Golden packets for tunnel (IPIP + server decap round trip), nat and snat,
// both directions, with every checksum verified after each rewrite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  BpfMount, DECAP_DIR, Lab, TC_ACT_OK, TC_ACT_REDIRECT, TC_ACT_SHOT, delta, make, runProg, skipReason,
} from '../support/bpf/harness';
import { decapSendersHex } from '../../electron/engine/topology/plumbing';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, LB_ADDR, LB_EGRESS_MAC, SNAT_ADDR, VIP, backend, beAddr, beMac, beOfMac, service } from './fixtures';
import { CLIENT_MAC, LB_MAC, TCP, buildFrame, csum, parseFrame, type FrameSpec } from '../support/bpf/packet';
import { SNAT_PORT_MIN, SNAT_PORT_SPAN } from '../../lab-images/balancer/agent/dataplane-abi';

const skip = skipReason();


describe('tunnel (IPIP)', skipIf(skip), () => {
  let lab: Lab;
  let decapMount: BpfMount;
  let decapProg: string;
  beforeAll(async () => {
    lab = await Lab.start('tun');
    await lab.dp.applyService(service({ id: 1, mode: 'tunnel' }));
    await lab.dp.applyService(service({ id: 2, mode: 'tunnel', proto: 'udp', port: 53 }));
    make(DECAP_DIR);
    decapMount = new BpfMount('decap');
    decapProg = join(decapMount.dir, 'decap');
    execFileSync('bpftool', ['prog', 'load', join(DECAP_DIR, 'build/decap.bpf.o'), decapProg, 'type', 'classifier'], { stdio: 'pipe' });
  });
  afterAll(async () => { await lab?.stop(); decapMount?.cleanup(); });

  for (const [name, spec] of [
    ['tcp', { proto: 'tcp', src: CLIENT, dst: VIP, sport: 41000, dport: 80, flags: TCP.SYN, tos: 0x10, id: 0xbeef }],
    ['udp', { proto: 'udp', src: CLIENT, dst: VIP, sport: 41001, dport: 53, df: false, id: 0x0101 }],
  ] as [string, FrameSpec][]) {
    it(`encapsulates ${name}: outer header fields and checksum`, async () => {
      const inF = buildFrame(spec);
      const r = await lab.runCounted(inF);
      expect(r.retval).toBe(TC_ACT_REDIRECT);
      expect(r.out.length).toBe(inF.length + 20);
      const p = parseFrame(r.out);
      const be = beOfMac(p.dstMac);
      expect(be).toBeGreaterThan(0);
      expect(p.srcMac).toBe(LB_EGRESS_MAC);
      expect(p.ethType).toBe(0x0800);
      expect(p.ip).toMatchObject({
        ihl: 20, tos: spec.tos ?? 0, totLen: inF.length - 14 + 20, id: spec.id, df: spec.df ?? true, mf: false,
        fragOff: 0, ttl: 64, proto: 4, src: LB_ADDR, dst: beAddr(be), headerOk: true,
      });
      expect(r.out[14]).toBe(0x45);
      // the inner packet is the client's, byte for byte
      expect(r.out.subarray(34).equals(inF.subarray(14))).toBe(true);
      expect(p.inner!.headerOk && p.l4!.csumOk).toBe(true);
      expect(r.d).toMatchObject({ rx: 1, tx: 1, encap: 1, new_flow: 1, [`be${be}.packets`]: 1 });
    });
  }

  it('too big once encapsulated (DF): ICMP fragmentation needed back to the client', async () => {
    await lab.dp.applyService(service({ id: 3, mode: 'tunnel', port: 8443,
      backends: [5, 6].map((i) => { const b = backend(i); b.egress!.mtu = 1500; return b; }) }));
    const big = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 41010, dport: 8443, flags: TCP.ACK,
      payload: Buffer.alloc(1450, 0x61) }); // IP total 1490 > 1500 - 20
    const r = await lab.runCounted(big);
    expect(r.retval).toBe(TC_ACT_REDIRECT); // back out of the ingress interface
    const p = parseFrame(r.out);
    expect(p.dstMac).toBe(CLIENT_MAC);
    expect(p.srcMac).toBe(LB_MAC);
    expect(p.ip).toMatchObject({ proto: 1, src: VIP, dst: CLIENT, ttl: 64, totLen: 56, headerOk: true });
    const icmp = r.out.subarray(34);
    expect(icmp.length).toBe(36);
    expect([icmp[0], icmp[1], icmp.readUInt16BE(6)]).toEqual([3, 4, 1480]);
    expect(csum(icmp)).toBe(0);
    expect(icmp.subarray(8).equals(big.subarray(14, 14 + 28))).toBe(true); // original header + 8 bytes
    // counted once, as answered: not as encapsulated, nor as a packet for the backend
    const be = Object.keys(r.d).find((k) => k.endsWith('.active'))!;
    expect(r.d).toEqual({ rx: 1, icmp_too_big: 1, new_flow: 1, flow_added: 1, [be]: 1 });
    // the same size without DF cannot be signalled: dropped with a reason
    const r2 = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 41011, dport: 8443,
      flags: TCP.ACK, df: false, payload: Buffer.alloc(1450) }));
    expect(r2.retval).toBe(TC_ACT_SHOT);
    expect(r2.d['drop.too_big']).toBe(1);
    // one that fits is encapsulated as usual
    const ok = lab.run(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 41012, dport: 8443, flags: TCP.ACK,
      payload: Buffer.alloc(1440) }));
    expect(ok.retval).toBe(TC_ACT_REDIRECT);
    expect(parseFrame(ok.out).ip).toMatchObject({ proto: 4, totLen: 1500 });
  });

  it('a GSO packet (GRO\'d on the way in) is checked by its segments: too big once wrapped gets ICMP, or is counted', async () => {
    await lab.dp.applyService(service({ id: 4, mode: 'tunnel', port: 8444,
      backends: [7, 8].map((i) => { const b = backend(i); b.egress!.mtu = 1500; return b; }) }));
    // two segments of 1460 (+ 40 bytes of headers)
    const big = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 41020, dport: 8444, flags: TCP.ACK, payload: Buffer.alloc(2920, 0x62) });
    const before = await lab.stats();
    const r = runProg(lab.dp.progPath, big, 1, 0, undefined, 1460);
    expect(r.retval, JSON.stringify(delta(before, await lab.stats()))).toBe(TC_ACT_REDIRECT);
    const p = parseFrame(r.out);
    expect(p.ip).toMatchObject({ proto: 1, src: VIP, dst: CLIENT, headerOk: true });
    expect([r.out[34], r.out[35], r.out.readUInt16BE(40)]).toEqual([3, 4, 1480]);
    expect(delta(before, await lab.stats())).toMatchObject({ icmp_too_big: 1 });
    // (segments that fit are encapsulated: test-run cannot say an skb is TCP GSO, which
    // adjust_room wants; netns.test.ts sends real ones)
    // without DF: nothing to tell the sender, no way to fragment a redirected packet: counted
    const nodf = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 41021, dport: 8444, flags: TCP.ACK, df: false, payload: Buffer.alloc(2920) });
    const b2 = await lab.stats();
    expect(runProg(lab.dp.progPath, nodf, 1, 0, undefined, 1460).retval).toBe(TC_ACT_SHOT);
    expect(delta(b2, await lab.stats())['drop.too_big']).toBe(1);
  });

  it('server decap takes IPIP only from the senders in decap_senders when the list is filled', async () => {
    const m = new BpfMount('decapsenders');
    try {
      const prog = join(m.dir, 'decap');
      execFileSync('bpftool', ['prog', 'load', join(DECAP_DIR, 'build/decap.bpf.o'), prog, 'type', 'classifier', 'pinmaps', join(m.dir, 'maps')], { stdio: 'pipe' });
      const setSenders = (addrs: string[]) => execFileSync('bpftool', ['map', 'update', 'pinned', join(m.dir, 'maps/decap_senders'),
        'key', 'hex', '00', '00', '00', '00', 'value', 'hex', ...decapSendersHex(addrs).split(' ')]);
      const enc = lab.run(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 41030, dport: 80, flags: TCP.SYN })).out;
      const atServer = Buffer.concat([Buffer.alloc(6), enc.subarray(6)]);
      // the same tunnel packet from somebody else (outer source and checksum changed)
      const spoofed = Buffer.from(atServer);
      spoofed.writeUInt32BE(0xc6120063, 26); // 198.18.0.99
      spoofed.writeUInt16BE(0, 24);
      spoofed.writeUInt16BE(csum(spoofed.subarray(14, 34)), 24);
      const stats = () => (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', join(m.dir, 'maps/decap_stats')], { encoding: 'utf8' })) as
        { formatted: { key: number; values: { value: number }[] } }[]).map((e) => e.formatted);
      const dropped = () => stats().find((e) => e.key === 4)!.values.reduce((a, v) => a + v.value, 0);
      // empty list: anyone (the default)
      expect(runProg(prog, spoofed).retval).toBe(TC_ACT_OK);
      expect(runProg(prog, spoofed).out.length).toBe(enc.length - 20);
      setSenders([LB_ADDR]);
      const ok = runProg(prog, atServer);
      expect([ok.retval, ok.out.length]).toEqual([TC_ACT_OK, enc.length - 20]);
      expect(runProg(prog, spoofed).retval).toBe(TC_ACT_SHOT);
      expect(dropped()).toBe(1);
    } finally {
      m.cleanup();
    }
  });

  /** The same IPIP frame with 4 option bytes (NOP NOP NOP EOL) in its outer header (IHL 6). */
  const withOuterOptions = (enc: Buffer): Buffer => {
    const f = Buffer.concat([enc.subarray(0, 34), Buffer.from([1, 1, 1, 0]), enc.subarray(34)]);
    const ip = f.subarray(14);
    ip[0] = 0x46;
    ip.writeUInt16BE(ip.readUInt16BE(2) + 4, 2);
    ip.writeUInt16BE(0, 10);
    ip.writeUInt16BE(csum(ip.subarray(0, 24)), 10);
    return f;
  };
  for (const [name, sport, options, outerOptions] of [
    ['', 41002, undefined, false],
    [', inner IP options', 41004, Buffer.from([1, 1, 1, 0]), false],
    [', outer IP options', 41005, undefined, true],
  ] as [string, number, Buffer | undefined, boolean][]) {
    it(`server decap restores the original packet (round trip${name})`, () => {
      const inF = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags: TCP.SYN, options });
      let enc = lab.run(inF).out;
      if (outerOptions) enc = withOuterOptions(enc);
      // PACKET_HOST in test-run means "dst MAC = the test device's (lo: 00..00)"
      const atServer = Buffer.concat([Buffer.alloc(6), enc.subarray(6)]);
      const r = runProg(decapProg, atServer);
      expect(r.retval).toBe(TC_ACT_OK);
      expect(r.out.length).toBe(inF.length);
      expect(r.out.subarray(12).equals(inF.subarray(12))).toBe(true);
    });
  }

  it('server decap leaves IPIP for another host and plain IP alone', () => {
    const inF = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 41003, dport: 80 });
    const enc = lab.run(inF).out; // dst MAC = backend MAC != test device: PACKET_OTHERHOST
    const r1 = runProg(decapProg, enc);
    expect(r1.retval).toBe(TC_ACT_OK);
    expect(r1.out.equals(enc)).toBe(true);
    const plain = Buffer.concat([Buffer.alloc(6), inF.subarray(6)]);
    const r2 = runProg(decapProg, plain);
    expect(r2.retval).toBe(TC_ACT_OK);
    expect(r2.out.equals(plain)).toBe(true);
  });
});

describe('nat', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('nat');
    await lab.dp.applyService(service({ id: 1, mode: 'nat' }));
    await lab.dp.applyService(service({ id: 2, mode: 'nat', proto: 'udp', port: 53, scheduler: 'rr' }));
  });
  afterAll(async () => { await lab?.stop(); });

  for (const [name, spec] of [
    ['tcp', { proto: 'tcp', src: CLIENT, dst: VIP, sport: 42000, dport: 80, flags: TCP.SYN }],
    ['udp', { proto: 'udp', src: CLIENT, dst: VIP, sport: 42001, dport: 53 }],
    ['udp without checksum', { proto: 'udp', src: CLIENT, dst: VIP, sport: 42002, dport: 53, udpZeroCsum: true }],
    ['tcp with IP options', { proto: 'tcp', src: CLIENT, dst: VIP, sport: 42003, dport: 80, options: Buffer.from([1, 1, 1, 0]) }],
  ] as [string, FrameSpec][]) {
    it(`forward ${name}: dst -> backend, reply: src -> VIP`, async () => {
      const inF = buildFrame(spec);
      const f = await lab.runCounted(inF, CLIENT_IFINDEX);
      expect(f.retval).toBe(TC_ACT_REDIRECT);
      const p = parseFrame(f.out);
      const be = beOfMac(p.dstMac);
      expect(be).toBeGreaterThan(0);
      expect(p.srcMac).toBe(LB_EGRESS_MAC);
      expect(p.ip).toMatchObject({ src: CLIENT, dst: beAddr(be), ttl: 63, headerOk: true });
      expect(p.l4).toMatchObject({ sport: spec.sport, dport: spec.dport, csumOk: true });
      if (spec.udpZeroCsum) expect(p.l4!.check).toBe(0);
      expect(f.out.length).toBe(inF.length);
      expect(f.d).toMatchObject({ rx: 1, tx: 1, nat_fwd: 1, new_flow: 1 });
      if (spec.options) expect(f.d.ip_options).toBe(1);

      // the backend answers the client (its default gateway is the balancer)
      const reply = buildFrame({
        ...spec, src: beAddr(be), dst: CLIENT, sport: spec.dport, dport: spec.sport,
        flags: spec.proto === 'tcp' ? TCP.SYN | TCP.ACK : undefined, srcMac: beMac(be), dstMac: LB_EGRESS_MAC,
      });
      const rv = await lab.runCounted(reply);
      // back where the request came from: its interface, the MAC that sent it, from the MAC it was sent to
      expect(rv.retval).toBe(TC_ACT_REDIRECT);
      const q = parseFrame(rv.out);
      const req = parseFrame(inF);
      expect([q.dstMac, q.srcMac]).toEqual([req.srcMac, req.dstMac]);
      expect(q.ip).toMatchObject({ src: VIP, dst: CLIENT, headerOk: true });
      expect(q.l4).toMatchObject({ sport: spec.dport, dport: spec.sport, csumOk: true });
      if (spec.udpZeroCsum) expect(q.l4!.check).toBe(0);
      expect(rv.d).toMatchObject({ rx: 1, tx: 1, nat_rev: 1 });
    });
  }

  it('no route to the backend: dropped (fib_fail) and counted once, never as sent', async () => {
    // no L2 egress (no next-hop MAC: set explicitly, so the host's routes cannot give one): the forward
    // path asks the FIB, which (ingress ifindex 0 in test-run) has no answer
    await lab.dp.applyService(service({ id: 3, mode: 'nat', port: 8080, backends: [backend(5, { egress: { ...backend(5).egress!, nextHopMac: undefined } })] }));
    const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 42100, dport: 8080, flags: TCP.SYN }));
    expect(r.retval).toBe(TC_ACT_SHOT);
    expect(r.d).toEqual({ rx: 1, 'drop.fib_fail': 1, fib_lookup: 1, new_flow: 1, flow_added: 2, 'be5.active': 1 });
  });

  it('a reply from a non-flow passes untouched', async () => {
    const f = buildFrame({ proto: 'tcp', src: beAddr(1), dst: CLIENT, sport: 80, dport: 9, flags: TCP.ACK });
    const r = await lab.runCounted(f);
    expect(r.retval).toBe(TC_ACT_OK);
    expect(r.out.equals(f)).toBe(true);
    expect(r.d).toEqual({ rx: 1, pass: 1 });
  });
});

describe('snat (full NAT)', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('snat');
    await lab.dp.applyService(service({ id: 1, mode: 'snat', snatAddress: SNAT_ADDR }));
    await lab.dp.applyService(service({ id: 2, mode: 'snat', snatAddress: SNAT_ADDR, proto: 'udp', port: 53 }));
  });
  afterAll(async () => { await lab?.stop(); });

  for (const [name, spec] of [
    ['tcp', { proto: 'tcp', src: CLIENT, dst: VIP, sport: 43000, dport: 80, flags: TCP.SYN }],
    ['udp', { proto: 'udp', src: CLIENT, dst: VIP, sport: 43001, dport: 53 }],
    ['udp without checksum', { proto: 'udp', src: CLIENT, dst: VIP, sport: 43002, dport: 53, udpZeroCsum: true }],
  ] as [string, FrameSpec][]) {
    it(`forward ${name}: src -> snat:port, dst -> backend; reply reversed`, async () => {
      const inF = buildFrame(spec);
      const f = await lab.runCounted(inF, CLIENT_IFINDEX);
      expect(f.retval).toBe(TC_ACT_REDIRECT);
      const p = parseFrame(f.out);
      const be = beOfMac(p.dstMac);
      expect(be).toBeGreaterThan(0);
      expect(p.ip).toMatchObject({ src: SNAT_ADDR, dst: beAddr(be), headerOk: true });
      expect(p.l4!.dport).toBe(spec.dport);
      expect(p.l4!.sport).toBeGreaterThanOrEqual(SNAT_PORT_MIN);
      expect(p.l4!.sport).toBeLessThan(SNAT_PORT_MIN + SNAT_PORT_SPAN);
      expect(p.l4!.csumOk).toBe(true);
      if (spec.udpZeroCsum) expect(p.l4!.check).toBe(0);
      expect(f.d).toMatchObject({ rx: 1, tx: 1, snat_fwd: 1, new_flow: 1 });

      // same flow again: same source port
      expect(parseFrame(lab.run(buildFrame({ ...spec, flags: TCP.ACK })).out).l4!.sport).toBe(p.l4!.sport);

      const reply = buildFrame({
        ...spec, src: beAddr(be), dst: SNAT_ADDR, sport: spec.dport, dport: p.l4!.sport,
        flags: spec.proto === 'tcp' ? TCP.SYN | TCP.ACK : undefined, srcMac: beMac(be), dstMac: LB_EGRESS_MAC,
      });
      const rv = await lab.runCounted(reply);
      expect(rv.retval).toBe(TC_ACT_REDIRECT);
      const q = parseFrame(rv.out);
      const req = parseFrame(inF);
      expect([q.dstMac, q.srcMac]).toEqual([req.srcMac, req.dstMac]);
      expect(q.ip).toMatchObject({ src: VIP, dst: CLIENT, headerOk: true });
      expect(q.l4).toMatchObject({ sport: spec.dport, dport: spec.sport, csumOk: true });
      expect(rv.d).toMatchObject({ rx: 1, tx: 1, snat_rev: 1 });
    });
  }

  it('two clients with the same source port get different snat ports', () => {
    const a = parseFrame(lab.run(buildFrame({ proto: 'tcp', src: '198.18.0.61', dst: VIP, sport: 5000, dport: 80 })).out);
    const b = parseFrame(lab.run(buildFrame({ proto: 'tcp', src: '198.18.0.62', dst: VIP, sport: 5000, dport: 80 })).out);
    if (a.ip.dst === b.ip.dst) expect(a.l4!.sport).not.toBe(b.l4!.sport);
    expect(a.ip.src).toBe(SNAT_ADDR);
  });

  it('a packet to the snat address without a flow passes untouched', async () => {
    const f = buildFrame({ proto: 'tcp', src: beAddr(1), dst: SNAT_ADDR, sport: 80, dport: 12345, flags: TCP.ACK });
    const r = await lab.runCounted(f);
    expect(r.retval).toBe(TC_ACT_OK);
    expect(r.out.equals(f)).toBe(true);
  });
});

describe('live mode switch', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('modeswitch');
    await lab.dp.applyService(service({ id: 1, mode: 'dsr' }));
  });
  afterAll(async () => { await lab?.stop(); });

  // The switch flushes the old mode's flows (the servers are plumbed for the new mode at the same time, so an
  // old-mode flow could not finish the old way): an established flow's next packet is scheduled in the new mode.
  it('after a switch, an established flow and new flows alike take the new mode', async () => {
    const syn = (sport: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags: TCP.SYN });
    const ack = (sport: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags: TCP.ACK });
    expect(parseFrame(lab.run(syn(44000)).out).ip.dst).toBe(VIP); // dsr: IP untouched
    expect(parseFrame(lab.run(ack(44000)).out).ip.dst).toBe(VIP);

    await lab.dp.applyService(service({ id: 1, mode: 'nat' }));
    const old = await lab.runCounted(ack(44000));
    const o = parseFrame(old.out);
    expect(o.ip.dst).toBe(beAddr(beOfMac(o.dstMac)));
    expect(old.d).toMatchObject({ nat_fwd: 1, new_flow: 1 });
    expect(old.d.dsr ?? 0).toBe(0);
    const fresh = await lab.runCounted(syn(44001));
    const p = parseFrame(fresh.out);
    expect(p.ip.dst).toBe(beAddr(beOfMac(p.dstMac)));
    expect(fresh.d).toMatchObject({ nat_fwd: 1, new_flow: 1 });
  });
});
