// Golden packets in IPv6: every mode (dsr, ip6ip6 tunnel, NAT66 nat and
// snat, both directions), checksums verified over the IPv6 pseudo header,
// extension headers walked or refused, fragments, and every mode's frame cut
// at every offset. One lab: a service per mode, each with an IPv4 VIP and an
// IPv6 one (vip6), as the agent writes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BpfMount, DECAP_DIR, Lab, TC_ACT_OK, TC_ACT_REDIRECT, TC_ACT_SHOT, delta, make, runProg, skipReason, tryRunProg } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT6, CLIENT_IFINDEX, LB6, LB_EGRESS_MAC, SNAT6, VIP, VIP6, be6, beMac, beOfMac, service, service46 } from './fixtures';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { CLIENT_MAC, LB_MAC, NH, buildFrame6, buildIcmp6Error, norm6, parseFrame6, parseIcmp6, type Frame6Spec } from '../support/bpf/packet6';
import { SNAT_PORT_MIN, SNAT_PORT_SPAN, ipv6Bytes } from '../../lab-images/balancer/agent/dataplane-abi';
import { decapSenders6Hex } from '../../electron/engine/topology/plumbing';
import type { DataplaneMode } from '../../lab-images/balancer/contract/vocabulary';

const skip = skipReason();

const service6 = (id: number, mode: DataplaneMode, port: number, proto: 'tcp' | 'udp' = 'tcp') => service46(id, mode, port, { proto });

const PORTS = { dsr: 80, tunnel: 81, nat: 82, snat: 83 } as const;

describe('IPv6', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('v6');
    await lab.dp.applyService(service6(1, 'dsr', PORTS.dsr));
    await lab.dp.applyService(service6(2, 'tunnel', PORTS.tunnel));
    await lab.dp.applyService(service6(3, 'nat', PORTS.nat));
    await lab.dp.applyService(service6(4, 'snat', PORTS.snat));
    await lab.dp.applyService(service6(5, 'dsr', 53, 'udp'));
    await lab.dp.applyService(service6(7, 'tunnel', PORTS.tunnel, 'udp'));
  });
  afterAll(async () => { await lab?.stop(); });

  const req = (dport: number, sport: number, over: Partial<Frame6Spec> = {}): Buffer =>
    buildFrame6({ proto: 'tcp', src: CLIENT6, dst: VIP6, sport, dport, flags: TCP.SYN, ...over });

  it('dsr: only the MACs change, the IPv6 packet is untouched; a flow keeps its backend', async () => {
    const inF = req(PORTS.dsr, 40001);
    const r = await lab.runCounted(inF);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const p = parseFrame6(r.out);
    const be = beOfMac(p.dstMac);
    expect([1, 2]).toContain(be);
    expect(p.srcMac).toBe(LB_EGRESS_MAC);
    expect(r.out.subarray(12).equals(inF.subarray(12))).toBe(true);
    expect(r.d).toEqual({ rx: 1, tx: 1, dsr: 1, new_flow: 1, [`be${be}.packets`]: 1, [`be${be}.bytes`]: inF.length, [`be${be}.active`]: 1 });
    const again = await lab.runCounted(req(PORTS.dsr, 40001, { flags: TCP.ACK }));
    expect(parseFrame6(again.out).dstMac).toBe(beMac(be));
    expect(again.d.new_flow).toBeUndefined();
    // UDP too
    const u = lab.run(buildFrame6({ proto: 'udp', src: CLIENT6, dst: VIP6, sport: 5353, dport: 53 }));
    expect(u.retval).toBe(TC_ACT_REDIRECT);
    expect([9, 10]).toContain(beOfMac(parseFrame6(u.out).dstMac));
  });

  it('tunnel: ip6ip6, outer header from our address to the backend, the inner packet byte for byte', async () => {
    for (const [spec, sport] of [[{ proto: 'tcp', tc: 0x28 }, 41000], [{ proto: 'udp' }, 41001]] as [Partial<Frame6Spec>, number][]) {
      const inF = req(PORTS.tunnel, sport, spec);
      const r = await lab.runCounted(inF);
      expect(r.retval).toBe(TC_ACT_REDIRECT);
      expect(r.out.length).toBe(inF.length + 40);
      const p = parseFrame6(r.out);
      const be = beOfMac(p.dstMac);
      expect(spec.proto === 'tcp' ? [3, 4] : [13, 14]).toContain(be);
      expect(p.ethType).toBe(0x86dd);
      expect(p.ip).toMatchObject({ version: 6, tc: spec.tc ?? 0, flow: 0x12345, plen: inF.length - 14, nh: NH.IPV6, hops: 64,
        src: norm6(LB6), dst: norm6(be6(be)) });
      expect(r.out.subarray(54).equals(inF.subarray(14))).toBe(true);
      expect(p.inner!.l4!.csumOk).toBe(true);
      expect(r.d).toMatchObject({ rx: 1, tx: 1, encap: 1, new_flow: 1, [`be${be}.packets`]: 1 });
    }
  });

  it('server decap takes ip6ip6: the client\'s packet comes out byte for byte; an allow list it is not on drops it', () => {
    make(DECAP_DIR);
    const m = new BpfMount('decap6');
    try {
      const prog = join(m.dir, 'decap');
      execFileSync('bpftool', ['prog', 'load', join(DECAP_DIR, 'build/decap.bpf.o'), prog, 'type', 'classifier', 'pinmaps', join(m.dir, 'maps')], { stdio: 'pipe' });
      const inF = req(PORTS.tunnel, 41100);
      const enc = lab.run(inF).out;
      // PACKET_HOST in test-run: dst MAC = the test device's (lo: 00..00)
      const atServer = Buffer.concat([Buffer.alloc(6), enc.subarray(6)]);
      const r = runProg(prog, atServer);
      expect(r.retval).toBe(TC_ACT_OK);
      expect(r.out.length).toBe(inF.length);
      expect(r.out.subarray(12).equals(inF.subarray(12))).toBe(true);
      // for another host (its MAC): untouched
      expect(runProg(prog, enc).out.equals(enc)).toBe(true);
      // senders listed, ours not among them: dropped
      const cfg = Buffer.alloc(4 + 32 * 16);
      cfg.writeUInt32LE(1, 0);
      Buffer.from(ipv6Bytes('fd00:18:1::99')).copy(cfg, 4);
      execFileSync('bpftool', ['map', 'update', 'pinned', join(m.dir, 'maps/decap_senders6'), 'key', 'hex', '00', '00', '00', '00',
        'value', 'hex', ...[...cfg].map((b) => b.toString(16).padStart(2, '0'))]);
      expect(runProg(prog, atServer).retval).toBe(TC_ACT_SHOT);
      // the lab's plumbing's own values: the balancer's address among them passes; '::' alone (a lab whose
      // balancers have no IPv6 address) drops every sender
      const fill = (addrs: string[]) => execFileSync('bpftool', ['map', 'update', 'pinned', join(m.dir, 'maps/decap_senders6'), 'key', 'hex', '00', '00', '00', '00',
        'value', 'hex', ...decapSenders6Hex(addrs).split(' ')]);
      fill(['fd00:18:1::99', LB6]);
      expect(runProg(prog, atServer).retval).toBe(TC_ACT_OK);
      fill(['::']);
      expect(runProg(prog, atServer).retval).toBe(TC_ACT_SHOT);
    } finally {
      m.cleanup();
    }
  });

  it('nat: forward dst := the backend\'s IPv6 address, reply src := VIP6; L4 checksums right both ways', async () => {
    const inF = req(PORTS.nat, 42000);
    const r = await lab.runCounted(inF, CLIENT_IFINDEX); // replies go back out of it
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const p = parseFrame6(r.out);
    const be = beOfMac(p.dstMac);
    expect([5, 6]).toContain(be);
    expect(p.ip).toMatchObject({ src: norm6(CLIENT6), dst: norm6(be6(be)), hops: 64, plen: inF.length - 54 });
    expect(p.l4).toMatchObject({ sport: 42000, dport: PORTS.nat, csumOk: true });
    expect(r.d).toMatchObject({ rx: 1, tx: 1, nat_fwd: 1, new_flow: 1 });
    // the backend answers the client (its gateway is the balancer)
    const reply = buildFrame6({ proto: 'tcp', src: be6(be), dst: CLIENT6, sport: PORTS.nat, dport: 42000, flags: TCP.SYN | TCP.ACK,
      srcMac: beMac(be), dstMac: LB_EGRESS_MAC });
    const rr = await lab.runCounted(reply);
    expect(rr.retval).toBe(TC_ACT_REDIRECT);
    const q = parseFrame6(rr.out);
    expect(q.ip).toMatchObject({ src: norm6(VIP6), dst: norm6(CLIENT6) });
    expect(q.l4).toMatchObject({ sport: PORTS.nat, dport: 42000, csumOk: true });
    expect([q.dstMac, q.srcMac]).toEqual([CLIENT_MAC, LB_MAC]); // back the way the request came
    expect(rr.d).toEqual({ rx: 1, tx: 1, nat_rev: 1 });
  });

  it('snat: forward src := snat address:port, dst := backend; the reply restored to VIP6:port -> client:port', async () => {
    for (const proto of ['tcp', 'udp'] as const) {
      await lab.dp.applyService(service6(6, 'snat', 84, 'udp'));
      const dport = proto === 'tcp' ? PORTS.snat : 84;
      const inF = req(dport, 43000, { proto });
      const r = await lab.runCounted(inF, CLIENT_IFINDEX);
      expect(r.retval).toBe(TC_ACT_REDIRECT);
      const p = parseFrame6(r.out);
      const be = beOfMac(p.dstMac);
      expect(p.ip).toMatchObject({ src: norm6(SNAT6), dst: norm6(be6(be)) });
      expect(p.l4!.sport).toBeGreaterThanOrEqual(SNAT_PORT_MIN);
      expect(p.l4!.sport).toBeLessThan(SNAT_PORT_MIN + SNAT_PORT_SPAN);
      expect(p.l4).toMatchObject({ dport, csumOk: true });
      expect(r.d).toMatchObject({ rx: 1, tx: 1, snat_fwd: 1, new_flow: 1 });
      const reply = buildFrame6({ proto, src: be6(be), dst: SNAT6, sport: dport, dport: p.l4!.sport, flags: TCP.SYN | TCP.ACK,
        srcMac: beMac(be), dstMac: LB_EGRESS_MAC });
      const rr = await lab.runCounted(reply);
      expect(rr.retval).toBe(TC_ACT_REDIRECT);
      const q = parseFrame6(rr.out);
      expect(q.ip).toMatchObject({ src: norm6(VIP6), dst: norm6(CLIENT6) });
      expect(q.l4).toMatchObject({ sport: dport, dport: 43000, csumOk: true });
      expect(rr.d).toEqual({ rx: 1, tx: 1, snat_rev: 1 });
      // the same flow keeps its port
      const again = parseFrame6(lab.run(req(dport, 43000, { proto, flags: TCP.ACK })).out);
      expect(again.l4!.sport).toBe(p.l4!.sport);
    }
  });

  it('the IPv4 VIP of the same services is served as before, beside the IPv6 one', async () => {
    const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 44000, dport: PORTS.nat, flags: TCP.SYN }));
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    expect(parseFrame(r.out).ip.dst).toMatch(/^198\.18\.1\./);
    expect(r.d).toMatchObject({ nat_fwd: 1 });
  });

  it('Maglev over IPv6 tuples: flows spread over both backends, each flow sticky', () => {
    const seen = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const f = req(PORTS.dsr, 20000 + i, { src: `fd00:18::${(0x1000 + i).toString(16)}` });
      const be = beOfMac(parseFrame6(lab.run(f).out).dstMac);
      seen.set(be, (seen.get(be) ?? 0) + 1);
      if (i % 50 === 0) expect(beOfMac(parseFrame6(lab.run(f).out).dstMac)).toBe(be);
    }
    expect([...seen.keys()].sort()).toEqual([1, 2]);
    for (const n of seen.values()) expect(n).toBeGreaterThan(400 * 0.35);
  });

  it('extension headers: hop-by-hop, destination options and routing walked (ipv6_ext); AH to a VIP refused (ext_header), elsewhere passed', async () => {
    const ext = [{ type: NH.HOP }, { type: NH.DEST, body: Buffer.alloc(14) }, { type: NH.ROUTING, body: Buffer.from([0, 0, 0, 0, 0, 0]) }];
    const inF = req(PORTS.nat, 45000, { ext });
    const r = await lab.runCounted(inF);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const p = parseFrame6(r.out);
    expect(p.l4).toMatchObject({ sport: 45000, dport: PORTS.nat, csumOk: true });
    expect(p.ip.dst).toBe(norm6(be6(beOfMac(p.dstMac))));
    expect(r.d).toMatchObject({ rx: 1, tx: 1, nat_fwd: 1, ipv6_ext: 1 });
    const ah = await lab.runCounted(req(PORTS.nat, 45001, { ext: [{ type: NH.AH, body: Buffer.alloc(22) }] }));
    expect(ah.retval).toBe(TC_ACT_SHOT);
    expect(ah.d).toEqual({ rx: 1, 'drop.ext_header': 1 });
    const elsewhere = await lab.runCounted(req(PORTS.nat, 45002, { dst: 'fd00:18::99', ext: [{ type: NH.AH, body: Buffer.alloc(22) }] }));
    expect(elsewhere.retval).toBe(TC_ACT_OK);
    expect(elsewhere.d).toEqual({ rx: 1, pass: 1 });
    // hop-by-hop anywhere but first is malformed (RFC 8200): refused
    const late = await lab.runCounted(req(PORTS.nat, 45003, { ext: [{ type: NH.DEST }, { type: NH.HOP }] }));
    expect(late.d['drop.ext_header']).toBe(1);
  });

  it('fragments: the first (with ports) is balanced, later ones follow it; a later one without its first is dropped', async () => {
    // a UDP datagram of 8 + 32 bytes in two fragments: header + 16 bytes, then 24 bytes
    const whole = buildFrame6({ proto: 'udp', src: CLIENT6, dst: VIP6, sport: 46000, dport: 53, payload: Buffer.alloc(32, 0x41) });
    const l4 = whole.subarray(54);
    const first = buildFrame6({ proto: 'udp', src: CLIENT6, dst: VIP6, rawL4: l4.subarray(0, 24), frag: { offset: 0, more: true, id: 0xabcdef01 } });
    const later = buildFrame6({ proto: 'udp', src: CLIENT6, dst: VIP6, rawL4: l4.subarray(24), frag: { offset: 3, more: false, id: 0xabcdef01 } });
    const a = await lab.runCounted(first);
    expect(a.retval).toBe(TC_ACT_REDIRECT);
    expect(a.d).toMatchObject({ dsr: 1, frag_first: 1, ipv6_ext: 1 });
    const b = await lab.runCounted(later);
    expect(b.retval).toBe(TC_ACT_REDIRECT);
    expect(b.d).toMatchObject({ dsr: 1, frag_later: 1 });
    expect(parseFrame6(b.out).dstMac).toBe(parseFrame6(a.out).dstMac);
    const orphan = await lab.runCounted(buildFrame6({ proto: 'udp', src: CLIENT6, dst: VIP6, rawL4: l4.subarray(24), frag: { offset: 3, more: false, id: 7 } }));
    expect(orphan.retval).toBe(TC_ACT_SHOT);
    expect(orphan.d).toEqual({ rx: 1, 'drop.frag': 1, ipv6_ext: 1 });
  });

  it('not ours: ICMPv6 (neighbour discovery) passes; ICMPv6 to the VIP6 is counted icmp_vip', async () => {
    const ns = buildFrame6({ proto: 'icmp', src: CLIENT6, dst: 'ff02::1:ff00:100' });
    ns[14 + 6] = NH.ICMPV6;
    expect((await lab.runCounted(ns)).d).toEqual({ rx: 1, pass: 1 });
    const ping = buildFrame6({ proto: 'icmp', src: CLIENT6, dst: VIP6 });
    ping[14 + 6] = NH.ICMPV6;
    expect((await lab.runCounted(ping)).d).toEqual({ rx: 1, pass: 1, icmp_vip: 1 });
  });

  it('malformed: version 4 in an IPv6 frame, a jumbogram (payload length 0): bad_ip', async () => {
    const v = req(PORTS.dsr, 47000);
    v[14] = 0x40;
    expect((await lab.runCounted(v)).d).toEqual({ rx: 1, 'drop.bad_ip': 1 });
    const j = req(PORTS.dsr, 47001);
    j.writeUInt16BE(0, 18);
    expect((await lab.runCounted(j)).d).toEqual({ rx: 1, 'drop.bad_ip': 1 });
  });

  const ICMP6 = { UNREACH: 1, TOO_BIG: 2 } as const;
  /** A reply from VIP6:port to the client, as the client's side sees it (an IPv6 packet, no Ethernet). */
  const buildIp6Reply = (cport: number, vport: number): Buffer =>
    buildFrame6({ proto: 'tcp', src: VIP6, dst: CLIENT6, sport: vport, dport: cport, flags: TCP.SYN | TCP.ACK }).subarray(14);
  const ROUTER6 = 'fd00:18:1::fe';

  it('nat: a packet too big from the backend, quoting a forwarded packet, reaches the client from VIP6 quoting what it sent', async () => {
    const inF = req(PORTS.nat, 49000);
    const fwd = lab.run(inF, 1, CLIENT_IFINDEX).out;
    const be = beOfMac(parseFrame6(fwd).dstMac);
    const err = buildIcmp6Error({ src: be6(be), dst: CLIENT6, type: ICMP6.TOO_BIG, code: 0, rest: 1400, quoted: fwd.subarray(14),
      srcMac: beMac(be), dstMac: LB_EGRESS_MAC });
    const r = await lab.runCounted(err);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const e = parseIcmp6(r.out);
    expect([e.dstMac, e.srcMac]).toEqual([CLIENT_MAC, LB_MAC]); // back the way the request came
    expect(e.ip).toMatchObject({ src: norm6(VIP6), dst: norm6(CLIENT6), nh: NH.ICMPV6, plen: 8 + inF.length - 14 });
    expect([e.type, e.code, e.rest, e.csumOk]).toEqual([ICMP6.TOO_BIG, 0, 1400, true]);
    expect(e.quote.equals(inF.subarray(14))).toBe(true); // the client's own packet, checksum and all
    expect(e.q.l4).toMatchObject({ sport: 49000, dport: PORTS.nat, csumOk: true });
    expect(r.d).toEqual({ rx: 1, tx: 1, icmp_rev: 1 });
  });

  it('snat: unreachable from a router before the backend, quoting the snat packet (TCP, UDP): to the client, the router kept', async () => {
    for (const proto of ['tcp', 'udp'] as const) {
      const dport = proto === 'tcp' ? PORTS.snat : 84;
      const inF = req(dport, 49100, { proto, payload: Buffer.from('quoted bytes') });
      const fwd = lab.run(inF, 1, CLIENT_IFINDEX).out;
      const p = parseFrame6(fwd);
      expect(p.ip.src).toBe(norm6(SNAT6));
      // a short quote (header + 8 bytes of L4: no TCP checksum in it) and the whole packet
      for (const quoted of [fwd.subarray(14, 14 + 48), fwd.subarray(14)]) {
        const err = buildIcmp6Error({ src: ROUTER6, dst: SNAT6, type: ICMP6.UNREACH, code: 3, quoted, dstMac: LB_EGRESS_MAC });
        const r = await lab.runCounted(err);
        expect(r.retval).toBe(TC_ACT_REDIRECT);
        const e = parseIcmp6(r.out);
        expect(e.ip).toMatchObject({ src: norm6(ROUTER6), dst: norm6(CLIENT6) });
        expect([e.type, e.code, e.csumOk]).toEqual([ICMP6.UNREACH, 3, true]);
        expect(e.q.ip).toMatchObject({ src: norm6(CLIENT6), dst: norm6(VIP6) });
        expect(e.quote.equals(inF.subarray(14, 14 + quoted.length)), `${proto} quote of ${quoted.length}`).toBe(true);
        expect(r.d).toEqual({ rx: 1, tx: 1, icmp_rev: 1 });
      }
    }
  });

  it('ICMPv6 errors not about a flow of ours (another quote, echo, a quote cut short) pass untouched', async () => {
    const inF = req(PORTS.nat, 49200);
    const fwd = lab.run(inF, 1, CLIENT_IFINDEX).out;
    const be = beOfMac(parseFrame6(fwd).dstMac);
    const other = Buffer.from(fwd.subarray(14));
    other.writeUInt16BE(49201, 40); // another client port: no such flow
    const stranger = buildIcmp6Error({ src: be6(be), dst: CLIENT6, type: ICMP6.UNREACH, code: 4, quoted: other });
    expect((await lab.runCounted(stranger)).d).toEqual({ rx: 1, pass: 1 });
    // the message cut at every length (the payload length agreeing): translated only once the quote holds the ports
    const whole = fwd.subarray(14);
    let translated = 0;
    for (let n = 0; n <= whole.length; n++) {
      const err = buildIcmp6Error({ src: be6(be), dst: CLIENT6, type: ICMP6.TOO_BIG, code: 0, rest: 1400, quoted: whole.subarray(0, n) });
      const r = lab.run(err);
      if (n < 48) {
        expect(r.retval, `quote of ${n}`).toBe(TC_ACT_OK);
        expect(r.out.equals(err), `quote of ${n}`).toBe(true);
      } else {
        expect(r.retval, `quote of ${n}`).toBe(TC_ACT_REDIRECT);
        const e = parseIcmp6(r.out);
        expect(e.csumOk, `quote of ${n}`).toBe(true);
        // half a TCP checksum (57 bytes) cannot be updated: the rest is restored
        const m = n === 57 ? 56 : n;
        expect(e.quote.subarray(0, m).equals(inF.subarray(14, 14 + m)), `quote of ${n}`).toBe(true);
        translated++;
      }
    }
    expect(translated).toBe(whole.length - 47);
  });

  it('from the client\'s side, about a reply (a router toward the client): on to the flow\'s backend, the way its mode sends', async () => {
    const ROUTER_C = 'fd00:18::fe';
    for (const mode of ['dsr', 'tunnel', 'nat', 'snat'] as const) {
      const sport = 49500 + PORTS[mode];
      const inF = req(PORTS[mode], sport);
      const fwd = lab.run(inF, 1, CLIENT_IFINDEX).out;
      const be = beOfMac(parseFrame6(fwd).dstMac);
      // the reply as the client's side saw it: VIP6:port -> client:port
      const replyAtClient = buildIp6Reply(sport, PORTS[mode]);
      const err = buildIcmp6Error({ src: ROUTER_C, dst: VIP6, type: ICMP6.TOO_BIG, code: 0, rest: 1300, quoted: replyAtClient });
      const r = await lab.runCounted(err);
      expect(r.retval, mode).toBe(TC_ACT_REDIRECT);
      expect(beOfMac(parseFrame6(r.out).dstMac), mode).toBe(be);
      expect(r.d, mode).toMatchObject({ rx: 1, tx: 1, icmp_fwd: 1 });
      if (mode === 'dsr') {
        expect(r.out.subarray(12).equals(err.subarray(12))).toBe(true);
      } else if (mode === 'tunnel') {
        const p = parseFrame6(r.out);
        expect(p.ip).toMatchObject({ nh: NH.IPV6, src: norm6(LB6), dst: norm6(be6(be)) });
        expect(r.out.subarray(54).equals(err.subarray(14))).toBe(true);
      } else {
        const e = parseIcmp6(r.out);
        expect(e.csumOk, mode).toBe(true);
        const fp = parseFrame6(fwd);
        // the backend sees the error about the reply it sent: from itself to (snat: our address:port)
        expect(e.ip).toMatchObject({ src: mode === 'snat' ? norm6(SNAT6) : norm6(ROUTER_C), dst: norm6(be6(be)) });
        expect(e.q.ip).toMatchObject({ src: norm6(be6(be)), dst: fp.ip.src });
        expect(e.q.l4).toMatchObject({ sport: PORTS[mode], dport: fp.l4!.sport, csumOk: true });
        expect([e.type, e.rest]).toEqual([ICMP6.TOO_BIG, 1300]);
      }
    }
  });

  it('tunnel: too big once wrapped: an ICMPv6 packet too big (MTU - 40) from VIP6 back to the client, quoting its headers', async () => {
    await lab.dp.applyService(service({ ...service6(8, 'tunnel', 85),
      backends: service6(8, 'tunnel', 85).backends.map((b) => ({ ...b, egress: { ...b.egress!, mtu: 1500 } })) }));
    for (const [i, ext] of [undefined, [{ type: NH.HOP }, { type: NH.DEST }]].entries()) {
      const big = req(85, 49300 + i, { flags: TCP.ACK, payload: Buffer.alloc(1420, 0x61), ext }); // > 1500 - 40
      const r = await lab.runCounted(big);
      expect(r.retval).toBe(TC_ACT_REDIRECT); // back out of the ingress interface
      const e = parseIcmp6(r.out);
      expect([e.dstMac, e.srcMac]).toEqual([CLIENT_MAC, LB_MAC]);
      const q = 40 + (ext ? 16 : 0) + 8; // up to the L4 header's first 8 bytes
      expect(e.ip).toMatchObject({ version: 6, src: norm6(VIP6), dst: norm6(CLIENT6), nh: NH.ICMPV6, hops: 64, plen: 8 + q });
      expect(r.out.length).toBe(54 + 8 + q);
      expect([e.type, e.code, e.rest, e.csumOk]).toEqual([ICMP6.TOO_BIG, 0, 1460, true]);
      expect(e.quote.equals(big.subarray(14, 14 + q))).toBe(true);
      const be = Object.keys(r.d).find((k) => k.endsWith('.active'))!;
      expect(r.d).toEqual({ rx: 1, icmp_too_big: 1, new_flow: 1, [be]: 1, ...(ext && { ipv6_ext: 1 }) });
    }
    // a GSO packet (GRO'd on the way in) by its segments: two of 1440 (+ 60 bytes of headers) > 1460
    const gso = req(85, 49305, { flags: TCP.ACK, payload: Buffer.alloc(2880, 0x62) });
    const g = runProg(lab.dp.progPath, gso, 1, 0, undefined, 1440);
    expect(g.retval).toBe(TC_ACT_REDIRECT);
    const ge = parseIcmp6(g.out);
    expect([ge.type, ge.rest, ge.csumOk]).toEqual([ICMP6.TOO_BIG, 1460, true]);
    expect(ge.quote.equals(gso.subarray(14, 14 + 48))).toBe(true);
    // one that fits is wrapped as usual
    const ok = lab.run(req(85, 49310, { flags: TCP.ACK, payload: Buffer.alloc(1400) }));
    expect(ok.retval).toBe(TC_ACT_REDIRECT);
    expect(parseFrame6(ok.out).ip).toMatchObject({ nh: NH.IPV6, plen: 1500 - 40 });
  });

  it('the ICMPv6 paths\' frames (errors for nat and snat, a tunnel packet too big once wrapped) cut at every offset: all dropped as truncated', async () => {
    await lab.dp.applyService(service({ ...service6(9, 'tunnel', 86),
      backends: service6(9, 'tunnel', 86).backends.map((b) => ({ ...b, egress: { ...b.egress!, mtu: 120 } })) }));
    const big = req(86, 49400, { flags: TCP.ACK, payload: Buffer.alloc(30) }); // 90 + 40 > 120
    expect(parseIcmp6(lab.run(big).out).type).toBe(ICMP6.TOO_BIG);
    const errs = [PORTS.nat, PORTS.snat].map((port) => {
      const fwd = lab.run(req(port, 49401), 1, CLIENT_IFINDEX).out;
      const p = parseFrame6(fwd);
      const err = buildIcmp6Error({ src: p.ip.dst, dst: p.ip.src, type: ICMP6.UNREACH, code: 4, quoted: fwd.subarray(14) });
      expect(lab.run(err).retval).toBe(TC_ACT_REDIRECT);
      return err;
    });
    for (const full of [big, ...errs]) {
      const before = await lab.stats();
      let ran = 0;
      for (let n = 54; n < full.length; n++) {
        const r = tryRunProg(lab.dp.progPath, full.subarray(0, n));
        if ('error' in r) continue;
        ran++;
        expect(r.retval, `cut at ${n}`).toBe(TC_ACT_SHOT);
      }
      expect(ran).toBeGreaterThanOrEqual(full.length - 55);
      expect(delta(before, await lab.stats())).toEqual({ rx: ran, 'drop.truncated': ran });
    }
  });

  for (const mode of ['dsr', 'tunnel', 'nat', 'snat'] as const) {
    it(`${mode}: the frame cut at every offset: never sent on, every cut that runs dropped as truncated`, async () => {
      for (const ext of [undefined, [{ type: NH.HOP }, { type: NH.DEST }]]) {
        const full = req(PORTS[mode], 48000, { ext });
        const before = await lab.stats();
        let ran = 0;
        for (let n = 0; n < full.length; n++) {
          const r = tryRunProg(lab.dp.progPath, full.subarray(0, n));
          if ('error' in r) {
            // test-run builds no skb from less than an Ethernet header (or an IPv6 ethertype without its header)
            expect(n).toBeLessThan(54);
            continue;
          }
          ran++;
          expect(r.retval, `cut at ${n}`).toBe(TC_ACT_SHOT);
        }
        expect(ran).toBeGreaterThanOrEqual(full.length - 54);
        expect(delta(before, await lab.stats())).toEqual({ rx: ran, 'drop.truncated': ran });
      }
    });
  }
});
