// The balancer at XDP (balancer_xdp.bpf.o, lb_xdp): the golden frames of
// every mode (dsr, tunnel, nat, snat; IPv4 and IPv6; both directions of nat
// and snat; their ICMP errors translated; a tunnel packet too big once
// wrapped) run through the tc program
// and through the XDP one, each on its own lab (same services, same
// sequence of frames), must leave byte for byte the same and be counted the
// same. What legitimately differs is the verdict: tc redirects
// (TC_ACT_REDIRECT); XDP sends a frame whose next hop is on the interface it
// came in on back out of it (XDP_TX: here every egress is lo, and test-run's
// XDP frames arrive on lo) and redirects otherwise (XDP_REDIRECT). Frames
// cut short at XDP are dropped and counted, never sent.
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, XDP, runBatch, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { throughBothHooks } from './both-hooks';
import { CLIENT, CLIENT6, LB_EGRESS_MAC, VIP, VIP6, service46 } from './fixtures';
import { ICMP, TCP, buildFrame, buildIcmpError, parseFrame } from '../support/bpf/packet';
import { buildFrame6, buildIcmp6Error, parseFrame6 } from '../support/bpf/packet6';

const skip = skipReason();

const MODES = ['dsr', 'tunnel', 'nat', 'snat'] as const;
const PORTS = { dsr: 80, tunnel: 81, nat: 82, snat: 83 } as const;
const BIG_PORT = 8443;

/** An interface of this namespace other than lo (index, name), or undefined. */
function otherInterface(): number | undefined {
  for (const name of readdirSync('/sys/class/net')) {
    if (name === 'lo') continue;
    const i = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
    if (i > 1) return i;
  }
  return undefined;
}

type Fam = 'v4' | 'v6';
const req = (fam: Fam, dport: number, sport: number, flags: number, payload?: Buffer): Buffer => (fam === 'v4'
  ? buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport, flags, payload })
  : buildFrame6({ proto: 'tcp', src: CLIENT6, dst: VIP6, sport, dport, flags, payload }));

/** The backend's answer to a forwarded frame (nat, snat): addresses and ports swapped. */
function replyTo(fam: Fam, fwd: Buffer): Buffer {
  if (fam === 'v4') {
    const p = parseFrame(fwd);
    return buildFrame({ proto: 'tcp', src: p.ip.dst, dst: p.ip.src, sport: p.l4!.dport, dport: p.l4!.sport,
      flags: TCP.SYN | TCP.ACK, srcMac: p.dstMac, dstMac: LB_EGRESS_MAC });
  }
  const p = parseFrame6(fwd);
  return buildFrame6({ proto: 'tcp', src: p.ip.dst, dst: p.ip.src, sport: p.l4!.dport, dport: p.l4!.sport,
    flags: TCP.SYN | TCP.ACK, srcMac: p.dstMac, dstMac: LB_EGRESS_MAC });
}

describe('XDP: the golden frames at both hooks', skipIf(skip), () => {
  let tc: Lab;
  let xdp: Lab;
  beforeAll(async () => {
    [tc, xdp] = await Promise.all([Lab.start('xdp_tc'), Lab.start('xdp_xdp')]);
    for (const lab of [tc, xdp]) {
      for (const [i, mode] of MODES.entries()) await lab.dp.applyService(service46(i + 1, mode, PORTS[mode]));
      await lab.dp.applyService(service46(5, 'tunnel', BIG_PORT, { mtu: 1500 }));
    }
  });
  afterAll(async () => { await Promise.all([tc?.stop(), xdp?.stop()]); });

  const both = async (frame: Buffer): Promise<Buffer> => (await throughBothHooks(tc, xdp, frame)).out;

  for (const fam of ['v4', 'v6'] as const) {
    for (const mode of MODES) {
      it(`${fam} ${mode}: new flow, established packet${mode === 'nat' || mode === 'snat' ? ', the backend\'s reply' : ''}: same frames`, async () => {
        const sport = fam === 'v4' ? 45000 : 46000;
        const fwd = await both(req(fam, PORTS[mode], sport, TCP.SYN));
        await both(req(fam, PORTS[mode], sport, TCP.ACK));
        if (mode === 'nat' || mode === 'snat') await both(replyTo(fam, fwd));
        // a second flow (the next snat port, maybe the other backend)
        await both(req(fam, PORTS[mode], sport + 1, TCP.SYN));
      });
    }

    it(`${fam} nat, snat: an ICMP error from the backend about the flow, translated back to the client in place: same frames`, async () => {
      for (const mode of ['nat', 'snat'] as const) {
        const fwd = await both(req(fam, PORTS[mode], fam === 'v4' ? 45400 : 46400, TCP.SYN));
        const err = fam === 'v4'
          ? (() => {
            const p = parseFrame(fwd);
            return buildIcmpError({ src: p.ip.dst, dst: p.ip.src, srcMac: p.dstMac, dstMac: LB_EGRESS_MAC,
              type: ICMP.UNREACH, code: ICMP.FRAG_NEEDED, mtu: 1400, quoted: fwd.subarray(14, 14 + 28) });
          })()
          : (() => {
            const p = parseFrame6(fwd);
            return buildIcmp6Error({ src: p.ip.dst, dst: p.ip.src, srcMac: p.dstMac, dstMac: LB_EGRESS_MAC,
              type: 2, code: 0, rest: 1400, quoted: fwd.subarray(14) });
          })();
        await both(err);
      }
    });

    it(`${fam} tunnel: too big once wrapped, the ICMP answer is built in place (adjust_tail, adjust_head): same frame`, async () => {
      const out = await both(req(fam, BIG_PORT, fam === 'v4' ? 45100 : 46100, TCP.ACK, Buffer.alloc(1450, 0x61)));
      expect(out.length).toBe(fam === 'v4' ? 14 + 20 + 8 + 28 : 14 + 40 + 8 + 40 + 8); // the ICMP headers, the quote: IP header + 8 bytes
    });
  }

  it('out of another interface than the one it came in on: XDP_REDIRECT, the same frame', async () => {
    const other = otherInterface();
    if (other === undefined) return; // a namespace with lo only: nothing to arrive on
    const f = req('v4', PORTS.dsr, 45200, TCP.SYN);
    const t = tc.run(f, 1, other);
    const x = xdp.runAtXdp(f, other);
    expect([t.retval, x.retval]).toEqual([TC_ACT_REDIRECT, XDP.REDIRECT]);
    expect(x.out.equals(t.out)).toBe(true);
  });

  for (const fam of ['v4', 'v6'] as const) {
    it(`${fam}: every mode's frame cut at every offset at XDP: never sent, every cut dropped as truncated`, async () => {
      const l3 = fam === 'v4' ? 14 + 20 : 14 + 40;
      for (const mode of MODES) {
        const full = req(fam, PORTS[mode], 45300, TCP.SYN);
        const cuts = Array.from({ length: full.length - 14 }, (_, i) => full.subarray(0, 14 + i));
        const before = await xdp.stats();
        const rs = runBatch(xdp.xdpProg, cuts);
        expect(rs.map((r) => r.retval)).toEqual(cuts.map(() => XDP.DROP));
        const after = await xdp.stats();
        expect(after.rx - before.rx).toBe(cuts.length);
        expect(after['drop.truncated'] - (before['drop.truncated'] ?? 0)).toBe(cuts.length);
        expect(cuts.length).toBeGreaterThan(l3 - 14);
      }
    });
  }
});
