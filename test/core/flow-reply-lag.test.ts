// A nat flow's reply entry is refreshed by its forward packets only every few
// ticks while the flow table is calm (core/flow.h reply_due), so its own stamp
// may lag its flow's. Before the sweep or a reply packet takes such an entry
// for expired, they ask its forward entry: live, it vouches for the reply
// entry (which takes its stamp); idle too, or gone, the reply entry goes.
// Whether the table is calm is the sweep's to say (lb_flow_pressure): fewer
// than live / 64 entries evicted since the sweep before.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, TC_ACT_REDIRECT, delta, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { CLIENT, CLIENT_IFINDEX, VIP, backend, beAddr, beMac, service } from './fixtures';
import { LB_MAC, TCP, buildFrame, parseFrame } from '../support/bpf/packet';
import { RING_SIZE } from '../../lab-images/balancer/agent/dataplane-abi';

const skip = skipReason();
/** struct flow_val's last_seen (core/flow_types.h), after 48 bytes. */
const LAST_SEEN_OFFSET = 48;
/** More ticks than the default established timeout (~300 s). */
const LONG_AGO = 400;

type Key = { src: string; dst: string; sport: number; dport: number; proto: number };
const hex = (b: number) => b.toString(16).padStart(2, '0');
const keyHex = (k: Key) =>
  [...k.src.split('.').map(Number), ...k.dst.split('.').map(Number), k.sport >> 8, k.sport & 0xff, k.dport >> 8, k.dport & 0xff, k.proto, 0, 0, 0].map(hex);

describe('a reply entry whose stamp lags its flow', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('replylag', 'bench.bpf.o');
    await lab.dp.applyService(service({ id: 1, mode: 'nat', backends: [backend(1)], table: new Array<number>(RING_SIZE).fill(1) }));
  });
  afterAll(async () => { await lab?.stop(); });

  const fwdKey = (sport: number): Key => ({ src: CLIENT, dst: VIP, sport, dport: 80, proto: 6 });
  const replyKey = (sport: number): Key => ({ src: beAddr(1), dst: CLIENT, sport: 80, dport: sport, proto: 6 });
  const fwd = (sport: number, flags: number) => lab.run(buildFrame({ proto: 'tcp', src: CLIENT, dst: VIP, sport, dport: 80, flags }), 1, CLIENT_IFINDEX);
  const reply = (sport: number) => lab.run(buildFrame({ proto: 'tcp', src: beAddr(1), dst: CLIENT, sport: 80, dport: sport, flags: TCP.ACK | TCP.PSH, srcMac: beMac(1), dstMac: LB_MAC }));
  /** An established flow (SYN, ACK) whose entry `which` is stamped LONG_AGO ticks before its flow. */
  function opened(sport: number, which: Key[]): number {
    expect(fwd(sport, TCP.SYN).retval).toBe(TC_ACT_REDIRECT);
    expect(fwd(sport, TCP.ACK).retval).toBe(TC_ACT_REDIRECT);
    const now = lab.flowEntry(fwdKey(sport))!.last_seen;
    for (const k of which) {
      const path = lab.dp.mapPath('lb_flows');
      const got = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'lookup', 'pinned', path, 'key', 'hex', ...keyHex(k)], { encoding: 'utf8' })) as { value: string[] };
      const value = Buffer.from(got.value.map((b) => parseInt(b, 16)));
      value.writeUInt32LE(now - LONG_AGO, LAST_SEEN_OFFSET);
      execFileSync('bpftool', ['map', 'update', 'pinned', path, 'key', 'hex', ...keyHex(k), 'value', 'hex', ...[...value].map(hex)]);
    }
    return now;
  }

  it('the sweep keeps it while its forward entry is live, and gives it the flow\'s stamp', async () => {
    const now = opened(41000, [replyKey(41000)]);
    const before = await lab.stats();
    await lab.dp.sweep();
    expect(delta(before, await lab.stats()).gc_expired).toBeUndefined();
    expect(lab.flowEntry(replyKey(41000))!.last_seen).toBeGreaterThanOrEqual(now);
    expect(parseFrame(reply(41000).out).ip.src).toBe(VIP);
  });

  it('a reply packet goes on through it, translated', async () => {
    const now = opened(41100, [replyKey(41100)]);
    expect(parseFrame(reply(41100).out).ip.src).toBe(VIP);
    expect(lab.flowEntry(replyKey(41100))!.last_seen).toBeGreaterThanOrEqual(now);
  });

  it('idle with its forward entry, both go', async () => {
    opened(41200, [replyKey(41200), fwdKey(41200)]);
    const before = await lab.stats();
    await lab.dp.sweep();
    expect(delta(before, await lab.stats()).gc_expired).toBe(2);
    expect(lab.flowEntry(replyKey(41200))).toBeUndefined();
    expect(lab.flowEntry(fwdKey(41200))).toBeUndefined();
  });

  it('without its forward entry, it goes', async () => {
    opened(41300, [replyKey(41300)]);
    execFileSync('bpftool', ['map', 'delete', 'pinned', lab.dp.mapPath('lb_flows'), 'key', 'hex', ...keyHex(fwdKey(41300))]);
    await lab.dp.sweep();
    expect(lab.flowEntry(replyKey(41300))).toBeUndefined();
  });
});

describe('lb_flow_pressure: is the flow table evicting?', skipIf(skip), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start('pressure', 'bench.bpf.o', 1024);
    await lab.dp.applyService(service({ id: 1, mode: 'nat', backends: [backend(1)], table: new Array<number>(RING_SIZE).fill(1) }));
  });
  afterAll(async () => { await lab?.stop(); });

  const calm = () => {
    const got = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'lookup', 'pinned', lab.dp.mapPath('lb_flow_pressure'), 'key', '0', '0', '0', '0'], { encoding: 'utf8' })) as
      { value: string[] };
    return Buffer.from(got.value.map((b) => parseInt(b, 16))).readUInt32LE(8);
  };
  const syn = buildFrame({ proto: 'tcp', src: '198.18.4.1', dst: VIP, sport: 1, dport: 80, flags: TCP.SYN });

  it('not calm until a sweep has looked; calm while nothing is evicted; not calm after a flood past the table', async () => {
    expect(calm()).toBe(0);
    await lab.dp.sweep();
    expect(calm()).toBe(1);
    lab.floodFrom(0);
    lab.flood(syn, 200);
    await lab.dp.sweep();
    expect(calm()).toBe(1); // 400 entries of 2 048: room for them
    lab.flood(syn, 4000);
    await lab.dp.sweep();
    expect((await lab.dp.readStats()).flowTable!.evicted).toBeGreaterThan(0);
    expect(calm()).toBe(0);
    await lab.dp.sweep();
    expect(calm()).toBe(1); // nothing evicted since
  });
});
