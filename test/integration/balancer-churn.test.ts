// snat under connection churn: a client opens and closes connections as fast
// as it can (wrk, 64 connections, `Connection: close`: one connection per
// request) through a 3-server snat service scheduled by lc, with two snat
// addresses, for 40 s. Every flow claims an (address, port) slot toward its
// backend; the data plane must give them back once the flows close and
// linger (core/flow.h, gc.h: the agent's sweep), and hand none out again
// toward the same backend while the server may still hold the old
// connection's TIME_WAIT (60 s) and another slot is free (core/mode_snat.h).
// Otherwise a new SYN meets that TIME_WAIT, which answers it with a bare ACK:
// the balancer's side resets and the client retries a second later.
// And no live flow may lose its entry: one the sweep deleted a moment after
// its SYN (core/flow.h ticks_since) sent its next packet from a new snat port
// the server had never seen, which reset it (wrk's read errors).
// Checked: no drop and no failed request over the run; a capture on every
// server during the run sees no SYN answered by a bare ACK; right after it,
// 50 of 50 single requests answer within 3 s; the ports held fall back near 0
// once the load stops; lc's active counts return to 0; stats show the
// backends' new connections a second under their snat capacity.
// Own subnet 198.19.120.0/24; the lab is `<LBLAB_TEST_GC_SCOPE or it->churn`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PREFIX, lblab, lblabOk, tmpDir } from '../support/labs';
import { CAPTURE_FILTER, synsAnsweredByAck } from '../support/time-wait-capture';

const LAB = `${LAB_PREFIX}churn`;
const VIP = '198.19.120.100';
const SECONDS = Number(process.env.LBLAB_CHURN_SECONDS ?? 40);
const SERVERS = ['web1', 'web2', 'web3'];
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
  web: { balancer: lb, vip: ${VIP}, port: 80, mode: snat, scheduler: lc, snatAddresses: 2, backends: [ web1, web2, web3 ] }
`;

type Backend = { node: string; activeFlows: number; snatPorts?: number; packets: number; newFlowsPerSec?: number; snatCapacity?: number };
type Svc = { name: string; backends: Backend[]; counters: Record<string, number>; drops: Record<string, number> };
async function stats(): Promise<Svc> {
  const st = JSON.parse(await lblabOk(['exec', LAB, 'lb', '--', 'lbagent', 'stats'])) as { services: Svc[] };
  return st.services.find((s) => s.name === 'web')!;
}
const sum = (s: Svc, f: (b: Backend) => number) => s.backends.reduce((a, b) => a + f(b), 0);
/** The servers' TCP counters that name who resets or drops: listen queue overflows, aborts, resets sent. */
const NSTAT = ['TcpOutRsts', 'TcpExtListenOverflows', 'TcpExtListenDrops', 'TcpExtTCPAbortOnData', 'TcpExtTCPAbortOnClose',
  'TcpExtTCPAbortOnMemory', 'TcpExtTCPAbortOnTimeout', 'TcpExtTCPAbortOnLinger', 'TcpExtTCPChallengeACK', 'TcpExtPAWSEstab', 'TcpExtTW'];
/** Each server's NSTAT counters (`nstat -az`: absolute), as `name=value` for the non-zero ones. */
async function serverCounters(): Promise<Record<string, Record<string, number>>> {
  const outs = await Promise.all(SERVERS.map((s) => lblabOk(['exec', LAB, s, '--', 'nstat', '-az', ...NSTAT])));
  return Object.fromEntries(outs.map((o, i) => [SERVERS[i], Object.fromEntries(
    o.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => NSTAT.includes(f[0])).map((f) => [f[0], Number(f[1])]))]));
}
const counterGrowth = (a: Record<string, Record<string, number>>, b: Record<string, Record<string, number>>) =>
  SERVERS.map((s) => `${s}: ${NSTAT.map((k) => [k, (b[s]?.[k] ?? 0) - (a[s]?.[k] ?? 0)] as const).filter(([, v]) => v).map(([k, v]) => `${k}+${v}`).join(' ') || 'none'}`).join('; ');
/** A capture line's epoch seconds (tcpdump -tt), said relative to the load's start and end. */
function whenInLoad(line: string, start: number, end: number): string {
  const t = Number(line.split(' ')[0]);
  if (!Number.isFinite(t) || !start || !end) return line;
  const at = t - start;
  return `${at.toFixed(3)} s into the load (${(t - end).toFixed(3)} s from its end): ${line.slice(line.indexOf(' ') + 1)}`;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const file = path.join(tmpDir(), `${LAB}.lab.yaml`);
  fs.writeFileSync(file, LAB_YAML);
  await lblabOk(['up', file], 600_000);
}, 700_000);

afterAll(async () => {
  await lblab(['down', LAB]);
}, 300_000);

describe(`snat: ${SECONDS} s of Connection: close churn, 64 connections, through 3 backends and 2 snat addresses`, () => {
  it('serves on: no SYN meets a TIME_WAIT, 50 of 50 requests answer after, ports and active counts fall back', async () => {
    const before = await stats();
    const countersBefore = await serverCounters();
    // evidence, not a check: the first resets toward the client (a backend's,
    // translated, or the balancer's own stack's for the VIP), so a failed
    // request says who reset it; the client's own resets are many and normal
    const resets = lblab(['exec', LAB, 'lb', '--', 'timeout', String(SECONDS + 5), 'tcpdump', '-i', 'any', '-nn', '-tt', '-l', '-c', '10',
      'tcp[tcpflags] & tcp-rst != 0 and tcp src port 80'], { timeoutMs: (SECONDS + 60) * 1000 });
    const captures = SERVERS.map((s) => lblab(['exec', LAB, s, '--', 'timeout', String(SECONDS + 4), 'tcpdump', '-i', 'any', '-nn', '-l', '-B', '16384',
      CAPTURE_FILTER], { timeoutMs: (SECONDS + 60) * 1000 }));
    await sleep(1500); // the captures are listening
    // the load's start and end by the client's clock (the containers share the host's): when each reset came
    const out = await lblabOk(['exec', LAB, 'client1', '--', 'sh', '-c', `date +%s.%N; wrk -t2 -c64 -d${SECONDS}s --timeout 5s ` +
      `-H 'Connection: close' http://${VIP}:80/; date +%s.%N`], (SECONDS + 120) * 1000);
    const stamps = out.trim().split('\n');
    const [loadStart, loadEnd] = [Number(stamps[0]), Number(stamps[stamps.length - 1])];
    const during = await stats();
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const drops = Object.fromEntries(Object.keys(during.drops).map((k) => [k, during.drops[k] - (before.drops[k] ?? 0)]));
    const grew = (k: string) => (during.counters[k] ?? 0) - (before.counters[k] ?? 0);
    console.log(`churn: ${requests} connections in ${SECONDS} s (${Math.round(requests / SECONDS)}/s), ${grew('new_flow')} new flows ` +
      `(resched ${grew('resched')}, expired ${grew('flow_expired')}, swept ${grew('gc_expired')}, snat_early ${grew('snat_early')}); ` +
      `ports held at the end of the load: ${during.backends.map((b) => `${b.node}=${b.snatPorts}`).join(' ')}; ` +
      `new/s vs capacity: ${during.backends.map((b) => `${b.node}=${b.newFlowsPerSec}/${b.snatCapacity}`).join(' ')}; ` +
      `socket errors: ${socketErrors?.slice(1).join('/') ?? 'none'}; non-2xx: ${non2xx}; drops: ${JSON.stringify(drops)}`);

    // right after the load, while the servers still hold its TIME_WAITs: single requests
    const single = await lblabOk(['exec', LAB, 'client1', '--', 'sh', '-c',
      `for i in $(seq 50); do curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' --max-time 3 http://${VIP}/; done`], 300_000);
    const answers = single.trim().split('\n');
    const ok = answers.filter((l) => l.startsWith('200 ')).length;
    const slowest = Math.max(...answers.map((l) => Number(l.split(' ')[1]) || 0));
    console.log(`after the load: ${ok} of ${answers.length} single requests answered (slowest ${slowest.toFixed(3)} s)`);

    const rst = (await resets).stdout.trim().split('\n').filter(Boolean).map((l) => whenInLoad(l, loadStart, loadEnd)).join('\n');
    console.log(`resets toward the client during the load: ${rst ? `\n${rst}` : 'none'}`);
    const counters = counterGrowth(countersBefore, await serverCounters());
    console.log(`the servers' TCP counters over the run: ${counters}`);
    // what a failed check prints: who reset (and when), what the balancer did, what the servers counted
    const why = `resets: ${rst || 'none'}\nbalancer: ${grew('new_flow')} new flows for ${requests} connections, resched ${grew('resched')}, ` +
      `expired ${grew('flow_expired')}, snat_early ${grew('snat_early')}, drops ${JSON.stringify(drops)}\nservers: ${counters}`;
    const seen = await Promise.all(captures);
    const met = seen.map((c, i) => ({ server: SERVERS[i], dropped: /(\d+) packets? dropped by kernel/.exec(c.stderr)?.[1] ?? '?', ...synsAnsweredByAck(c.stdout.split('\n')) }));
    for (const m of met) {
      console.log(`capture on ${m.server}: ${m.syns} SYNs from ${[...m.peers].sort().join(', ')}, ${m.ackAnswers} answered by a bare ACK ` +
        `(TIME_WAIT); ${m.dropped} packets dropped by the capture${m.examples.length ? `\n${m.examples.join('\n')}` : ''}`);
    }

    expect(requests).toBeGreaterThan(0);
    expect(drops.snat_ports, why).toBe(0);
    expect(Object.values(drops).reduce((a, b) => a + b, 0), why).toBe(0);
    expect(socketErrors?.[0] ?? null, why).toBeNull();
    expect(non2xx, why).toBe(0);
    expect(ok, why).toBe(50);
    for (const m of met) {
      expect(m.syns).toBeGreaterThan(requests / SERVERS.length / 4); // the capture saw the load
      expect(m.peers.size).toBe(2); // both snat addresses
      expect(m.ackAnswers).toBe(0);
    }
    // every backend took its share; the rate stats report is under the capacity (no warning)
    for (const b of during.backends) {
      expect(b.packets - (before.backends.find((x) => x.node === b.node)?.packets ?? 0)).toBeGreaterThan(0);
      expect(b.newFlowsPerSec).toBeGreaterThan(0);
      expect(b.newFlowsPerSec!).toBeLessThan(b.snatCapacity!);
    }

    // once the load stops: linger (3 s) + a sweep (1 s), with margin
    let after = await stats();
    for (let i = 0; i < 30 && (sum(after, (b) => b.snatPorts ?? 0) > 10 || sum(after, (b) => b.activeFlows) > 0); i++) {
      await sleep(1000);
      after = await stats();
    }
    console.log(`after the load: ports ${after.backends.map((b) => `${b.node}=${b.snatPorts}`).join(' ')}, active ${after.backends.map((b) => `${b.node}=${b.activeFlows}`).join(' ')}`);
    expect(sum(after, (b) => b.snatPorts ?? 0)).toBeLessThanOrEqual(10);
    expect(after.backends.map((b) => b.activeFlows)).toEqual([0, 0, 0]);
  }, (SECONDS + 400) * 1000);
});
