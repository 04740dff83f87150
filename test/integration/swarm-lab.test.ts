// One lab across three Docker engines joined in one Swarm, all on this
// machine: this machine's engine (the manager, host h1) and two more dockerds,
// each in a network namespace of the test's own (test/support/swarm-engines.ts).
// The client and the router sit on h1, the balancer on h2, one server on each
// host; both lab networks span hosts, so they are overlays (VXLAN). In dsr,
// tunnel, nat and snat, 100 requests through the VIP are all answered and
// round robin gives every backend its even share; so do the HAProxy modes
// (l4proxy, l7). web3's link to the overlay back has a rate: iperf3 measures
// it both ways (shaped in h3's overlay namespace), an unshaped link across
// hosts is far faster, and the repair shapes it again. Killing one engine makes the
// lab degraded with that host's name; `up` repairs it once the engine is back.
// A journey shows the VXLAN hop between hosts. `down` while a host is away
// records what that host keeps (web3 and its own network, a bridge there);
// `gc` removes it once the host is back, and nothing is left on any engine. Bad hosts fail in one line and create
// nothing anywhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journey, LabStatus } from '../../electron/api';
import { watchLabNodeEvents } from '../../electron/engine/events/lab-node-events';
import type { NodeEvent } from '../../electron/engine/events/node-events';
import { lblab, lblabOk, LAB_PREFIX } from '../support/labs';
import { skipIf } from '../support/skip';
import { startSwarmEngines, swarmSkipReason, type SwarmLab } from '../support/swarm-engines';

const why = swarmSkipReason();
const LAB = `${LAB_PREFIX}sw`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsl-'));
let swarm: SwarmLab;

const labYaml = (name: string, hosts: Record<string, string>, extra = '') => `name: ${name}
hosts:
${Object.entries(hosts).map(([h, e]) => `  ${h}: ${e}`).join('\n')}
networks:
  front: { subnet: 198.18.232.0/24 }
  back: { subnet: 198.18.233.0/24 }
  side: { subnet: 198.18.234.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  r1: { kind: router, links: [ { network: front }, { network: back } ] }
  lb: { kind: balancer, host: h2, links: [ { network: front }, { network: back } ] }
  web1: { kind: server, links: [ { network: back } ] }
  web2: { kind: server, host: h2, links: [ { network: back } ] }
  web3: { kind: server, host: h3, links: [ { network: back, rate: ${RATE}mbit }, { network: side } ] }
services:
  web: { balancer: lb, port: 80, mode: dsr, scheduler: rr, backends: [ web1, web2, web3 ] }
${extra}`;

function file(name: string, text: string): string {
  const f = path.join(dir, `${name}.lab.yaml`);
  fs.writeFileSync(f, text);
  return f;
}
/** web3's link to the overlay back is shaped to this many Mbit/s */
const RATE = 50;

const HOST_OF: Record<string, number> = { web1: 0, web2: 1, web3: 2 };

/** Mbit/s `from` measures with iperf3 to web1 on back (the receiver's count over 3 s, the first second omitted); the Docker CLI of its engine execs it. */
function iperf(from: 'web2' | 'web3', reverse = false): number {
  const web1 = swarm.dockerOn('default', ['inspect', '-f', `{{(index .NetworkSettings.Networks "lblab-${LAB}-back").IPAddress}}`, `lblab-${LAB}-web1`]).trim();
  const out = swarm.dockerOn(swarm.engines[HOST_OF[from]].name, ['exec', `lblab-${LAB}-${from}`, 'iperf3', '-J', '-t', '3', '-O', '1', '-c', web1, ...(reverse ? ['-R'] : [])], 60_000);
  return (JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e6;
}

const hostsOf = () => ({ h1: 'default', h2: swarm.engines[1].url, h3: swarm.engines[2].url });

/** What lblab holds for a lab on every engine: containers, networks, markers. */
function objectsEverywhere(lab: string, only?: string[]): string[] {
  const out: string[] = [];
  for (const e of swarm.engines.filter((x) => !only || only.includes(x.name))) {
    const list = (args: string[]) => swarm.dockerOn(e.name, args).split('\n').map((s) => s.trim()).filter(Boolean).map((s) => `${e.name}: ${s}`);
    out.push(...list(['ps', '-a', '--filter', `label=io.lblab.lab=${lab}`, '--format', 'container {{.Names}}']));
    out.push(...list(['ps', '-a', '--filter', `label=io.lblab.leftovers=${lab}`, '--format', 'marker {{.Names}}']));
    out.push(...list(['network', 'ls', '--filter', `label=io.lblab.lab=${lab}`, '--format', 'network {{.Name}}']));
  }
  return out;
}

/** 100 requests from client1 through the VIP: who served each. */
async function hundred(vip: string): Promise<Map<string, number>> {
  const out = await lblabOk(['exec', LAB, 'client1', '--', 'sh', '-c', `for i in $(seq 100); do curl -s -m 3 http://${vip}:80/x || echo failed; echo; done`], 240_000);
  const served = new Map<string, number>();
  for (const l of out.split('\n')) {
    const m = /^served by ([a-z0-9-]+)/.exec(l);
    if (m) served.set(m[1], (served.get(m[1]) ?? 0) + 1);
  }
  return served;
}

function expectEven(served: Map<string, number>, what: string): void {
  const total = [...served.values()].reduce((a, b) => a + b, 0);
  expect(total, `${what}: ${JSON.stringify([...served])}`).toBe(100);
  expect([...served.keys()].sort(), what).toEqual(['web1', 'web2', 'web3']);
  for (const [node, n] of served) {
    const share = n / (100 / 3);
    expect(share, `${what}: ${node} served ${n}`).toBeGreaterThanOrEqual(0.75);
    expect(share, `${what}: ${node} served ${n}`).toBeLessThanOrEqual(1.25);
  }
}

async function statusOf(): Promise<LabStatus> {
  return JSON.parse(await lblabOk(['status', LAB, '--json'], 120_000)) as LabStatus;
}

beforeAll(async () => {
  if (why) return;
  swarm = await startSwarmEngines({ count: 3, prefix: 'lbsl' });
  // a run killed midway may have left its lab, or a record of what a dead engine kept
  await lblab(['gc', '--all', '--lab-prefix', LAB], { timeoutMs: 120_000 });
}, 300_000);

afterAll(async () => {
  if (why) return;
  await lblab(['down', LAB], { timeoutMs: 180_000 }).catch(() => undefined);
  await swarm?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
}, 300_000);

describe('a lab across engines in one Swarm', skipIf(why), () => {
  it('bad hosts: an unknown host name, an engine that does not answer, a first host that is not this engine — one line each, nothing created', async () => {
    const cases: [string, RegExp][] = [
      [labYaml(LAB, hostsOf()).replace('host: h3', 'host: h9'), /^lblab: \S+: nodes\.web3\.host: unknown host "h9" \(hosts: h1, h2, h3\)$/],
      [labYaml(LAB, { ...hostsOf(), h3: `unix://${dir}/nothing.sock` }), /^lblab: host h3: the Docker engine .*nothing\.sock.*: no socket there/],
      [labYaml(LAB, { h1: swarm.engines[1].url, h2: 'default', h3: swarm.engines[2].url }).replace(/host: h2/g, 'host: h1'), /^lblab: host h1, the lab's first host, must be the engine lblab runs with/],
    ];
    for (const [text, line] of cases) {
      const r = await lblab(['up', file(LAB, text)], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(line);
      expect(objectsEverywhere(LAB)).toEqual([]);
    }
  }, 400_000);

  it('deploys across the three engines: each node on its host, overlays for the networks that span hosts', async () => {
    const r = await lblab(['up', file(LAB, labYaml(LAB, hostsOf()))], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = await statusOf();
    expect(s.state, s.reason).toBe('running');
    expect(Object.fromEntries(s.nodes.map((n) => [n.name, n.host]))).toEqual({ client1: 'h1', r1: 'h1', lb: 'h2', web1: 'h1', web2: 'h2', web3: 'h3' });
    expect(s.hosts?.map((h) => `${h.name} ${h.reachable}`)).toEqual(['h1 true', 'h2 true', 'h3 true']);
    // each container is on its own engine, the lab networks are overlays made on the manager
    expect(swarm.dockerOn(swarm.engines[2].name, ['ps', '--filter', `label=io.lblab.lab=${LAB}`, '--format', '{{.Names}}']).trim()).toBe(`lblab-${LAB}-web3`);
    const drivers = swarm.dockerOn('default', ['network', 'ls', '--filter', `label=io.lblab.lab=${LAB}`, '--format', '{{.Name}} {{.Driver}} {{.Scope}}']).trim().split('\n').sort();
    expect(drivers).toEqual([`lblab-${LAB}-back overlay swarm`, `lblab-${LAB}-front overlay swarm`]);
    // a network of one host stays a bridge, on that host's engine, at the overlay's MTU
    const side = swarm.dockerOn(swarm.engines[2].name, ['network', 'inspect', `lblab-${LAB}-side`, '--format', '{{.Driver}} {{.Scope}} {{index .Options "com.docker.network.driver.mtu"}}']).trim();
    expect(side).toBe('bridge local 1450');
    // inside the node: the overlay's 1450 and the bridge's 1450 (a full bridge packet fits the overlay)
    const web3 = s.nodes.find((n) => n.name === 'web3')!;
    const mtus = await lblabOk(['exec', LAB, 'web3', '--', 'sh', '-c', web3.interfaces.map((i) => `echo ${i.network} $(cat /sys/class/net/${i.name}/mtu)`).join('; ')], 60_000);
    expect(mtus.trim().split('\n').sort()).toEqual(['back 1450', 'side 1450']);
    // the status table names each node's host
    const table = await lblabOk(['status', LAB], 120_000);
    expect(table).toMatch(/^NODE\s+KIND\s+HOST\s+STATE/m);
    expect(table).toMatch(/^web3\s+server\s+h3\s+running/m);
  }, 700_000);

  it(`a ${RATE}mbit link on an overlay holds its rate both ways (shaped in the overlay's namespace on h3); an unshaped link across hosts is far faster`, async () => {
    swarm.dockerOn('default', ['exec', `lblab-${LAB}-web1`, 'iperf3', '-s', '-D']);
    const up = iperf('web3');
    const down = iperf('web3', true);
    const free = iperf('web2', true);
    console.log(`overlay, ${RATE}mbit link: web3 → web1 ${up.toFixed(1)}, web1 → web3 ${down.toFixed(1)}; unshaped web1 → web2 ${free.toFixed(0)} Mbit/s`);
    for (const [what, mbit] of [['web3 → web1', up], ['web1 → web3', down]] as const) {
      expect(mbit, what).toBeGreaterThan(0.3 * RATE);
      expect(mbit, what).toBeLessThan(1.5 * RATE);
    }
    expect(free).toBeGreaterThan(4 * RATE);
  }, 60_000);

  it.each(['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7'] as const)('serves 100/100 through the VIP in %s, every backend within 0.75-1.25x of even', async (mode) => {
    if (mode !== 'dsr') await lblabOk(['mode', LAB, 'web', mode], 300_000);
    const s = await statusOf();
    expect(s.services[0].mode).toBe(mode);
    expectEven(await hundred(s.services[0].vip), mode);
  }, 600_000);

  it('a journey in dsr crosses hosts: the VXLAN hop between them shows as an encapsulation, with the hosts named', async () => {
    await lblabOk(['mode', LAB, 'web', 'dsr'], 300_000);
    const j = JSON.parse(await lblabOk(['journey', LAB, '--json'], 180_000)) as Journey;
    expect(j.error, JSON.stringify(j).slice(0, 400)).toBeUndefined();
    const hops = j.request.hops;
    const under = hops.filter((h) => h.underlay);
    expect(under.length, hops.map((h) => `${h.host}/${h.node}/${h.iface}`).join(' ')).toBeGreaterThan(0);
    const enc = under[0].changes.find((c) => c.field === 'encap');
    expect(enc?.to).toMatch(/^vxlan/);
    expect(under[0].fields['underlay.udp.dstport']).toBe(4789);
    expect(String(under[0].fields['underlay.ip.src'])).toMatch(/^198\.19\.254\./);
    // every hop inside a node names its host; the client's is h1, the balancer's h2
    expect(hops.filter((h) => !h.underlay).every((h) => !!h.host)).toBe(true);
    expect(hops.find((h) => h.node === 'client1')?.host).toBe('h1');
    expect(hops.find((h) => h.node === 'lb')?.host).toBe('h2');
  }, 400_000);

  it("a host whose engine stops makes the lab degraded with its name; up repairs it once the engine is back; the app's node events follow every engine", async () => {
    await lblabOk(['mode', LAB, 'web', 'dsr'], 300_000);
    // the app's live node events: one stream per engine, merged
    const seen: NodeEvent[] = [];
    const watch = watchLabNodeEvents((e) => seen.push(e), undefined, { refreshMs: 2000 });
    const h3 = swarm.engines[2].name;
    const saw = (node: string, state: string) =>
      expect.poll(() => seen.some((e) => e.lab === LAB && e.node === node && e.state === state), { timeout: 20_000, interval: 200 }).toBe(true);
    try {
      await new Promise((r) => setTimeout(r, 1500)); // every engine's stream is up
      swarm.dockerOn(swarm.engines[1].name, ['pause', `lblab-${LAB}-web2`]);
      await saw('web2', 'paused');
      swarm.dockerOn(swarm.engines[1].name, ['unpause', `lblab-${LAB}-web2`]);
      await saw('web2', 'running');
      await swarm.stop(h3);
      await saw('web3', 'unreachable'); // the app shows h3's nodes unreachable while it is away
      expect(seen.filter((e) => e.state === 'unreachable').map((e) => e.node)).toEqual(['web3']);
      const s = await statusOf();
      expect(s.state).toBe('degraded');
      expect(s.reason).toMatch(/^host h3 unreachable \(web3 unknown\)/);
      expect(s.nodes.find((n) => n.name === 'web3')?.state).toBe('unreachable');
      // up refuses while h3 is away, in one line, and changes nothing
      const refused = await lblab(['up', file(LAB, labYaml(LAB, hostsOf()))], { timeoutMs: 120_000 });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^lblab: lab \S+: host h3 does not answer/);
      await swarm.start(h3);
      await saw('web3', 'exited'); // once h3 answers: where web3 is now
    } finally {
      watch.close();
    }
    const back = await statusOf();
    expect(back.state).toBe('degraded'); // web3 came back stopped: no restart policy, on purpose
    const r = await lblab(['up', file(LAB, labYaml(LAB, hostsOf()))], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    const fixed = await statusOf();
    expect(fixed.state, fixed.reason).toBe('running');
    expectEven(await hundred(fixed.services[0].vip), 'dsr after the repair');
    // web3 came back with a fresh veth in h3's overlay namespace: the repair shaped it again
    const down = iperf('web3', true);
    console.log(`overlay, ${RATE}mbit link after the repair: web1 → web3 ${down.toFixed(1)} Mbit/s`);
    expect(down).toBeGreaterThan(0.3 * RATE);
    expect(down).toBeLessThan(1.5 * RATE);
  }, 900_000);

  it('down while a host is away removes the rest and records what that host keeps; gc removes it once the host is back: nothing left anywhere', async () => {
    const h3 = swarm.engines[2].name;
    await swarm.stop(h3);
    const r = await lblab(['down', LAB], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    // web3 and its two networks: side (a bridge on h3) and back (an overlay web3 is still attached to)
    expect(r.stderr).toMatch(/^lblab: removed 5 containers and 1 networks of \S+\nlblab: left on h3: 1 container, networks back, side \(recorded: `lblab gc` removes it once the host answers\)\n$/);
    // the other hosts hold nothing of the lab but the record on the first host and the overlay h3 still uses
    const here = objectsEverywhere(LAB, [swarm.engines[0].name, swarm.engines[1].name]);
    expect(here.filter((o) => !o.includes(`lblab-${LAB}-back`))).toEqual([`default: marker lblab-leftovers-${LAB}`]);
    await swarm.start(h3);
    const gc = await lblab(['gc', '--lab-prefix', LAB], { timeoutMs: 300_000 });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toContain(`container lblab-${LAB}-web3`);
    expect(objectsEverywhere(LAB)).toEqual([]);
  }, 600_000);
});
