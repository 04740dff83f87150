import { afterEach, describe, expect, it, vi } from 'vitest';
import { Agent, IdPool } from '../../../lab-images/balancer/agent/agent';
import { agentConfigSchema, type AgentConfigInput } from '../../../lab-images/balancer/contract/config';
import { MAGLEV_SIZE } from '../../../lab-images/balancer/agent/maglev';
import { agentStatsSchema } from '../../../lab-images/balancer/contract/report';
import { FakeDataplane, FakeHaproxy } from './fakes';
import { sampleConfig } from './fixtures';
import { MIN_MAX_FLOWS, type FlowTableSizes } from '../../../lab-images/balancer/contract/flow-table';

const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

function setup(sweepIntervalMs?: number) {
  const down = new Set<string>();
  const dps: FakeDataplane[] = [];
  const sizes: FlowTableSizes[] = [];
  const haproxy = new FakeHaproxy();
  const agent = new Agent({
    loadDataplane: async (ifs, sized) => {
      const dp = new FakeDataplane(ifs);
      sizes.push(sized);
      dps.push(dp);
      return dp;
    },
    haproxy,
    probe: async (t) => (down.has(t.node) ? 'refused' : undefined),
    sweepIntervalMs,
  });
  const apply = (c: AgentConfigInput) => agent.apply(agentConfigSchema.parse(c));
  return { agent, dps, haproxy, down, apply, sizes };
}

let agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents) await a.shutdown();
  agents = [];
});

const fast = { intervalMs: 100, timeoutMs: 50 };

describe('Agent', () => {
  it('installs eBPF services with a Maglev table and leaves HAProxy off', async () => {
    const { agent, dps, haproxy, apply } = setup();
    agents.push(agent);
    await apply(sampleConfig());
    expect(dps).toHaveLength(1);
    expect(dps[0].interfaces).toEqual(['eth0']);
    const svc = [...dps[0].services.values()][0];
    expect(svc).toMatchObject({ vip: '198.18.0.100', port: 80, proto: 'tcp', mode: 'dsr', scheduler: 'maglev' });
    expect(svc.backends.map((b) => [b.address, b.mac, b.weight, b.healthy])).toEqual([
      ['198.18.0.11', '02:42:c6:12:00:0b', 1, true],
      ['198.18.0.12', '02:42:c6:12:00:0c', 2, true],
    ]);
    expect(svc.table).toHaveLength(MAGLEV_SIZE);
    expect(haproxy.running()).toBe(false);
  });

  it('rr/wrr/lc produce sequences or an empty table', async () => {
    const { agent, dps, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    c.services[0].scheduler = 'wrr';
    await apply(c);
    const [a, b] = [...dps[0].services.values()][0].backends.map((x) => x.id);
    expect([...dps[0].services.values()][0].table).toEqual([b, a, b]);
    c.services[0].scheduler = 'lc';
    await apply(c);
    expect([...dps[0].services.values()][0].table).toEqual([]);
  });

  it('a failing backend leaves the table and comes back, ids stay stable', async () => {
    const { agent, dps, down, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    Object.assign(c.services[0], { scheduler: 'rr', health: fast });
    await apply(c);
    const dp = dps[0];
    const svc = () => [...dp.services.values()][0];
    const [id1, id2] = svc().backends.map((b) => b.id);
    expect(svc().table).toEqual([id1, id2]);
    down.add('web2');
    await until(() => svc().table.length === 1, 1500);
    expect(svc().table).toEqual([id1]);
    expect(svc().backends[1].healthy).toBe(false);
    down.delete('web2');
    await until(() => svc().table.length === 2, 1500);
    expect(svc().backends.map((b) => b.id)).toEqual([id1, id2]);
  });

  it('switching dsr → l4proxy removes the data-plane service before HAProxy takes the VIP, and back', async () => {
    const { agent, dps, haproxy, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    await apply(c);
    c.services[0].mode = 'l4proxy';
    await apply(c);
    // detached from every interface (no proxied packet goes through it), but not unloaded
    expect(dps[0].log).toEqual(['apply 1 dsr', 'remove 1', 'detach']);
    expect(dps[0].interfaces).toEqual([]);
    expect(haproxy.cfg).toContain('bind 198.18.0.100:80');
    c.services[0].mode = 'tunnel';
    await apply(c);
    expect(haproxy.running()).toBe(false);
    // attached again rather than loaded again (a load costs seconds of verifier)
    expect(dps).toHaveLength(1);
    expect(dps[0].log.slice(3)).toEqual(['attach eth0', 'apply 1 tunnel']);
    expect(dps[0].interfaces).toEqual(['eth0']);
    expect([...dps[0].services.values()][0].mode).toBe('tunnel');
  });

  it('a data plane kept loaded while unused is unloaded when the agent shuts down, and loaded afresh for other interfaces', async () => {
    const { agent, dps, apply } = setup();
    const c = sampleConfig();
    await apply(c);
    await apply({ ...c, services: [{ ...c.services[0], mode: 'l4proxy' }] });
    await apply({ ...c, interfaces: [...c.interfaces, { ...c.interfaces[0], name: 'eth1' }] });
    expect(dps).toHaveLength(2);
    expect(dps[0].unloaded).toBe(true);
    await agent.shutdown();
    expect(dps[1].unloaded).toBe(true);
  });

  it('loads the data plane with the flow tables the config sizes, and again when a size changes', async () => {
    const { agent, dps, apply, sizes } = setup();
    agents.push(agent);
    const c = sampleConfig();
    await apply(c);
    await apply(c);
    // no IPv6 service: the IPv6 table stays at its minimum (it is preallocated)
    expect(sizes).toEqual([{ v4: 1_000_000, v6: MIN_MAX_FLOWS }]);
    await apply({ ...c, maxFlows: 50_000 });
    expect(sizes.at(-1)).toEqual({ v4: 50_000, v6: MIN_MAX_FLOWS });
    expect(dps).toHaveLength(2);
    expect([...dps[1].services.values()].map((s) => s.mode)).toEqual(['dsr']);
    // an IPv6 VIP: the IPv6 table gets the same size, by another load
    const v6 = sampleConfig({ maxFlows: 50_000 });
    v6.services[0] = { ...v6.services[0], vip6: 'fd00:4c42:0:1::64', backends: v6.services[0].backends.map((b, i) => ({ ...b, address6: `fd00:4c42:0:1::${11 + i}` })) };
    await apply(v6);
    expect(sizes.at(-1)).toEqual({ v4: 50_000, v6: 50_000 });
    expect(dps).toHaveLength(3);
  });

  it('switching dsr → nat on a live data plane replaces the service in place', async () => {
    const { agent, dps, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    await apply(c);
    c.services[0].mode = 'nat';
    await apply(c);
    expect(dps).toHaveLength(1);
    // not removed first: the data plane switches it (dataplane.ts applyService keeps its table)
    expect(dps[0].log).toEqual(['apply 1 dsr', 'apply 1 nat']);
  });

  it('HAProxy rejecting the config fails the apply and keeps the old config', async () => {
    const { agent, haproxy, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    c.services[0].mode = 'l7';
    await apply(c);
    haproxy.reject = 'haproxy rejected the config: [ALERT] bad';
    c.services[0].port = 8080;
    await expect(apply(c)).rejects.toThrow('haproxy rejected the config');
    expect(agent.current?.services[0].port).toBe(80);
  });

  it('proxy-mode health changes go to the HAProxy runtime API, not a reload', async () => {
    const { agent, haproxy, down, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    Object.assign(c.services[0], { mode: 'l7', health: fast, routes: [{ path: '/api', backends: [{ node: 'web2', address: '198.18.0.12' }] }] });
    await apply(c);
    down.add('web2');
    await until(() => haproxy.servers.size === 2, 1500);
    expect(Object.fromEntries(haproxy.servers)).toEqual({ 'be_web/web2': false, 'be_web_r0/web2': false });
    expect(haproxy.applies).toBe(1);
  });

  it('stats: data-plane counters by backend id, HAProxy rows summed per node', async () => {
    const { agent, dps, haproxy, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    c.services.push({ ...sampleConfig().services[0], name: 'api', port: 8080, mode: 'l7', routes: [{ path: '/v2', backends: [{ node: 'web2', address: '198.18.0.12' }] }] });
    await apply(c);
    const ids = [...dps[0].services.values()][0].backends.map((b) => b.id);
    dps[0].stats = { backends: { [ids[0]]: { packets: 10, bytes: 1000, activeFlows: 2 } }, counters: { rx: 12 }, drops: { no_backend: 1 } };
    haproxy.rows = [
      { pxname: 'fe_api', svname: 'FRONTEND', scur: '1', stot: '7', bin: '70', bout: '700', req_tot: '7', hrsp_2xx: '6', hrsp_5xx: '1', dreq: '0', ereq: '0' },
      { pxname: 'be_api', svname: 'web2', scur: '1', stot: '3', bin: '30', bout: '300' },
      { pxname: 'be_api_r0', svname: 'web2', scur: '0', stot: '2', bin: '20', bout: '200' },
      { pxname: 'be_api', svname: 'BACKEND', econ: '1', eresp: '0', wretr: '1', wredis: '1' },
    ];
    const st = agentStatsSchema.parse(await agent.stats());
    const web = st.services.find((s) => s.name === 'web')!;
    expect(web.engine).toBe('ebpf');
    expect(web.backends[0]).toMatchObject({ node: 'web1', packets: 10, bytes: 1000, activeFlows: 2, healthy: true });
    expect(web.backends[1]).toMatchObject({ node: 'web2', packets: 0, bytes: 0 });
    expect(web.counters).toEqual({ rx: 12 });
    expect(web.drops).toEqual({ no_backend: 1 });
    const api = st.services.find((s) => s.name === 'api')!;
    expect(api.engine).toBe('haproxy');
    expect(api.backends.find((b) => b.node === 'web2')).toMatchObject({ bytes: 550, activeFlows: 1, sessions: 5 });
    expect(api.counters).toMatchObject({ sessions: 7, http_requests: 7, http_2xx: 6, http_5xx: 1 });
    expect(api.drops).toMatchObject({ connect_errors: 1, retries: 1, redispatches: 1 });
  });

  it('snat stats carry the ports each backend holds', async () => {
    const { agent, dps, apply } = setup();
    agents.push(agent);
    await apply(sampleConfig({ services: [{ ...sampleConfig().services[0], mode: 'snat', snatAddress: '198.18.0.2' }] }));
    const ids = [...dps[0].services.values()][0].backends.map((b) => b.id);
    dps[0].stats = { backends: { [ids[0]]: { packets: 1, bytes: 60, activeFlows: 1, flows: 3, snatPorts: 3 } }, counters: {}, drops: { snat_ports: 0 } };
    const st = agentStatsSchema.parse(await agent.stats());
    expect(st.services[0].backends.map((b) => b.snatPorts)).toEqual([3, 0]);
  });

  it('flow timeouts: the defaults at first, the config\'s when given, written only when they change', async () => {
    const { agent, dps, apply } = setup();
    agents.push(agent);
    await apply(sampleConfig());
    expect(dps[0].timeouts).toEqual({ tcpSyn: 20, tcpEstablished: 300, tcpFin: 30, tcpClosed: 3, udp: 30 });
    const writes = () => dps[0].timeoutWrites;
    const once = writes();
    await apply(sampleConfig());
    expect(writes()).toBe(once);
    await apply(sampleConfig({ flowTimeouts: { tcpClosed: 2, udp: 10 } }));
    expect(dps[0].timeouts).toMatchObject({ tcpClosed: 2, udp: 10, tcpEstablished: 300 });
    expect(writes()).toBe(once + 1);
  });

  it('sweeps the flow table periodically while a data plane serves, and stops when it serves nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    try {
      const { agent, dps, apply } = setup(20);
      agents.push(agent);
      await apply(sampleConfig());
      await vi.advanceTimersByTimeAsync(60);
      expect(dps[0].sweeps).toBeGreaterThanOrEqual(3);
      await apply(sampleConfig({ services: [] }));
      expect(dps[0].interfaces).toEqual([]);
      const n = dps[0].sweeps;
      await vi.advanceTimersByTimeAsync(200);
      expect(dps[0].sweeps).toBe(n);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reuses ids of services and backends that left', async () => {
    const { agent, dps, apply } = setup();
    agents.push(agent);
    const c = sampleConfig();
    await apply(c);
    const first = [...dps[0].services.values()][0].backends.map((b) => b.id);
    c.services[0].backends = [c.services[0].backends[0], { node: 'web3', address: '198.18.0.13', mac: '02:42:c6:12:00:0d' }];
    await apply(c);
    const second = [...dps[0].services.values()][0].backends.map((b) => b.id);
    expect(second).toEqual(first); // web1 kept its id, web3 took web2's freed id
  });
});

describe('IdPool', () => {
  it('hands out the lowest free id from 1 and refuses past the limit', () => {
    const p = new IdPool(3);
    expect([p.get('a'), p.get('b'), p.get('a')]).toEqual([1, 2, 1]);
    expect(() => p.get('c')).toThrow('at most 2 ids');
    p.keep(new Set(['b']));
    expect(p.get('c')).toBe(1);
  });
});
