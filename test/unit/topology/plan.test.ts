// Planning: addresses, default subnets, routes across routers, per-mode node setup, services.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { assignAddresses, LabFileError, nodeScript, planLab, validateLab } from '../../../electron/engine/topology/index';
import type { LabPlan } from '../../../electron/engine/topology/plan-types';
import { node, routedTwoArm, tpl } from './fixtures';

const addrOf = (plan: LabPlan, n: string, net: string) => node(plan, n).interfaces.find((i) => i.network === net)!.address;

/** client — r1 — r2 chain: three subnets, servers two routers away from the balancer */
const chain: LabDoc = {
  name: 'chain',
  networks: { a: {}, b: { subnet: '198.18.1.0/24' }, c: { subnet: '10.9.0.0/24' } },
  nodes: {
    c1: { kind: 'client', links: [{ network: 'a' }] },
    lb: { kind: 'balancer', links: [{ network: 'a' }] },
    r1: { kind: 'router', links: [{ network: 'a' }, { network: 'b' }] },
    r2: { kind: 'router', links: [{ network: 'b' }, { network: 'c' }] },
    s1: { kind: 'server', links: [{ network: 'c' }] },
    s2: { kind: 'server', links: [{ network: 'c', address: '10.9.0.50' }] },
  },
  services: { web: { balancer: 'lb', mode: 'tunnel', backends: ['s1', { node: 's2', weight: 3 }] } },
};

describe('addressing', () => {
  it('gives default /24s from 198.18.0.0/15 by network position, skipping explicit subnets', () => {
    const doc: LabDoc = { name: 'x', networks: { a: {}, b: { subnet: '198.18.0.0/24' }, c: {} }, nodes: {} };
    const a = assignAddresses(doc);
    expect(Object.fromEntries([...a.subnets].map(([k, v]) => [k, v.cidr]))).toEqual({ a: '198.18.1.0/24', b: '198.18.0.0/24', c: '198.18.2.0/24' });
  });

  it('avoids subnets used elsewhere on the host', () => {
    const a = assignAddresses({ name: 'x', networks: { a: {} }, nodes: {} }, { avoid: ['198.18.0.0/23'] });
    expect(a.subnets.get('a')!.cidr).toBe('198.18.2.0/24');
  });

  it('rejects an explicit subnet already used on the host', () => {
    const a = assignAddresses({ name: 'x', networks: { a: { subnet: '198.18.0.0/24' } }, nodes: {} }, { avoid: ['198.18.0.0/16'] });
    expect(a.issues).toEqual([{ path: ['networks', 'a', 'subnet'], network: 'a', message: 'subnet 198.18.0.0/24 overlaps 198.18.0.0/16, already used on this host (another lab or Docker network)' }]);
  });

  it('never hands out .1 (the Docker gateway); balancers first, then routers, servers, clients in natural name order', () => {
    const doc: LabDoc = {
      name: 'x',
      networks: { n: {}, m: {} },
      nodes: {
        web10: { kind: 'server', links: [{ network: 'n' }] },
        c: { kind: 'client', links: [{ network: 'n' }] },
        web2: { kind: 'server', links: [{ network: 'n' }] },
        r: { kind: 'router', links: [{ network: 'n' }, { network: 'm' }] },
        lb: { kind: 'balancer', links: [{ network: 'n' }] },
      },
    };
    const plan = planLab(doc);
    expect(plan.networks[0]).toEqual({ name: 'n', docker: 'lblab-x-n', subnet: '198.18.0.0/24', gateway: '198.18.0.1' });
    expect(['lb', 'r', 'web2', 'web10', 'c'].map((n) => addrOf(plan, n, 'n'))).toEqual(['198.18.0.2', '198.18.0.3', '198.18.0.4', '198.18.0.5', '198.18.0.6']);
  });

  it('keeps explicit addresses and allocates around them', () => {
    const plan = planLab({ ...chain, nodes: { ...chain.nodes, s1: { kind: 'server', links: [{ network: 'c', address: '10.9.0.3' }] } } });
    expect(addrOf(plan, 'r2', 'c')).toBe('10.9.0.2');
    expect(addrOf(plan, 's1', 'c')).toBe('10.9.0.3');
    expect(addrOf(plan, 's2', 'c')).toBe('10.9.0.50');
  });

  it('default VIP is the highest free address of the balancer first network; explicit VIP kept', () => {
    expect(planLab(chain).services[0].vip).toBe('198.18.0.254');
    expect(planLab({ ...chain, services: { web: { ...chain.services!.web, vip: '198.18.0.100' } } }).services[0].vip).toBe('198.18.0.100');
  });
});

describe('routes', () => {
  const plan = planLab(chain);
  it('routes every non-attached subnet via the first router on the path', () => {
    const r1a = addrOf(plan, 'r1', 'a');
    const r1b = addrOf(plan, 'r1', 'b');
    const r2b = addrOf(plan, 'r2', 'b');
    const r2c = addrOf(plan, 'r2', 'c');
    expect(node(plan, 'lb').routes).toEqual([
      { dst: '198.18.1.0/24', via: r1a },
      { dst: '10.9.0.0/24', via: r1a },
    ]);
    expect(node(plan, 'c1').routes).toEqual(node(plan, 'lb').routes);
    expect(node(plan, 'r1').routes).toEqual([{ dst: '10.9.0.0/24', via: r2b }]);
    expect(node(plan, 'r2').routes).toEqual([{ dst: '198.18.0.0/24', via: r1b }]);
    expect(node(plan, 's1').routes).toEqual([
      { dst: '198.18.1.0/24', via: r2c },
      { dst: '198.18.0.0/24', via: r2c },
    ]);
  });

  it('nat: a server default route via the balancer, no other lab routes', () => {
    const p = planLab(tpl('nat'));
    const gw = addrOf(p, 'lb', 'back');
    for (const s of ['web1', 'web2', 'web3']) expect(node(p, s).routes).toEqual([{ dst: 'default', via: gw }]);
    expect(node(p, 'client1').routes).toEqual([]);
  });

  it('a mode switch away from nat gives the servers their plain routes back', () => {
    const p = planLab(tpl('nat'), { modes: { web: 'snat' } });
    for (const s of ['web1', 'web2', 'web3']) expect(node(p, s).routes).toEqual([]);
  });

  it('nat drops a more specific route that would bypass the balancer', () => {
    const doc = routedTwoArm();
    expect(node(planLab(doc), 's').routes.map((r) => r.dst)).toEqual(['198.18.2.0/24', '198.18.0.0/24']);
    const nat = planLab(doc, { modes: { web: 'nat' } });
    expect(node(nat, 's').routes).toEqual([{ dst: 'default', via: addrOf(nat, 'lb', 'back') }]);
  });
});

describe('per-mode node setup', () => {
  const ARP = { 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.all.arp_announce': '2' };
  const RP = { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0' };

  it('dsr: servers hold the VIP on lo and ignore ARP for it', () => {
    const p = planLab(tpl('dsr'));
    const vip = p.services[0].vip;
    expect(node(p, 'web1')).toMatchObject({ loopbackVips: [vip], tunnelDecap: false, sysctls: ARP, capAdd: ['NET_ADMIN', 'SYS_ADMIN'] });
    expect(node(p, 'lb')).toMatchObject({ loopbackVips: [], sysctls: { 'net.ipv4.ip_forward': '1' }, capAdd: ['NET_ADMIN', 'SYS_ADMIN'] });
    expect(node(p, 'client1')).toMatchObject({ loopbackVips: [], sysctls: {}, capAdd: ['NET_ADMIN'], image: 'lblab/client', container: 'lblab-dsr-client1' });
  });

  it('tunnel: servers decapsulate, hold the VIP and disable rp_filter; routers forward loosely', () => {
    const p = planLab(tpl('tunnel'));
    expect(node(p, 'web2')).toMatchObject({ loopbackVips: [p.services[0].vip], tunnelDecap: true, sysctls: { ...ARP, ...RP } });
    expect(node(p, 'r1').sysctls).toEqual({ 'net.ipv4.ip_forward': '1', ...RP });
    expect(node(p, 'r1').capAdd).toEqual(['NET_ADMIN']);
  });

  it('nat, snat, l4proxy, l7: no VIP on servers, no special sysctls', () => {
    for (const id of ['nat', 'snat', 'l4proxy', 'l7']) {
      const p = planLab(tpl(id));
      expect(node(p, 'web1')).toMatchObject({ loopbackVips: [], tunnelDecap: false, sysctls: {} });
    }
  });

  it('multi-tier: the gateways are backends of the dsr tier (VIP on lo) and balancers of their own l7 services', () => {
    const p = planLab(tpl('multi-tier'));
    const edge = p.services.find((s) => s.name === 'edge')!;
    expect(edge.backends.map((b) => b.node)).toEqual(['gw1', 'gw2']);
    expect(node(p, 'gw1')).toMatchObject({ kind: 'balancer', loopbackVips: [edge.vip], sysctls: { 'net.ipv4.ip_forward': '1', ...ARP } });
    const gw1 = p.services.find((s) => s.name === 'gw1')!;
    expect(gw1.vip).not.toBe(edge.vip);
    expect(gw1.routes).toEqual([{ path: '/api', backends: [expect.objectContaining({ node: 'web2', network: 'back' })] }]);
  });
});

describe('services', () => {
  it('resolves backends with weights, sources, defaults', () => {
    const p = planLab(chain);
    expect(p.services[0]).toMatchObject({
      name: 'web', balancer: 'lb', port: 80, mode: 'tunnel', scheduler: 'maglev', routes: [],
      health: { type: 'tcp', path: '/', intervalMs: 500 },
      backends: [
        { node: 's1', address: addrOf(p, 's1', 'c'), network: 'c', weight: 1, source: addrOf(p, 'lb', 'a') },
        { node: 's2', address: '10.9.0.50', network: 'c', weight: 3, source: addrOf(p, 'lb', 'a') },
      ],
    });
  });

  it('snat source is the balancer address on the backends network', () => {
    const p = planLab(tpl('nat'), { modes: { web: 'snat' } });
    expect(p.services[0].snatAddress).toBe(addrOf(p, 'lb', 'back'));
    expect(p.services[0].backends.every((b) => b.network === 'back' && b.source === addrOf(p, 'lb', 'back'))).toBe(true);
  });

  it('l7 routes resolve to planned backends; health settings carried', () => {
    const p = planLab(tpl('l7'));
    const s = p.services[0];
    expect(s.routes.map((r) => [r.path, r.header, r.backends.map((b) => b.node)])).toEqual([
      ['/api', undefined, ['web2']],
      [undefined, { 'X-Canary': '1' }, ['web3']],
    ]);
    expect(s.health).toEqual({ type: 'http', path: '/', intervalMs: 500 });
  });

  it('switching an l7 service to another mode leaves its routes dormant instead of failing', () => {
    expect(planLab(tpl('l7'), { modes: { web: 'nat' } }).services[0].routes).toEqual([]);
    const doc = structuredClone(tpl('l7'));
    doc.services!.web.mode = 'l4proxy'; // how deploy/ switches modes: the document itself changes
    expect(validateLab(doc)).toEqual({ ok: true, issues: [] });
    expect(planLab(doc).services[0].routes).toEqual([]);
  });

  it('refuses an unsupported mode switch with one line naming the backend', () => {
    expect(() => planLab(tpl('tunnel'), { modes: { web: 'dsr' } })).toThrow(LabFileError);
    expect(() => planLab(tpl('tunnel'), { modes: { web: 'dsr' } })).toThrow(/^services\.web\.backends\[0\]: mode dsr needs backend web1/);
    expect(() => planLab(tpl('dsr'), { modes: { nope: 'dsr' } })).toThrow('services.nope: unknown service "nope"');
  });

  it('is deterministic', () => {
    expect(planLab(tpl('multi-tier'))).toEqual(planLab(tpl('multi-tier')));
  });
});

describe('snat address pools', () => {
  const lab = (extra: Record<string, unknown> = {}): LabDoc => ({
    name: 'pool',
    networks: { front: { subnet: '198.18.40.0/24' } },
    nodes: {
      c1: { kind: 'client', links: [{ network: 'front' }] },
      lb: { kind: 'balancer', links: [{ network: 'front' }] },
      s1: { kind: 'server', links: [{ network: 'front' }] },
    },
    services: { web: { balancer: 'lb', mode: 'snat', backends: ['s1'], ...extra } },
  });

  it('snatAddresses: N gives the balancer N - 1 more addresses toward the backends, after the VIP; the plumbing owns them', () => {
    const plan = planLab(lab({ snatAddresses: 3 }));
    const s = plan.services[0];
    expect(s.vip).toBe('198.18.40.254');
    expect(s.snatAddresses).toEqual([addrOf(plan, 'lb', 'front'), '198.18.40.253', '198.18.40.252']);
    expect(s.snatCapacityPerBackend).toBe(Math.floor((58976 * 3) / 60));
    const script = nodeScript(plan, 'lb');
    for (const a of s.snatAddresses!.slice(1)) expect(script).toContain(`ip addr replace ${a}/32 dev`);
  });

  it('the flow table: 10^6 flows by default, the lab file\'s maxFlows otherwise, with its memory', () => {
    const dflt = planLab(lab()).services[0];
    expect(dflt.maxFlows).toBe(1_000_000);
    // 2^21 + 1 entries (2 a flow, one past a power of two) of 48 + 16 + 56 bytes, and 2^22 16-byte buckets: what the
    // kernel reports for such a map
    expect(dflt.flowTableBytes).toBe((2 ** 21 + 1) * 120 + 2 ** 22 * 16);
    expect(dflt.flowTable6Bytes).toBeUndefined();
    expect(planLab(lab({ maxFlows: 10_000 })).services[0].maxFlows).toBe(10_000);
    expect(() => planLab(lab({ maxFlows: 10 }))).toThrow(/services.web.maxFlows: .*1024/);
  });

  it('one address: no pool in the plan, the capacity of one; every balancer keeps its own ports above the snat range', () => {
    const plan = planLab(lab());
    expect(plan.services[0].snatAddresses).toBeUndefined();
    expect(plan.services[0].snatCapacityPerBackend).toBe(Math.floor(58976 / 60));
    expect(node(plan, 'lb').sysctls['net.ipv4.ip_local_port_range']).toBe('60000 65535');
    expect(node(plan, 's1').sysctls['net.ipv4.ip_local_port_range']).toBeUndefined();
  });

  it('a pool in a subnet without room: one line, naming the service', () => {
    const doc = lab({ snatAddresses: 16 });
    (doc.networks.front as { subnet: string }).subnet = '198.18.40.0/28';
    expect(() => planLab(doc)).toThrow(LabFileError);
    expect(validateLab(doc).issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      "services.web.snatAddresses: no room for 15 more snat addresses in front's subnet 198.18.40.0/28 (9 free): use fewer or a larger subnet",
    ]);
  });
});

describe('network mtu', () => {
  it('a network\'s mtu becomes its interfaces\' MTU (the Docker bridge option); the others keep the default', async () => {
    const doc: LabDoc = { ...chain, networks: { ...chain.networks, b: { ...chain.networks.b, mtu: 1280 } } };
    const plan = planLab(doc);
    expect(Object.fromEntries(plan.networks.map((n) => [n.name, n.mtu]))).toEqual({ a: undefined, b: 1280, c: undefined });
    const { networkOptions } = await import('../../../electron/engine/deploy/containers');
    expect(networkOptions('chain', plan.networks.find((n) => n.name === 'b')!).Options).toMatchObject({ 'com.docker.network.driver.mtu': '1280' });
    expect(networkOptions('chain', plan.networks.find((n) => n.name === 'a')!).Options).not.toHaveProperty(['com.docker.network.driver.mtu']);
  });
});
