// Whether a deployed lab is whole, judged from what status already reads in
// each node (`ip -j addr`, `ip route`), and the one-line reason when it is not;
// the plumbing script's sentinel, run for real against the fake `ip`; the tar
// reader that gets a stopped anchor's record out.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstTarFile } from '../../../electron/engine/docker/archive';
import { balancerOrder, degradedReason, labProblems, nodeProblems, repairable, type IpAddr, type NodeLook } from '../../../electron/engine/labs/health';
import { nodeScript, planLab } from '../../../electron/engine/topology/index';
import { PLUMBED_MARKER } from '../../../electron/engine/topology/plumbing';
import type { LabPlan, PlannedNode } from '../../../electron/engine/topology/plan-types';
import { tarPack } from '../../../electron/engine/images/tar';
import { tpl } from '../topology/fixtures';

const node = (plan: LabPlan, n: string) => plan.nodes.find((x) => x.name === n)!;

/** What `ip -j addr` and `ip route` show in a node the plumbing went through (or, with `fresh`, a restarted one). */
function look(plan: LabPlan, n: PlannedNode, fresh = false): NodeLook {
  const inet = (local: string, prefixlen: number) => ({ family: 'inet', local, prefixlen });
  const own = plan.services.filter((s) => s.balancer === n.name).map((s) => s.vip);
  const addrs: IpAddr[] = [
    { ifname: 'lo', addr_info: [inet('127.0.0.1', 8), ...(fresh ? [] : [...n.loopbackVips.map((v) => inet(v, 32)), inet(PLUMBED_MARKER, 32)])] },
    ...n.interfaces.map((i, k) => ({ ifname: `eth${k}`, address: `02:42:00:00:00:0${k}`, addr_info: [inet(i.address, i.prefixLen), ...(fresh || k ? [] : own.map((v) => inet(v, 32)))] })),
  ];
  const routes = fresh ? [] : n.routes.map((r) => `${r.dst.replace(/\/32$/, '')} via ${r.via} dev eth0`);
  return { state: 'running', addrs, routes: [...routes, `${plan.networks[0].subnet} dev eth0 proto kernel scope link src ${n.interfaces[0].address}`] };
}
const looks = (plan: LabPlan, change: Record<string, NodeLook> = {}) => new Map(plan.nodes.map((n) => [n.name, change[n.name] ?? look(plan, n)]));
const dockerNets = (plan: LabPlan) => plan.networks.map((n) => n.docker);

describe('nodeProblems', () => {
  it('a plumbed node has none, in every mode that sets VIPs or routes', () => {
    for (const id of ['nat', 'dsr', 'tunnel', 'multi-tier']) {
      const plan = planLab(tpl(id));
      for (const n of plan.nodes) expect(nodeProblems(plan, n, look(plan, n)), `${id}/${n.name}`).toEqual([]);
    }
  });

  it('a restarted node names each VIP and route it lost', () => {
    const plan = planLab(tpl('nat'));
    const vip = plan.services[0].vip;
    expect(nodeProblems(plan, node(plan, 'lb'), look(plan, node(plan, 'lb'), true))).toEqual([`no VIP ${vip}`]);
    const web1 = node(plan, 'web1');
    expect(nodeProblems(plan, web1, look(plan, web1, true))).toEqual([`no route to default via ${web1.routes[0].via}`]);
    const tun = planLab(tpl('tunnel'));
    const tweb = node(tun, 'web1');
    const problems = nodeProblems(tun, tweb, look(tun, tweb, true));
    expect(problems[0]).toBe(`no VIP ${tun.services[0].vip} on lo`);
    expect(problems.slice(1)).toEqual(tweb.routes.map((r) => `no route to ${r.dst} via ${r.via}`));
  });

  it('a node with nothing to show (a client) is judged by the sentinel alone', () => {
    const plan = planLab(tpl('nat'));
    const c = node(plan, 'client1');
    expect(c.routes).toEqual([]);
    expect(nodeProblems(plan, c, look(plan, c, true))).toEqual(['not plumbed']);
  });

  it('a route to a /32 matches what `ip route` prints (no /32); another next hop does not', () => {
    const plan = planLab(tpl('nat'));
    const n = { ...node(plan, 'web1'), routes: [{ dst: '198.18.9.9/32', via: '198.18.1.2' }] };
    expect(nodeProblems(plan, n, { ...look(plan, n), routes: ['198.18.9.9 via 198.18.1.2 dev eth0'] })).toEqual([]);
    expect(nodeProblems(plan, n, { ...look(plan, n), routes: ['198.18.9.9 via 198.18.1.3 dev eth0'] })).toEqual(['no route to 198.18.9.9/32 via 198.18.1.2']);
  });

  it('container states: stopped, missing, paused; a node `ip -j` cannot read is not judged', () => {
    const plan = planLab(tpl('nat'));
    const n = node(plan, 'web1');
    expect(nodeProblems(plan, n, { state: 'exited' })).toEqual(['stopped']);
    expect(nodeProblems(plan, n, { state: 'created' })).toEqual(['stopped']);
    expect(nodeProblems(plan, n, { state: 'missing' })).toEqual(['missing']);
    expect(nodeProblems(plan, n, { state: 'paused' })).toEqual(['paused']);
    expect(nodeProblems(plan, n, { state: 'running' })).toEqual([]);
  });
});

describe('degradedReason', () => {
  it('a whole lab has no reason', () => {
    const plan = planLab(tpl('tunnel'));
    expect(degradedReason(labProblems(plan, looks(plan), dockerNets(plan)))).toBeUndefined();
  });

  it('stopped nodes in one group, in document order', () => {
    const plan = planLab(tpl('nat'));
    const p = labProblems(plan, looks(plan, { lb: { state: 'exited' }, web2: { state: 'exited' } }), dockerNets(plan));
    expect(degradedReason(p)).toBe('lb, web2 stopped');
    expect(repairable(p)).toBe(true);
  });

  it('a restarted lab: what each node lacks, at most two things each', () => {
    const plan = planLab(tpl('tunnel'));
    const fresh = Object.fromEntries(plan.nodes.map((n) => [n.name, look(plan, n, true)]));
    const reason = degradedReason(labProblems(plan, looks(plan, fresh), dockerNets(plan)))!;
    const vip = plan.services[0].vip;
    expect(reason).toContain(`web1: no VIP ${vip} on lo, no route to`);
    expect(reason).toContain(`lb: no VIP ${vip}`);
    expect(reason).toMatch(/^r1 not plumbed; client1: no route to /);
    expect(reason.split('\n')).toHaveLength(1);
    const many = degradedReason({ nodes: [{ name: 'x', problems: ['a', 'b', 'c', 'd'] }], networks: [] });
    expect(many).toBe('x: a, b (+2 more)');
  });

  it('a missing container, a missing network or no record: degraded, and not repairable in place', () => {
    const plan = planLab(tpl('nat'));
    const gone = labProblems(plan, new Map([...looks(plan)].filter(([n]) => n !== 'web2')), dockerNets(plan));
    expect(degradedReason(gone)).toBe('web2 missing');
    expect(repairable(gone)).toBe(false);
    const noNet = labProblems(plan, looks(plan), dockerNets(plan).slice(1));
    expect(degradedReason(noNet)).toBe(`network ${plan.networks[0].name} missing`);
    expect(repairable(noNet)).toBe(false);
    const noRecord = labProblems(plan, looks(plan), dockerNets(plan), 'lb');
    expect(degradedReason(noRecord)).toBe('lb holds no lab record (deploy unfinished?)');
    expect(repairable(noRecord)).toBe(false);
  });
});

describe('balancerOrder', () => {
  it('a balancer another sends to comes first; independent ones keep their order; a cycle ends', () => {
    expect(balancerOrder(['edge', 'gw1', 'gw2'], (b) => (b === 'edge' ? ['gw1', 'gw2'] : []))).toEqual(['gw1', 'gw2', 'edge']);
    expect(balancerOrder(['a', 'b'], () => [])).toEqual(['a', 'b']);
    expect(balancerOrder(['a', 'b'], (b) => (b === 'a' ? ['b'] : ['a']))).toHaveLength(2);
    // only balancers count: a server dependency is ignored
    expect(balancerOrder(['a'], () => ['web1'])).toEqual(['a']);
  });
});

describe('the plumbing sentinel', () => {
  it('the script removes it first and puts it back last, on lo', () => {
    const plan = planLab(tpl('dsr'));
    const lines = nodeScript(plan, 'web1').split('\n');
    const del = lines.findIndex((l) => l.startsWith(`ip addr del ${PLUMBED_MARKER}/32 dev lo`));
    const add = lines.findIndex((l) => l.startsWith(`ip addr replace ${PLUMBED_MARKER}/32 dev lo`));
    expect(del).toBeGreaterThan(0);
    expect(add).toBeGreaterThan(del);
    // everything that changes the node comes between them
    expect(lines.slice(del + 1, add).some((l) => l.startsWith('ip addr replace') && l.includes('dev lo'))).toBe(true);
    expect(lines.slice(add + 1).some((l) => /^(ip|tc) /.test(l))).toBe(false);
  });

  it('run against a fake node: present after a run, absent when the run fails', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-health-'));
    try {
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      for (const f of ['ip', 'tc', 'mount']) {
        fs.copyFileSync(path.join(import.meta.dirname, '../topology/fake-bin', f), path.join(bin, f));
        fs.chmodSync(path.join(bin, f), 0o755);
      }
      const plan = planLab(tpl('nat'));
      const c = node(plan, 'client1');
      const run = () =>
        execFileSync('sh', ['-e', '-c', nodeScript(plan, c)], {
          env: { PATH: `${bin}:${process.env.PATH}`, FAKE: dir, LBLAB_STATE: path.join(dir, 'state'), LBLAB_PROC_SYS: path.join(dir, 'sys') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      fs.mkdirSync(path.join(dir, 'sys'));
      const addrs = path.join(dir, 'addrs');
      fs.writeFileSync(addrs, `lo 127.0.0.1/8\neth0 ${c.interfaces[0].address}/${c.interfaces[0].prefixLen}\n`);
      run();
      expect(fs.readFileSync(addrs, 'utf8')).toContain(`lo ${PLUMBED_MARKER}/32`);
      // the interface is gone (not attached): the run stops midway and takes the sentinel away
      fs.writeFileSync(addrs, `lo 127.0.0.1/8\nlo ${PLUMBED_MARKER}/32\n`);
      expect(run).toThrow();
      expect(fs.readFileSync(addrs, 'utf8')).not.toContain(PLUMBED_MARKER);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('firstTarFile', () => {
  it('reads the file out of an archive like the one Docker sends for one path', () => {
    const text = JSON.stringify({ hash: 'abc', modes: { web: 'nat' } });
    expect(firstTarFile(tarPack([{ name: 'lab.json', data: Buffer.from(text) }]))?.toString()).toBe(text);
  });

  it('skips a PAX header before it; an empty archive has none', () => {
    const tar = tarPack([{ name: 'lab.json', data: Buffer.from('{"a":1}') }]);
    const pax = Buffer.from(tar.subarray(0, 1024)); // a header and one data block
    pax[156] = 'x'.charCodeAt(0);
    expect(firstTarFile(Buffer.concat([pax, tar]))?.toString()).toBe('{"a":1}');
    expect(firstTarFile(Buffer.alloc(1024))).toBeUndefined();
  });
});
