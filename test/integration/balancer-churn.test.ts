// snat under connection churn: a client opens and closes connections as fast
// as it can (wrk, `Connection: close`: one connection per request) through a
// 3-server snat service scheduled by lc, for 60 s. Every flow claims one of
// a backend's 20 000 snat source ports; the data plane must give them back
// once the flows close and linger (core/flow.h, gc.h: the agent's sweep), or
// the service stops after ~20 000 connections per backend with `snat_ports`
// drops. Checked: no snat_ports drop and no failed request over the run; the
// ports held fall back near 0 once the load stops; lc's active counts return
// to 0; the service still answers. Default flow timeouts (closed linger 3 s).
// Own subnet 198.19.120.0/24; the lab is `<LBLAB_TEST_GC_SCOPE or it->churn`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PREFIX, lblab, lblabOk, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}churn`;
const VIP = '198.19.120.100';
const SECONDS = Number(process.env.LBLAB_CHURN_SECONDS ?? 60);
const LAB_YAML = `name: ${LAB}
networks:
  front: { subnet: 198.19.120.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front } ] }
  web1: { kind: server, links: [ { network: front } ] }
  web2: { kind: server, links: [ { network: front } ] }
  web3: { kind: server, links: [ { network: front } ] }
services:
  web: { balancer: lb, vip: ${VIP}, port: 80, mode: snat, scheduler: lc, backends: [ web1, web2, web3 ] }
`;

type Backend = { node: string; activeFlows: number; snatPorts?: number; packets: number };
type Svc = { name: string; backends: Backend[]; counters: Record<string, number>; drops: Record<string, number> };
async function stats(): Promise<Svc> {
  const st = JSON.parse(await lblabOk(['exec', LAB, 'lb', '--', 'lbagent', 'stats'])) as { services: Svc[] };
  return st.services.find((s) => s.name === 'web')!;
}
const sum = (s: Svc, f: (b: Backend) => number) => s.backends.reduce((a, b) => a + f(b), 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const file = path.join(tmpDir(), `${LAB}.lab.yaml`);
  fs.writeFileSync(file, LAB_YAML);
  await lblabOk(['up', file], 600_000);
}, 700_000);

afterAll(async () => {
  await lblab(['down', LAB]);
}, 300_000);

describe(`snat: ${SECONDS} s of Connection: close churn through 3 backends`, () => {
  it('serves on: no port runs out, ports and active counts fall back once the load stops', async () => {
    const before = await stats();
    // evidence, not a check: the first resets toward the client (a backend's,
    // translated, or the balancer's own stack's for the VIP), so a failed
    // request says who reset it; the client's own resets are many and normal
    const resets = lblab(['exec', LAB, 'lb', '--', 'timeout', String(SECONDS + 5), 'tcpdump', '-i', 'any', '-nn', '-l', '-c', '10',
      'tcp[tcpflags] & tcp-rst != 0 and tcp src port 80'], { timeoutMs: (SECONDS + 60) * 1000 });
    const out = await lblabOk(['exec', LAB, 'client1', '--', 'wrk', '-t2', '-c16', `-d${SECONDS}s`, '--timeout', '5s',
      '-H', 'Connection: close', `http://${VIP}:80/`], (SECONDS + 120) * 1000);
    const during = await stats();
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const drops = Object.fromEntries(Object.keys(during.drops).map((k) => [k, during.drops[k] - (before.drops[k] ?? 0)]));
    const grew = (k: string) => (during.counters[k] ?? 0) - (before.counters[k] ?? 0);
    const newFlows = grew('new_flow');
    console.log(`churn: ${requests} connections in ${SECONDS} s (${Math.round(requests / SECONDS)}/s), ${newFlows} new flows ` +
      `(resched ${grew('resched')}, expired ${grew('flow_expired')}, swept ${grew('gc_expired')}); ` +
      `ports held at the end of the load: ${during.backends.map((b) => `${b.node}=${b.snatPorts}`).join(' ')}; ` +
      `socket errors: ${socketErrors?.slice(1).join('/') ?? 'none'}; non-2xx: ${non2xx}; drops: ${JSON.stringify(drops)}`);
    const rst = (await resets).stdout.trim();
    console.log(`resets toward the client during the load: ${rst ? `\n${rst}` : 'none'}`);
    expect(requests).toBeGreaterThan(0);
    expect(drops.snat_ports).toBe(0);
    expect(Object.values(drops).reduce((a, b) => a + b, 0)).toBe(0);
    expect(socketErrors).toBeNull();
    expect(non2xx).toBe(0);
    // every backend took its share
    for (const b of during.backends) expect(b.packets - (before.backends.find((x) => x.node === b.node)?.packets ?? 0)).toBeGreaterThan(0);

    // once the load stops: linger (3 s) + a sweep (1 s), with margin
    let after = await stats();
    for (let i = 0; i < 30 && (sum(after, (b) => b.snatPorts ?? 0) > 10 || sum(after, (b) => b.activeFlows) > 0); i++) {
      await sleep(1000);
      after = await stats();
    }
    console.log(`after the load: ports ${after.backends.map((b) => `${b.node}=${b.snatPorts}`).join(' ')}, active ${after.backends.map((b) => `${b.node}=${b.activeFlows}`).join(' ')}`);
    expect(sum(after, (b) => b.snatPorts ?? 0)).toBeLessThanOrEqual(10);
    expect(after.backends.map((b) => b.activeFlows)).toEqual([0, 0, 0]);
    // and it still serves
    const curl = await lblabOk(['exec', LAB, 'client1', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `http://${VIP}/`]);
    expect(curl.trim()).toBe('200');
  }, (SECONDS + 300) * 1000);
});
