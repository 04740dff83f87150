// What a redeploy decides without Docker: which subnets a lab without any gets
// (clear of the engine's other networks, its own kept), and which running
// nodes it keeps instead of replacing the lab.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { containerSpecHash } from '../../../electron/engine/deploy/containers';
import { keptNodes, sameDeployment } from '../../../electron/engine/deploy/up';
import { pinSubnets } from '../../../electron/engine/deploy/subnets';
import type { LabContext } from '../../../electron/engine/labs/status';
import { nodeScript, planLab, validateLab } from '../../../electron/engine/topology/index';
import { docHash } from '../../../electron/engine/labs/lab-record';

const deps = { validateLab, planLab };
const doc = (extra: LabDoc['nodes'] = {}, networks: LabDoc['networks'] = { front: {}, back: {} }): LabDoc => ({
  name: 'r',
  networks,
  nodes: {
    c1: { kind: 'client', links: [{ network: 'front' }] },
    lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
    web1: { kind: 'server', links: [{ network: 'back' }] },
    ...extra,
  },
  services: { web: { balancer: 'lb', mode: 'l4proxy', backends: ['web1'] } },
});
const none = { others: [], own: new Map<string, string>() };

describe('pinSubnets', () => {
  it('gives every network a subnet clear of the other Docker networks', () => {
    const pinned = pinSubnets(doc(), { others: ['198.18.0.0/24', '172.17.0.0/16', '198.18.2.0/23'], own: new Map() }, deps);
    expect(pinned.networks).toEqual({ front: { subnet: '198.18.1.0/24' }, back: { subnet: '198.18.4.0/24' } });
    // planning the pinned document again, knowing nothing of the engine, gives the same plan
    expect(planLab(pinned)).toEqual(planLab(doc(), { avoid: ['198.18.0.0/24', '172.17.0.0/16', '198.18.2.0/23'] }));
  });

  it('keeps the running lab\'s subnets, even where lower ones are free', () => {
    const own = new Map([['front', '198.18.7.0/24'], ['back', '198.18.9.0/24']]);
    expect(pinSubnets(doc(), { others: [], own }, deps).networks).toEqual({ front: { subnet: '198.18.7.0/24' }, back: { subnet: '198.18.9.0/24' } });
  });

  it('an own subnet the file now gives to another network, or outside the default pool, is not kept', () => {
    const own = new Map([['front', '198.18.5.0/24'], ['back', '10.1.0.0/24']]);
    const pinned = pinSubnets(doc({}, { front: {}, back: {}, side: { subnet: '198.18.5.0/24' } }), { others: [], own }, deps);
    expect(pinned.networks.front.subnet).toBe('198.18.0.0/24');
    expect(pinned.networks.back.subnet).toBe('198.18.1.0/24');
    expect(pinned.networks.side.subnet).toBe('198.18.5.0/24');
  });

  it('an explicit subnet on another network of the engine: one line naming the field', () => {
    expect(() => pinSubnets(doc({}, { front: { subnet: '198.18.3.0/24' }, back: {} }), { others: ['198.18.3.0/24'], own: new Map() }, deps)).toThrow(
      'lab r: networks.front.subnet: subnet 198.18.3.0/24 overlaps 198.18.3.0/24, already used on this host (another lab or Docker network)',
    );
  });
});

/** A running lab as labContext reports it: every node running with the spec it was created with. */
function running(d: LabDoc, opts: { record?: boolean; state?: string } = {}): LabContext {
  const plan = planLab(d);
  const containers = plan.nodes.map(
    (n) =>
      ({
        Id: n.name,
        Names: [`/${n.container}`],
        State: opts.state ?? 'running',
        Labels: { 'io.lblab.node': n.name, 'io.lblab.spec': containerSpecHash({ plan, node: n, image: `img-${n.kind}`, labels: {} }) },
      }) as unknown as Docker.ContainerInfo,
  );
  const networks = plan.networks.map((n) => ({ Name: n.docker, Labels: { 'io.lblab.network': n.name } }) as unknown as Docker.NetworkInspectInfo);
  return { objs: { containers, networks }, doc: d, plan, record: opts.record === false ? undefined : { hash: 'h', modes: {}, deployedAt: 0, doc: d } };
}
const specsOf = (d: LabDoc) => {
  const plan = planLab(d);
  return { plan, specs: new Map(plan.nodes.map((n) => [n.name, containerSpecHash({ plan, node: n, image: `img-${n.kind}`, labels: {} })])) };
};

describe('keptNodes', () => {
  const before = pinSubnets(doc(), none, deps);

  it('adding a client keeps every running node', () => {
    const next = pinSubnets(doc({ c2: { kind: 'client', links: [{ network: 'front' }] } }), { others: [], own: new Map([['front', '198.18.0.0/24'], ['back', '198.18.1.0/24']]) }, deps);
    const { plan, specs } = specsOf(next);
    expect([...keptNodes(running(before), next, plan, specs)!].sort()).toEqual(['c1', 'lb', 'web1']);
  });

  it('flipping offload keeps every node and re-plumbs them all: a new document, the same containers', () => {
    for (const [from, to] of [
      [before, { ...before, offload: true }],
      [{ ...before, offload: true }, before],
    ] as [LabDoc, LabDoc][]) {
      const { plan, specs } = specsOf(to);
      expect([...keptNodes(running(from), to, plan, specs)!].sort()).toEqual(['c1', 'lb', 'web1']);
      expect(docHash(to)).not.toBe(docHash(from));
      const was = planLab(from);
      for (const n of plan.nodes) expect(nodeScript(plan, n), n.name).not.toBe(nodeScript(was, n.name));
    }
  });

  it('dropping a node keeps the others (the dropped one goes after the record)', () => {
    const smaller = { ...before, nodes: { ...before.nodes } };
    delete (smaller.nodes as Record<string, unknown>).c1;
    const { plan, specs } = specsOf(smaller);
    expect([...keptNodes(running(before), smaller, plan, specs)!].sort()).toEqual(['lb', 'web1']);
  });

  it('replaces the lab when a kept node would be created otherwise, or the lab is not whole and recorded', () => {
    // a server added on front comes before the client: c1's address moves
    const next = pinSubnets(doc({ web0: { kind: 'server', links: [{ network: 'front' }] } }), { others: [], own: new Map([['front', '198.18.0.0/24'], ['back', '198.18.1.0/24']]) }, deps);
    const moved = specsOf(next);
    expect(keptNodes(running(before), next, moved.plan, moved.specs)).toBeUndefined();
    const same = specsOf(before);
    expect(keptNodes(running(before), before, same.plan, same.specs)).toBeDefined();
    expect(keptNodes(running(before, { record: false }), before, same.plan, same.specs)).toBeUndefined();
    expect(keptNodes(running(before, { state: 'exited' }), before, same.plan, same.specs)).toBeUndefined();
  });

  it('replaces the lab when a network changes subnet, or a new one overlaps one that goes', () => {
    const resubnet = { ...before, networks: { ...before.networks, back: { subnet: '198.18.8.0/24' } } };
    const r = specsOf(resubnet);
    expect(keptNodes(running(before), resubnet, r.plan, r.specs)).toBeUndefined();
    // an empty network swapped for another on the same subnet: no node changes, Docker would refuse the overlap
    const withSpare = { ...before, networks: { ...before.networks, spare: { subnet: '198.18.30.0/24' } } };
    const renamed = { ...before, networks: { ...before.networks, spare2: { subnet: '198.18.30.0/24' } } };
    const n = specsOf(renamed);
    expect(keptNodes(running(withSpare), renamed, n.plan, n.specs)).toBeUndefined();
    const elsewhere = { ...before, networks: { ...before.networks, spare2: { subnet: '198.18.31.0/24' } } };
    const e = specsOf(elsewhere);
    expect(keptNodes(running(withSpare), elsewhere, e.plan, e.specs)).toBeDefined();
  });
});

describe('sameDeployment (a degraded lab of the same document is repaired, not replaced)', () => {
  const d = pinSubnets(doc(), none, deps);
  const plan = planLab(d);

  it('the recorded hash and every node and network there: the same lab, even with its containers stopped', () => {
    expect(sameDeployment(running(d), plan, 'h')).toBe(true);
    expect(sameDeployment(running(d, { state: 'exited' }), plan, 'h')).toBe(true);
  });

  it('another hash, no record, a container or a network gone: not the same lab', () => {
    expect(sameDeployment(running(d), plan, 'other')).toBe(false);
    expect(sameDeployment(running(d, { record: false }), plan, 'h')).toBe(false);
    const noWeb = running(d);
    noWeb.objs.containers = noWeb.objs.containers.filter((c) => c.Labels?.['io.lblab.node'] !== 'web1');
    expect(sameDeployment(noWeb, plan, 'h')).toBe(false);
    const noNet = running(d);
    noNet.objs.networks = noNet.objs.networks.slice(1);
    expect(sameDeployment(noNet, plan, 'h')).toBe(false);
  });
});
