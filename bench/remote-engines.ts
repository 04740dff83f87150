// Remote-engine benchmark: what reaching the engine over the network costs.
// `lblab up` (fresh), a live `lblab mode` switch and `lblab down` of the
// 6-node labs/dsr, as the CLI runs them, over three transports, interleaved
// in each run: this machine's socket (the baseline), ssh:// (sshd in a
// network namespace; `docker system dial-stdio` there reaches this same
// engine, so only the transport differs) and tcp:// with TLS (a second
// dockerd in the namespace, its own data root). The namespace, sshd and TLS
// dockerd are test/support/remote-engines.ts's, as in the remote-engine test.
// Prints medians and ratios against the socket, and how many ssh logins each
// ssh command took. Needs root; run it alone (it uses Docker heavily).
//   npm run bench:remote            (BENCH_RUNS=3 by default)
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/support/cli';
import { RemoteEngines, remoteEnginesMissing } from '../test/support/remote-engines';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PREFIX = process.env.LBLAB_TEST_GC_SCOPE ?? '';
const LAB = `${PREFIX}bench-remote`;

const ENGINES = [
  { label: 'local socket', engine: 'default' },
  { label: 'ssh://', engine: 're-ssh' },
  { label: 'tcp:// + TLS', engine: 're-tls' },
] as const;
const OPS = ['up', 'mode', 'down'] as const;
type Op = (typeof OPS)[number];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pad = (s: string, n: number) => s.padEnd(n);
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main() {
  const missing = remoteEnginesMissing();
  if (missing) throw new Error(missing);
  // a namespace and addresses of its own: the remote-engine test may have left its own behind
  const re = new RemoteEngines({ ns: 'lblab-rb', hostIf: 'lbrb-h', nsIf: 'lbrb-n', hostIp: '198.19.255.5', nsIp: '198.19.255.6' });
  const labFile = path.join(re.dir, `${LAB}.lab.yaml`);
  fs.writeFileSync(labFile, fs.readFileSync(path.join(ROOT, 'labs/dsr.lab.yaml'), 'utf8').replace(/^name: .*$/m, `name: ${LAB}`).replace('front: { position', 'front: { subnet: 198.18.226.0/24, position'));
  const cmd = (engine: string, op: Op) => ['--engine', engine, ...(op === 'up' ? ['up', labFile] : op === 'mode' ? ['mode', LAB, 'web', 'tunnel'] : ['down', LAB])];
  const run = async (engine: string, op: Op) => {
    const r = await re.lblab(cmd(engine, op), 600_000);
    if (r.code !== 0) throw new Error(`lblab ${cmd(engine, op).join(' ')} → exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
    return r.ms;
  };
  try {
    process.stderr.write('bench: starting sshd and a TLS dockerd in a network namespace (not timed)\n');
    await re.up();
    // the TLS engine starts empty: the first up sends it the images; each engine once, not timed
    for (const e of ENGINES) {
      process.stderr.write(`bench: warm-up on ${e.label} (not timed)\n`);
      await run(e.engine, 'up');
      await run(e.engine, 'down');
    }
    const loadBefore = loadavg();
    const times: Record<string, number[]> = {};
    const logins: Record<Op, number[]> = { up: [], mode: [], down: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const e of ENGINES) {
        for (const op of OPS) {
          const before = re.sshLogins();
          (times[`${op} ${e.engine}`] ??= []).push(await run(e.engine, op));
          if (e.engine === 're-ssh') logins[op].push(re.sshLogins() - before);
        }
      }
      process.stderr.write(`bench: run ${r + 1}/${RUNS}: up ${ENGINES.map((e) => `${e.label} ${fmt(times[`up ${e.engine}`].at(-1)!)}`).join(', ')}\n`);
    }
    console.log(`\nremote-engine benchmark: labs/dsr (6 nodes), ${RUNS} run(s), medians, vs the local socket\n`);
    console.log(`${pad('command', 22)}${ENGINES.map((e) => pad(e.label, 22)).join('')}`);
    for (const op of OPS) {
      const base = median(times[`${op} default`]);
      const cells = ENGINES.map((e) => {
        const v = median(times[`${op} ${e.engine}`]);
        return pad(e.engine === 'default' ? fmt(v) : `${fmt(v)} (${(v / base).toFixed(2)}x)`, 22);
      });
      console.log(`${pad(`lblab ${op}`, 22)}${cells.join('')}`);
    }
    console.log(`\nssh logins per command (median): ${OPS.map((op) => `${op} ${median(logins[op])}`).join(', ')}`);
    console.log(`load average: ${loadBefore} before, ${loadavg()} after (2 cores are shared: compare ratios)`);
  } finally {
    for (const e of ENGINES) await re.lblab(['--engine', e.engine, 'down', LAB], 300_000).catch(() => undefined);
    await re.stop();
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
