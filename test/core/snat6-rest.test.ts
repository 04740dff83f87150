// snat66's ports rest like IPv4's (mode_snat.h, lb_v6.h snat6_claim): a port given back — by the sweep, or
// a flow that expired unswept — does not go to the same backend again within the servers' TIME_WAIT while
// another may be had (a new SYN from another client would meet the old connection's TIME_WAIT there); when
// every port tried rests, the first goes anyway, counted snat_early; once rested, it is handed out again.
// The cursor (lb_snat_next) is set by hand to bring a port round again at once.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, delta, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { TCP } from '../support/bpf/packet';
import { buildFrame6, parseFrame6 } from '../support/bpf/packet6';
import { CLIENT_IFINDEX, SNAT6, SNAT_ADDR, VIP6, backend6, service } from './fixtures';
import { RING_SIZE, SNAT_PORT_MIN, TICK_NS } from '../../lab-images/balancer/agent/dataplane-abi';
import { DEFAULT_FLOW_TIMEOUTS } from '../../lab-images/balancer/contract/config';

const skip = skipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const past = (ticks: number) => sleep(Math.ceil(((ticks + 1) * TICK_NS) / 1e6) + 150);
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff].map((b) => b.toString(16).padStart(2, '0'));

describe('snat66: ports that rest', skipIf(skip), () => {
  let lab: Lab;
  let client = 0;
  beforeAll(async () => {
    lab = await Lab.start('snat6rest', 'balancer.bpf.o');
    await lab.dp.applyService(service({
      id: 1, mode: 'snat', vip6: VIP6, snatAddress: SNAT_ADDR, snatAddress6: SNAT6, backends: [backend6(1)], table: new Array<number>(RING_SIZE).fill(1),
    }));
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, tcpClosed: 1 });
  });
  afterAll(async () => { await lab?.stop(); });

  /** A SYN from a client never seen before: the snat port it leaves from. */
  const open = () => {
    const src = `fd00:18::${(0x1000 + client).toString(16)}`;
    const sport = 20000 + client++;
    const r = lab.run(buildFrame6({ proto: 'tcp', src, dst: VIP6, sport, dport: 80, flags: TCP.SYN }), 1, CLIENT_IFINDEX);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    return { src, sport, port: parseFrame6(r.out).l4!.sport };
  };
  const reset = (c: { src: string; sport: number }) => lab.run(buildFrame6({ proto: 'tcp', src: c.src, dst: VIP6, sport: c.sport, dport: 80, flags: TCP.RST | TCP.ACK }));
  const cursorAt = (n: number) => execFileSync('bpftool', ['map', 'update', 'pinned', lab.dp.mapPath('lb_snat_next'), 'key', 'hex', ...le32(1), 'value', 'hex', ...le32(n)]);
  /** Close flows and let them linger out (closed: one tick); `sweep`: the sweep gives their ports back, to rest. */
  const giveBack = async (flows: { src: string; sport: number }[], sweep = true) => {
    for (const c of flows) reset(c);
    await past(1);
    if (sweep) await lab.dp.sweep();
  };

  it('a port given back is not handed out again within its rest while another is free', async () => {
    cursorAt(100);
    const a = open();
    expect(a.port).toBe(SNAT_PORT_MIN + 100);
    await giveBack([a]);
    cursorAt(100);
    const before = await lab.stats();
    const b = open();
    expect(b.port).toBe(SNAT_PORT_MIN + 101); // skipped: it rests
    expect(delta(before, await lab.stats()).snat_early).toBeUndefined();
    await giveBack([b]);
  }, 30_000);

  it('a flow expired but not yet swept: its port rests from its last packet too', async () => {
    cursorAt(150);
    const a = open();
    expect(a.port).toBe(SNAT_PORT_MIN + 150);
    await giveBack([a], false);
    cursorAt(150);
    expect(open().port).toBe(SNAT_PORT_MIN + 151);
  }, 30_000);

  it('every port tried resting: the first of them goes anyway, counted snat_early; nothing is dropped', async () => {
    cursorAt(200);
    const used = Array.from({ length: 8 }, () => open());
    expect(used.map((u) => u.port)).toEqual(Array.from({ length: 8 }, (_, i) => SNAT_PORT_MIN + 200 + i));
    await giveBack(used);
    cursorAt(200);
    const before = await lab.stats();
    const c = open();
    const d = delta(before, await lab.stats());
    expect(c.port).toBe(SNAT_PORT_MIN + 200);
    expect(d.snat_early).toBe(1);
    expect(d['drop.snat_ports']).toBeUndefined();
    await giveBack([c]);
  }, 30_000);

  it('once rested, a port is handed out again', async () => {
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, tcpClosed: 1 }, 1); // a rest of one tick
    cursorAt(300);
    const a = open();
    await giveBack([a]);
    await past(1);
    cursorAt(300);
    expect(open().port).toBe(a.port);
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, tcpClosed: 1 });
  }, 30_000);
});
