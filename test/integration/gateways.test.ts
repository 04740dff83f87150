// The l7 gateways on a real lab the test writes (one client, two servers that
// answer /delay/200 after 200 ms, one gateway at a time, switched live):
//   the physics   1 000 concurrent keep-alive connections: haproxy and nginx
//                 serve them all (no request fails) with far less memory per
//                 connection than Apache's thread-per-connection worker
//                 (apache-event, whose waiting requests hold threads too,
//                 nearly all); apache-prefork limited to N processes serves at most
//                 about N / 0.2 s requests per second, the rest waiting in its
//                 listen queue (it shows in p99)
//   the counters  each gateway's requests reach `lbagent stats`
//   the journey   through nginx and Apache (prefork: the MPMs share one
//                 configuration, so one stands for the three): the token seen at
//                 the client, the balancer and a server, and the gateway named on
//                 its two connections (the client's, and its own to the server)
//   bad input     an unknown gateway, a route or method the gateway cannot
//                 express, a delay out of range: one line, nothing created
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison, Journey, LabDoc } from '../../electron/api';
import type { LabService } from '../../electron/api/host';
import { createLabEngine } from '../../electron/engine/lab-engine';
import { labelled, lblab, lblabOk, LAB_PREFIX, nodeSh, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}gw`;
const DATA = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-gw-data-'));
let engine: LabService;

const labDoc = (name: string, service: Record<string, unknown> = {}): LabDoc =>
  ({
    name,
    networks: { front: { subnet: '198.18.248.0/24' }, back: { subnet: '198.18.249.0/24' } },
    nodes: {
      client1: { kind: 'client', links: [{ network: 'front' }] },
      lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
      web1: { kind: 'server', links: [{ network: 'back' }] },
      web2: { kind: 'server', links: [{ network: 'back' }] },
    },
    services: { web: { balancer: 'lb', mode: 'l7', scheduler: 'rr', backends: ['web1', 'web2'], routes: [{ path: '/api', backends: ['web2'] }], ...service } },
  }) as LabDoc;

beforeAll(async () => {
  process.env.LBLAB_DATA_DIR = DATA;
  const file = path.join(tmpDir(), `${LAB}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(labDoc(LAB)));
  const r = await lblab(['up', file]);
  expect(r.code, r.stderr).toBe(0);
  engine = createLabEngine();
});

afterAll(async () => {
  await engine?.close();
  await lblab(['down', LAB]);
  delete process.env.LBLAB_DATA_DIR;
  fs.rmSync(DATA, { recursive: true, force: true });
});

const sh = (node: string, script: string) => nodeSh(LAB, node, script);

const byGateway = (c: Comparison, g: string) => {
  const s = c.summary.find((x) => x.gateway === g);
  expect(s, `${g}: ${c.runs.find((r) => r.gateway === g)?.error ?? 'no summary'}`).toBeDefined();
  return s!;
};

describe.sequential('l7 gateways on a live lab', () => {
  it('1 000 keep-alive connections, 200 ms each: the event loops serve all with little memory per connection', async () => {
    const gateways = ['haproxy', 'nginx', 'apache-event', 'apache-worker'] as const;
    const { id } = await engine.startCompare({ lab: LAB, gateways: [...gateways], object: '/delay/200', connections: 1000, duration: 4, warmup: 1, repeat: 1 });
    const c = await engine.compareDone(id);
    expect(c.error).toBeUndefined();
    expect(c.complete).toBe(true);
    for (const r of c.runs) expect(Object.keys(r)).toEqual(expect.arrayContaining(['gateway', 'gatewayMemoryBytes', 'gatewayProcesses', 'gatewayThreads']));
    const [haproxy, nginx, event, worker] = gateways.map((g) => byGateway(c, g));
    for (const s of [haproxy, nginx]) expect(s.failedRequests, s.gateway).toBe(0);
    // apache-event parks only idle keep-alive connections on its event loop: a request waiting for its
    // server holds a thread, as in worker, so it serves nearly all of them, not always all
    expect(event.failedRequests!).toBeLessThan(event.requestsPerSec.median * 4 * 0.05);
    for (const s of [haproxy, nginx, event, worker]) {
      // 1 000 connections each asking every 200 ms is 5 000 requests/s at most; two busy cores give a fraction of it
      expect(s.requestsPerSec.median, s.gateway).toBeGreaterThan(500);
    }
    // a thread per connection: a thousand threads and their stacks, against a few event loops
    expect(worker.gatewayThreads!).toBeGreaterThan(900);
    expect(haproxy.gatewayThreads! + nginx.gatewayThreads!).toBeLessThan(20);
    for (const s of [haproxy, nginx]) expect(s.memoryPerConnectionBytes!, s.gateway).toBeLessThan(worker.memoryPerConnectionBytes! / 3);
    expect(c.verdict).toMatch(/held 1000 connections/);
    expect(c.verdict).toMatch(/haproxy \(/);
    expect(c.verdict).toMatch(/nginx \(/);
    // put back: the lab's own gateway (haproxy) serves again
    expect(JSON.parse(await sh('lb', 'lbagent stats')).services[0].engine).toBe('haproxy');
  });

  it('apache-prefork limited to N processes: at most about N / 0.2 s requests per second, the rest queued', async () => {
    const N = 40;
    // no warm-up: the connections a warm-up leaves queued would each still cost a process 200 ms
    const { id } = await engine.startCompare({ lab: LAB, gateways: ['apache-prefork'], workers: N, keepAlive: false, object: '/delay/200', connections: 1000, duration: 4, warmup: 0, repeat: 1 });
    const c = await engine.compareDone(id);
    expect(c.error).toBeUndefined();
    const s = byGateway(c, 'apache-prefork');
    expect(s.gatewayProcesses!).toBeGreaterThanOrEqual(N);
    expect(s.requestsPerSec.median).toBeLessThan((N / 0.2) * 1.3);
    expect(s.requestsPerSec.median).toBeGreaterThan((N / 0.2) * 0.3);
    // each new connection waits its turn in the listen queue: seconds, not 200 ms
    expect(s.waitedForWorker!).toBeGreaterThan(100);
    expect(s.latencyMs.p99).toBeGreaterThan(1000);
  });

  it('the counters: requests and the backend that answered, for every gateway', async () => {
    for (const g of ['nginx', 'apache-prefork', 'haproxy']) {
      await sh('lb', `lbagent gateway web ${g}`);
      const got = await sh('client1', `for i in 1 2 3 4; do curl -s -D- -o /dev/null http://198.18.248.254:80/api/x | tr -d '\\r' | grep -i '^x-lblab-backend'; done`);
      expect(got.toLowerCase().match(/x-lblab-backend: web2/g)?.length, `${g}: ${got}`).toBe(4);
      await new Promise((r) => setTimeout(r, 1200)); // nginx flushes its access log every second
      const svc = JSON.parse(await sh('lb', 'lbagent stats')).services[0];
      expect(svc.engine).toBe(g);
      expect(svc.counters.http_requests, g).toBeGreaterThanOrEqual(4);
      expect(svc.backends.find((b: { node: string }) => b.node === 'web2').sessions, g).toBeGreaterThanOrEqual(4);
    }
  });

  it('the journey through each gateway: the token at the client, the gateway and the server; the gateway names its two connections', async () => {
    for (const g of ['nginx', 'apache-prefork'] as const) {
      await sh('lb', `lbagent gateway web ${g}`);
      const j = JSON.parse(await lblabOk(['journey', LAB, '--json'], 120_000)) as Journey;
      expect(j.error, g).toBeUndefined();
      expect(j.gateway, g).toBe(g);
      expect(j.response.status, g).toBe(200);
      // found by its token: at the client, into and out of the balancer (two connections), at a server
      const hops = j.request.hops.map((h) => `${h.node}/${h.direction}`);
      expect(hops.slice(0, 3), g).toEqual(['client1/out', 'lb/in', 'lb/out']);
      expect(['web1', 'web2'], g).toContain(j.backend);
      expect(hops, g).toContain(`${j.backend}/in`);
      const relay = j.request.hops[2].changes.find((c) => c.field === 'tcp.stream');
      expect(relay?.why, g).toBe(`l7: ${g} on lb relays the data on another TCP connection (its own)`);
      // the gateway's own connection leaves from the balancer's back address to the server's port 80
      expect(relay?.to, g).toMatch(/^198\.18\.249\.\d+:\d+ > 198\.18\.249\.\d+:80$/);
      expect(j.response.viaBalancer, g).toBe(true);
    }
    await sh('lb', 'lbagent gateway web haproxy');
  });

  it('bad input: one line, nothing created', async () => {
    const bad = async (service: Record<string, unknown>, re: RegExp) => {
      const name = `${LAB_PREFIX}gw-bad`;
      await expect(engine.deploy(labDoc(name, service))).rejects.toThrow(re);
      const left = labelled(`io.lblab.lab=${name}`);
      expect(left.containers.concat(left.networks)).toEqual([]);
    };
    await bad({ gateway: 'lighttpd' }, /services\.web\.gateway: gateway "lighttpd" is not one of haproxy, nginx, apache-event, apache-worker, apache-prefork$/);
    await bad({ gateway: 'apache-event', scheduler: 'maglev' }, /apache-event cannot balance by maglev/);
    await bad({ gateway: 'nginx', routes: [{ header: { X_Odd: '1' }, backends: ['web2'] }] }, /nginx cannot match header X_Odd/);
    const delay = await lblab(['compare', LAB, '--gateways', 'nginx', '--object', '/delay/20000']);
    expect(delay.code).not.toBe(0);
    expect(delay.stderr.trim().split('\n')).toHaveLength(1);
    expect(delay.stderr).toMatch(/out of range: \/delay\/MS takes 0 to 10000 ms/);
    const unknown = await lblab(['compare', LAB, '--gateways', 'haproxy,lighttpd']);
    expect(unknown.stderr).toMatch(/unknown gateway lighttpd/);
  });
});
