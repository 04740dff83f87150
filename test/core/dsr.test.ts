// Golden packets for dsr: MAC rewrite only, redirect toward the backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, LB_EGRESS_MAC, VIP, beMac, service } from './fixtures';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';

const skip = skipReason();
if (skip) console.warn(`[core] skipped: ${skip}`);

describe('dsr', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('dsr');
    await lab.dp.applyService(service({ id: 1, mode: 'dsr' }));
  });
  afterAll(async () => { await lab?.stop(); });

  it('rewrites only the MACs and redirects (TC_ACT_REDIRECT)', async () => {
    const inF = buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 40001, dport: 80, flags: TCP.SYN });
    const r = await lab.runCounted(inF);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const p = parseFrame(r.out);
    expect([beMac(1), beMac(2)]).toContain(p.dstMac);
    expect(p.srcMac).toBe(LB_EGRESS_MAC);
    // the IP packet is byte-for-byte untouched
    expect(r.out.subarray(12).equals(inF.subarray(12))).toBe(true);
    expect(p.ip.headerOk && p.l4!.csumOk).toBe(true);
    const be = p.dstMac === beMac(1) ? 1 : 2;
    expect(r.d).toEqual({
      rx: 1, tx: 1, dsr: 1, new_flow: 1, flow_added: 1,
      [`be${be}.packets`]: 1, [`be${be}.bytes`]: inF.length, [`be${be}.active`]: 1,
    });
  });

  it('keeps a flow on its backend (second packet: no new flow)', async () => {
    const spec = { proto: 'tcp' as const, src: CLIENT, dst: VIP, sport: 40002, dport: 80 };
    const a = parseFrame(lab.run(buildFrame({ ...spec, flags: TCP.SYN })).out).dstMac;
    const r = await lab.runCounted(buildFrame({ ...spec, flags: TCP.ACK }));
    expect(parseFrame(r.out).dstMac).toBe(a);
    expect(r.d.new_flow).toBeUndefined();
  });

  it('handles UDP services too', async () => {
    await lab.dp.applyService(service({ id: 2, mode: 'dsr', proto: 'udp', port: 53 }));
    const inF = buildFrame({ proto: 'udp', src: CLIENT, dst: VIP, sport: 5353, dport: 53 });
    const r = lab.run(inF);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    expect(r.out.subarray(12).equals(inF.subarray(12))).toBe(true);
    expect([beMac(3), beMac(4)]).toContain(parseFrame(r.out).dstMac);
  });
});
