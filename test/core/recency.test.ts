// A long-lived flow served from the per-CPU flow cache must still look alive
// to lb_flows' LRU (flow_cache.h: a copy is checked against lb_flows, which
// refreshes both of the flow's entries, once per epoch or FC_REFRESH_HITS
// packets). Here lb_flows has room for 4096 flows (bench-small.bpf.o) and
// 200 000 short flows go through nat around one long connection that sends a
// packet, and gets one back, about twice a second, like a slow interactive
// session: it must keep its backend (rr would hand a rescheduled flow to
// another) and its replies must keep being translated.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, delta, runProg, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, VIP, backend, beAddr, beMac, beOfMac, service } from './fixtures';
import { LB_MAC, TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { DEFAULT_FLOW_TIMEOUTS } from '../../lab-images/balancer/contract/config';

const skip = skipReason();
const SHORT_FLOWS = 200_000;
const PER_ROUND = 4_000; // about 2 x 4000 entries between two packets of the long flow: the table turns over every round
const CPU = 0;

/** The kernel's HZ, from /proc/timer_list (100 when it cannot be read: the slowest). */
async function jiffiesHz(): Promise<number> {
  const read = () => Number(/^jiffies: (\d+)/m.exec(readFileSync('/proc/timer_list', 'utf8'))?.[1]);
  try {
    const [j0, t0] = [read(), Date.now()];
    await new Promise((r) => setTimeout(r, 500));
    const hz = ((read() - j0) * 1000) / (Date.now() - t0);
    return [100, 250, 300, 1000].reduce((a, b) => (Math.abs(b - hz) < Math.abs(a - hz) ? b : a));
  } catch {
    return 100;
  }
}

describe('a long-lived flow survives a flood of short ones (LRU recency from the cache path)', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('recency', 'bench-small.bpf.o');
    await lab.dp.applyService(service({ id: 1, mode: 'nat', scheduler: 'rr', backends: [backend(1), backend(2), backend(3)] }));
    // the short flows stay open (never closed): only the LRU makes room
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS });
  });
  afterAll(async () => { await lab?.stop(); });

  it(`${SHORT_FLOWS} short flows through nat; the long one keeps its backend and its replies`, async () => {
    const LONG = 45000;
    const fwd = (flags: number) => runProg(lab.dp.progPath, buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: LONG, dport: 80, flags }), 1, 3, CPU);
    const be = beOfMac(parseFrame(fwd(TCP.SYN).out).dstMac);
    expect(fwd(TCP.ACK).retval).toBe(TC_ACT_REDIRECT);
    const reply = () => runProg(lab.dp.progPath, buildFrame({ proto: 'tcp', src: beAddr(be), dst: CLIENT, sport: 80, dport: LONG, flags: TCP.ACK, srcMac: beMac(be), dstMac: LB_MAC }), 1, 0, CPU);
    const short = buildFrame({ proto: 'tcp', src: '198.18.4.1', dst: VIP, sport: 1, dport: 80, flags: TCP.SYN });
    // one packet of the long flow per cache epoch (128 jiffies): each one asks lb_flows
    const pace = Math.ceil((128 * 1000) / (await jiffiesHz())) + 40;
    const before = await lab.stats();
    const lost: string[] = [];
    lab.floodFrom(0);
    for (let sent = 0; sent < SHORT_FLOWS; sent += PER_ROUND) {
      const t = Date.now();
      lab.flood(short, PER_ROUND, CPU);
      const f = fwd(TCP.ACK | TCP.PSH);
      const to = beOfMac(parseFrame(f.out).dstMac);
      if (to !== be) lost.push(`after ${sent + PER_ROUND} short flows: forward to backend ${to}, not ${be}`);
      const r = parseFrame(reply().out);
      if (r.ip.src !== VIP) lost.push(`after ${sent + PER_ROUND} short flows: reply from ${r.ip.src}, not the VIP`);
      // a byte about twice a second
      await new Promise((res) => setTimeout(res, Math.max(0, pace - (Date.now() - t))));
    }
    const d = delta(before, await lab.stats());
    expect(lost).toEqual([]);
    expect(d.new_flow).toBe(SHORT_FLOWS); // the long flow was never scheduled again
    expect(d.resched).toBeUndefined();
    expect(lab.flowCount()).toBeLessThanOrEqual(2 * 4096 + 64); // the table was full all along
  }, 300_000);
});
