// snat's allocator (mode_snat.h): a service's pool of snat addresses, handed
// out in turn with its ports, and ports that rest once given back — for the
// servers' TIME_WAIT — before they go to the same backend again while another
// may be had; when every slot tried rests, one goes anyway and is counted
// (snat_early). The cursor (lb_snat_next) is set by hand to bring a slot round
// again at once instead of after 58 976 others.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, delta, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { CLIENT_IFINDEX, LB_EGRESS_MAC, SNAT_ADDR, VIP, backend, beAddr, beMac, service } from './fixtures';
import { RING_SIZE, SNAT_PORT_MIN, TICK_NS } from '../../lab-images/balancer/agent/dataplane-abi';
import { DEFAULT_FLOW_TIMEOUTS } from '../../lab-images/balancer/contract/config';

const skip = skipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const past = (ticks: number) => sleep(Math.ceil(((ticks + 1) * TICK_NS) / 1e6) + 150);
const POOL = [SNAT_ADDR, '198.18.0.4', '198.18.0.5'];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff].map((b) => b.toString(16).padStart(2, '0'));

describe('snat allocator: address pool, ports that rest', skipIf(skip), () => {
  let lab: Lab;
  let client = 0;
  beforeAll(async () => {
    lab = await Lab.start('snatpool', 'balancer.bpf.o');
    // service 1: one address; service 2 (port 81): a pool of three; one backend each
    await lab.dp.applyService(service({ id: 1, mode: 'snat', snatAddress: SNAT_ADDR, backends: [backend(1)], table: new Array<number>(RING_SIZE).fill(1) }));
    await lab.dp.applyService(service({ id: 2, port: 81, mode: 'snat', snatAddress: POOL[0], snatAddresses: POOL, backends: [backend(2)], table: new Array<number>(RING_SIZE).fill(2) }));
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, tcpClosed: 1 });
  });
  afterAll(async () => { await lab?.stop(); });

  /** A SYN from a client never seen before, to service port `dport`: the (address, port) it leaves from. */
  const open = (dport = 80) => {
    const src = `198.18.2.${1 + (client % 250)}`;
    const sport = 20000 + client++;
    const r = lab.run(buildFrame({ proto: 'tcp', src, dst: VIP, sport, dport, flags: TCP.SYN }), 1, CLIENT_IFINDEX);
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    const f = parseFrame(r.out);
    return { src, sport, dport, addr: f.ip.src, port: f.l4!.sport };
  };
  const reset = (c: { src: string; sport: number; dport: number }) =>
    lab.run(buildFrame({ proto: 'tcp', src: c.src, dst: VIP, sport: c.sport, dport: c.dport, flags: TCP.RST | TCP.ACK }));
  /** The next slot backend `id` hands out is slot n (n % addresses: the address, n / addresses: the port). */
  const cursorAt = (id: number, n: number) =>
    execFileSync('bpftool', ['map', 'update', 'pinned', lab.dp.mapPath('lb_snat_next'), 'key', 'hex', ...le32(id), 'value', 'hex', ...le32(n)]);
  /** Close flows and let them linger out: the sweep gives their ports back, to rest. */
  const giveBack = async (flows: { src: string; sport: number; dport: number }[]) => {
    for (const c of flows) reset(c);
    await past(1);
    await lab.dp.sweep();
  };

  it('a pool hands its addresses out in turn, then the next port; replies to each go back to their client', async () => {
    cursorAt(2, 0);
    const flows = Array.from({ length: 6 }, () => open(81));
    expect(flows.map((f) => `${f.addr}:${f.port}`)).toEqual([
      `${POOL[0]}:${SNAT_PORT_MIN}`, `${POOL[1]}:${SNAT_PORT_MIN}`, `${POOL[2]}:${SNAT_PORT_MIN}`,
      `${POOL[0]}:${SNAT_PORT_MIN + 1}`, `${POOL[1]}:${SNAT_PORT_MIN + 1}`, `${POOL[2]}:${SNAT_PORT_MIN + 1}`,
    ]);
    for (const f of flows) {
      const r = lab.run(buildFrame({ proto: 'tcp', src: beAddr(2), dst: f.addr, sport: 81, dport: f.port, flags: TCP.SYN | TCP.ACK, srcMac: beMac(2), dstMac: LB_EGRESS_MAC }));
      expect(r.retval).toBe(TC_ACT_REDIRECT);
      const back = parseFrame(r.out);
      expect(`${back.ip.src}:${back.l4!.sport} -> ${back.ip.dst}:${back.l4!.dport}`).toBe(`${VIP}:81 -> ${f.src}:${f.sport}`);
    }
    await giveBack(flows);
  });

  it('a port given back is not handed out again within its rest while another is free', async () => {
    cursorAt(1, 100);
    const a = open();
    expect(a.port).toBe(SNAT_PORT_MIN + 100);
    await giveBack([a]);
    expect((await lab.stats())['be1.ports']).toBe(0); // free, but resting
    cursorAt(1, 100); // the cursor comes round to it again
    const before = await lab.stats();
    const b = open();
    expect(b.port).toBe(SNAT_PORT_MIN + 101); // skipped: it rests
    expect(delta(before, await lab.stats()).snat_early).toBeUndefined();
    await giveBack([b]);
  }, 30_000);

  it('every slot tried resting: the first of them goes anyway, counted snat_early; nothing is dropped', async () => {
    // slots 200..207 (the allocator tries 8) used and given back: all rest
    cursorAt(1, 200);
    const used = Array.from({ length: 8 }, () => open());
    expect(used.map((u) => u.port)).toEqual(Array.from({ length: 8 }, (_, i) => SNAT_PORT_MIN + 200 + i));
    await giveBack(used);
    cursorAt(1, 200);
    const before = await lab.stats();
    const c = open();
    const d = delta(before, await lab.stats());
    expect(c.port).toBe(SNAT_PORT_MIN + 200);
    expect(d.snat_early).toBe(1);
    expect(d['drop.snat_ports']).toBeUndefined();
    // with 7 resting and the 8th free, the free one is taken, nothing counted
    await giveBack([c]);
    cursorAt(1, 201);
    const again = await lab.stats();
    const e = open();
    expect(e.port).toBe(SNAT_PORT_MIN + 208);
    expect(delta(again, await lab.stats()).snat_early).toBeUndefined();
    await giveBack([e]);
  }, 30_000);

  it('once rested, a port is handed out again', async () => {
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, tcpClosed: 1 }, 1); // a rest of one tick
    cursorAt(1, 300);
    const a = open();
    await giveBack([a]);
    await past(1);
    cursorAt(1, 300);
    expect(open().port).toBe(a.port);
    await lab.dp.setFlowTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, tcpClosed: 1 });
  }, 30_000);
});
