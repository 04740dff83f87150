// Katran's XDP balancer as bench:core's peer: its wrapper must hand every
// test-run the original frame (Katran's IPIP encapsulation grows the frame
// 20 bytes, and test-run's `repeat` does not reset it), and count only runs
// that had that frame as input and returned XDP_TX. Katran's sources live
// outside the project (test/support/bpf/katran.ts): without them, skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProg, skipReason } from '../support/bpf/harness';
import { KatranPeer, XDP_TX, katranMissing } from '../support/bpf/katran';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { skipIf } from '../support/skip';

const skip = skipReason() ?? katranMissing();
const VIP = '198.18.0.100';
const REALS = ['198.18.1.3', '198.18.1.4', '198.18.1.5'];
const N = 1000;

const frame = (sport: number, flags: number) => buildFrame({ proto: 'tcp', src: '198.18.0.50', dst: VIP, sport, dport: 81, flags });

describe('Katran peer (bench:core)', skipIf(skip), () => {
  let k: KatranPeer;
  const ack = frame(50002, TCP.ACK);

  beforeAll(async () => {
    k = await KatranPeer.start('katran_test', { vip: VIP, port: 81, reals: REALS, routerMac: '02:00:00:00:00:fe' });
    expect(runProg(k.prog('katran_bare'), frame(50002, TCP.SYN), 1, 0, 0).retval).toBe(XDP_TX);
    await k.setGolden(ack);
  }, 120_000);
  afterAll(() => k?.stop());

  it('encapsulates the established flow toward one of its reals (unwrapped, once)', () => {
    const r = runProg(k.prog('katran_bare'), ack, 1, 0, 0);
    expect(r.retval).toBe(XDP_TX);
    expect(r.out.length).toBe(ack.length + 20);
    const p = parseFrame(r.out);
    expect(p.ip.proto).toBe(4);
    expect(REALS).toContain(p.ip.dst);
    expect(p.inner?.dst).toBe(VIP);
    expect(p.dstMac).toBe('02:00:00:00:00:fe');
  });

  it('unwrapped, repeated runs see their own output: why the wrapper exists', () => {
    // the second run sees an IPIP packet, not for a VIP of Katran's: XDP_PASS
    const r = runProg(k.prog('katran_bare'), ack, 2, 0, 0);
    expect(r.retval).not.toBe(XDP_TX);
    expect(parseFrame(r.out).ip.proto).toBe(4);
  });

  it('after N wrapped runs the frame is the original, and all N had it as input and returned XDP_TX', async () => {
    await k.resetChecks();
    const before = k.readLru();
    const r = runProg(k.prog('katran_wrapped'), ack, N, 0, 0);
    expect(r.retval).toBe(XDP_TX);
    expect(r.out.equals(ack)).toBe(true);
    expect(k.readChecks().wrapped).toEqual({ ok: N, runs: N });
    const after = k.readLru();
    expect(after.packets - before.packets).toBe(N);
    expect(after.misses).toBe(before.misses); // every run hit the established flow
    expect(after.fallback).toBe(0);
  });

  it('the restore-only and room programs leave the frame intact too', async () => {
    await k.resetChecks();
    for (const p of ['katran_restore', 'katran_ref_adj'] as const) {
      const r = runProg(k.prog(p), ack, N, 0, 0);
      expect(r.retval, p).toBe(XDP_TX);
      expect(r.out.equals(ack), p).toBe(true);
    }
    const c = k.readChecks();
    expect(c.restore).toEqual({ ok: N, runs: N });
    expect(c.refAdjust).toEqual({ ok: N, runs: N });
  });

  it('a run whose input is not the original is not counted', async () => {
    await k.resetChecks();
    // the first run sees another flow's frame; the wrapper then writes the
    // original back, which the 9 runs after it see
    const r = runProg(k.prog('katran_wrapped'), frame(50003, TCP.ACK), 10, 0, 0);
    expect(r.out.equals(ack)).toBe(true);
    expect(k.readChecks().wrapped).toEqual({ ok: 9, runs: 10 });
  });
});
