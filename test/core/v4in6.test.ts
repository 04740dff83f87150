// Golden packets of a tunnel service whose IPv4 VIP reaches its backends over
// IPv6 ("4in6", underlay ipv6): the client's IPv4 packet, byte for byte,
// behind a fresh outer IPv6 header (next header 4) from our IPv6 address to
// the backend's, at tc and at XDP (the same bytes, the same counters); a
// packet too big once wrapped (40 bytes) answered with ICMP fragmentation
// needed; every frame cut short dropped and counted at both hooks; and the
// server's decapsulator giving back the IPv4 frame.
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BpfMount, DECAP_DIR, Lab, delta, TC_ACT_OK, TC_ACT_SHOT, XDP, make, runBatch, runProg, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { throughBothHooks } from './both-hooks';
import { CLIENT, LB6, LB_EGRESS_MAC, VIP, backend6, be6, beOfMac, service } from './fixtures';
import { ICMP, TCP, buildFrame, buildIcmpError, parseFrame, parseIcmpError } from '../support/bpf/packet';
import { norm6, parseFrame6 } from '../support/bpf/packet6';
import { decapSenders6Hex } from '../../electron/engine/topology/plumbing';

const skip = skipReason();

const PORT = 81;
const UDP_PORT = 53;
const BIG_PORT = 8443;
const PLAIN_PORT = 82;

/** Tunnel service `id` on `port` over an IPv6 underlay: backends 2id-1, 2id with their IPv6 addresses. */
function service46(id: number, port: number, proto: 'tcp' | 'udp' = 'tcp', mtu?: number) {
  const backends = [2 * id - 1, 2 * id].map((i) => backend6(i, { mtu }));
  return service({ id, mode: 'tunnel', port, proto, backends, underlay: 'ipv6' });
}

/** The IPv4 frame inside a 4in6 one (its Ethernet header, IPv4's ethertype). */
const inner4 = (f: Buffer): Buffer => Buffer.concat([f.subarray(0, 12), Buffer.from([0x08, 0x00]), f.subarray(54)]);

const req = (dport: number, sport: number, flags: number, over: { proto?: 'tcp' | 'udp'; tos?: number; payload?: Buffer } = {}): Buffer =>
  buildFrame({ proto: over.proto ?? 'tcp', src: CLIENT, dst: VIP, sport, dport, flags, payload: over.payload, ...(over.tos !== undefined && { tos: over.tos }) });

describe('4in6: an IPv4 VIP over IPv6 backends (tunnel)', skipIf(skip), () => {
  let tc: Lab;
  let xdp: Lab;
  beforeAll(async () => {
    [tc, xdp] = await Promise.all([Lab.start('v4in6_tc'), Lab.start('v4in6_xdp')]);
    for (const lab of [tc, xdp]) {
      await lab.dp.applyService(service46(1, PORT));
      await lab.dp.applyService(service46(2, UDP_PORT, 'udp'));
      await lab.dp.applyService(service46(3, BIG_PORT, 'tcp', 1500));
      await lab.dp.applyService(service({ id: 4, mode: 'tunnel', port: PLAIN_PORT }));
    }
  });
  afterAll(async () => { await Promise.all([tc?.stop(), xdp?.stop()]); });

  const both = (frame: Buffer) => throughBothHooks(tc, xdp, frame);

  it('outer IPv6 (next header 4, hop limit 64, traffic class = TOS, flow label 0) from our address to the backend\'s; the IPv4 packet byte for byte', async () => {
    for (const [proto, dport, ids, sport] of [['tcp', PORT, [1, 2], 47000], ['udp', UDP_PORT, [3, 4], 47001]] as const) {
      const inF = req(dport, sport, TCP.SYN, { proto, tos: 0x28 });
      const r = await both(inF);
      expect(r.out.length).toBe(inF.length + 40);
      const p = parseFrame6(r.out);
      const be = beOfMac(p.dstMac);
      expect(ids).toContain(be);
      expect(p.srcMac).toBe(LB_EGRESS_MAC);
      expect(p.ethType).toBe(0x86dd);
      expect(p.ip).toEqual({ version: 6, tc: 0x28, flow: 0, plen: inF.length - 14, nh: 4, hops: 64, src: norm6(LB6), dst: norm6(be6(be)) });
      expect(r.out.subarray(54).equals(inF.subarray(14))).toBe(true);
      expect(parseFrame(inner4(r.out)).l4!.csumOk).toBe(true);
      expect(r.d).toMatchObject({ rx: 1, tx: 1, encap: 1, new_flow: 1, [`be${be}.packets`]: 1, [`be${be}.bytes`]: inF.length, [`be${be}.active`]: 1 });
      expect(r.d.pass ?? 0).toBe(0);
      // the flow keeps its backend
      const again = await both(req(dport, sport, TCP.ACK, { proto }));
      expect(beOfMac(parseFrame6(again.out).dstMac)).toBe(be);
      expect(again.d.new_flow).toBeUndefined();
    }
  });

  it('flows spread over both IPv6 backends', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) seen.add(beOfMac(parseFrame6(tc.run(req(PORT, 20000 + i, TCP.SYN)).out).dstMac));
    expect([...seen].sort()).toEqual([1, 2]);
  });

  it('a tunnel service without the IPv6 underlay still wraps in IPv4 (IPIP)', async () => {
    const inF = req(PLAIN_PORT, 47100, TCP.SYN);
    const r = await both(inF);
    const p = parseFrame(r.out);
    expect(p.ethType).toBe(0x0800);
    expect(p.ip.proto).toBe(4);
    expect(r.out.length).toBe(inF.length + 20);
  });

  it('too big once wrapped (40 bytes more): ICMP fragmentation needed with MTU - 40, counted icmp_too_big', async () => {
    // 1460 + 40 fits 1500; 1461 does not
    const fits = req(BIG_PORT, 47200, TCP.ACK, { payload: Buffer.alloc(1460 - 40, 0x61) });
    expect((await both(fits)).d.encap).toBe(1);
    const big = req(BIG_PORT, 47201, TCP.ACK, { payload: Buffer.alloc(1461 - 40, 0x61) });
    const r = await both(big);
    expect(r.d).toMatchObject({ rx: 1, icmp_too_big: 1 });
    expect([r.d.tx, r.d.encap]).toEqual([undefined, undefined]);
    const e = parseIcmpError(r.out);
    expect(e).toMatchObject({ type: ICMP.UNREACH, code: ICMP.FRAG_NEEDED, mtu: 1500 - 40, csumOk: true });
    expect(e.ip).toMatchObject({ src: VIP, dst: CLIENT });
  });

  it('an ICMP error about a flow from the client\'s side (fragmentation needed for a reply) goes on to its backend in 4in6, counted icmp_fwd', async () => {
    const be = beOfMac(parseFrame6((await both(req(PORT, 47500, TCP.SYN))).out).dstMac);
    // the backend's reply (from the VIP, around the balancer) was too big for a router toward the client
    const reply = buildFrame({ proto: 'tcp', src: VIP, dst: CLIENT, sport: PORT, dport: 47500, flags: TCP.ACK, payload: Buffer.alloc(1400) });
    const err = buildIcmpError({ src: '198.18.0.1', dst: VIP, type: ICMP.UNREACH, code: ICMP.FRAG_NEEDED, mtu: 1300, quoted: reply.subarray(14, 14 + 20 + 8) });
    const r = await both(err);
    expect(r.d).toEqual({ rx: 1, tx: 1, icmp_fwd: 1 });
    const p = parseFrame6(r.out);
    expect(beOfMac(p.dstMac)).toBe(be);
    expect(p.ip).toMatchObject({ nh: 4, plen: err.length - 14, src: norm6(LB6), dst: norm6(be6(be)) });
    expect(r.out.subarray(54).equals(err.subarray(14))).toBe(true);
  });

  it('the frame cut at every offset, at both hooks: never sent, each dropped as truncated', async () => {
    const full = req(PORT, 47300, TCP.SYN, { payload: Buffer.alloc(16, 0x62) });
    // test-run builds no skb from less than an Ethernet and an IPv4 header (EINVAL, the program never runs);
    // at XDP, of less than an Ethernet header
    for (const [lab, prog, dropped, from] of [[tc, tc.dp.progPath, TC_ACT_SHOT, 34], [xdp, xdp.xdpProg, XDP.DROP, 14]] as const) {
      const cuts = Array.from({ length: full.length - from }, (_, i) => full.subarray(0, from + i));
      const before = await lab.stats();
      expect(runBatch(prog, cuts).map((r) => r.retval)).toEqual(cuts.map(() => dropped));
      expect(delta(before, await lab.stats())).toEqual({ rx: cuts.length, 'drop.truncated': cuts.length });
    }
  });

  it('server decap takes 4in6: the client\'s IPv4 frame comes out byte for byte (ethertype 0x0800); a sender not listed is dropped', () => {
    make(DECAP_DIR);
    const m = new BpfMount('decap46');
    try {
      const prog = join(m.dir, 'decap');
      execFileSync('bpftool', ['prog', 'load', join(DECAP_DIR, 'build/decap.bpf.o'), prog, 'type', 'classifier', 'pinmaps', join(m.dir, 'maps')], { stdio: 'pipe' });
      const inF = req(PORT, 47400, TCP.SYN, { payload: Buffer.from('hello') });
      const enc = tc.run(inF).out;
      // PACKET_HOST in test-run: dst MAC = the test device's (lo: 00..00)
      const atServer = Buffer.concat([Buffer.alloc(6), enc.subarray(6)]);
      const r = runProg(prog, atServer);
      expect(r.retval).toBe(TC_ACT_OK);
      expect(r.out.length).toBe(inF.length);
      expect(r.out.readUInt16BE(12)).toBe(0x0800);
      expect(r.out.subarray(12).equals(inF.subarray(12))).toBe(true);
      // for another host (its MAC): untouched
      expect(runProg(prog, enc).out.equals(enc)).toBe(true);
      // a malformed inner packet (not IPv4 behind next header 4): left to the stack, untouched
      const bad = Buffer.from(atServer);
      bad[54] = 0x65;
      expect(runProg(prog, bad).out.equals(bad)).toBe(true);
      const fill = (addrs: string[]) => execFileSync('bpftool', ['map', 'update', 'pinned', join(m.dir, 'maps/decap_senders6'), 'key', 'hex', '00', '00', '00', '00',
        'value', 'hex', ...decapSenders6Hex(addrs).split(' ')]);
      fill(['fd00:18:1::99']);
      expect(runProg(prog, atServer).retval).toBe(TC_ACT_SHOT);
      fill(['fd00:18:1::99', LB6]);
      expect(runProg(prog, atServer).retval).toBe(TC_ACT_OK);
    } finally {
      m.cleanup();
    }
  });
});
