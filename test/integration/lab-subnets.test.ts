// Labs without explicit subnets side by side: each deploy picks /24s no other
// Docker network uses (the topology's `avoid`, fed from the engine), and a lab
// keeps its subnets on redeploy even when lower ones have become free.
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { LabStatus } from '../../electron/api';
import { lblab, LAB_PREFIX, tmpDir } from '../support/labs';
import { overlaps, parseSubnet } from '../../electron/engine/topology/net4';

const dir = tmpDir();
const A = `${LAB_PREFIX}ht-net-a`;
const B = `${LAB_PREFIX}ht-net-b`;

afterAll(async () => {
  for (const lab of [A, B]) await lblab(['down', lab]);
});

/** l4proxy across two networks, no subnet given anywhere. */
function labFile(name: string): string {
  const doc = {
    name,
    networks: { front: {}, back: {} },
    nodes: {
      c1: { kind: 'client', links: [{ network: 'front' }] },
      lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
      web1: { kind: 'server', links: [{ network: 'back' }] },
    },
    services: { web: { balancer: 'lb', mode: 'l4proxy', backends: ['web1'] } },
  };
  const file = path.join(dir, `${name}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

async function status(lab: string): Promise<LabStatus> {
  const r = await lblab(['status', lab, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LabStatus;
}

async function serves(lab: string): Promise<string> {
  const vip = (await status(lab)).services[0].vip;
  return (await lblab(['exec', lab, 'c1', '--', 'curl', '-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://${vip}/`])).stdout.trim();
}

const subnets = (s: LabStatus) => s.networks.map((n) => n.subnet).sort();

describe.sequential('automatic subnets', () => {
  let subnetsOfB: string[] = [];

  it('two labs without subnets deploy side by side and both serve', async () => {
    for (const lab of [A, B]) {
      const r = await lblab(['up', labFile(lab)]);
      expect(r.code, r.stderr).toBe(0);
    }
    const [a, b] = [await status(A), await status(B)];
    const pool = parseSubnet('198.18.0.0/15')!;
    for (const c of [...subnets(a), ...subnets(b)]) {
      const s = parseSubnet(c)!;
      expect(s.base >= pool.base && s.base + s.size <= pool.base + pool.size, c).toBe(true);
    }
    for (const x of subnets(a)) for (const y of subnets(b)) expect(overlaps(parseSubnet(x)!, parseSubnet(y)!), `${x} / ${y}`).toBe(false);
    expect(await serves(A)).toBe('200');
    expect(await serves(B)).toBe('200');
    subnetsOfB = subnets(b);
  });

  it('a lab keeps its subnets on redeploy, even when the ones it would pick first are free again', async () => {
    expect((await lblab(['down', A])).code).toBe(0);
    const r = await lblab(['up', labFile(B)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/nothing changed/);
    expect(subnets(await status(B))).toEqual(subnetsOfB);
    expect(await serves(B)).toBe('200');
  });
});
