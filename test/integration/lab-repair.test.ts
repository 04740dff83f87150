// A lab survives a Docker engine restart: `lblab status` says it is degraded
// and why, and `lblab up` of the same file repairs it in place.
//
// What an engine restart does to a lab (its containers have no restart
// policy): every container stops; started again, each gets a fresh network
// namespace, without the routes, VIPs, decap filters and balancer state the
// plumbing had put there. A `docker stop` then `docker start` of the lab's
// containers does exactly that to them, and leaves the other labs on this
// shared engine alone (a real dockerd restart would not), so that is what
// these tests do. Two labs: nat (server default routes via the balancer, VIP
// on the balancer) and tunnel (a router, VIPs on the servers' lo, IPIP decap).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabStatus } from '../../electron/api';
import { LAB_PREFIX, lblab, tmpDir } from '../support/labs';

const NAT = `${LAB_PREFIX}repair-nat`;
const TUN = `${LAB_PREFIX}repair-tun`;
const LABS: Record<string, string> = {
  [NAT]: `name: ${NAT}
networks:
  front: { subnet: 198.19.224.0/24 }
  back: { subnet: 198.19.225.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front }, { network: back } ] }
  web1: { kind: server, links: [ { network: back } ] }
  web2: { kind: server, links: [ { network: back } ] }
services:
  web: { balancer: lb, port: 80, mode: nat, scheduler: rr, backends: [ web1, web2 ] }
`,
  [TUN]: `name: ${TUN}
networks:
  front: { subnet: 198.19.226.0/24 }
  back: { subnet: 198.19.227.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front } ] }
  r1: { kind: router, links: [ { network: front }, { network: back } ] }
  web1: { kind: server, links: [ { network: back } ] }
  web2: { kind: server, links: [ { network: back } ] }
services:
  web: { balancer: lb, port: 80, mode: tunnel, scheduler: rr, backends: [ web1, web2 ] }
`,
};
const REQUESTS = 12;

const files: Record<string, string> = {};
/** container id per node, as first deployed */
const ids: Record<string, Record<string, string>> = {};

async function ok(args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }> {
  const r = await lblab(args, { timeoutMs });
  if (r.code !== 0) throw new Error(`lblab ${args.join(' ')} → exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
  return r;
}
const status = async (lab: string): Promise<LabStatus> => JSON.parse((await ok(['status', lab, '--json'])).stdout) as LabStatus;
const idsOf = (s: LabStatus) => Object.fromEntries(s.nodes.map((n) => [n.name, n.id ?? '']));
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 120_000 });

/** HTTP codes of REQUESTS requests from client1 through the VIP (000 = no answer). */
async function codes(lab: string, s: LabStatus): Promise<string[]> {
  const { vip, port } = s.services[0];
  const script = `for i in $(seq ${REQUESTS}); do curl -s -o /dev/null -m 3 -w '%{http_code}\\n' 'http://${vip}:${port}/1k.bin?n='$i || true; done`;
  const r = await lblab(['exec', lab, 'client1', '--', 'sh', '-c', script], { timeoutMs: 120_000 });
  return r.stdout.split('\n').filter(Boolean);
}

/** Every request answered 200: allows the balancer a few seconds to settle after a (re)deploy, then asks REQUESTS in a row. */
async function expectServing(lab: string): Promise<void> {
  const s = await status(lab);
  const t0 = Date.now();
  let got = await codes(lab, s);
  while (got.some((c) => c !== '200') && Date.now() - t0 < 20_000) {
    await new Promise((r) => setTimeout(r, 2000));
    got = await codes(lab, s);
  }
  expect(got, `${lab}: HTTP codes through the VIP`).toEqual(Array(REQUESTS).fill('200'));
}

/** `lblab up` of the lab's file: it must repair (not "nothing changed", not a redeploy). */
async function upRepairs(lab: string): Promise<void> {
  const r = await ok(['up', files[lab]], 600_000);
  expect(r.stderr, `${lab}: up`).toMatch(new RegExp(`lab ${lab} repaired in`));
  const s = await status(lab);
  expect(s.state, `${lab}: ${s.reason ?? ''}`).toBe('running');
  expect(s.reason).toBeUndefined();
  expect(idsOf(s), `${lab}: same containers after the repair`).toEqual(ids[lab]);
}

const everyContainer = () => Object.values(ids).flatMap((m) => Object.values(m));

beforeAll(async () => {
  const dir = tmpDir();
  for (const [lab, yaml] of Object.entries(LABS)) {
    files[lab] = path.join(dir, `${lab}.lab.yaml`);
    fs.writeFileSync(files[lab], yaml);
  }
  for (const lab of Object.keys(LABS)) await ok(['up', files[lab]], 600_000);
  for (const lab of Object.keys(LABS)) {
    const s = await status(lab);
    expect(s.state, `${lab}: ${s.reason ?? ''}`).toBe('running');
    ids[lab] = idsOf(s);
    expect(Object.values(ids[lab]).every(Boolean)).toBe(true);
  }
}, 1_300_000);

afterAll(async () => {
  for (const lab of Object.keys(LABS)) await lblab(['down', lab]);
}, 300_000);

describe('a lab after an engine restart', () => {
  it('serves through the VIP when freshly deployed, and a second up changes nothing', async () => {
    for (const lab of Object.keys(LABS)) {
      await expectServing(lab);
      const r = await ok(['up', files[lab]]);
      expect(r.stderr).toContain('nothing changed');
    }
  });

  it('containers stopped and started again: status is degraded and names what is missing; up repairs both labs in place', async () => {
    docker('stop', '-t', '1', ...everyContainer());
    docker('start', ...everyContainer());
    for (const lab of Object.keys(LABS)) {
      const s = await status(lab);
      expect(s.nodes.every((n) => n.state === 'running')).toBe(true);
      expect(s.state, `${lab}: running again, yet without its plumbing`).toBe('degraded');
      expect(s.reason).toBeTruthy();
    }
    // what each lab visibly lost: the balancer's VIP (nat), the servers' default route (nat), the VIP on the servers' lo (tunnel)
    const nat = await status(NAT);
    const natVip = nat.services[0].vip;
    expect(nat.reason).toContain(`lb: no VIP ${natVip}`);
    expect(nat.reason).toMatch(/web1: no route to default via /);
    const tun = await status(TUN);
    expect(tun.reason).toContain(`web1: no VIP ${tun.services[0].vip} on lo`);
    expect(tun.reason).toContain(`web2: no VIP ${tun.services[0].vip} on lo`);
    // the record survived the restart: status still knows the services
    expect(tun.services.map((s) => s.mode)).toEqual(['tunnel']);

    for (const lab of Object.keys(LABS)) await upRepairs(lab);
    for (const lab of Object.keys(LABS)) await expectServing(lab);
  });

  it('containers left stopped: status is degraded naming the stopped nodes; up starts and repairs them', async () => {
    docker('stop', '-t', '1', ...everyContainer());
    for (const lab of Object.keys(LABS)) {
      const s = await status(lab);
      expect(s.state).toBe('degraded');
      const nodes = Object.keys(ids[lab]);
      // one group naming every node, in document order
      expect(s.reason).toBe(`${nodes.join(', ')} stopped`);
    }
    for (const lab of Object.keys(LABS)) await upRepairs(lab);
    for (const lab of Object.keys(LABS)) await expectServing(lab);
  });
});
