// Every example lab, through the real CLI on the real engine: up → status →
// every client reaches every server → up again is a no-op → down leaves
// nothing. Then a deploy killed mid-way is cleaned up by `lblab gc`.
// Labs run one after another, each on its own subnets; the next lab's deploy
// starts as soon as one is up, beside its checks (it waits for its test).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabStatus } from '../../electron/api';
import { gcArgs, labelled, lblab, lblabChild, LAB_PREFIX, managedInScope, rewriteLab, ROOT, tmpDir, type CliResult } from '../support/labs';

const LABS_DIR = path.join(ROOT, 'labs');
const examples = fs.existsSync(LABS_DIR) ? fs.readdirSync(LABS_DIR).filter((f) => f.endsWith('.lab.yaml')).sort() : [];
const dir = tmpDir();
const created: string[] = [];

const addr = (cidr: string) => cidr.split('/')[0];
const labName = (file: string) => `${LAB_PREFIX}${file.replace(/\.lab\.yaml$/, '')}`.slice(0, 32).replace(/-$/, '');

/** The example labs' deploys, each started once: by its own test, or ahead by the previous lab's. */
const deploys = new Map<number, Promise<CliResult>>();
function deploy(i: number): Promise<CliResult> | undefined {
  if (i >= examples.length) return undefined;
  let d = deploys.get(i);
  if (!d) {
    // a private subnet range per lab: labs of other users on the same engine keep theirs
    const { file: f } = rewriteLab(path.join(LABS_DIR, examples[i]), labName(examples[i]), dir, 100 + i * 8);
    created.push(labName(examples[i]));
    d = lblab(['up', f]);
    deploys.set(i, d);
  }
  return d;
}

afterAll(async () => {
  await Promise.allSettled(deploys.values());
  // most are gone already (their own test removed them): the rest side by side
  await Promise.all(created.map((lab) => lblab(['down', lab])));
});

describe('example labs', () => {
  it('there are example labs', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  examples.forEach((file, i) => {
    const base = file.replace(/\.lab\.yaml$/, '');
    const name = labName(file);
    describe.sequential(base, () => {
      let status: LabStatus;
      let firstIds: string[] = [];

      it('comes up', async () => {
        const r = await deploy(i)!;
        // the next lab deploys while this one is checked and removed
        deploy(i + 1)?.catch(() => undefined); // its own test reports a failure
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.trim()).toBe(name);
      });

      it('status --json: every node running with its addresses', async () => {
        const r = await lblab(['status', name, '--json']);
        expect(r.code, r.stderr).toBe(0);
        status = JSON.parse(r.stdout) as LabStatus;
        expect(status.state).toBe('running');
        for (const n of status.nodes) {
          expect(n.state, n.name).toBe('running');
          expect(n.interfaces.length, n.name).toBeGreaterThan(0);
          for (const itf of n.interfaces) {
            expect(itf.address, `${n.name} ${itf.network}`).toMatch(/^198\.18\.\d+\.\d+\/\d+$/);
            expect(itf.name, `${n.name} ${itf.network}`).toMatch(/^eth\d+$/);
          }
        }
        firstIds = status.nodes.map((n) => n.id!);
      });

      it('every client reaches every server it has a route to, at its own address', async () => {
        // Networks a client reaches: its own, and those behind routers (forwarding
        // through a balancer is the balancer's business, checked through the VIPs).
        const clients = status.nodes.filter((n) => n.kind === 'client');
        expect(clients.length).toBeGreaterThan(0);
        // the clients at once: each is its own exec
        await Promise.all(clients.map(async (c) => {
          const reach = new Set(c.interfaces.map((i) => i.network));
          for (let grew = true; grew; ) {
            grew = false;
            for (const r of status.nodes.filter((n) => n.kind === 'router' && n.interfaces.some((i) => reach.has(i.network))))
              for (const i of r.interfaces)
                if (!reach.has(i.network)) {
                  reach.add(i.network);
                  grew = true;
                }
          }
          const targets = status.nodes
            .filter((n) => n.kind === 'server')
            .flatMap((s) => s.interfaces.filter((i) => reach.has(i.network)).map((i) => `${s.name}=${addr(i.address)}`));
          if (!targets.length) return;
          // one exec per client: a loop over every reachable server address
          const loop = targets.map((t) => `echo ${t} $(curl -s -m 5 -o /dev/null -w '%{http_code}' http://${t.split('=')[1]}/ || true)`).join('; ');
          const r = await lblab(['exec', name, c.name, '--', 'sh', '-c', loop]);
          expect(r.code, r.stderr).toBe(0);
          for (const line of r.stdout.trim().split('\n')) expect(line, `${c.name} → ${line}`).toMatch(/ 200$/);
        }));
      });

      it('every client gets an answer from every service VIP', async () => {
        const clients = status.nodes.filter((n) => n.kind === 'client');
        const loop = status.services.map((s) => `echo ${s.name} $(curl -s -m 5 -o /dev/null -w '%{http_code}' http://${s.vip}:${s.port}/ || true)`).join('; ');
        if (!loop) return;
        await Promise.all(clients.map(async (c) => {
          const r = await lblab(['exec', name, c.name, '--', 'sh', '-c', loop]);
          expect(r.code, r.stderr).toBe(0);
          for (const line of r.stdout.trim().split('\n')) expect(line, `${c.name} → VIP of ${line}`).toMatch(/ 200$/);
        }));
      });

      it('up again changes nothing', async () => {
        const f = path.join(dir, `${name}.lab.yaml`);
        const r = await lblab(['up', f]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/nothing changed/);
        const s = JSON.parse((await lblab(['status', name, '--json'])).stdout) as LabStatus;
        expect(s.nodes.map((n) => n.id)).toEqual(firstIds);
      });

      it('down leaves no object of the lab', async () => {
        const r = await lblab(['down', name]);
        expect(r.code, r.stderr).toBe(0);
        expect(labelled(`io.lblab.lab=${name}`)).toEqual({ containers: [], networks: [] });
        const again = await lblab(['down', name]);
        expect(again.code, 'down is idempotent').toBe(0);
      });
    });
  });
});

describe('a deploy killed mid-way', () => {
  it('is cleaned up by lblab gc', async () => {
    const name = `${LAB_PREFIX}killed`;
    const src = path.join(LABS_DIR, examples.find((f) => f.startsWith('multi-tier')) ?? examples[0]);
    const { file } = rewriteLab(src, name, dir, 200);
    created.push(name);
    const child = lblabChild(['up', file]);
    const exited = new Promise((r) => child.on('close', r));
    // SIGKILL as soon as the first container exists
    const deadline = Date.now() + 120_000;
    while (labelled(`io.lblab.lab=${name}`).containers.length === 0) {
      if (Date.now() > deadline) throw new Error('no container appeared');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    // requests the engine had already accepted may still land: let them settle
    await new Promise((r) => setTimeout(r, 1500));
    expect(labelled(`io.lblab.lab=${name}`).containers.length).toBeGreaterThan(0);
    const r = await lblab(gcArgs());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`lblab-${name}-`);
    expect(labelled(`io.lblab.lab=${name}`)).toEqual({ containers: [], networks: [] });
    // whatever gc kept in scope belongs to a whole, running lab (another suite's, or
    // another user's on a shared engine): never a half-made one
    const kept = [...new Set(managedInScope().map((l) => l.split(' ')[2]))];
    for (const lab of kept) {
      const s = await lblab(['status', lab, '--json']);
      expect(s.code, `${lab}: ${s.stderr}`).toBe(0);
      expect((JSON.parse(s.stdout) as LabStatus).state, `gc kept ${lab}`).toBe('running');
    }
  });
});
