// Two lblab processes on one lab, Ctrl-C in the middle of a redeploy, and gc
// next to running labs and deploys in progress, through the real CLI on the
// real engine:
//  - two `lblab up` (or `lblab mode`) of one lab at once: one fails naming the other's pid, the lab ends whole;
//  - gc removes objects no lab claims, leaves a running lab and a deploy in progress alone;
//    gc --all removes everything and lists it;
//  - SIGINT during a redeploy that adds a node: the added node is gone, the running lab serves
//    with the very same containers; the same redeploy uninterrupted changes the lab in place;
//    an interrupt during the image build changes nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { LabStatus } from '../../electron/api';
import { defaultDeps } from '../../electron/engine/deploy/deps';
import { createLabEngine } from '../../electron/engine/lab-engine';
import { labelled, lblab, lblabChild, LAB_PREFIX, tmpDir, type CliResult } from '../support/labs';

const dir = tmpDir();
const SCOPE = `${LAB_PREFIX}ht-`;
const LOCKED = `${SCOPE}lock`;
const BUSY = `${SCOPE}busy`;
const ORPHAN = `${SCOPE}orphan`;
const SIGINT_LAB = `${SCOPE}sigint`;
const created = [LOCKED, BUSY, ORPHAN, SIGINT_LAB];

afterAll(async () => {
  for (const lab of created) await lblab(['down', lab]);
  for (const c of labelled(`io.lblab.lab=${ORPHAN}`).containers) execFileSync('docker', ['rm', '-f', c]);
  for (const n of labelled(`io.lblab.lab=${ORPHAN}`).networks) execFileSync('docker', ['network', 'rm', n]);
});

/** A dsr lab on one network of our own: a client, a balancer, a server (and `extra` nodes). */
function labFile(name: string, subnet: string, extra: Record<string, unknown> = {}): string {
  const doc = {
    name,
    networks: { front: { subnet } },
    nodes: {
      c1: { kind: 'client', links: [{ network: 'front' }] },
      lb: { kind: 'balancer', links: [{ network: 'front' }] },
      web1: { kind: 'server', links: [{ network: 'front' }] },
      ...extra,
    },
    services: { web: { balancer: 'lb', mode: 'dsr', backends: ['web1'] } },
  };
  const file = path.join(dir, `${name}-${Object.keys(extra).join('-') || 'base'}.lab.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

/** The child's exit code and output. */
function run(args: string[]) {
  const child = lblabChild(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult & { pid: number }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, ms: 0, pid: child.pid! })));
  return { child, done };
}

async function status(lab: string): Promise<LabStatus> {
  const r = await lblab(['status', lab, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LabStatus;
}

/** HTTP status of the service's VIP as seen from a client node. */
async function curlVip(lab: string, node = 'c1'): Promise<string> {
  const s = await status(lab);
  const vip = s.services[0].vip;
  const r = await lblab(['exec', lab, node, '--', 'curl', '-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://${vip}/`]);
  return r.stdout.trim();
}

const ids = (lab: string) =>
  execFileSync('docker', ['ps', '-a', '--filter', `label=io.lblab.lab=${lab}`, '--format', '{{.Names}} {{.ID}} {{.State}}'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();

async function until(what: string, f: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.sequential('one lab, two lblab processes', () => {
  it('two `lblab up` at once: one fails naming the other, the lab ends whole and serves', async () => {
    const file = labFile(LOCKED, '198.19.210.0/24');
    const a = run(['up', file]);
    const b = run(['up', file]);
    const results = await Promise.all([a.done, b.done]);
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won, results.map((r) => r.stderr).join('\n')).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].stderr.trim()).toBe(`lblab: lab ${LOCKED} is being deployed by another lblab (pid ${won[0].pid})`);
    const s = await status(LOCKED);
    expect(s.state).toBe('running');
    expect(s.nodes.map((n) => `${n.name} ${n.state}`).sort()).toEqual(['c1 running', 'lb running', 'web1 running']);
    expect(await curlVip(LOCKED)).toBe('200');
  });

  it('two mode switches at once: one fails naming the other, the lab runs in the winner\'s mode', async () => {
    const a = run(['mode', LOCKED, 'web', 'snat']);
    const b = run(['mode', LOCKED, 'web', 'l4proxy']);
    const results = await Promise.all([a.done, b.done]);
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won, results.map((r) => r.stderr).join('\n')).toHaveLength(1);
    expect(lost[0].stderr.trim()).toBe(`lblab: lab ${LOCKED} is being switched to another mode by another lblab (pid ${won[0].pid})`);
    const mode = won[0].stdout.trim().split(' ')[1];
    expect(['snat', 'l4proxy']).toContain(mode);
    expect((await status(LOCKED)).services[0].mode).toBe(mode);
    expect(await curlVip(LOCKED)).toBe('200');
  });

  it('gc removes what no lab claims, leaves a running lab and a deploy in progress alone', async () => {
    const router = 'lblab/router:latest';
    const before = ids(LOCKED);
    // an orphan network and container with our labels, and a container of the running lab its record does not name
    execFileSync('docker', ['network', 'create', '--label', 'io.lblab.managed=true', '--label', `io.lblab.lab=${ORPHAN}`, '--subnet', '198.19.212.0/24', `lblab-${ORPHAN}-net`]);
    execFileSync('docker', ['run', '-d', '--name', `lblab-${ORPHAN}-x`, '--label', 'io.lblab.managed=true', '--label', `io.lblab.lab=${ORPHAN}`, '--network', `lblab-${ORPHAN}-net`, '--entrypoint', 'sleep', router, 'infinity']);
    execFileSync('docker', ['run', '-d', '--name', `lblab-${LOCKED}-ghost`, '--label', 'io.lblab.managed=true', '--label', `io.lblab.lab=${LOCKED}`, '--label', 'io.lblab.node=ghost', '--network', 'none', '--entrypoint', 'sleep', router, 'infinity']);
    // a deploy under way (in this process), held at its balancer's configuration: its containers exist
    const real = await defaultDeps();
    let reached!: () => void;
    let go!: () => void;
    const atBalancer = new Promise<void>((r) => (reached = r));
    const gate = new Promise<void>((r) => (go = r));
    const engine = createLabEngine({ deps: { ...real, configureBalancer: async (p, b, o) => (reached(), await gate, real.configureBalancer(p, b, o)) } });
    const busy = engine.up(await engine.loadLabFile(labFile(BUSY, '198.19.211.0/24')));
    busy.catch(() => undefined);
    await atBalancer;
    expect(labelled(`io.lblab.lab=${BUSY}`).containers.length).toBeGreaterThan(0);

    const r = await lblab(['gc', '--lab-prefix', SCOPE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([`container lblab-${LOCKED}-ghost`, `container lblab-${ORPHAN}-x`, `network lblab-${ORPHAN}-net`]);
    expect(r.stderr).toContain(`lblab: kept lab ${LOCKED}: running`);
    expect(r.stderr).toContain(`lblab: kept lab ${BUSY}: being deployed by another lblab (pid ${process.pid})`);
    expect(labelled(`io.lblab.lab=${ORPHAN}`)).toEqual({ containers: [], networks: [] });

    expect(ids(LOCKED)).toEqual(before);
    expect(await curlVip(LOCKED)).toBe('200');
    go();
    try {
      expect((await busy).action).toBe('created');
    } finally {
      await engine.close();
    }
    expect((await status(BUSY)).state).toBe('running');
  });

  it('gc --all removes every lblab object in scope, running labs included, and lists them', async () => {
    const r = await lblab(['gc', '--all', '--lab-prefix', SCOPE]);
    expect(r.code, r.stderr).toBe(0);
    for (const lab of [LOCKED, BUSY]) {
      for (const n of ['c1', 'lb', 'web1']) expect(r.stdout).toContain(`container lblab-${lab}-${n}\n`);
      expect(r.stdout).toContain(`network lblab-${lab}-front\n`);
      expect(labelled(`io.lblab.lab=${lab}`)).toEqual({ containers: [], networks: [] });
    }
    expect(r.stderr).toMatch(/--all/);
  });
});

describe.sequential('Ctrl-C during a redeploy', () => {
  const base = () => labFile(SIGINT_LAB, '198.19.213.0/24');
  // c2 sorts after c1 (clients get addresses last): no other node moves, so the lab is changed in place
  const more = () => labFile(SIGINT_LAB, '198.19.213.0/24', { c2: { kind: 'client', links: [{ network: 'front', rate: '100mbit' }] } });

  it('removes the added node and leaves the running lab serving, untouched', async () => {
    const up = await lblab(['up', base()]);
    expect(up.code, up.stderr).toBe(0);
    expect(await curlVip(SIGINT_LAB)).toBe('200');
    const before = ids(SIGINT_LAB);

    const redeploy = run(['up', more()]);
    await until('the added node', () => labelled(`io.lblab.lab=${SIGINT_LAB}`).containers.includes(`lblab-${SIGINT_LAB}-c2`));
    redeploy.child.kill('SIGINT');
    const r = await redeploy.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`lblab: lab ${SIGINT_LAB}: interrupted: removed what this deploy had added, the running lab is as it was`);

    expect(labelled(`io.lblab.lab=${SIGINT_LAB}`).containers).not.toContain(`lblab-${SIGINT_LAB}-c2`);
    expect(ids(SIGINT_LAB)).toEqual(before); // the same containers, still running
    const s = await status(SIGINT_LAB);
    expect(s.state).toBe('running');
    expect(s.nodes.map((n) => n.name).sort()).toEqual(['c1', 'lb', 'web1']);
    expect(await curlVip(SIGINT_LAB)).toBe('200');
  });

  it('the same redeploy, not interrupted, adds the node in place', async () => {
    const before = ids(SIGINT_LAB);
    const r = await lblab(['up', more()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`lab ${SIGINT_LAB} updated in`));
    const after = ids(SIGINT_LAB);
    for (const line of before) expect(after).toContain(line);
    expect(after).toHaveLength(4);
    expect(await curlVip(SIGINT_LAB, 'c2')).toBe('200');
    expect(await curlVip(SIGINT_LAB, 'c1')).toBe('200');
    const again = await lblab(['up', more()]);
    expect(again.stderr).toMatch(/nothing changed/);
  });

  it('Ctrl-C during the image build of a redeploy changes nothing', async () => {
    const before = ids(SIGINT_LAB);
    const real = await defaultDeps();
    let building!: () => void;
    const started = new Promise<void>((r) => (building = r));
    // an image build that never ends, so the interrupt lands in it
    const engine = createLabEngine({ deps: { ...real, ensureImages: () => (building(), new Promise(() => undefined)) } });
    try {
      const doc = await engine.loadLabFile(labFile(SIGINT_LAB, '198.19.213.0/24', { c3: { kind: 'client', links: [{ network: 'front' }] } }));
      const interrupt = new AbortController();
      const deploying = engine.up(doc, { signal: interrupt.signal });
      await started;
      interrupt.abort();
      await expect(deploying).rejects.toThrow(`lab ${SIGINT_LAB}: interrupted: nothing was changed, the running lab is as it was`);
    } finally {
      await engine.close();
    }
    expect(ids(SIGINT_LAB)).toEqual(before);
    expect(await curlVip(SIGINT_LAB)).toBe('200');
  });

  it('down removes it all', async () => {
    const r = await lblab(['down', SIGINT_LAB]);
    expect(r.code, r.stderr).toBe(0);
    expect(labelled(`io.lblab.lab=${SIGINT_LAB}`)).toEqual({ containers: [], networks: [] });
  });
});
