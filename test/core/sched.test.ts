// Scheduling in BPF: maglev/sh table lookups (exact slot predicted with the
// TS twin of the hash), rr/wrr sequences, lc, weighted shares, stickiness of
// established flows across table changes, draining and failed backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, VIP, backend, beOfMac, maglevTable, service, wrrSequence } from './fixtures';
import { TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { hashFlow, hashSrc } from './jhash';
import { RING_SIZE } from '../../lab-images/balancer/agent/dataplane-abi';
import type { DpBackend } from '../../lab-images/balancer/agent/dataplane';

const skip = skipReason();

interface Flow { src: string; sport: number }
/** n synthetic clients spread over a /16 and many ports. */
const flows = (n: number, salt: number): Flow[] =>
  [...Array(n).keys()].map((i) => ({ src: `198.19.${(i * 7 + salt) % 256}.${(i * 13 + salt * 3) % 254 + 1}`, sport: 1024 + ((i * 7919 + salt) % 60000) }));

describe('scheduling', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => { lab = await Lab.start('sched'); });
  afterAll(async () => { await lab?.stop(); });

  /** Send one packet per flow to port; returns the backend id chosen for each. */
  const send = (fs: Flow[], port: number, flags: number = TCP.SYN): number[] =>
    lab.runMany(fs.map((f) => buildFrame({ proto: 'tcp', src: f.src, dst: VIP, sport: f.sport, dport: port, flags })))
      .map((r) => { expect(r.retval).toBe(TC_ACT_REDIRECT); return beOfMac(parseFrame(r.out).dstMac); });
  const shares = (ids: number[]): Record<number, number> =>
    ids.reduce((m, id) => ({ ...m, [id]: (m[id] ?? 0) + 1 }), {} as Record<number, number>);

  describe('maglev (port 80)', () => {
    let bes: DpBackend[];
    let first: Flow[];
    let firstIds: number[];
    beforeAll(async () => {
      bes = [backend(1, { weight: 1 }), backend(2, { weight: 2 }), backend(3, { weight: 1 })];
      await lab.dp.applyService(service({ id: 1, mode: 'dsr', backends: bes }));
    });

    it('picks table[hash(5-tuple) % 65537] and honours weights within ±25%', () => {
      const table = maglevTable(bes);
      first = flows(4000, 1);
      firstIds = send(first, 80);
      first.forEach((f, i) => {
        expect(firstIds[i]).toBe(table[hashFlow(f.src, VIP, f.sport, 80, 6) % RING_SIZE]);
      });
      const s = shares(firstIds);
      const total = first.length;
      for (const [id, w] of [[1, 0.25], [2, 0.5], [3, 0.25]]) {
        expect(s[id] / total).toBeGreaterThan(w * 0.75);
        expect(s[id] / total).toBeLessThan(w * 1.25);
      }
    });

    it('established flows stay on their backend when the table changes', async () => {
      bes = [backend(1, { weight: 3 }), backend(2, { weight: 1 }), backend(3, { weight: 1 })];
      const table = maglevTable(bes);
      await lab.dp.applyService(service({ id: 1, mode: 'dsr', backends: bes, table }));
      const sample = first.slice(0, 600);
      const before = await lab.stats();
      expect(send(sample, 80, TCP.ACK)).toEqual(firstIds.slice(0, 600));
      expect((await lab.stats()).new_flow - before.new_flow).toBe(0);
      // new flows use the new table
      const fresh = flows(500, 2);
      send(fresh, 80).forEach((id, i) =>
        expect(id).toBe(table[hashFlow(fresh[i].src, VIP, fresh[i].sport, 80, 6) % RING_SIZE]));
    });

    it('draining (weight 0): existing flows stay, no new flows', async () => {
      bes = [backend(1, { weight: 0 }), backend(2, { weight: 1 }), backend(3, { weight: 1 })];
      await lab.dp.applyService(service({ id: 1, mode: 'dsr', backends: bes, table: maglevTable(bes) }));
      const on1 = first.filter((_, i) => firstIds[i] === 1).slice(0, 200);
      expect(on1.length).toBeGreaterThan(50);
      expect(send(on1, 80, TCP.ACK).every((id) => id === 1)).toBe(true);
      expect(send(flows(800, 3), 80)).not.toContain(1);
    });

    it('an unhealthy backend: its flows are re-scheduled (counted)', async () => {
      bes = [backend(1, { weight: 0 }), backend(2, { weight: 1, healthy: false }), backend(3, { weight: 1 })];
      await lab.dp.applyService(service({ id: 1, mode: 'dsr', backends: bes, table: maglevTable([bes[2]]) }));
      const on2 = first.filter((_, i) => firstIds[i] === 2).slice(0, 200);
      const before = await lab.stats();
      expect(send(on2, 80, TCP.ACK).every((id) => id === 3)).toBe(true);
      const after = await lab.stats();
      expect(after.resched - before.resched).toBe(on2.length);
      expect(after.new_flow - before.new_flow).toBe(on2.length);
      // stats: the rescheduled flows' active count moved from 2 to 3
      expect(after['be2.active']).toBeLessThan(before['be2.active']);
    });

    it('a removed backend: its flows are re-scheduled', async () => {
      bes = [backend(1, { weight: 1 }), backend(2, { weight: 1 })];
      await lab.dp.applyService(service({ id: 1, mode: 'dsr', backends: bes, table: maglevTable(bes) }));
      const on3 = first.filter((_, i) => firstIds[i] === 3).slice(0, 100);
      const ids = send(on3, 80, TCP.ACK);
      expect(ids).not.toContain(3);
      expect(new Set(ids)).toEqual(new Set([1, 2]));
    });

    it('no eligible backend: drop no_backend', async () => {
      bes = [backend(1, { healthy: false }), backend(2, { healthy: false })];
      await lab.dp.applyService(service({ id: 1, mode: 'dsr', backends: bes, table: [] }));
      const r = await lab.runCounted(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport: 3333, dport: 80 }));
      expect(r.retval).toBe(2);
      expect(r.d).toMatchObject({ rx: 1, 'drop.no_backend': 1 });
    });
  });

  it('sh: one source address always maps to the same backend: table[hash(src)]', async () => {
    const bes = [backend(11), backend(12), backend(13)];
    const table = maglevTable(bes);
    await lab.dp.applyService(service({ id: 2, mode: 'dsr', port: 81, scheduler: 'sh', backends: bes, table }));
    for (const src of ['198.19.1.1', '198.19.2.7', '198.19.200.9', CLIENT]) {
      const ids = send([...Array(20).keys()].map((i) => ({ src, sport: 2000 + i * 31 })), 81);
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toBe(table[hashSrc(src) % RING_SIZE]);
    }
  });

  it('rr: new flows go round the sequence in order', async () => {
    const bes = [backend(21), backend(22), backend(23)];
    await lab.dp.applyService(service({ id: 3, mode: 'dsr', port: 82, scheduler: 'rr', backends: bes, table: [21, 22, 23] }));
    const ids = send(flows(9, 4), 82);
    const start = [21, 22, 23].indexOf(ids[0]);
    expect(ids).toEqual([...Array(9).keys()].map((i) => [21, 22, 23][(start + i) % 3]));
  });

  it('wrr: weights 3:1 give exactly 3:1 over whole sequences', async () => {
    const bes = [backend(31, { weight: 3 }), backend(32, { weight: 1 })];
    const table = wrrSequence(bes);
    expect(table).toHaveLength(4);
    await lab.dp.applyService(service({ id: 4, mode: 'dsr', port: 83, scheduler: 'wrr', backends: bes, table }));
    const s = shares(send(flows(40, 5), 83));
    expect(s).toEqual({ 31: 30, 32: 10 });
  });

  it('lc (nat, TCP): least active flows / weight, released on FIN/RST', async () => {
    const bes = [backend(41, { weight: 1 }), backend(42, { weight: 1 })];
    await lab.dp.applyService(service({ id: 5, mode: 'nat', port: 84, scheduler: 'lc', backends: bes, table: [] }));
    const fs = flows(4, 6);
    const ids = send(fs, 84);
    expect(shares(ids)).toEqual({ 41: 2, 42: 2 });
    let st = await lab.dp.readStats();
    expect(st.backends[41].activeFlows).toBe(2);
    expect(st.backends[42].activeFlows).toBe(2);
    // close both flows of backend 41 (one FIN, one RST)
    const on41 = fs.filter((_, i) => ids[i] === 41);
    send([on41[0]], 84, TCP.FIN | TCP.ACK);
    send([on41[1]], 84, TCP.RST);
    send([on41[1]], 84, TCP.RST); // a repeated RST is not counted twice
    st = await lab.dp.readStats();
    expect(st.backends[41].activeFlows).toBe(0);
    expect(st.backends[42].activeFlows).toBe(2);
    // the next two new flows both go to the idle backend
    expect(send(flows(2, 7), 84)).toEqual([41, 41]);
    // weights: 41 has weight 3 -> takes 3 of every 4 new flows from here
    await lab.dp.applyService(service({ id: 5, mode: 'nat', port: 84, scheduler: 'lc', table: [],
      backends: [backend(41, { weight: 3 }), backend(42, { weight: 1 })] }));
    // expected: simulate argmin(active/weight), first listed backend wins ties
    const act: Record<number, number> = { 41: 2, 42: 2 };
    const w: Record<number, number> = { 41: 3, 42: 1 };
    const expected = [...Array(8)].map(() => {
      const pick = act[42] * w[41] < act[41] * w[42] ? 42 : 41;
      act[pick]++;
      return pick;
    });
    expect(send(flows(8, 8), 84)).toEqual(expected);
    expect(expected.filter((x) => x === 41).length).toBeGreaterThan(4);
  });
});
