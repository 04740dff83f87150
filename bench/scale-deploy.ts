// bench:scale deploy — `lblab up` of 6, 12 and 24-node labs from cached
// images against the same number of bare `docker run -d` of the same images
// (bench/deploy.ts's baseline), interleaved per run: baseline, up, down.
// The labs are labs/dsr grown by servers: two clients, the balancer and
// N - 3 servers behind one dsr service, on one network of 198.19.160-162.0/24.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { LabDoc, NodeDoc } from '../electron/api';
import { defaultDeps } from '../electron/engine/deploy/deps';
import { createLabEngine } from '../electron/engine/lab-engine';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PREFIX = process.env.LBLAB_TEST_GC_SCOPE ?? '';
const SIZES = (process.env.LBLAB_SCALE_NODES ?? '6,12,24').split(',').map(Number);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A dsr lab of n nodes (n >= 4): client1, client2, lb, web1..web(n-3). */
export function labOf(n: number, name: string, subnet: string): LabDoc {
  const servers = Array.from({ length: n - 3 }, (_, i) => `web${i + 1}`);
  const node = (kind: NodeDoc['kind'], x: number, y: number): NodeDoc => ({ kind, links: [{ network: 'front' }], position: { x, y } });
  return {
    name,
    networks: { front: { subnet, position: { x: 400, y: 260 } } },
    nodes: {
      client1: node('client', 120, 120),
      client2: node('client', 120, 400),
      lb: node('balancer', 400, 80),
      ...Object.fromEntries(servers.map((s, i) => [s, node('server', 680, 40 + 40 * i)])),
    },
    services: { web: { balancer: 'lb', port: 80, mode: 'dsr', scheduler: 'maglev', backends: servers } },
  };
}

function baselineOnce(lab: string, images: string[]): number {
  const t0 = Date.now();
  images.forEach((img, i) => {
    execFileSync('docker', ['run', '-d', '--init', '--name', `lblab-${lab}-n${i}`, '--label', 'io.lblab.managed=true', '--label', `io.lblab.lab=${lab}`, img], { stdio: 'ignore' });
  });
  const ms = Date.now() - t0;
  execFileSync('sh', ['-c', `docker rm -f $(docker ps -aq --filter label=io.lblab.lab=${lab}) >/dev/null`]);
  return ms;
}

export async function benchDeploy(): Promise<void> {
  const deps = await defaultDeps();
  const engine = createLabEngine({ deps });
  interface P { n: number; up: number; base: number; ratios: number[] }
  const pts: P[] = [];
  const la = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  const before = la();
  for (const [i, n] of SIZES.entries()) {
    const name = `${PREFIX}scale-deploy-${n}`;
    const baseName = `${PREFIX}scale-base-${n}`;
    const doc = labOf(n, name, `198.19.${160 + i}.0/24`);
    const plan = deps.planLab(doc);
    if (plan.nodes.length !== n) throw new Error(`expected a ${n}-node lab, got ${plan.nodes.length}`);
    await deps.ensureImages([...new Set(plan.nodes.map((x) => x.kind))]);
    const images = plan.nodes.map((x) => deps.imageFor(x));
    await engine.destroy(name);
    const ups: number[] = []; const bases: number[] = []; const ratios: number[] = [];
    try {
      for (let r = 0; r < RUNS; r++) {
        bases.push(baselineOnce(baseName, images));
        const res = await engine.up(doc);
        ups.push(res.ms);
        ratios.push(res.ms / bases.at(-1)!);
        await engine.destroy(name);
        process.stderr.write(`bench: deploy ${n} nodes, run ${r + 1}/${RUNS}: lblab ${(res.ms / 1000).toFixed(2)} s, docker ${(bases.at(-1)! / 1000).toFixed(2)} s\n`);
      }
    } finally {
      await engine.destroy(name).catch(() => undefined);
    }
    pts.push({ n, up: median(ups), base: median(bases), ratios });
  }
  console.log(`\n(c) deploy: \`lblab up\` (the engine, as the CLI runs it) of an N-node dsr lab from cached images, beside N bare`);
  console.log(`    \`docker run -d\` of the same images one after another; ${RUNS} interleaved runs, medians; ratio: median of per-run ratios`);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`  ${'nodes'.padStart(5)}${'lblab up'.padStart(10)}${'× first'.padStart(9)}${'docker'.padStart(9)}${'× first'.padStart(9)}${'lblab/docker'.padStart(14)}${'per node'.padStart(10)}`);
  for (const p of pts) {
    const ratio = median(p.ratios);
    console.log(`  ${String(p.n).padStart(5)}${s(p.up).padStart(10)}${((p.up / pts[0].up).toFixed(2) + 'x').padStart(9)}${s(p.base).padStart(9)}` +
      `${((p.base / pts[0].base).toFixed(2) + 'x').padStart(9)}${(ratio.toFixed(2) + 'x').padStart(14)}${(Math.round(p.up / p.n) + ' ms').padStart(10)}`);
  }
  const over = pts.filter((p) => median(p.ratios) > 1.3);
  console.log(`  target lblab <= 1.3x docker at every size: ${over.length ? `missed at ${over.map((p) => `${p.n} (${median(p.ratios).toFixed(2)}x)`).join(', ')}` : 'met'}`);
  console.log(`  load average ${before} before, ${la()} after`);
}
