// The per-CPU flow cache in front of lb_flows (flow_cache.h): established
// packets are served from a copy on their CPU, and no copy may outlive a
// change another CPU made to its flow. Frames are pinned to CPUs (taskset):
// test-run executes on the caller's CPU.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, delta, runSteps, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT6, VIP, VIP6, backend, backend6, beOfMac, service } from './fixtures';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { MAPS, RING_SIZE, be16, hex, ipv4Bytes, ipv6Bytes } from '../../lab-images/balancer/agent/dataplane-abi';
import { buildFrame6, norm6, parseFrame6 } from '../support/bpf/packet6';

const skip = skipReason() ?? (availableParallelism() < 2 ? 'the flow cache tests need 2 CPUs' : null);

/** The cache's set of a TCP flow CLIENT:sport -> VIP:80 (core/flow_cache.h fc_index, 32768 sets). */
function setOf(sport: number): number {
  const le32 = (a: string) => BigInt(Buffer.from(ipv4Bytes(a)).readUInt32LE(0));
  const le16 = (v: number) => BigInt(Buffer.from(be16(v)).readUInt16LE(0));
  const m = (1n << 64n) - 1n;
  const k0 = le32(CLIENT) | (le32(VIP) << 32n);
  const k1 = le16(sport) | (le16(80) << 16n) | (6n << 32n);
  const h = ((k0 ^ ((k1 * 0x9e3779b97f4a7c15n) & m)) * 0xc2b2ae3d27d4eb4fn) & m;
  return Number(h >> 49n);
}

/** n source ports from `from` on whose flows share one set. */
function sameSet(from: number, n: number): number[] {
  const seen = new Map<number, number[]>();
  for (let p = from; p < 65000; p++) {
    const ps = seen.get(setOf(p)) ?? [];
    ps.push(p);
    seen.set(setOf(p), ps);
    if (ps.length === n) return ps;
  }
  throw new Error('no ports share a set');
}

describe('per-CPU flow cache', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => { lab = await Lab.start('fcache'); });
  afterAll(async () => { await lab?.stop(); });

  const bes = [backend(1), backend(2)];
  /** A table that sends every new flow to backend `id`. */
  const allTo = (id: number) => service({ id: 1, mode: 'dsr', backends: bes, table: new Array<number>(RING_SIZE).fill(id) });
  const frame = (sport: number, flags: number) => buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags });
  /** Backend a frame was sent to, from CPU `cpu`. */
  const to = (cpu: number, sport: number, flags: number): number => {
    const r = lab.runOn(cpu, frame(sport, flags));
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    return beOfMac(parseFrame(r.out).dstMac);
  };

  it('established packets on either CPU keep the flow; only the SYN makes a flow', async () => {
    await lab.dp.applyService(allTo(1));
    const before = await lab.stats();
    expect(to(0, 41000, TCP.SYN)).toBe(1);
    for (let i = 0; i < 3; i++) {
      expect(to(0, 41000, TCP.ACK)).toBe(1);
      expect(to(1, 41000, TCP.ACK)).toBe(1);
    }
    const d = delta(before, await lab.stats());
    expect(d.new_flow).toBe(1);
    expect(d.dsr).toBe(7);
    expect(d['be1.packets']).toBe(7);
  });

  const flowKey = (sport: number) => [...ipv4Bytes(CLIENT), ...ipv4Bytes(VIP), ...be16(sport), ...be16(80), 6, 0, 0, 0];
  const forget = (sport: number) => ['map', 'delete', 'pinned', lab.dp.mapPath(MAPS.flows), 'key', 'hex', ...hex(flowKey(sport)).split(' ')];

  it('an established packet is served from its CPU\'s copy, without lb_flows', async () => {
    // a copy serves on its own within the epoch it was checked in (128
    // jiffies): the steps run in one bpftool process, microseconds apart;
    // one attempt in a few hundred straddles an epoch's end, hence three
    let served = 0;
    for (let attempt = 0; attempt < 3 && !served; attempt++) {
      const sport = 44000 + attempt;
      await lab.dp.applyService(allTo(1));
      expect(to(0, sport, TCP.SYN)).toBe(1);
      // new flows now go to backend 2
      await lab.dp.applyService(allTo(2));
      const before = await lab.stats();
      // the ACK that establishes the flow (CPU 0 copies it), the entry taken
      // out of lb_flows as an LRU eviction would, the next ACK: only CPU 0's
      // copy still knows backend 1
      const [est, next] = runSteps(lab.dp.progPath, 0, [frame(sport, TCP.ACK), forget(sport), frame(sport, TCP.ACK)]);
      expect(beOfMac(parseFrame(est.out).dstMac)).toBe(1);
      if (beOfMac(parseFrame(next.out).dstMac) === 1 && delta(before, await lab.stats()).new_flow === undefined) served++;
    }
    expect(served).toBe(1);
  });

  it('two flows of one set are both served from their copies; a third waits for the epoch to end', async () => {
    // three flows whose 5-tuples fall in one set of the 2-way cache; copies
    // made in this epoch keep their ways (a third flow is not copied), so
    // with the flows' lb_flows entries gone only the first two stay on backend 1
    let done = false;
    for (let attempt = 0; attempt < 3 && !done; attempt++) {
      const flows = sameSet(45000 + 5000 * attempt, 3);
      await lab.dp.applyService(allTo(1));
      for (const sport of flows) expect(to(0, sport, TCP.SYN)).toBe(1);
      await lab.dp.applyService(allTo(2));
      const steps: (Buffer | string[])[] = flows.map((sport) => frame(sport, TCP.ACK));
      for (const sport of flows) steps.push(forget(sport));
      steps.push(...flows.map((sport) => frame(sport, TCP.ACK)));
      const outs = runSteps(lab.dp.progPath, 0, steps).map((r) => beOfMac(parseFrame(r.out).dstMac));
      expect(outs.slice(0, 3)).toEqual([1, 1, 1]);
      if (outs[5] !== 2) continue; // an epoch ended between the steps: again
      expect(outs.slice(3)).toEqual([1, 1, 2]);
      done = true;
    }
    expect(done).toBe(true);
  });

  it('a copy does not outlive its entry: once its epoch is over, lb_flows is asked again', async () => {
    await lab.dp.applyService(allTo(1));
    expect(to(0, 44100, TCP.SYN)).toBe(1);
    expect(to(0, 44100, TCP.ACK)).toBe(1); // established, copied
    execFileSync('bpftool', forget(44100));
    await lab.dp.applyService(allTo(2));
    await new Promise((r) => setTimeout(r, 1400)); // > 128 jiffies at HZ >= 100
    const before = await lab.stats();
    expect(to(0, 44100, TCP.ACK)).toBe(2); // the entry is gone: scheduled afresh
    expect(delta(before, await lab.stats()).new_flow).toBe(1);
  });

  it('a 5-tuple closed and re-used on one CPU is not steered by the copy on another', async () => {
    await lab.dp.applyService(allTo(1));
    expect(to(0, 42000, TCP.SYN)).toBe(1);
    expect(to(0, 42000, TCP.ACK)).toBe(1); // CPU 0 holds a copy: backend 1
    expect(to(1, 42000, TCP.FIN | TCP.ACK)).toBe(1);
    // new flows now go to backend 2; backend 1 stays healthy, so only the
    // cache rules (not a failed backend check) can move CPU 0's copy
    await lab.dp.applyService(allTo(2));
    expect(to(1, 42000, TCP.SYN)).toBe(2); // port re-use: re-scheduled
    expect(to(0, 42000, TCP.ACK)).toBe(2);
    expect(to(1, 42000, TCP.ACK)).toBe(2);
  });

  it('a backend marked down: its cached flows move on every CPU, to the same backend', async () => {
    await lab.dp.applyService(allTo(1));
    expect(to(0, 43000, TCP.SYN)).toBe(1);
    expect(to(0, 43000, TCP.ACK)).toBe(1);
    expect(to(1, 43000, TCP.ACK)).toBe(1);
    const before = await lab.stats();
    await lab.dp.applyService(service({ id: 1, mode: 'dsr', backends: [backend(1, { healthy: false }), backend(2)], table: new Array<number>(RING_SIZE).fill(2) }));
    expect(to(0, 43000, TCP.ACK)).toBe(2);
    expect(to(1, 43000, TCP.ACK)).toBe(2);
    expect(to(0, 43000, TCP.ACK)).toBe(2);
    const d = delta(before, await lab.stats());
    expect(d.resched).toBe(1); // re-scheduled once, by the first CPU to see it
    expect(d.new_flow).toBe(1);
  });
});

// The same rules for IPv6 (flow_cache6.h, in front of lb_flows6).
describe('per-CPU flow cache, IPv6', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => { lab = await Lab.start('fcache6'); });
  afterAll(async () => { await lab?.stop(); });

  const bes = (healthy1 = true) => [1, 2].map((i) => backend6(i, { healthy: i === 1 ? healthy1 : true }));
  const allTo = (id: number, mode: 'dsr' | 'nat' = 'dsr', healthy1 = true) =>
    service({ id: 1, mode, backends: bes(healthy1), vip6: VIP6, table: new Array<number>(RING_SIZE).fill(id) });
  const frame = (sport: number, flags: number) => buildFrame6({ proto: 'tcp', src: CLIENT6, dst: VIP6, sport, dport: 80, flags });
  const to = (cpu: number, sport: number, flags: number): number => {
    const r = lab.runOn(cpu, frame(sport, flags));
    expect(r.retval).toBe(TC_ACT_REDIRECT);
    return beOfMac(parseFrame6(r.out).dstMac);
  };
  const key6 = (src: string, dst: string, sport: number, dport: number) =>
    [...ipv6Bytes(src), ...ipv6Bytes(dst), ...be16(sport), ...be16(dport), 6, 0, 0, 0];
  const forget = (k: number[]) => ['map', 'delete', 'pinned', lab.dp.mapPath(MAPS.flows6), 'key', 'hex', ...hex(k).split(' ')];

  it('an established packet is served from its CPU\'s copy, without lb_flows6; only the SYN makes a flow', async () => {
    let served = 0;
    for (let attempt = 0; attempt < 3 && !served; attempt++) {
      const sport = 45000 + attempt;
      await lab.dp.applyService(allTo(1));
      expect(to(0, sport, TCP.SYN)).toBe(1);
      await lab.dp.applyService(allTo(2));
      const before = await lab.stats();
      const [est, next] = runSteps(lab.dp.progPath, 0, [frame(sport, TCP.ACK), forget(key6(CLIENT6, VIP6, sport, 80)), frame(sport, TCP.ACK)]);
      expect(beOfMac(parseFrame6(est.out).dstMac)).toBe(1);
      if (beOfMac(parseFrame6(next.out).dstMac) === 1 && delta(before, await lab.stats()).new_flow === undefined) served++;
    }
    expect(served).toBe(1);
  });

  it('a nat reply is served from the copy too, translated', async () => {
    let served = 0;
    for (let attempt = 0; attempt < 3 && !served; attempt++) {
      const sport = 45100 + attempt;
      await lab.dp.applyService(allTo(1, 'nat'));
      expect(to(0, sport, TCP.SYN)).toBe(1);
      const reply = buildFrame6({ proto: 'tcp', src: 'fd00:18:1::11', dst: CLIENT6, sport: 80, dport: sport, flags: TCP.ACK });
      const [a, b] = runSteps(lab.dp.progPath, 0, [reply, forget(key6('fd00:18:1::11', CLIENT6, 80, sport)), reply]);
      // (no learned way back in test-run: to the stack, translated)
      expect(parseFrame6(a.out).ip.src).toBe(norm6(VIP6));
      const p = parseFrame6(b.out);
      if (p.ip.src === norm6(VIP6) && p.l4!.csumOk) served++;
    }
    expect(served).toBe(1);
  });

  it('a 5-tuple closed and re-used on one CPU is not steered by the copy on another', async () => {
    await lab.dp.applyService(allTo(1));
    expect(to(0, 46000, TCP.SYN)).toBe(1);
    expect(to(0, 46000, TCP.ACK)).toBe(1); // CPU 0 holds a copy: backend 1
    expect(to(1, 46000, TCP.FIN | TCP.ACK)).toBe(1);
    await lab.dp.applyService(allTo(2));
    expect(to(1, 46000, TCP.SYN)).toBe(2); // port re-use: re-scheduled
    expect(to(0, 46000, TCP.ACK)).toBe(2);
    expect(to(1, 46000, TCP.ACK)).toBe(2);
  });

  it('a backend marked down: its cached flows move on every CPU', async () => {
    await lab.dp.applyService(allTo(1));
    expect(to(0, 47000, TCP.SYN)).toBe(1);
    expect(to(0, 47000, TCP.ACK)).toBe(1);
    expect(to(1, 47000, TCP.ACK)).toBe(1);
    const before = await lab.stats();
    await lab.dp.applyService(allTo(2, 'dsr', false));
    expect(to(0, 47000, TCP.ACK)).toBe(2);
    expect(to(1, 47000, TCP.ACK)).toBe(2);
    const d = delta(before, await lab.stats());
    expect(d.resched).toBe(1);
    expect(d.new_flow).toBe(1);
  });
});
