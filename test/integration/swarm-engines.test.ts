// The swarm harness itself: three engines on this machine (this one the
// manager, two dockerds in network namespaces as workers) are one Swarm; an
// attachable overlay made on the manager carries containers with static
// addresses on every engine, across engines; an engine restarted on its data
// root comes back Ready and its containers rejoin the overlay; teardown leaves
// no namespace, process, link or swarm membership.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImages, imageRef } from '../../electron/engine/images';
import { skipIf } from '../support/skip';
import { startSwarmEngines, swarmSkipReason, type SwarmLab } from '../support/swarm-engines';

const PREFIX = 'swt';
const NET = `${PREFIX}-ov`;
const SUBNET = '198.18.247.0/24';
// nodes from .2 up, as lblab plans them; Docker's per-engine endpoint on the overlay takes the
// lowest free address unless a range for dynamic addresses keeps it away from them
const addr = (i: number) => `198.18.247.${2 + i}`;
const DYNAMIC = '198.18.247.240/28';
const why = swarmSkipReason();

let lab: SwarmLab;
let image = '';
let hadGwbridge = false;

beforeAll(async () => {
  if (why) return;
  await ensureImages(['server']); // cached: only builds when missing
  image = imageRef('server');
  hadGwbridge = spawnSync('docker', ['network', 'inspect', 'docker_gwbridge'], { stdio: 'ignore' }).status === 0;
  lab = await startSwarmEngines({ count: 3, prefix: PREFIX, images: [image] });
  console.info(`swarm engines: seconds per phase ${JSON.stringify(lab.timings)}`);
}, 600_000);

afterAll(async () => {
  if (why || !lab) return;
  for (const [i, e] of lab.engines.entries()) {
    try { lab.dockerOn(e.name, ['rm', '-f', `${PREFIX}-c${i}`]); } catch { /* not made */ }
  }
  try { lab.dockerOn('default', ['network', 'rm', NET]); } catch { /* not made */ }
  await lab.teardown();
}, 300_000);

describe('several Docker engines in one Swarm (test harness)', skipIf(why), () => {
  const ping = (from: number, to: number) => spawnSync('docker', ['-H', lab.engines[from].url, 'exec', `${PREFIX}-c${from}`, 'ping', '-c', '2', '-W', '2', addr(to)], { encoding: 'utf8' });

  it.sequential('the manager lists three Ready nodes; each worker has the images', () => {
    const nodes = lab.dockerOn('default', ['node', 'ls', '--format', '{{.Status}}/{{.ManagerStatus}}']).trim().split('\n');
    expect(nodes.sort()).toEqual(['Ready/', 'Ready/', 'Ready/Leader']);
    for (const e of lab.engines.slice(1)) {
      expect(lab.dockerOn(e.name, ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.NodeAddr}}']).trim()).toBe(`active ${e.ip}`);
      expect(lab.dockerOn(e.name, ['image', 'inspect', '--format', 'ok', image]).trim()).toBe('ok');
    }
  });

  it.sequential('an attachable overlay: a container with a static address on each engine, reachable across engines', () => {
    lab.dockerOn('default', ['network', 'create', '-d', 'overlay', '--attachable', '--subnet', SUBNET, '--gateway', '198.18.247.1', '--ip-range', DYNAMIC, NET]);
    for (const [i, e] of lab.engines.entries()) {
      lab.dockerOn(e.name, ['run', '-d', '--name', `${PREFIX}-c${i}`, '--network', NET, '--ip', addr(i), '--entrypoint', 'sleep', image, 'infinity']);
      const itf = lab.dockerOn(e.name, ['exec', `${PREFIX}-c${i}`, 'ip', '-o', '-4', 'addr', 'show']);
      expect(itf).toContain(`${addr(i)}/24`);
    }
    // each engine's own endpoint on the overlay got an address from the dynamic range
    for (const e of lab.engines) {
      const eps = lab.dockerOn(e.name, ['network', 'inspect', NET, '--format', '{{range .Containers}}{{.Name}}={{.IPv4Address}} {{end}}']);
      expect(eps).toMatch(new RegExp(`${NET}-endpoint=198\\.18\\.247\\.(24\\d|25[0-4])/24`));
    }
    // 1450 = 1500 minus VXLAN's 50 bytes
    expect(lab.dockerOn('swte1', ['exec', `${PREFIX}-c1`, 'cat', '/sys/class/net/eth0/mtu']).trim()).toBe('1450');
    for (const [a, b] of [[0, 1], [1, 2], [2, 0]]) {
      const r = ping(a, b);
      expect(r.status, `ping ${addr(b)} from engine ${a}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it.sequential('a worker stopped and started again: Down meanwhile, then Ready; its container restarted keeps its address', async () => {
    await lab.stop('swte1');
    const statuses = () => lab.dockerOn('default', ['node', 'ls', '--format', '{{.Status}}']).trim().split('\n');
    // a dockerd that shuts down cleanly tells the manager: Down at once (allow a heartbeat's margin)
    for (const until = Date.now() + 30_000; Date.now() < until && !statuses().includes('Down');) await new Promise((r) => setTimeout(r, 500));
    expect(statuses().filter((s) => s === 'Down')).toHaveLength(1);
    expect(ping(0, 1).status).not.toBe(0);
    await lab.start('swte1');
    lab.dockerOn('swte1', ['start', `${PREFIX}-c1`]); // no restart policy: a stopped engine stopped it
    const until = Date.now() + 60_000;
    while (Date.now() < until && lab.dockerOn('default', ['node', 'ls', '--format', '{{.Status}}']).includes('Down')) await new Promise((r) => setTimeout(r, 1000));
    const r = ping(0, 1);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 180_000);

  it.sequential('teardown leaves no namespace, dockerd, link, directory or swarm membership', async () => {
    const pids = lab.engines.slice(1).map((e) => Number(fs.readFileSync(`/tmp/${PREFIX}-swarm/${e.name.slice(PREFIX.length)}/pid`, 'utf8')));
    for (const [i, e] of lab.engines.entries()) lab.dockerOn(e.name, ['rm', '-f', `${PREFIX}-c${i}`]);
    lab.dockerOn('default', ['network', 'rm', NET]);
    await lab.teardown();
    const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    expect(netns).not.toMatch(new RegExp(`^${PREFIX}-`, 'm'));
    expect(spawnSync('ip', ['link', 'show', `${PREFIX}br0`]).status).not.toBe(0);
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`), `dockerd ${pid}`).toBe(false);
    expect(fs.existsSync(`/tmp/${PREFIX}-swarm`)).toBe(false);
    expect(spawnSync('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], { encoding: 'utf8' }).stdout.trim()).toBe('inactive');
    const nets = spawnSync('docker', ['network', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' }).stdout;
    expect(nets).not.toMatch(/^ingress$/m);
    if (!hadGwbridge) expect(nets).not.toMatch(/^docker_gwbridge$/m);
  }, 180_000);
});
