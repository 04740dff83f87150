// What a balancer's configuration waits for during a deploy, and which
// balancers load their data plane ahead of their config.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { preloadsDataplane } from '../../../electron/engine/deploy/containers';
import { balancerDependencies } from '../../../electron/engine/deploy/up';
import { loadLabFile, planLab } from '../../../electron/engine/topology/index';

const lab = async (name: string) => planLab(await loadLabFile(path.join(__dirname, '../../../labs', `${name}.lab.yaml`)));

describe('deploy pipeline', () => {
  it('a balancer waits for its own plumbing and its backends', async () => {
    const plan = await lab('dsr');
    expect(balancerDependencies(plan, 'lb')).toEqual({ plumbed: ['lb', 'web1', 'web2', 'web3'], configured: [] });
  });

  it('multi-tier: the edge also waits for the gateways to be configured, the gateways not for the edge', async () => {
    const plan = await lab('multi-tier');
    const edge = balancerDependencies(plan, 'edge');
    expect(edge.plumbed.sort()).toEqual(['edge', 'gw1', 'gw2']);
    expect(edge.configured.sort()).toEqual(['gw1', 'gw2']);
    const gw1 = balancerDependencies(plan, 'gw1');
    expect(gw1.plumbed.sort()).toEqual(['gw1', 'web1', 'web2', 'web3']);
    expect(gw1.configured).toEqual([]);
  });

  it('routers carry health checks to remote backends: a balancer waits for them too', async () => {
    const plan = await lab('tunnel');
    const routers = plan.nodes.filter((n) => n.kind === 'router').map((n) => n.name);
    const lb = plan.services[0].balancer;
    for (const r of routers) expect(balancerDependencies(plan, lb).plumbed).toContain(r);
  });

  it('only balancers of an eBPF mode load their data plane ahead', async () => {
    const tier = await lab('multi-tier');
    const byName = (n: string) => tier.nodes.find((x) => x.name === n)!;
    expect(preloadsDataplane(tier, byName('edge'))).toBe(true);
    expect(preloadsDataplane(tier, byName('gw1'))).toBe(false);
    expect(preloadsDataplane(tier, byName('web1'))).toBe(false);
  });
});
