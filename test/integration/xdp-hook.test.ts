// A balancer with `hook: xdp`: the eBPF core runs at XDP (lb_xdp, native, on
// both of its interfaces, nothing at tc), and real requests through the VIP
// are answered and spread in dsr (XDP_TX back out of the interface they came
// in on) and in nat (redirected to the other interface, and back) — which
// works only with NAPI on the host-side peers of the balancer's veths.
import fs from 'node:fs';
import path from 'node:path';
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
});
