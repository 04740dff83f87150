// The packet journey on a real lab (labs/compare, every mode switched live):
// `lblab journey --json` must name at the balancer's out hop exactly the
// mode's own rewrite, say whether the response crossed the balancer, and
// leave no tcpdump (nor capture file) in any container; bad input is one line.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journey, JourneyHop, LabStatus, Mode } from '../../electron/api';
import { LAB_PREFIX, lblab, lblabChild, lblabOk, rewriteLab, ROOT, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}journey`;
const BARE = `${LAB_PREFIX}journey-bare`; // a client and a server, no service
const NO_CLIENT = `${LAB_PREFIX}journey-nocl`; // a service, no client
let status: LabStatus;
let dir: string;

/** The one line a bad journey prints, and its exit code. */
async function failure(args: string[]): Promise<{ code: number | null; line: string; lines: number }> {
  const r = await lblab(['journey', ...args], { timeoutMs: 120_000 });
  const lines = r.stderr.trim().split('\n').filter(Boolean);
  return { code: r.code, line: lines[lines.length - 1] ?? '', lines: lines.length };
}

const containers = (lab: string) =>
  execFileSync('docker', ['ps', '--filter', `label=io.lblab.lab=${lab}`, '--filter', 'status=running', '--format', '{{.Names}}'], { encoding: 'utf8' }).split('\n').filter(Boolean);

/** Processes named tcpdump and journey capture files in every running container of a lab. */
function leftovers(lab: string): string[] {
  const out: string[] = [];
  for (const c of containers(lab)) {
    const comms = execFileSync('docker', ['exec', c, 'ps', '-eo', 'comm'], { encoding: 'utf8' }).split('\n').map((s) => s.trim());
    if (comms.includes('tcpdump')) out.push(`${c}: tcpdump running`);
    const files = execFileSync('docker', ['exec', c, 'sh', '-c', 'ls /tmp | grep lblab-journey || true'], { encoding: 'utf8' }).trim();
    if (files) out.push(`${c}: ${files}`);
  }
  return out;
}

const where = (h: JourneyHop) => `${h.node}/${h.direction}`;
const rewrites = (h: JourneyHop | undefined) => (h?.changes ?? []).filter((c) => !c.expected).map((c) => c.field).sort();

beforeAll(async () => {
  dir = tmpDir();
  const { file } = rewriteLab(path.join(ROOT, 'labs/compare.lab.yaml'), LAB, dir, 230);
  await lblabOk(['up', file], 600_000);
  status = JSON.parse(await lblabOk(['status', LAB, '--json']));
}, 700_000);

afterAll(async () => {
  for (const l of [LAB, BARE, NO_CLIENT]) await lblab(['down', l]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 300_000);

/** What each mode rewrites at the balancer (a port only when it changes), and whether the response comes back through it. */
const SIGNATURE: Record<Mode, { rewrites: string[]; ifPortChanges?: string; viaBalancer: boolean }> = {
  dsr: { rewrites: ['eth.dst'], viaBalancer: false },
  tunnel: { rewrites: ['encap', 'outer.ip.src', 'outer.ip.dst'], viaBalancer: false },
  nat: { rewrites: ['ip.dst'], ifPortChanges: 'tcp.dstport', viaBalancer: true },
  snat: { rewrites: ['ip.src', 'ip.dst', 'tcp.srcport'], ifPortChanges: 'tcp.dstport', viaBalancer: true },
  l4proxy: { rewrites: ['tcp.stream'], viaBalancer: true },
  l7: { rewrites: ['tcp.stream'], viaBalancer: true },
};

describe('lblab journey: each mode on the wire', () => {
  for (const mode of ['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7'] as const) {
    it(`${mode}: the balancer's out hop names exactly the mode's rewrite; the response ${SIGNATURE[mode].viaBalancer ? 'crosses' : 'bypasses'} the balancer`, async () => {
      await lblabOk(['mode', LAB, 'web', mode], 300_000);
      const r = await lblab(['journey', LAB, '--json'], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as Journey;
      expect(j).toMatchObject({ lab: LAB, service: 'web', mode });
      expect(j.error).toBeUndefined();

      // the request: from the client through the balancer to a server
      const hops = j.request.hops;
      expect(hops.slice(0, 3).map(where)).toEqual(['client1/out', 'lb/in', 'lb/out']);
      expect(hops[3]?.kind, JSON.stringify(hops.map(where))).toBe('server');
      expect(hops[3].direction).toBe('in');
      expect(j.backend).toBe(hops[3].node);

      const [lbIn, lbOut] = [hops[1], hops[2]];
      const want = [...SIGNATURE[mode].rewrites];
      const sig = SIGNATURE[mode].ifPortChanges;
      if (sig && lbIn.fields[sig] !== lbOut.fields[sig]) want.push(sig);
      expect(rewrites(lbOut)).toEqual(want.sort());
      // no other hop of the request rewrites anything
      for (const h of hops.filter((x) => x !== lbOut)) expect(rewrites(h), where(h)).toEqual([]);
      if (mode === 'dsr') {
        expect(lbOut.changes.find((c) => c.field === 'eth.src')).toMatchObject({ expected: true, to: status.nodes.find((n) => n.name === 'lb')!.interfaces.find((i) => i.network === 'back')!.mac });
        expect(lbOut.changes.find((c) => c.field === 'eth.src')?.why).toMatch(/own MAC/);
      }

      // the response: from that server back to the client, through the balancer or not
      const back = j.response.hops;
      expect(back[0] && where(back[0])).toBe(`${hops[3].node}/out`);
      expect(where(back[back.length - 1])).toBe('client1/in');
      expect(j.response.viaBalancer).toBe(SIGNATURE[mode].viaBalancer);
      expect(back.some((h) => h.node === 'lb')).toBe(SIGNATURE[mode].viaBalancer);
      if (!SIGNATURE[mode].viaBalancer) expect(back.map((h) => h.node)).toContain('r1');
      expect(j.response.status).toBe(200);

      // hops in time order
      const ts = [...hops, ...back].map((h) => h.t);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));

      expect(leftovers(LAB)).toEqual([]);
    });
  }

  it('prints a table of hops with the rewrite marked, and the response’s way', async () => {
    await lblabOk(['mode', LAB, 'web', 'dsr'], 300_000);
    const text = await lblabOk(['journey', LAB]);
    expect(text).toMatch(/^journey on lab .* service web in dsr mode, client1 /);
    expect(text).toMatch(/REQUEST\n\s+#\s+NODE\s+IFACE\s+DIR/);
    expect(text).toMatch(/\n\s+! eth\.dst\s+\S+ → \S+/);
    expect(text).toMatch(/\n\s+· eth\.src\s+\S+ → \S+\s+\(expected/);
    expect(text).toContain('response crossed the balancer: no');
  });
});

describe('lblab journey: bad input and failures, one line each', () => {
  it('an unknown lab, service or client, a node that is not a client', async () => {
    expect(await failure([`${LAB_PREFIX}no-such-lab`])).toEqual({ code: 1, line: `lblab: no lab named ${LAB_PREFIX}no-such-lab`, lines: 1 });
    expect(await failure([LAB, '--service', 'api'])).toEqual({ code: 1, line: `lblab: lab ${LAB} has no service named api (services: web)`, lines: 1 });
    expect(await failure([LAB, '--from', 'client9'])).toEqual({ code: 1, line: `lblab: lab ${LAB} has no node named client9 (clients: client1)`, lines: 1 });
    expect(await failure([LAB, '--from', 'web1'])).toMatchObject({ code: 1, line: `lblab: node web1 of lab ${LAB} is a server, not a client: a journey starts at a client`, lines: 1 });
    expect(await failure([LAB, '--service', 'Bad_Name'])).toMatchObject({ code: 2, lines: 1 });
  });

  it('a request that gets no response (the servers frozen) says so, still shows the hops seen, and leaves no tcpdump; so does Ctrl-C mid-journey', async () => {
    await lblabOk(['mode', LAB, 'web', 'nat'], 300_000);
    const webs = status.nodes.filter((n) => n.kind === 'server').map((n) => n.container);
    execFileSync('docker', ['pause', ...webs]);
    try {
      const r = await lblab(['journey', LAB, '--json'], { timeoutMs: 120_000 });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/^lblab: the request got no response \(curl: \(\d+\) .+\)$/);
      const j = JSON.parse(r.stdout) as Journey;
      expect(j.error).toMatch(/^the request got no response \(curl: /);
      expect(j.request.hops.slice(0, 2).map(where)).toEqual(['client1/out', 'lb/in']);
      expect(j.response.hops).toEqual([]);
      expect(j.notCaptured?.sort()).toEqual(['web1 (paused)', 'web2 (paused)', 'web3 (paused)']);
      expect(leftovers(LAB)).toEqual([]);

      // Ctrl-C while the captures run (the request waits for its timeout): they are stopped before lblab exits
      const child = lblabChild(['journey', LAB]);
      let stderr = '';
      child.stderr.on('data', (b) => (stderr += b));
      const exited = new Promise<number | null>((res) => child.on('close', res));
      const client = status.nodes.find((n) => n.name === 'client1')!.container;
      const capturing = () => execFileSync('docker', ['exec', client, 'ps', '-eo', 'comm'], { encoding: 'utf8' }).includes('tcpdump');
      for (let i = 0; i < 200 && !capturing(); i++) await new Promise((res) => setTimeout(res, 50));
      expect(capturing(), 'the journey never started capturing').toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('lblab: interrupted: stopping the captures');
    } finally {
      execFileSync('docker', ['unpause', ...webs]);
    }
    expect(leftovers(LAB)).toEqual([]);
  });

  it('a lab with no service, a lab with no client, a lab not running', async () => {
    const bare = path.join(dir, `${BARE}.lab.yaml`);
    fs.writeFileSync(bare, `name: ${BARE}\nnetworks:\n  n: { subnet: 198.18.232.0/24 }\nnodes:\n  c1: { kind: client, links: [ { network: n } ] }\n  s1: { kind: server, links: [ { network: n } ] }\n`);
    const nocl = path.join(dir, `${NO_CLIENT}.lab.yaml`);
    fs.writeFileSync(
      nocl,
      `name: ${NO_CLIENT}\nnetworks:\n  n: { subnet: 198.18.233.0/24 }\nnodes:\n  lb: { kind: balancer, links: [ { network: n } ] }\n  s1: { kind: server, links: [ { network: n } ] }\nservices:\n  web: { balancer: lb, port: 80, mode: l4proxy, backends: [ s1 ] }\n`,
    );
    await lblabOk(['up', bare], 600_000);
    await lblabOk(['up', nocl], 600_000);
    expect(await failure([BARE])).toEqual({ code: 1, line: `lblab: lab ${BARE} has no service to follow a request to`, lines: 1 });
    expect(await failure([NO_CLIENT])).toEqual({ code: 1, line: `lblab: lab ${NO_CLIENT} has no client to send the request from`, lines: 1 });
    execFileSync('docker', ['stop', '-t', '1', ...containers(BARE)]);
    expect(await failure([BARE])).toEqual({ code: 1, line: `lblab: lab ${BARE} is not running (no node is up: redeploy it with lblab up)`, lines: 1 });
  });
});
