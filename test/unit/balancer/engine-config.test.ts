import { describe, expect, it } from 'vitest';
import { buildAgentConfig, routeMatch, type RuntimeFacts } from '../../../electron/engine/balancer/agent-config';
import { toServiceStats } from '../../../electron/engine/balancer/stats';
import type { LabPlan, PlannedNode } from '../../../electron/engine/topology/plan-types';
import { agentConfigSchema } from '../../../lab-images/balancer/contract/config';

const node = (name: string, kind: PlannedNode['kind'], ifs: [string, string][], routes: PlannedNode['routes'] = []): PlannedNode => ({
  name,
  kind,
  image: `lblab/${kind}`,
  container: `lblab-t-${name}`,
  interfaces: ifs.map(([network, address]) => ({ network, address, prefixLen: 24 })),
  routes,
  loopbackVips: [],
  tunnelDecap: false,
  sysctls: {},
  capAdd: [],
});

const health = { type: 'tcp' as const, path: '/', intervalMs: 500 };
const plan: LabPlan = {
  name: 't',
  networks: [
    { name: 'front', docker: 'lblab-t-front', subnet: '198.18.0.0/24', gateway: '198.18.0.1' },
    { name: 'back', docker: 'lblab-t-back', subnet: '198.18.20.0/24', gateway: '198.18.20.1' },
  ],
  nodes: [
    node('lb', 'balancer', [['front', '198.18.0.2']], [{ dst: '198.18.20.0/24', via: '198.18.0.3' }]),
    node('r1', 'router', [['front', '198.18.0.3'], ['back', '198.18.20.3']]),
    node('web1', 'server', [['front', '198.18.0.11']]),
    node('web2', 'server', [['back', '198.18.20.12']]),
  ],
  services: [
    {
      name: 'web', balancer: 'lb', vip: '198.18.0.100', port: 80, mode: 'tunnel', scheduler: 'maglev',
      backends: [
        { node: 'web1', address: '198.18.0.11', network: 'front', weight: 1 },
        { node: 'web2', address: '198.18.20.12', network: 'back', weight: 2 },
      ],
      routes: [], health,
    },
    {
      name: 'gw', balancer: 'lb', vip: '198.18.0.101', port: 8080, mode: 'l7', scheduler: 'rr',
      backends: [{ node: 'web1', address: '198.18.0.11', network: 'front', weight: 1 }],
      routes: [{ path: '/api', backends: [{ node: 'web2', address: '198.18.20.12', network: 'back', weight: 1 }] }],
      health: { type: 'http', path: '/healthz', intervalMs: 200 },
    },
  ],
};

const facts: RuntimeFacts = {
  links: [
    { ifname: 'lo', address: '00:00:00:00:00:00', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
    { ifname: 'eth7', address: '02:42:C6:12:00:02', addr_info: [{ family: 'inet', local: '198.18.0.2', prefixlen: 24 }] },
  ],
  macs: { 'web1/front': '02:42:c6:12:00:0b', 'r1/front': '02:42:c6:12:00:03', 'r1/back': '02:42:c6:12:14:03' },
};

describe('buildAgentConfig', () => {
  it('maps interfaces by address and backends to their L2 next hop', () => {
    const cfg = agentConfigSchema.parse(buildAgentConfig(plan, 'lb', facts));
    expect(cfg.interfaces).toEqual([{ name: 'eth7', network: 'front', address: '198.18.0.2/24', mac: '02:42:c6:12:00:02' }]);
    const web = cfg.services[0];
    expect(web.backends.map((b) => [b.node, b.mac, b.weight])).toEqual([
      ['web1', '02:42:c6:12:00:0b', 1],
      ['web2', '02:42:c6:12:00:03', 2], // behind router r1: the router's MAC on the balancer's network
    ]);
    expect(web.routes).toEqual([]);
    const gw = cfg.services[1];
    expect(gw.routes[0]).toMatchObject({ path: '/api', backends: [{ node: 'web2', address: '198.18.20.12' }] });
    expect(gw.health).toMatchObject({ type: 'http', path: '/healthz', intervalMs: 200, timeoutMs: 150 });
  });

  it('sizes the balancer\'s flow table for the largest maxFlows its eBPF services ask (default 10^6)', () => {
    expect(agentConfigSchema.parse(buildAgentConfig(plan, 'lb', facts)).maxFlows).toBe(1_000_000);
    const asks = (n: number): LabPlan => ({ ...plan, services: plan.services.map((s, i) => (i === 0 ? { ...s, maxFlows: n } : s)) });
    expect(buildAgentConfig(asks(50_000), 'lb', facts).maxFlows).toBe(50_000);
    expect(buildAgentConfig(asks(3_000_000), 'lb', facts).maxFlows).toBe(3_000_000);
    expect(agentConfigSchema.safeParse({ ...buildAgentConfig(plan, 'lb', facts), maxFlows: 100 }).success).toBe(false);
  });

  it('one clear line when the balancer lacks an interface or a backend MAC', () => {
    expect(() => buildAgentConfig(plan, 'lb', { ...facts, links: [] })).toThrow(
      'balancer lb: no interface holds 198.18.0.2 (network front); is the container attached to it?',
    );
    expect(() => buildAgentConfig(plan, 'lb', { ...facts, macs: {} })).toThrow('balancer lb: no MAC known for backend web1 on network front; is it running?');
    expect(() => buildAgentConfig(plan, 'web1', facts)).toThrow('lab t: node web1 is a server, not a balancer');
    expect(() => buildAgentConfig(plan, 'nope', facts)).toThrow('lab t: no node named nope');
  });

  it('routeMatch picks covering prefixes', () => {
    expect(routeMatch('198.18.20.0/24', '198.18.20.12')).toBe(24);
    expect(routeMatch('198.18.20.0/24', '198.18.21.12')).toBe(-1);
    expect(routeMatch('default', '10.0.0.1')).toBe(0);
    expect(routeMatch('198.18.0.0/15', '198.19.255.1')).toBe(15);
  });
});

describe('toServiceStats', () => {
  it('adds the lab, keeps counters, exposes proxy sessions per backend, filters services', () => {
    const out = toServiceStats(
      'demo',
      {
        at: 42,
        balancer: 'lb',
        services: [
          {
            name: 'gw', mode: 'l7', scheduler: 'rr', vip: '198.18.0.101', port: 80, engine: 'haproxy',
            backends: [{ node: 'web1', address: '198.18.0.11', weight: 1, healthy: false, packets: 0, bytes: 10, activeFlows: 1, sessions: 3 }],
            counters: { sessions: 3 }, drops: { connect_errors: 1 },
          },
          { name: 'other', mode: 'dsr', scheduler: 'maglev', vip: '198.18.0.102', port: 80, engine: 'ebpf', backends: [], counters: {}, drops: {} },
        ],
      },
      new Set(['gw']),
    );
    expect(out).toEqual([
      {
        lab: 'demo', service: 'gw', mode: 'l7', scheduler: 'rr', at: 42,
        backends: [{ node: 'web1', address: '198.18.0.11', weight: 1, healthy: false, packets: 0, bytes: 10, activeFlows: 1 }],
        counters: { sessions: 3, 'sessions.web1': 3 }, drops: { connect_errors: 1 },
      },
    ]);
  });
});

describe('multi-tier: a gateway behind a dsr tier', () => {
  it("answers the edge VIP and the edge's health checks as well as its own VIP, only on its first proxy service", async () => {
    const { loadLabFile, planLab } = await import('../../../electron/engine/topology/index');
    const mt = planLab(await loadLabFile('labs/multi-tier.lab.yaml'));
    const gw1 = mt.nodes.find((n) => n.name === 'gw1')!;
    const gwFacts: RuntimeFacts = {
      links: gw1.interfaces.map((i, k) => ({ ifname: `eth${k}`, address: `02:42:c6:12:00:0${k}`, addr_info: [{ family: 'inet', local: i.address, prefixlen: i.prefixLen }] })),
      macs: Object.fromEntries(mt.nodes.flatMap((n) => n.interfaces.map((i) => [`${n.name}/${i.network}`, '02:42:c6:12:aa:bb']))),
    };
    const edge = mt.services.find((s) => s.name === 'edge')!;
    const cfg = agentConfigSchema.parse(buildAgentConfig(mt, 'gw1', gwFacts));
    const own = edge.backends.find((b) => b.node === 'gw1')!.address;
    // the edge VIP (forwarded traffic) and gw1's own address there (the edge's health checks)
    expect(cfg.services.map((s) => [s.name, s.alsoBind])).toEqual([['gw1', [`${edge.vip}:${edge.port}`, `${own}:${edge.port}`]]]);
    // the edge balancer itself binds nothing extra
    const edgeNode = mt.nodes.find((n) => n.name === 'edge')!;
    const edgeFacts: RuntimeFacts = { ...gwFacts, links: edgeNode.interfaces.map((i, k) => ({ ifname: `eth${k}`, address: '02:42:c6:12:00:09', addr_info: [{ family: 'inet', local: i.address, prefixlen: i.prefixLen }] })) };
    expect(agentConfigSchema.parse(buildAgentConfig(mt, 'edge', edgeFacts)).services[0].alsoBind).toEqual([]);
  });
});
