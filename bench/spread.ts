// A lab spread over three Docker engines (one Swarm, overlays) beside the same
// lab on one engine, measured in the same run: ratios, not verdicts.
//
// The engines: this machine's engine (the Swarm manager, host h1) and two
// dockerds in network namespaces joined as workers (test/support/swarm-engines.ts).
// All three "hosts" are this one machine, so what VXLAN costs here is CPU
// (encapsulation, the extra veth/bridge hops), not a wire.
//
// The lab: 2 clients, 1 router, 1 balancer, 8 servers on two networks, front
// and back. Spread, h1 holds the clients, the router and web1-2, h2 the
// balancer and web3-5, h3 web6-8: both networks span hosts, so both are
// overlays, and every network of the lab gets MTU 1450.
//
// 1. Deploy: `lblab up` (fresh) then `down`, per step (the up result's
//    timings) and in total, one engine vs spread, BENCH_RUNS interleaved runs,
//    medians. The first spread deploy also sends the images to the two extra
//    engines (`images: hosts`); it runs before the measured ones and is
//    reported apart, so the medians are deploys with the images already there.
// 2. dsr vs nat: the comparison runner of `lblab compare` on each lab, the
//    same load from both clients. Both labs run at once and the rounds
//    alternate between them; throughput per mode, dsr/nat on each and
//    spread/one per mode, as medians of per-round ratios.
//
// Needs root, dockerd, and this machine's engine not in a Swarm of its own.
// Whatever happens (a failure, Ctrl-C), both labs are removed and the extra
// engines, namespaces and Swarm membership are torn down; a second Ctrl-C
// leaves at once (the next run's start cleans up what that left).
//   npm run bench:spread
//   (BENCH_RUNS=3, BENCH_SECONDS=5, BENCH_WARMUP=1, BENCH_ROUNDS=3,
//    BENCH_CONNECTIONS=12, BENCH_OBJECT=1m)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CompareRow, Comparison, LabDoc } from '../electron/api';
import type { DeployOutcome } from '../electron/api/host';
import { formatComparison } from '../electron/cli/compare-format';
import { roundRatio, summarize } from '../electron/engine/compare/summary';
import { defaultDeps } from '../electron/engine/deploy/deps';
import { createLabEngine } from '../electron/engine/lab-engine';
import { loadLabFile } from '../electron/engine/topology/index';
import { startSwarmEngines, swarmSkipReason, type SwarmLab } from '../test/support/swarm-engines';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const RUNS = env('BENCH_RUNS', 3);
const SECONDS = env('BENCH_SECONDS', 5);
const WARMUP = env('BENCH_WARMUP', 1);
const ROUNDS = env('BENCH_ROUNDS', 3);
const CONNECTIONS = env('BENCH_CONNECTIONS', 12);
const OBJECT = process.env.BENCH_OBJECT ?? '1m';
const SWARM_PREFIX = 'lbsb';
const PREFIX = process.env.LBLAB_TEST_GC_SCOPE ?? '';
const ONE = `${PREFIX}bench-sb-one`;
const SPREAD = `${PREFIX}bench-sb-spread`;
const MODES: CompareRow[] = ['dsr', 'nat'];
// subnets of their own, so a leftover of another bench or test cannot collide
const SUBNETS = { [ONE]: [174, 175], [SPREAD]: [176, 177] };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
const fmtX = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(2)}×`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !(b > 0) ? 'n/a' : `${(a / b).toFixed(2)}×`);

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function labYaml(name: string, hosts?: Record<string, string>): string {
  const [front, back] = SUBNETS[name];
  const on = (h: string) => (hosts && h !== 'h1' ? `host: ${h}, ` : '');
  const servers = Array.from({ length: 8 }, (_, i) => `  web${i + 1}: { kind: server, ${on(i < 2 ? 'h1' : i < 5 ? 'h2' : 'h3')}links: [ { network: back } ] }`);
  return [
    `name: ${name}`,
    ...(hosts ? ['hosts:', ...Object.entries(hosts).map(([h, e]) => `  ${h}: ${e}`)] : []),
    'networks:',
    `  front: { subnet: 198.18.${front}.0/24 }`,
    `  back: { subnet: 198.18.${back}.0/24 }`,
    'nodes:',
    '  client1: { kind: client, links: [ { network: front } ] }',
    '  client2: { kind: client, links: [ { network: front } ] }',
    '  r1: { kind: router, links: [ { network: front }, { network: back } ] }',
    `  lb: { kind: balancer, ${on('h2')}links: [ { network: front }, { network: back } ] }`,
    ...servers,
    'services:',
    `  web: { balancer: lb, port: 80, mode: dsr, scheduler: maglev, backends: [ ${Array.from({ length: 8 }, (_, i) => `web${i + 1}`).join(', ')} ] }`,
    '',
  ].join('\n');
}

/** MTU of the interface holding a node's address on a lab network (nodes on h1: this machine's engine). */
function mtuOf(lab: string, node: string, subnet: string): string {
  const r = spawnSync('docker', ['exec', `lblab-${lab}-${node}`, 'sh', '-c', `cat /sys/class/net/$(ip -o -4 addr show to ${subnet} | cut -d' ' -f2)/mtu`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

/** aborted by Ctrl-C (or SIGTERM): the bench cleans up, then exits 130 */
let abort = new AbortController();

async function main() {
  const why = swarmSkipReason();
  if (why) throw new Error(`cannot run: ${why}`);
  const t0 = Date.now();
  const loadBefore = loadavg();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bench-sb-'));
  // comparisons are saved in a scratch folder, not the user's
  process.env.LBLAB_DATA_DIR ??= dataDir;
  const deps = await defaultDeps();
  const engine = createLabEngine({ deps });
  abort = new AbortController();
  let compareId: string | undefined;
  let sigints = 0;
  const onSignal = () => {
    if (++sigints > 1) {
      log('second interrupt: leaving now (labs and engines may be left; the next run cleans up)');
      process.exit(130);
    }
    log('interrupted: cleaning up (Ctrl-C again to leave at once)');
    abort.abort();
    if (compareId) void engine.cancelCompare(compareId).catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const check = () => {
    if (abort.signal.aborted) throw new Error('interrupted');
  };
  let swarm: SwarmLab | undefined;
  try {
    log('starting two extra engines and a Swarm (not timed)');
    swarm = await startSwarmEngines({ count: 3, prefix: SWARM_PREFIX });
    check();
    const hosts = { h1: 'default', h2: swarm.engines[1].url, h3: swarm.engines[2].url };
    const docs: Record<string, LabDoc> = {};
    for (const [name, h] of [[ONE, undefined], [SPREAD, hosts]] as const) {
      const f = path.join(dataDir, `${name}.lab.yaml`);
      fs.writeFileSync(f, labYaml(name, h));
      docs[name] = await loadLabFile(f);
    }
    const nodes = deps.planLab(docs[ONE]).nodes;
    if (nodes.length !== 12) throw new Error(`expected a 12-node lab, got ${nodes.length}`);
    log('making sure the images are built (not timed)');
    await deps.ensureImages([...new Set(nodes.map((n) => n.kind))]);
    for (const lab of [ONE, SPREAD]) await engine.destroy(lab);

    // 1. deploy
    // Docker gives a container's attachment to an overlay 20 s to be granted by the Swarm manager;
    // on this loaded 2-core machine that can run out ("attaching to network failed … context
    // deadline exceeded"). Such a deploy is retried (twice at most) and counted in the report.
    const failures: string[] = [];
    const deploy = async (lab: string, tries = 3): Promise<DeployOutcome> => {
      try {
        return await engine.up(docs[lab], { signal: abort.signal });
      } catch (e) {
        const msg = (e as Error).message.split('\n')[0];
        if (abort.signal.aborted || tries <= 1 || !/attaching to network failed/.test(msg)) throw e;
        failures.push(`${lab}: ${msg}`);
        log(`deploy failed, retrying: ${msg}`);
        await engine.destroy(lab);
        return deploy(lab, tries - 1);
      }
    };
    const upDown = async (lab: string) => {
      const r = await deploy(lab);
      const d0 = Date.now();
      await engine.destroy(lab);
      return { ...r, downMs: Date.now() - d0 };
    };
    log('spread deploy 1 (cold: sends the images to h2 and h3)');
    const cold = await upDown(SPREAD);
    check();
    const steps: Record<string, Record<string, number[]>> = { [ONE]: {}, [SPREAD]: {} };
    const totals: Record<string, number[]> = { [ONE]: [], [SPREAD]: [] };
    const downs: Record<string, number[]> = { [ONE]: [], [SPREAD]: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const lab of [ONE, SPREAD]) {
        const r = await upDown(lab);
        check();
        for (const [k, v] of Object.entries(r.timings)) (steps[lab][k] ??= []).push(v);
        // the hosts check, the lock and the lab's context are not timed steps
        const untimed = r.ms - Object.entries(r.timings).filter(([k]) => !k.includes(':') || k === 'images: hosts').reduce((a, [, v]) => a + v, 0);
        (steps[lab]['(untimed: checks, lock)'] ??= []).push(untimed);
        totals[lab].push(r.ms);
        downs[lab].push(r.downMs);
        log(`run ${i + 1}/${RUNS} ${lab}: up ${sec(r.ms)}, down ${sec(r.downMs)}`);
      }
    }
    const deployLoad = loadavg();

    // 2. dsr vs nat on each lab. Both labs run at once and the comparisons alternate, one round
    // each (one engine, spread, one engine, …): a burst of load elsewhere on this shared host hits
    // a round of both rather than all of one; spread/one is then a median of per-round ratios.
    const rounds: Record<string, Comparison[]> = { [ONE]: [], [SPREAD]: [] };
    const mtus: Record<string, string> = {};
    engine.subscribe((e) => {
      if (e.type === 'compare-progress' && e.phase === 'switching') log(`${e.mode} (${e.done + 1}/${e.total})`);
    });
    for (const lab of [ONE, SPREAD]) {
      log(`deploying ${lab} for the comparisons`);
      await deploy(lab);
      check();
      const planned = (net: string) => deps.planLab(docs[lab]).networks.find((n) => n.name === net)?.mtu ?? 1500;
      mtus[lab] = `front ${mtuOf(lab, 'client1', `198.18.${SUBNETS[lab][0]}.0/24`)} (planned ${planned('front')}), back ${mtuOf(lab, 'r1', `198.18.${SUBNETS[lab][1]}.0/24`)} (planned ${planned('back')})`;
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const lab of [ONE, SPREAD]) {
        log(`round ${round}/${ROUNDS} on ${lab}`);
        // the runner rotates the modes' order by round: the first round of a one-round comparison would always start with dsr
        const modes = round % 2 ? MODES : [...MODES].reverse();
        compareId = (await engine.startCompare({ lab, modes, object: OBJECT, connections: CONNECTIONS, duration: SECONDS, warmup: WARMUP, repeat: 1 })).id;
        const c = await engine.compareDone(compareId);
        compareId = undefined;
        check();
        if (!c.complete || c.error) throw new Error(`the comparison on ${lab} did not complete: ${c.error ?? 'incomplete'}`);
        rounds[lab].push({ ...c, runs: c.runs.map((r) => ({ ...r, repetition: round })) });
      }
    }
    for (const lab of [ONE, SPREAD]) await engine.destroy(lab);
    // each lab's rounds as one comparison, for the table lblab compare prints
    const merged = (lab: string): Comparison => {
      const cs = rounds[lab];
      const runs = cs.flatMap((c) => c.runs);
      const environment = { ...cs.at(-1)!.environment, loadBefore: cs[0].environment.loadBefore };
      return { ...cs[0], environment, finishedAt: cs.at(-1)!.finishedAt, workload: { ...cs[0].workload, modes: MODES, repeat: ROUNDS }, runs, summary: summarize(MODES, runs) };
    };

    // report
    const keys = [...new Set([...Object.keys(steps[SPREAD]), ...Object.keys(steps[ONE])])].filter((k) => !k.startsWith('(')).concat('(untimed: checks, lock)');
    const m = (lab: string, k: string) => (steps[lab][k] ? median(steps[lab][k]) : undefined);
    const cell = (v: number | undefined) => (v === undefined ? '—' : sec(v));
    console.log(`\nspread benchmark: 12 nodes (2 clients, router, balancer, 8 servers), 2 networks; one engine vs three engines in one Swarm (this machine)`);
    console.log(`\ndeploy: lblab up (fresh) then down, ${RUNS} interleaved run(s) each, medians; images already on every engine`);
    console.log(
      table(
        ['step', 'one engine', 'spread (3)', 'spread/one'],
        [
          ...keys.map((k) => [`  ${k}`, cell(m(ONE, k)), cell(m(SPREAD, k)), ratio(m(SPREAD, k), m(ONE, k))]),
          ['lblab up (total)', sec(median(totals[ONE])), sec(median(totals[SPREAD])), ratio(median(totals[SPREAD]), median(totals[ONE]))],
          ['lblab down', sec(median(downs[ONE])), sec(median(downs[SPREAD])), ratio(median(downs[SPREAD]), median(downs[ONE]))],
        ],
      ),
    );
    console.log(
      `cold spread deploy (run before the measured ones): up ${sec(cold.ms)}, of which images: hosts ${sec(cold.timings['images: hosts'] ?? 0)} ` +
        `(docker save → docker load of the images h2 and h3 lack); the warm median of that step is ${cell(m(SPREAD, 'images: hosts'))}`,
    );

    console.log(`failed deploys retried: ${failures.length ? failures.join('; ') : 'none'}`);

    const one = merged(ONE);
    const spread = merged(SPREAD);
    const tput = (c: Comparison, mode: CompareRow) => c.summary.find((x) => x.mode === mode)?.throughputMbps.median;
    const rps = (c: Comparison, mode: CompareRow) => c.summary.find((x) => x.mode === mode)?.requestsPerSec.median;
    // spread ÷ one per round, for one mode: the two ran back to back in that round
    const crossRatio = (mode: CompareRow) => {
      const xs = one.runs.filter((r) => r.mode === mode && !r.error).flatMap((r) => {
        const o = spread.runs.find((x) => x.mode === mode && x.repetition === r.repetition && !x.error);
        return o && r.throughputMbps > 0 ? [o.throughputMbps / r.throughputMbps] : [];
      });
      return xs.length ? median(xs) : undefined;
    };
    const mbit = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(0));
    console.log(`\ndsr vs nat: ${OBJECT} objects, ${CONNECTIONS} connections from client1 and client2, ${ROUNDS} round(s) × ${SECONDS} s per mode after ${WARMUP} s warm-up; rounds alternate between the labs; medians`);
    console.log(
      table(
        ['mode', 'one Mbit/s', 'spread Mbit/s', 'spread/one', 'one req/s', 'spread req/s'],
        [
          ...MODES.map((mode) => [mode, mbit(tput(one, mode)), mbit(tput(spread, mode)), fmtX(crossRatio(mode)), mbit(rps(one, mode)), mbit(rps(spread, mode))]),
          ['dsr/nat', fmtX(roundRatio(one.runs, 'dsr', 'nat')), fmtX(roundRatio(spread.runs, 'dsr', 'nat')), '', fmtX(roundRatio(one.runs, 'dsr', 'nat', (r) => r.requestsPerSec)), fmtX(roundRatio(spread.runs, 'dsr', 'nat', (r) => r.requestsPerSec))],
        ],
      ),
    );
    console.log('spread/one and dsr/nat: medians of per-round ratios.');
    // measured, not assumed: Docker's overlay driver takes its mtu option as the underlay's and subtracts VXLAN's 50 bytes
    console.log(`MTU on the nodes' interfaces (client1 on front, r1 on back): one engine ${mtus[ONE]}; spread ${mtus[SPREAD]}`);
    for (const [what, c] of [['one engine', one], ['spread', spread]] as const) console.log(`\n${what}, as lblab compare prints it:\n${formatComparison(c)}`);
    console.log(`\nextra engines: ${Object.entries(swarm.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')} (not in the figures)`);
    console.log(`load average: ${loadBefore} before, ${deployLoad} after the deploys, ${loadavg()} at the end (2 cores are shared: compare ratios); whole bench ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    log('cleaning up: labs, extra engines, Swarm');
    if (compareId) await engine.cancelCompare(compareId).catch(() => undefined);
    for (const lab of [ONE, SPREAD]) await engine.destroy(lab).catch((e: Error) => log(`down ${lab}: ${e.message}`));
    await engine.close().catch(() => undefined);
    await swarm?.teardown().catch((e: Error) => log(`teardown: ${e.message}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message.split('\n')[0]}`);
  process.exit(abort.signal.aborted ? 130 : 1);
});
