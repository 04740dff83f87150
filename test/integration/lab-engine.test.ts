// The engine's Docker side on its own (a hand-written plan, the real images):
// events, terminals, rollback on failure, stale and foreign name conflicts.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../electron/api';
import type { LabService } from '../../electron/api/host';
import { defaultDeps, type DeployDeps } from '../../electron/engine/deploy/deps';
import { createLabEngine } from '../../electron/engine/lab-engine';
import { down } from '../../electron/engine/labs/down';
import { handmadeDeps, handmadeDoc } from '../support/handmade-plan';
import { labelled, LAB_PREFIX } from '../support/labs';

const LAB = `${LAB_PREFIX}engine`;
let deps: DeployDeps;
let engine: LabService;
const events: LabEvent[] = [];
let unsubscribe: () => void;

const waitFor = async <T>(f: () => T | undefined, ms: number, what: string): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  const real = await defaultDeps();
  // LBLAB_TEST_IMAGES=latest: use the last built lblab/<kind>:latest as is (while lab-images/ is being edited)
  deps =
    process.env.LBLAB_TEST_IMAGES === 'latest'
      ? handmadeDeps('', { imageFor: (n) => `lblab/${n.kind}:latest` })
      : handmadeDeps('', { ensureImages: real.ensureImages, imageFor: real.imageFor });
  engine = createLabEngine({ deps });
  unsubscribe = engine.subscribe((e) => events.push(e));
  await down(LAB);
});

afterAll(async () => {
  unsubscribe?.();
  await engine?.close();
  await down(LAB);
});

describe.sequential('engine', () => {
  it('deploys with progress and node events', async () => {
    const st = await engine.deploy(handmadeDoc(LAB));
    expect(st.state).toBe('running');
    expect(st.nodes.map((n) => n.name).sort()).toEqual(['c1', 'r1', 's1']);
    const progress = events.filter((e) => e.type === 'progress' && e.lab === LAB);
    expect(progress.length).toBeGreaterThan(5);
    const last = progress.at(-1) as Extract<LabEvent, { type: 'progress' }>;
    expect(last.done).toBe(last.total);
    await waitFor(() => ['c1', 'r1', 's1'].every((n) => events.some((e) => e.type === 'node' && e.lab === LAB && e.node === n && e.state === 'running')), 10_000, 'start events');
    expect((await engine.listLabs()).find((l) => l.name === LAB)).toEqual({ name: LAB, nodes: 3, running: 3 });
  });

  it('routes across the router (hand-written plumbing)', async () => {
    const r = execFileSync('docker', ['exec', `lblab-${LAB}-c1`, 'curl', '-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', 'http://198.18.241.10/'], { encoding: 'utf8' });
    expect(r).toBe('200');
  });

  it('a terminal: output, input, resize, exit', async () => {
    const { id } = await engine.openTerminal(LAB, 'c1', 80, 24);
    const out = () => events.filter((e) => e.type === 'terminal-data' && e.id === id).map((e) => (e as { data: string }).data).join('');
    await engine.terminalInput(id, 'echo hello-$((40+2))\n');
    await waitFor(() => out().includes('hello-42'), 10_000, 'terminal output');
    await engine.resizeTerminal(id, 132, 40);
    await engine.terminalInput(id, 'stty size\n');
    await waitFor(() => out().includes('40 132'), 10_000, 'resized tty');
    await engine.terminalInput(id, 'exit\n');
    await waitFor(() => events.find((e) => e.type === 'terminal-end' && e.id === id), 10_000, 'terminal-end');
    await expect(engine.terminalInput(id, 'x')).rejects.toThrow(/no terminal/);
  });

  it('a terminal ends when its node stops', async () => {
    const { id } = await engine.openTerminal(LAB, 's1', 80, 24);
    execFileSync('docker', ['stop', '-t', '1', `lblab-${LAB}-s1`]);
    await waitFor(() => events.find((e) => e.type === 'terminal-end' && e.id === id), 15_000, 'terminal-end after stop');
    await waitFor(() => events.find((e) => e.type === 'node' && e.node === 's1' && e.state === 'exited'), 10_000, 'die event');
    const st = await engine.status(LAB);
    expect(st.state).toBe('degraded');
    expect(st.nodes.find((n) => n.name === 's1')?.state).toBe('exited');
  });

  it('up on a degraded lab (a stopped node) repairs it in place', async () => {
    const before = (await engine.status(LAB)).nodes.map((n) => n.id);
    const st = await engine.deploy(handmadeDoc(LAB));
    expect(st.state).toBe('running');
    expect(st.nodes.map((n) => n.id)).toEqual(before);
  });

  it('a stale container of the lab (crashed run) is replaced', async () => {
    await engine.destroy(LAB);
    execFileSync('docker', ['create', '--name', `lblab-${LAB}-s1`, '--label', 'io.lblab.managed=true', '--label', `io.lblab.lab=${LAB}`, (await deps.imageFor({ kind: 'server', image: 'lblab/server' } as never)), 'true']);
    const st = await engine.deploy(handmadeDoc(LAB));
    expect(st.state).toBe('running');
    await engine.destroy(LAB);
    expect(labelled(`io.lblab.lab=${LAB}`)).toEqual({ containers: [], networks: [] });
  });

  it('a foreign container with our name: one-line error, nothing left behind', async () => {
    const foreign = `lblab-${LAB}-r1`;
    execFileSync('docker', ['create', '--name', foreign, deps.imageFor({ kind: 'router', image: 'lblab/router' } as never), 'true']);
    try {
      await expect(engine.deploy(handmadeDoc(LAB))).rejects.toThrow(/^node r1: a container named .* does not belong to lab/);
      expect(labelled(`io.lblab.lab=${LAB}`)).toEqual({ containers: [], networks: [] });
    } finally {
      execFileSync('docker', ['rm', '-f', foreign]);
    }
  });

  it('a failing plumbing script rolls everything back', async () => {
    const bad = createLabEngine({ deps: { ...deps, nodeScript: (p, n) => (n.name === 's1' ? 'echo "no route to the moon" >&2; exit 3' : deps.nodeScript(p, n)) } });
    try {
      await expect(bad.deploy(handmadeDoc(LAB))).rejects.toThrow('node s1: plumbing failed (exit 3): no route to the moon');
      expect(labelled(`io.lblab.lab=${LAB}`)).toEqual({ containers: [], networks: [] });
    } finally {
      await bad.close();
    }
  });

  it('a subnet taken by another network: one line naming the network', async () => {
    const squat = `${LAB}-squat`;
    execFileSync('docker', ['network', 'create', '--label', 'io.lblab.managed=true', '--label', `io.lblab.lab=${squat}`, '--subnet', '198.18.241.0/24', squat]);
    try {
      await expect(engine.deploy(handmadeDoc(LAB))).rejects.toThrow(/^network back: subnet 198\.18\.241\.0\/24 overlaps/);
      expect(labelled(`io.lblab.lab=${LAB}`)).toEqual({ containers: [], networks: [] });
    } finally {
      execFileSync('docker', ['network', 'rm', squat]);
    }
  });
});
