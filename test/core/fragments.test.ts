// IPv4 fragments (lb_main.h): a first fragment carries the ports and is
// balanced like any packet of its flow, and noted in lb_frags; the later
// fragments of the datagram, which carry none, follow it there: same
// backend, same rewrite of the IP header (the L4 checksum, in the first
// fragment, covers the whole datagram: after the incremental update the
// reassembled datagram must verify). A later fragment whose first was never
// seen cannot be steered: dropped (frag) when it is for a VIP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_OK, TC_ACT_REDIRECT, TC_ACT_SHOT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, LB_EGRESS_MAC, SNAT_ADDR, VIP, beAddr, beMac, beOfMac, service } from './fixtures';
import { buildFrame, csum, ip4, onesSum, parseFrame, type FrameSpec } from '../support/bpf/packet';

const skip = skipReason();

/** A UDP datagram as two fragments, split `at` bytes (a multiple of 8) into its L4 part. */
function fragments(spec: FrameSpec, at: number): [Buffer, Buffer] {
  const whole = buildFrame({ ...spec, df: false });
  const l4 = whole.subarray(34);
  const part = (bytes: Buffer, off: number, mf: boolean) => {
    const f = Buffer.concat([whole.subarray(0, 34), bytes]);
    const ip = f.subarray(14, 34);
    ip.writeUInt16BE(20 + bytes.length, 2);
    ip.writeUInt16BE((mf ? 0x2000 : 0) | (off / 8), 6);
    ip.writeUInt16BE(0, 10);
    ip.writeUInt16BE(csum(ip), 10);
    return f;
  };
  return [part(l4.subarray(0, at), 0, true), part(l4.subarray(at), at, false)];
}

/** Does the datagram reassembled from these two fragments have a good UDP checksum? */
function reassembledOk(first: Buffer, later: Buffer): boolean {
  const p = parseFrame(first);
  const l4 = Buffer.concat([first.subarray(34, 14 + p.ip.totLen), later.subarray(34)]);
  const ps = onesSum(Buffer.concat([ip4(p.ip.src), ip4(p.ip.dst), Buffer.from([0, 17, l4.length >> 8, l4.length & 0xff])]));
  return csum(l4, ps) === 0;
}

describe('fragments', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('frag');
    await lab.dp.applyService(service({ id: 1, mode: 'nat', proto: 'udp', port: 53 }));
    await lab.dp.applyService(service({ id: 2, mode: 'snat', proto: 'udp', port: 5353, snatAddress: SNAT_ADDR }));
    await lab.dp.applyService(service({ id: 3, mode: 'dsr', proto: 'udp', port: 4789 }));
  });
  afterAll(async () => { await lab?.stop(); });

  const payload = Buffer.from(Array.from({ length: 600 }, (_, i) => i & 0xff));

  for (const [mode, port] of [['nat', 53], ['snat', 5353], ['dsr', 4789]] as const) {
    it(`${mode}: a fragmented datagram goes to one backend, both fragments rewritten alike`, async () => {
      const spec: FrameSpec = { proto: 'udp', src: CLIENT, dst: VIP, sport: 40000 + port % 1000, dport: port, id: 0x4242, payload };
      const [first, later] = fragments(spec, 304);
      const a = await lab.runCounted(first, CLIENT_IFINDEX);
      const b = await lab.runCounted(later, CLIENT_IFINDEX);
      expect([a.retval, b.retval]).toEqual([TC_ACT_REDIRECT, TC_ACT_REDIRECT]);
      const pa = parseFrame(a.out);
      const pb = parseFrame(b.out);
      const be = beOfMac(pa.dstMac);
      expect(beOfMac(pb.dstMac)).toBe(be);
      const counted = mode === 'dsr' ? 'dsr' : `${mode}_fwd`;
      expect(a.d).toMatchObject({ new_flow: 1, frag_first: 1, [counted]: 1 });
      expect(b.d).toMatchObject({ frag_later: 1, [counted]: 1 });
      expect(b.d.new_flow).toBeUndefined();
      if (mode === 'dsr') {
        expect(a.out.subarray(14).equals(first.subarray(14))).toBe(true);
        expect(b.out.subarray(14).equals(later.subarray(14))).toBe(true);
        return;
      }
      const src = mode === 'snat' ? SNAT_ADDR : CLIENT;
      for (const p of [pa, pb]) expect(p.ip).toMatchObject({ src, dst: beAddr(be), headerOk: true, id: 0x4242 });
      expect(pb.ip).toMatchObject({ mf: false, fragOff: 38 });
      expect(b.out.subarray(34).equals(later.subarray(34))).toBe(true); // the payload, untouched
      expect(reassembledOk(a.out, b.out)).toBe(true);

      // the backend's answer, fragmented too, comes back the same way
      const back: FrameSpec = { proto: 'udp', src: beAddr(be), dst: src, sport: port, dport: pa.l4!.sport, id: 0x5151, payload, srcMac: beMac(be), dstMac: LB_EGRESS_MAC };
      const [rf, rl] = fragments(back, 400);
      const ra = await lab.runCounted(rf);
      const rb = await lab.runCounted(rl);
      expect([ra.retval, rb.retval]).toEqual([TC_ACT_REDIRECT, TC_ACT_REDIRECT]);
      expect(rb.d).toMatchObject({ frag_later: 1, [`${mode}_rev`]: 1 });
      for (const o of [ra.out, rb.out]) expect(parseFrame(o).ip).toMatchObject({ src: VIP, dst: CLIENT, headerOk: true });
      expect(parseFrame(ra.out).l4).toMatchObject({ sport: port, dport: spec.sport });
      expect(reassembledOk(ra.out, rb.out)).toBe(true);
    });
  }

  it('a later fragment whose first was not seen: dropped (frag) when for a VIP, untouched otherwise', async () => {
    const [, orphan] = fragments({ proto: 'udp', src: CLIENT, dst: VIP, sport: 40999, dport: 53, id: 0x7777, payload }, 304);
    const r = await lab.runCounted(orphan);
    expect(r.retval).toBe(TC_ACT_SHOT);
    expect(r.d).toEqual({ rx: 1, 'drop.frag': 1 });
    const [, other] = fragments({ proto: 'udp', src: CLIENT, dst: '198.18.0.2', sport: 40999, dport: 53, id: 0x7778, payload }, 304);
    const o = await lab.runCounted(other);
    expect(o.retval).toBe(TC_ACT_OK);
    expect(o.d).toEqual({ rx: 1, pass: 1 });
  });
});
