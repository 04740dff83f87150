// A balancer with `hook: xdp`: the eBPF core runs at XDP (lb_xdp, native, on
// both of its interfaces, nothing at tc), and real requests through the VIP
// are answered and spread in dsr (XDP_TX back out of the interface they came
// in on) and in nat (redirected to the other interface, and back) — which
// works only with NAPI on the host-side peers of the balancer's veths. Under
// load in nat, the program's own CPU is measured by the kernel, and the
// host-side peers (given a queue) drop nothing into the balancer's XDP veths.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Comparison } from '../../electron/api';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { LAB_PREFIX, lblab, nodeSh, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}xdp`;
const VIP = '198.18.216.254';
const REQUESTS = 20;

// compare.lab.yaml's shape with two servers: dsr and nat both run here
const doc = {
  name: LAB,
  networks: { front: { subnet: '198.18.216.0/24' }, back: { subnet: '198.18.217.0/24' } },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'front' }] },
    lb: { kind: 'balancer', hook: 'xdp', links: [{ network: 'front' }, { network: 'back' }] },
    r1: { kind: 'router', links: [{ network: 'front' }, { network: 'back' }] },
    web1: { kind: 'server', links: [{ network: 'back' }] },
    web2: { kind: 'server', links: [{ network: 'back' }] },
  },
  // a small flow table: each mode switch loads the core again
  services: { web: { balancer: 'lb', vip: VIP, mode: 'dsr', scheduler: 'rr', maxFlows: 1024, backends: ['web1', 'web2'] } },
};

afterAll(async () => {
  await lblab(['down', LAB]);
});

/** REQUESTS new connections to the VIP: every one answered, by which server. */
async function spread(): Promise<Record<string, number>> {
  const out = await nodeSh(LAB, 'client1', `for i in $(seq 1 ${REQUESTS}); do curl -s -m 3 http://${VIP}/ | grep -o 'web[0-9]' | head -1 | grep . || echo fail; done`);
  const counts: Record<string, number> = {};
  for (const line of out.split('\n').filter(Boolean)) counts[line.trim()] = (counts[line.trim()] ?? 0) + 1;
  return counts;
}

function expectEven(counts: Record<string, number>) {
  expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(['web1', 'web2']);
  // rr over two servers: half each, give or take the per-CPU rotation
  for (const n of ['web1', 'web2']) expect(counts[n], JSON.stringify(counts)).toBeGreaterThanOrEqual(REQUESTS * 0.3);
}

describe.sequential('balancer at XDP', () => {
  it('deploys with lb_xdp attached natively on both interfaces and nothing at tc', async () => {
    const file = path.join(tmpDir(), `${LAB}.lab.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    const up = await lblab(['up', file]);
    expect(up.code, up.stderr.trim().split('\n').pop()).toBe(0);
    const text = await nodeSh(LAB, 'lb', 'ip -d link show up | grep -E "^[0-9]+: eth|prog/xdp"; tc filter show dev eth0 ingress 2>/dev/null; tc filter show dev eth1 ingress 2>/dev/null; true');
    expect(text.match(/^\d+: eth\d+@\S+ .* xdp /gm)?.length, text).toBe(2);
    expect(text.match(/prog\/xdp id \d+ name lb_xdp/g)?.length, text).toBe(2);
    expect(text, 'no tc filter left').not.toMatch(/lb_ingress/);
  });

  it('dsr: every request answered, spread over both servers', async () => {
    expectEven(await spread());
  });

  it('nat: every request answered, spread over both servers', async () => {
    const r = await lblab(['mode', LAB, 'web', 'nat']);
    expect(r.code, r.stderr).toBe(0);
    expectEven(await spread());
    expect(await nodeSh(LAB, 'lb', 'ip link show dev eth0')).toMatch(/prog\/xdp id \d+ name lb_xdp/);
  });

  it("nat under load: the program's own time from the kernel; the host-side peers queue instead of dropping", async () => {
    const peers = await hostPeers();
    // each peer has a queue (Docker's have none): a full receive ring at XDP holds the peer back instead of dropping
    for (const dev of peers) expect(execFileSync('tc', ['qdisc', 'show', 'dev', dev, 'root'], { encoding: 'utf8' }), dev).toMatch(/^qdisc pfifo 4c42: root .*limit 1000p/);
    const dropped = () => peers.reduce((a, dev) => a + Number(fs.readFileSync(`/sys/class/net/${dev}/statistics/tx_dropped`, 'utf8')), 0);
    const before = dropped();
    const r = await lblab(['compare', LAB, '--modes', 'nat', '--duration', '3', '--warmup', '0', '--repeat', '1', '--connections', '8', '--json'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr.trim().split('\n').pop()).toBe(0);
    const run = (JSON.parse(r.stdout) as Comparison).runs[0];
    expect(run.error).toBeUndefined();
    const requests = run.requestsPerSec * 3;
    const p = run.program!;
    console.log(`nat at XDP: ${run.throughputMbps.toFixed(0)} Mbit/s, ${requests.toFixed(0)} requests; program ${p.cpuSeconds} s, ${p.packets} packets, ${p.nsPerPacket} ns/packet; peers dropped ${dropped() - before}`);
    expect(p.cpuSeconds).toBeGreaterThan(0);
    // every request is several packets (handshake, request, response segments, acks) through the program
    expect(p.packets).toBeGreaterThanOrEqual(requests);
    // physical bounds: more than a few instructions, less than a scheduler tick
    expect(p.nsPerPacket).toBeGreaterThan(10);
    expect(p.nsPerPacket).toBeLessThan(100_000);
    expect(p.nsPerPacket).toBeCloseTo((p.cpuSeconds * 1e9) / p.packets, -1);
    // the peer's backpressure (a queue stopped while the ring is full, not a drop) is the kernel's since 6.16
    const [maj, min] = os.release().split('.').map(Number);
    if (maj > 6 || (maj === 6 && min >= 16)) expect(dropped() - before, 'frames the host-side peers dropped into the balancer').toBe(0);
  });
});

/** The host-side veth peers of the balancer's interfaces (by the ifindex each one's iflink names). */
async function hostPeers(): Promise<string[]> {
  const idx = (await nodeSh(LAB, 'lb', 'cat /sys/class/net/eth0/iflink /sys/class/net/eth1/iflink')).trim().split(/\s+/);
  const byIndex = new Map(fs.readdirSync('/sys/class/net').map((d) => [fs.readFileSync(`/sys/class/net/${d}/ifindex`, 'utf8').trim(), d]));
  return idx.map((i) => {
    const dev = byIndex.get(i);
    if (!dev) throw new Error(`no host interface with index ${i} (is the Docker engine on this host?)`);
    return dev;
  });
}
