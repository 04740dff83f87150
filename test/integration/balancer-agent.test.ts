// The balancer agent for real: a balancer container running `lbagent daemon`
// (bundled from source, bind-mounted over the image's copy), two HTTP
// backends and a client on a private network, configured through the
// engine's configureBalancer with a hand-made LabPlan. Checks l4proxy and l7
// routing with curl, stats, bad-config rejection, and that a stopped backend
// leaves within 3 s and comes back.
import { build } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHealthSchema, type AgentHealth } from '../../lab-images/balancer/contract/report';
import { balancersWithServices, configureBalancer, readStats } from '../../electron/engine/balancer/control';
import { docker, probeDocker } from '../../electron/engine/docker/client';
import { execIn } from '../../electron/engine/docker/exec';
import { LABEL, labFilter, labLabels } from '../../electron/engine/docker/labels';
import { serviceBackendNodes } from '../../electron/engine/topology/plan';
import type { LabPlan, PlannedNode, PlannedService } from '../../electron/engine/topology/plan-types';
import { LAB_PREFIX } from '../support/labs';
import { skipNow } from '../support/skip';

/** Like execIn, but throws one readable line when the command fails. */
async function execOk(container: string, cmd: string[]): Promise<string> {
  const r = await execIn(container, cmd);
  if (r.exitCode !== 0) throw new Error(`${container}: \`${cmd.join(' ')}\` failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
  return r.stdout;
}

/** The agent's health report (`lbagent health`) on one balancer node. */
async function readHealth(plan: LabPlan, balancerNode: string): Promise<AgentHealth> {
  const lb = plan.nodes.find((n) => n.name === balancerNode)!;
  const r = await execIn(lb.container, ['lbagent', 'health'], { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`balancer ${lb.name}: \`lbagent health\` failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  const h = agentHealthSchema.safeParse(JSON.parse(r.stdout));
  if (!h.success) throw new Error(`balancer ${balancerNode}: unexpected health report from the agent`);
  return h.data;
}

/** Resolve once every backend of every service has passed a check and is up; else throw naming the laggards. */
async function waitHealthy(plan: LabPlan, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending: string[] = [];
    for (const lb of balancersWithServices(plan)) {
      const h = await readHealth(plan, lb.name).catch((e: Error) => ({ error: e.message }));
      if ('error' in h) {
        pending.push(h.error);
        continue;
      }
      for (const s of plan.services.filter((x) => x.balancer === lb.name)) {
        for (const node of serviceBackendNodes(s)) {
          const b = h.backends.find((x) => x.service === s.name && x.node === node);
          if (!b || b.checks === 0 || !b.healthy) pending.push(`${s.name}/${node}${b?.lastError ? ` (${b.lastError})` : b ? '' : ' (not configured)'}`);
        }
      }
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`lab ${plan.name}: backends not healthy after ${timeoutMs} ms: ${pending.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const LAB = `${LAB_PREFIX}agent-test`;
const NET = `${LAB_PREFIX}agent-net`;
const SUBNET = '198.19.200.0/24';
const VIP = '198.19.200.100';
const IP = { lb: '198.19.200.2', client: '198.19.200.5', web1: '198.19.200.11', web2: '198.19.200.12' } as const;
type NodeName = keyof typeof IP;
const cname = (n: NodeName) => `${LAB_PREFIX}agent-${n}`;

// A backend: names itself, echoes what the balancer told it (path, X-Forwarded-For).
const SERVER_JS = `
const http = require('http'); const me = process.env.NODE_NAME;
http.createServer((q, s) => { s.setHeader('content-type', 'text/plain');
  s.end(me + ' ' + q.url + ' xff=' + (q.headers['x-forwarded-for'] || '-') + ' host=' + (q.headers.host || '-') + '\\n'); }).listen(80, '0.0.0.0');`;

async function pickImage(): Promise<string | undefined> {
  if (process.env.LBLAB_BALANCER_IMAGE) return process.env.LBLAB_BALANCER_IMAGE;
  const real = await docker().listImages({ filters: { label: [`${LABEL.image}=balancer`] } });
  const tag = real.flatMap((i) => i.RepoTags ?? []).find((t) => t !== '<none>:<none>');
  if (tag) return tag;
  const dev = await docker().listImages({ filters: { reference: ['lblab-dev-balancer'] } });
  return dev.length ? 'lblab-dev-balancer:latest' : undefined;
}

const svc = (over: Partial<PlannedService>): PlannedService => ({
  name: 'web',
  balancer: 'lb',
  vip: VIP,
  port: 80,
  mode: 'l4proxy',
  scheduler: 'rr',
  backends: (['web1', 'web2'] as const).map((n) => ({ node: n, address: IP[n], network: 'net', weight: 1 })),
  routes: [],
  health: { type: 'tcp', path: '/', intervalMs: 500 },
  ...over,
});

const node = (n: NodeName, kind: PlannedNode['kind']): PlannedNode => ({
  name: n,
  kind,
  image: 'x',
  container: cname(n),
  interfaces: [{ network: 'net', address: IP[n], prefixLen: 24 }],
  routes: [],
  loopbackVips: [],
  tunnelDecap: false,
  sysctls: {},
  capAdd: [],
});

const planWith = (services: PlannedService[]): LabPlan => ({
  name: LAB,
  networks: [{ name: 'net', docker: NET, subnet: SUBNET, gateway: '198.19.200.1' }],
  nodes: [node('lb', 'balancer'), node('client', 'client'), node('web1', 'server'), node('web2', 'server')],
  services,
});

async function cleanup(): Promise<void> {
  const cs = await docker().listContainers({ all: true, filters: labFilter(LAB) });
  await Promise.all(cs.map((c) => docker().getContainer(c.Id).remove({ force: true }).catch(() => {})));
  const ns = await docker().listNetworks({ filters: labFilter(LAB) });
  await Promise.all(ns.map((n) => docker().getNetwork(n.Id).remove().catch(() => {})));
}

async function curl(args: string[]): Promise<{ code: number; body: string; headers: string }> {
  const r = await execIn(cname('client'), ['curl', '-sS', '-m', '3', '-D', '/dev/stderr', ...args]);
  return { code: r.exitCode, body: r.stdout.trim(), headers: r.stderr };
}
const who = (body: string) => body.split(' ')[0];

/** n requests in one exec (docker exec costs ~1 s on a loaded machine): which backend answered each. */
async function countBackends(n: number, url = `http://${VIP}/`, extra: string[] = []): Promise<Record<string, number>> {
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const one = `curl -sS -m 3 ${[...extra, url].map(q).join(' ')} || echo curl-exit-$?`;
  const r = await execIn(cname('client'), ['sh', '-c', `for i in $(seq ${n}); do ${one}; done`]);
  const seen: Record<string, number> = {};
  for (const line of r.stdout.trim().split('\n').filter(Boolean)) seen[who(line)] = (seen[who(line)] ?? 0) + 1;
  return seen;
}

/** Until the VIP answers: the agent's health probes can pass while HAProxy is still starting to listen. */
async function waitServing(url = `http://${VIP}/`, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await execIn(cname('client'), ['curl', '-sS', '-m', '3', '-o', '/dev/null', url]);
    if (r.exitCode === 0) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer in ${timeoutMs} ms: ${r.stderr.trim()}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

let image: string | undefined;
/** why the tests cannot run here (no engine, no balancer image) */
let why = '';
let agentBundle = '';
let tmp = '';

beforeAll(async () => {
  const d = await probeDocker();
  if (!d.available) return void (why = d.message ?? 'no Docker engine');
  image = await pickImage();
  if (!image) return void (why = 'no balancer image (run `lblab images build`, or set LBLAB_BALANCER_IMAGE)');
  await cleanup();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-agent-'));
  agentBundle = path.join(tmp, 'lbagent.mjs');
  // the same esbuild settings as the image build: the test exercises the source, not a stale image copy
  await build({ entryPoints: ['lab-images/balancer/agent/main.ts'], bundle: true, platform: 'node', target: 'node18', format: 'esm', outfile: agentBundle, logLevel: 'error' });
  fs.writeFileSync(path.join(tmp, 'server.js'), SERVER_JS);
  await docker().createNetwork({
    Name: NET,
    Driver: 'bridge',
    IPAM: { Config: [{ Subnet: SUBNET, Gateway: '198.19.200.1' }] },
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    Labels: labLabels(LAB, { [LABEL.network]: 'net' }),
  });
  const run = async (n: NodeName, cmd: string[], caps: string[] = []) => {
    const c = await docker().createContainer({
      name: cname(n),
      Image: image,
      Cmd: cmd,
      Env: [`NODE_NAME=${n}`],
      Labels: labLabels(LAB, { [LABEL.node]: n, [LABEL.role]: n === 'lb' ? 'balancer' : n === 'client' ? 'client' : 'server' }),
      HostConfig: {
        NetworkMode: NET,
        CapAdd: caps,
        Init: true, // reaps HAProxy's daemonized processes
        Binds: [`${agentBundle}:/usr/local/lib/lblab/lbagent.mjs:ro`, `${path.join(tmp, 'server.js')}:/srv/server.js:ro`],
      },
      NetworkingConfig: { EndpointsConfig: { [NET]: { IPAMConfig: { IPv4Address: IP[n] } } } },
    });
    await c.start();
  };
  await run('lb', ['lbagent', 'daemon'], ['NET_ADMIN']);
  await run('web1', ['node', '/srv/server.js']);
  await run('web2', ['node', '/srv/server.js']);
  await run('client', ['sleep', 'infinity']);
  // what deploy's plumbing does for a balancer: the VIP on its front interface
  await execOk(cname('lb'), ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
  // the daemon is ready once its socket exists
  for (let i = 0; i < 100; i++) {
    if ((await execIn(cname('lb'), ['test', '-S', '/run/lblab/agent.sock'])).exitCode === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 300_000);

afterAll(async () => {
  if (image) await cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('balancer agent in a real container', () => {
  it('l4proxy: round robin across both backends through the VIP', async (ctx) => {
    if (!image) return skipNow(ctx, why);
    const plan = planWith([svc({ mode: 'l4proxy', scheduler: 'rr' })]);
    await configureBalancer(plan, 'lb');
    await waitHealthy(plan, 60_000); // generous: each probe is a docker exec, slow on a loaded machine
    await waitServing();
    const seen = await countBackends(10);
    expect(seen).toEqual({ web1: 5, web2: 5 });
    // l4proxy: two TCP connections, the backend sees the balancer as the client
    const r = await curl([`http://${VIP}/x`]);
    expect(r.body).toMatch(/^web[12] \/x xff=- /);
    const st = await readStats(plan);
    expect(st).toHaveLength(1);
    expect(st[0]).toMatchObject({ lab: LAB, service: 'web', mode: 'l4proxy', scheduler: 'rr' });
    expect(st[0].backends.map((b) => b.node)).toEqual(['web1', 'web2']);
    for (const b of st[0].backends) expect(b.bytes).toBeGreaterThan(0);
    expect(st[0].counters.sessions).toBeGreaterThanOrEqual(11);
    // maglev in HAProxy hashes client address and port: one client's connections still spread
    await configureBalancer(planWith([svc({ mode: 'l4proxy', scheduler: 'maglev' })]), 'lb');
    const hashed = await countBackends(16);
    expect(Object.keys(hashed).sort()).toEqual(['web1', 'web2']);
  });

  it('l7: path, header and host routes, first match wins, X-Forwarded-For and backend header', async (ctx) => {
    if (!image) return skipNow(ctx, why);
    const b = (n: 'web1' | 'web2') => ({ node: n, address: IP[n], network: 'net', weight: 1 });
    const plan = planWith([
      svc({
        mode: 'l7',
        scheduler: 'rr',
        health: { type: 'http', path: '/healthz', intervalMs: 300 },
        routes: [
          { path: '/api', backends: [b('web2')] },
          { header: { 'X-Canary': '1' }, backends: [b('web1')] },
          { host: 'shop.test', backends: [b('web1')] },
        ],
      }),
    ]);
    await configureBalancer(plan, 'lb'); // live switch from l4proxy
    await waitHealthy(plan, 60_000); // generous: each probe is a docker exec, slow on a loaded machine
    expect(await countBackends(4, `http://${VIP}/api/items`)).toEqual({ web2: 4 });
    expect(await countBackends(4, `http://${VIP}/`, ['-H', 'X-Canary: 1'])).toEqual({ web1: 4 });
    expect(await countBackends(3, `http://${VIP}/`, ['-H', 'Host: shop.test:80'])).toEqual({ web1: 3 });
    // /api matches before the canary header: first match wins
    expect(await countBackends(2, `http://${VIP}/api`, ['-H', 'X-Canary: 1'])).toEqual({ web2: 2 });
    expect(await countBackends(4)).toEqual({ web1: 2, web2: 2 });
    const r = await curl([`http://${VIP}/api/who`]);
    expect(r.body).toBe(`web2 /api/who xff=${IP.client} host=${VIP}`);
    expect(r.headers).toMatch(/x-lblab-backend: web2/i);
    const st = (await readStats(plan))[0];
    expect(st.counters.http_requests).toBeGreaterThanOrEqual(18);
    expect(st.counters['sessions.web2']).toBeGreaterThanOrEqual(9);
  });

  it('a stopped backend leaves within 3 s, traffic keeps flowing, and it comes back', async (ctx) => {
    if (!image) return skipNow(ctx, why);
    const plan = planWith([svc({ mode: 'l4proxy', scheduler: 'rr' })]);
    await configureBalancer(plan, 'lb');
    await waitHealthy(plan, 60_000); // generous: each probe is a docker exec, slow on a loaded machine
    const t0 = Date.now();
    await docker().getContainer(cname('web2')).kill();
    // the agent stamps each state change (same clock: containers share the host's)
    let downAfter = -1;
    while (Date.now() - t0 < 10_000) {
      const w2 = (await readHealth(plan, 'lb')).backends.find((x) => x.node === 'web2');
      if (w2?.healthy === false) {
        downAfter = w2.since - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(downAfter).toBeGreaterThan(0);
    expect(downAfter).toBeLessThan(3000);
    expect(await countBackends(6)).toEqual({ web1: 6 });
    expect((await readStats(plan))[0].backends.find((b) => b.node === 'web2')?.healthy).toBe(false);
    await docker().getContainer(cname('web2')).start();
    // when did web2 really answer again? (its Node server takes a while to start on a loaded machine)
    const probe = `for i in $(seq 200); do curl -s -m 1 -o /dev/null http://${IP.web2}/ && { date +%s%3N; exit 0; }; sleep 0.1; done; exit 1`;
    const answering = Number((await execOk(cname('client'), ['sh', '-c', probe])).trim());
    await waitHealthy(plan, 60_000); // generous: each probe is a docker exec, slow on a loaded machine
    const back = (await readHealth(plan, 'lb')).backends.find((x) => x.node === 'web2')!;
    expect(back.since - answering).toBeLessThan(3000);
    expect(await countBackends(6)).toEqual({ web1: 3, web2: 3 });
  });

  it('rejects a bad config with one line per problem and keeps serving the old one', async (ctx) => {
    if (!image) return skipNow(ctx, why);
    const bad = JSON.stringify({ version: 1, balancer: 'lb', interfaces: [], services: [{ name: 'web', vip: '1.2.3', port: 0, mode: 'l7', backends: [] }] });
    const r = await execIn(cname('lb'), ['lbagent', 'apply'], { stdin: bad });
    expect(r.exitCode).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain('lbagent: services.0.vip: must be an IPv4 address');
    expect(lines).toContain('lbagent: services.0.port: Too small: expected number to be >=1');
    expect(lines.every((l) => l.startsWith('lbagent: '))).toBe(true);
    // the engine reports the first problem as one line
    const plan = planWith([svc({ mode: 'l4proxy', health: { type: 'tcp', path: '/', intervalMs: 5000 } })]);
    await expect(configureBalancer(plan, 'lb')).rejects.toThrow(/^balancer lb: agent rejected the config: services\.0\.health\.intervalMs: .*$/);
    expect(Object.keys(await countBackends(2)).every((k) => k.startsWith('web'))).toBe(true);
  });
});
