// A tier of three balancers behind a router (labs/tier.lab.yaml), one lab for the whole file:
//   1. one table: every member's Maglev table (lb_ring, read with bpftool) is the same, slot by slot;
//   2. spread: 300 new connections from fixed source ports; each member takes 0.2–0.5 of them
//      (its new_flow counter), as the router's own `ip route get … sport` predicts;
//   3. members that come and go: a member that stops answering ping, or whose data plane is gone
//      while ping still answers, leaves the router's route within 3 s, and comes back when it
//      answers again (the health loop on the router, no redeploy);
//   3b. compare --members 1,3: each run carries its size and every member's CPU; the drained
//      members idle; the lab is put back;
//   4. survival: 300 keep-alive connections (a request every 100 ms) spread over the members; one
//      member's container is killed: every connection through the others keeps working, and with
//      Maglev ≥ 90 % of the dead member's too (ECMP moves them to a member that picks the same
//      backend) — in dsr and in tunnel; with rr most of the moved ones break (asserted loosely);
//   5. bad input: a tier lab the validation refuses creates nothing.
// Which member carries a connection is what the router's FIB says for its 5-tuple (asked before the
// kill); the spread step checks those answers against the members' counters.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../electron/api';
import { LAB_PREFIX, ROOT, labelled, lblab, lblabOk, rewriteLab, tmpDir } from '../support/labs';

// not `tier`: lab-lifecycle deploys labs/tier.lab.yaml under that name
const LAB = `${LAB_PREFIX}tiers`;
const MEMBERS = ['lb1', 'lb2', 'lb3'] as const;
const VICTIM = 'lb2';
const RING_SIZE = 65537;
const DIR = tmpDir();
const KEEP = fs.readFileSync(path.join(__dirname, 'fixtures/keepalive-client.pl'), 'utf8');
const FLOW = fs.readFileSync(path.join(__dirname, 'fixtures/flow-client.pl'), 'utf8');
let file = '';
let doc: Record<string, unknown> & { services: { web: Record<string, unknown> } };
let vip = '';
const T0 = Date.now();
const log = (m: string) => console.log(`[tier ${((Date.now() - T0) / 1000).toFixed(1)} s] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command in a node, straight through docker (the CLI's start-up costs seconds on a busy host). */
const sh = (node: string, script: string, input?: string) =>
  new Promise<string>((resolve, reject) => {
    const p = execFile('docker', ['exec', '-i', `lblab-${LAB}-${node}`, 'sh', '-c', script], { encoding: 'utf8', maxBuffer: 256 << 20 }, (e, stdout, stderr) =>
      e ? reject(new Error(`${node}: ${stderr || e.message}`)) : resolve(stdout),
    );
    p.stdin?.end(input ?? '');
  });
const docker = (...args: string[]) => new Promise<string>((resolve, reject) => execFile('docker', args, { encoding: 'utf8' }, (e, out, err) => (e ? reject(new Error(err || e.message)) : resolve(out))));

interface Status { nodes: { name: string; interfaces: { name: string; network: string; address: string }[] }[] }
let status: Status;
const addrOf = (node: string, net?: string) => status.nodes.find((n) => n.name === node)!.interfaces.find((i) => !net || i.network === net)!.address.split('/')[0];

/** Deploy the lab with changes to its service (a redeploy keeps the containers: only the balancers are reconfigured). */
async function deploy(service: Record<string, unknown> = {}) {
  const d = { ...doc, services: { web: { ...doc.services.web, ...service } } };
  fs.writeFileSync(file, YAML.stringify(d));
  await lblabOk(['up', file]);
  status = JSON.parse(await lblabOk(['status', LAB, '--json'])) as Status;
}

/** The members the router's route to the VIP goes through now. */
async function routedMembers(): Promise<string[]> {
  const out = await sh('r1', `ip route show ${vip}/32; ip nexthop show 2>/dev/null || true`);
  const vias = new Set([...out.matchAll(/via (\S+)/g)].map((m) => m[1]));
  const groups = [...out.matchAll(/^id (\d+) group (\S+)/gm)];
  // a resilient group: only the hops it lists are in use
  const inGroup = groups.length ? new Set(groups[0][2].split('/')) : undefined;
  const ids = new Map([...out.matchAll(/^id (\d+) via (\S+)/gm)].map((m) => [m[1], m[2]]));
  const live = inGroup ? [...inGroup].map((id) => ids.get(id)) : [...vias];
  return MEMBERS.filter((m) => live.includes(addrOf(m)));
}

async function waitRoute(want: (m: string[]) => boolean, limitMs: number): Promise<number> {
  const t = Date.now();
  while (Date.now() - t < limitMs) {
    if (want(await routedMembers())) return Date.now() - t;
    await sleep(100);
  }
  return Infinity;
}

const newFlows = async (): Promise<Record<string, number>> => {
  const list = JSON.parse(await lblabOk(['stats', LAB, '--json'])) as { balancer?: string; counters: Record<string, number> }[];
  return Object.fromEntries(list.map((s) => [s.balancer ?? '?', s.counters.new_flow ?? 0]));
};

/** slot → backend address of a member's table (lb_ring, read with bpftool in its container; reduced there to one id a line). */
async function ringTable(member: string): Promise<string[]> {
  const maps = '/sys/fs/bpf/lblab/maps';
  type Be = { formatted: { key: number; value: { addr: number; svc_id: number } }; value: string[] };
  const bes = JSON.parse(await sh(member, `bpftool -j map dump pinned ${maps}/lb_backends`)) as Be[];
  const addrOfId = new Map(bes.filter((b) => b.formatted.value.addr !== 0).map((b) => [b.formatted.key, b.value.slice(0, 4).map((x) => parseInt(x, 16)).join('.')]));
  const svc = bes.find((b) => b.formatted.value.addr !== 0)!.formatted.value.svc_id;
  const le = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  const batch = Array.from({ length: RING_SIZE }, (_, i) => `map lookup pinned ${maps}/lb_ring key hex ${le(svc * RING_SIZE + i)}`).join('\n');
  // the map has BTF: each lookup prints { "key": 5, "value": 2 }; keep the values, one a line
  const ids = await sh(member, `cat > /tmp/ring.batch && bpftool batch file /tmp/ring.batch | awk '$1 == "\\"value\\":" { print $2 }'; rm -f /tmp/ring.batch`, batch + '\n');
  return ids.trim().split('\n').map((x) => addrOfId.get(Number(x)) ?? `id${x}`);
}

/** The client source ports of the flows a member's flow table holds (lb_flows): the connections it carried. */
async function flowPorts(member: string): Promise<Set<number>> {
  type Flow = { key: string[] };
  const flows = JSON.parse(await sh(member, 'bpftool -j map dump pinned /sys/fs/bpf/lblab/maps/lb_flows')) as Flow[];
  const ip = (k: string[], at: number) => k.slice(at, at + 4).map((x) => parseInt(x, 16)).join('.');
  return new Set(flows.filter((f) => ip(f.key, 4) === vip && ip(f.key, 0) === addrOf('client1')).map((f) => parseInt(f.key[8], 16) * 256 + parseInt(f.key[9], 16)));
}

interface Conn { port: number; ok: boolean; first: string; last: string; answers: number; why: string }

/**
 * 300 keep-alive connections; the victim's container is killed 3 s in. The connections by member
 * (as the router predicted before the kill), and how long the router took to withdraw the victim.
 */
async function survival(label: string): Promise<{ byMember: Map<string, Conn[]>; withdrawnMs: number }> {
  const run = sh('client1', `cat > /tmp/k.pl && perl /tmp/k.pl ${vip} 12 30000-30299`, KEEP);
  await sleep(4000);
  // who carries what, from the members' own flow tables (the router hashes by the client socket's
  // flow hash, which it does not tell): the victim's connections are those in its table
  const held = new Map(await Promise.all(MEMBERS.map(async (m) => [m, await flowPorts(m)] as const)));
  await docker('kill', `lblab-${LAB}-${VICTIM}`);
  const withdrawnMs = await waitRoute((m) => !m.includes(VICTIM), 5000);
  const out = await run;
  const conns = out.split('\n').flatMap((l) => {
    const m = /^C (\d+) (OK|FAIL) (\S+) (\S+) (\d+) (\S+)/.exec(l);
    return m ? [{ port: Number(m[1]), ok: m[2] === 'OK', first: m[3], last: m[4], answers: Number(m[5]), why: m[6] }] : [];
  });
  expect(conns.length).toBe(300);
  const byMember = new Map<string, Conn[]>(MEMBERS.map((m) => [m, []]));
  for (const c of conns) byMember.get(held.get(VICTIM)!.has(c.port) ? VICTIM : (MEMBERS.find((m) => m !== VICTIM && held.get(m)!.has(c.port)) ?? '?'))?.push(c);
  log(`${label}: flows held before the kill: ${MEMBERS.map((m) => `${m} ${held.get(m)!.size}`).join(', ')}; unattributed ${conns.filter((c) => !MEMBERS.some((m) => held.get(m)!.has(c.port))).length}`);
  const line = MEMBERS.map((m) => `${m} ${byMember.get(m)!.filter((c) => c.ok).length}/${byMember.get(m)!.length} alive`).join(', ');
  log(`${label}: ${line}; ${VICTIM} withdrawn after ${withdrawnMs} ms; failures: ${conns.filter((c) => !c.ok).slice(0, 3).map((c) => `${c.port}:${c.why}`).join(' ') || 'none'}`);
  // every connection was open and answered before the kill
  expect(conns.filter((c) => c.answers < 10).length).toBe(0);
  return { byMember, withdrawnMs };
}

/** The victim back (a redeploy repairs it) and in the router's route again. */
async function repair() {
  await lblabOk(['up', file]);
  expect(await waitRoute((m) => m.length === 3, 5000)).toBeLessThan(5000);
}

beforeAll(async () => {
  ({ file, doc } = rewriteLab(path.join(ROOT, 'labs/tier.lab.yaml'), LAB, DIR, 230) as { file: string; doc: typeof doc });
  vip = String(doc.services.web.vip);
  await deploy();
  log('deployed');
});

afterAll(async () => {
  await lblab(['down', LAB]);
  fs.rmSync(DIR, { recursive: true, force: true });
});

describe('a tier of balancers behind a router', () => {
  it('every member builds the same Maglev table, slot by slot', async () => {
    const tables = await Promise.all(MEMBERS.map(ringTable));
    for (const t of tables) expect(t.length).toBe(RING_SIZE);
    const backends = ['web1', 'web2', 'web3'].map((w) => addrOf(w));
    for (const b of backends) expect(tables[0].filter((x) => x === b).length / RING_SIZE).toBeGreaterThan(0.3);
    for (const t of tables.slice(1)) {
      const differ = t.filter((x, i) => x !== tables[0][i]).length;
      expect(differ).toBe(0);
    }
  });

  it('spreads 300 new connections over the members (0.2–0.5 each)', async () => {
    const before = await newFlows();
    const out = await sh('client1', `cat > /tmp/f.pl && perl /tmp/f.pl map ${vip} 4 31000-31299`, FLOW);
    const served = out.split('\n').filter((l) => /^M \d+ web\d/.test(l)).length;
    expect(served).toBe(300);
    const after = await newFlows();
    const shares = MEMBERS.map((m) => (after[m] - before[m]) / 300);
    log(`spread: ${MEMBERS.map((m, i) => `${m} ${shares[i].toFixed(2)}`).join(', ')}`);
    for (const s of shares) {
      expect(s).toBeGreaterThanOrEqual(0.2);
      expect(s).toBeLessThanOrEqual(0.5);
    }
  });

  it('withdraws a member that stops answering within 3 s and takes it back when it answers again', async () => {
    // lb3 stops answering the router's checks (its ICMP echo requests dropped), then answers again
    await sh('lb3', 'nft add table inet lblabtest && nft add chain inet lblabtest in "{ type filter hook input priority 0; }" && nft add rule inet lblabtest in icmp type echo-request drop');
    const out = await waitRoute((m) => !m.includes('lb3'), 6000);
    await sh('lb3', 'nft delete table inet lblabtest');
    const back = await waitRoute((m) => m.includes('lb3'), 6000);
    log(`lb3 silent: withdrawn after ${out} ms; answering again: back after ${back} ms`);
    expect(out).toBeLessThan(3000);
    expect(back).toBeLessThan(3000);
  });

  it("withdraws a member whose data plane is gone while its kernel still answers ping, within 3 s", async () => {
    // lb3's balancer program detached: its kernel answers ping and refuses the VIP's port itself
    const attached = (await sh('lb3', 'for d in $(ls /sys/class/net); do tc filter show dev "$d" ingress | grep -q lb_ingress && echo "$d"; done; true')).trim().split('\n').filter(Boolean);
    expect(attached.length).toBeGreaterThan(0);
    await sh('lb3', attached.map((d) => `tc filter del dev ${d} ingress pref 100 handle 1 bpf`).join('; '));
    const out = await waitRoute((m) => !m.includes('lb3'), 6000);
    const why = (await sh('r1', 'tail -n 1 /run/lblab/tier/log')).trim();
    await sh('lb3', attached.map((d) => `tc filter replace dev ${d} ingress pref 100 handle 1 bpf object-pinned /sys/fs/bpf/lblab/progs/lb_ingress direct-action`).join('; '));
    const back = await waitRoute((m) => m.includes('lb3'), 6000);
    log(`lb3 without its program: withdrawn after ${out} ms (${why}); attached again: back after ${back} ms`);
    expect(why).toMatch(/member \S+ down \(ping up, service down\)/);
    expect(out).toBeLessThan(3000);
    expect(back).toBeLessThan(3000);
  });

  it('compare --members: the same load through 1 and 3 members, each run with its size and every member\'s CPU', async () => {
    const out = await lblabOk(['compare', LAB, '--members', '1,3', '--modes', 'l4proxy', '--object', '1k', '--connections', '32', '--duration', '3', '--warmup', '1', '--repeat', '1', '--json'], 180_000);
    const c = JSON.parse(out) as Comparison;
    expect(c.complete, c.error).toBe(true);
    expect(c.workload.members).toEqual([1, 3]);
    const one = c.runs.find((r) => r.members === 1)!;
    const three = c.runs.find((r) => r.members === 3)!;
    log(`compare: ${c.verdict}`);
    for (const r of [one, three]) {
      expect(r.error).toBeUndefined();
      expect(r.requestsPerSec).toBeGreaterThan(0);
      expect(Object.keys(r.memberCpu!).sort()).toEqual([...MEMBERS]);
    }
    // one member carried it all: the drained ones idle beside it; with three, each worked
    expect(one.memberCpu!.lb2 + one.memberCpu!.lb3).toBeLessThan(one.memberCpu!.lb1 * 0.3);
    for (const m of MEMBERS) expect(three.memberCpu![m]).toBeGreaterThan(three.memberCpu!.lb1 * 0.3);
    expect(c.summary.map((s) => s.members)).toEqual([1, 3]);
    expect(c.verdict).toMatch(/^l4proxy through a tier of 1: \d+ req\/s.*; 3: \d+ req\/s \(\d+\.\d\d× 1\)/);
    // put back: dsr again, the route through every member
    expect(await waitRoute((m) => m.length === 3, 5000)).toBeLessThan(5000);
    const st = JSON.parse(await lblabOk(['status', LAB, '--json'])) as { services: { mode: string }[] };
    expect(st.services[0].mode).toBe('dsr');
  });

  it('dsr, Maglev: a member dies; the others\' connections live, and ≥ 90 % of its own', async () => {
    try {
      const { byMember, withdrawnMs } = await survival('dsr maglev');
      expect(withdrawnMs).toBeLessThan(3000);
      for (const m of MEMBERS.filter((x) => x !== VICTIM)) expect(byMember.get(m)!.filter((c) => !c.ok).map((c) => `${c.port}:${c.why}`)).toEqual([]);
      const dead = byMember.get(VICTIM)!;
      expect(dead.length).toBeGreaterThan(30);
      expect(dead.filter((c) => c.ok).length / dead.length).toBeGreaterThanOrEqual(0.9);
    } finally {
      await repair();
    }
  });

  it('dsr, rr: most of the dead member\'s connections break (each member picks on its own)', async () => {
    await deploy({ scheduler: 'rr' });
    try {
      const { byMember } = await survival('dsr rr');
      const dead = byMember.get(VICTIM)!;
      const broken = dead.filter((c) => !c.ok).length / dead.length;
      log(`rr: ${(broken * 100).toFixed(0)} % of ${VICTIM}'s ${dead.length} connections broke`);
      expect(broken).toBeGreaterThan(0.3);
    } finally {
      await deploy({ scheduler: 'maglev' });
      expect(await waitRoute((m) => m.length === 3, 5000)).toBeLessThan(5000);
    }
  });

  it('tunnel, Maglev: the same survival', async () => {
    await lblabOk(['mode', LAB, 'web', 'tunnel']);
    const { byMember } = await survival('tunnel maglev');
    expect(byMember.get(VICTIM)!.length).toBeGreaterThan(30);
    for (const m of MEMBERS.filter((x) => x !== VICTIM)) expect(byMember.get(m)!.filter((c) => !c.ok).map((c) => `${c.port}:${c.why}`)).toEqual([]);
    const dead = byMember.get(VICTIM)!;
    expect(dead.filter((c) => c.ok).length / dead.length).toBeGreaterThanOrEqual(0.9);
  });

  it('refuses a bad tier in one line and creates nothing', async () => {
    type Bad = { networks: Record<string, { subnet?: string }>; nodes: Record<string, { links: { network: string }[] }>; services: { web: { balancer: unknown; mode: string } } };
    const bad = (name: string, change: (d: Bad) => void) => {
      const d = JSON.parse(JSON.stringify({ ...doc, name })) as Bad;
      for (const n of Object.values(d.networks)) delete n.subnet;
      change(d);
      const f = path.join(DIR, `${name}.lab.yaml`);
      fs.writeFileSync(f, YAML.stringify(d));
      return f;
    };
    const cases: [string, (d: Bad) => void, RegExp][] = [
      ['not-lb', (d) => (d.services.web.balancer = ['lb1', 'web1']), /balancer\[1\]: node web1 is a server, not a balancer/],
      ['twice', (d) => (d.services.web.balancer = ['lb1', 'lb2', 'lb1']), /balancer\[2\]: balancer lb1 is listed twice/],
      ['no-router', (d) => d.nodes.client1.links.push({ network: 'core' }), /no router between it and client client1/],
      ['nat', (d) => (d.services.web.mode = 'nat'), /mode nat cannot run on a tier of balancers: the backend's answers must return through the member/],
      ['single-out', (d) => (d.services.web.balancer = 'lb1'), /VIP 198\.19\.255\.10 is outside every subnet balancer lb1 is on/],
    ];
    // side by side: each its own lab name, each refused before anything is made
    const results = await Promise.all(cases.map(([suffix, change]) => lblab(['up', bad(`${LAB}-${suffix}`, change)], { timeoutMs: 60_000 })));
    cases.forEach(([suffix, , msg], i) => {
      const r = results[i];
      expect(r.code, suffix).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(msg);
      expect(labelled(`io.lblab.lab=${LAB}-${suffix}`)).toEqual({ containers: [], networks: [] });
    });
  });
});
