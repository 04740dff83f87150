// A tier of balancers in the lab file: validation, the plan (routes, VIPs, sysctls, members) and the
// router's plumbing (the multipath route and its health loop, checked by sh -n and its conf lines).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { buildAgentConfig } from '../../../electron/engine/balancer/agent-config';
import { nodeScript, planLab, validateLab } from '../../../electron/engine/topology/index';
import { CHECK_SCRIPT, checkPorts, tierConf, WATCH_SCRIPT } from '../../../electron/engine/topology/tier-watch';
import { node } from './fixtures';

const tier = (svc: Partial<LabDoc['services'] extends Record<string, infer S> | undefined ? S : never> = {}): LabDoc => ({
  name: 'tier',
  networks: { edge: {}, core: {} },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'edge' }] },
    r1: { kind: 'router', links: [{ network: 'edge' }, { network: 'core' }] },
    lb1: { kind: 'balancer', links: [{ network: 'core' }] },
    lb2: { kind: 'balancer', links: [{ network: 'core' }] },
    lb3: { kind: 'balancer', links: [{ network: 'core' }], cpus: 0.2 },
    web1: { kind: 'server', links: [{ network: 'core' }] },
    web2: { kind: 'server', links: [{ network: 'core' }] },
  },
  services: { web: { balancer: ['lb1', 'lb2', 'lb3'], vip: '198.19.255.10', mode: 'dsr', backends: ['web1', { node: 'web2', weight: 2 }], ...svc } },
});
const messages = (d: LabDoc) => validateLab(d).issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('a tier in the lab file', () => {
  it('is valid with a VIP outside every network, in dsr, tunnel, l4proxy and l7', () => {
    for (const mode of ['dsr', 'tunnel', 'l4proxy', 'l7'] as const) expect(messages(tier({ mode }))).toEqual([]);
  });

  it('refuses nat and snat in one line saying why', () => {
    for (const mode of ['nat', 'snat'] as const) {
      expect(messages(tier({ mode }))).toEqual([
        `services.web.mode: mode ${mode} cannot run on a tier of balancers: the backend's answers must return through the member that holds the translation, and the router's ECMP does not know which one that is (use dsr, tunnel, l4proxy or l7)`,
      ]);
    }
  });

  it('refuses a member that is not a balancer, one listed twice, and clients next to the members', () => {
    expect(messages(tier({ balancer: ['lb1', 'web1'] }))).toEqual(['services.web.balancer.1: node web1 is a server, not a balancer']);
    expect(messages(tier({ balancer: ['lb1', 'lb2', 'lb1'] }))).toEqual(['services.web.balancer.2: balancer lb1 is listed twice in the tier (balancer[0])']);
    const d = tier();
    d.nodes.client1.links.push({ network: 'core' });
    expect(messages(d)[0]).toMatch(/^services\.web\.balancer: the tier has no router between it and client client1: client1 shares network core with lb1/);
    const noRouter = tier();
    delete noRouter.nodes.r1;
    noRouter.nodes.client1.links = [{ network: 'core' }];
    expect(messages(noRouter)).toHaveLength(1);
  });

  it('keeps a single balancer as it was: its VIP must lie in one of its subnets', () => {
    expect(messages(tier({ balancer: 'lb1' }))[0]).toMatch(/^services\.web\.vip: VIP 198\.19\.255\.10 is outside every subnet balancer lb1 is on \(core 198\.18\.1\.0\/24\); only a tier/);
    expect(messages(tier({ balancer: 'lb1', vip: undefined }))).toEqual([]);
  });

  it('warns in one line when the scheduler lets members disagree', () => {
    expect(planLab(tier()).warnings).toBeUndefined();
    expect(planLab(tier({ scheduler: 'sh' })).warnings).toBeUndefined();
    expect(planLab(tier({ scheduler: 'rr' })).warnings).toEqual([
      'service web: scheduler rr on a tier: each member picks on its own, so flows move to another backend when a member goes (maglev and sh keep them)',
    ]);
  });
});

describe('the plan of a tier', () => {
  const p = planLab(tier());

  it('lists the members; each holds the VIP on lo, unannounced; the router hashes on L4', () => {
    expect(p.services[0]).toMatchObject({ balancer: 'lb1', members: ['lb1', 'lb2', 'lb3'], vip: '198.19.255.10' });
    for (const m of ['lb1', 'lb2', 'lb3']) {
      expect(node(p, m).loopbackVips).toEqual(['198.19.255.10']);
      expect(node(p, m).sysctls).toMatchObject({ 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.all.arp_announce': '2' });
      // not on the interface, as a single balancer has it
      expect(nodeScript(p, m)).not.toMatch(/ip addr replace 198\.19\.255\.10\/32 dev "\$IF0"/);
    }
    expect(node(p, 'r1').sysctls['net.ipv4.fib_multipath_hash_policy']).toBe('1');
    expect(node(p, 'lb3').cpus).toBe(0.2);
    expect(node(p, 'lb1').cpus).toBeUndefined();
  });

  it('routes the VIP: a multipath route on the router in front, via the router for the clients', () => {
    const r1 = node(p, 'r1');
    const [lb1, lb2, lb3] = ['lb1', 'lb2', 'lb3'].map((m) => node(p, m).interfaces[0].address);
    expect(r1.tiers).toEqual([{ service: 'web', vip: '198.19.255.10', port: 80, protocol: 'http', group: 7600, hops: [{ member: 'lb1', via: lb1 }, { member: 'lb2', via: lb2 }, { member: 'lb3', via: lb3 }] }]);
    expect(node(p, 'client1').routes).toContainEqual({ dst: '198.19.255.10/32', via: r1.interfaces[0].address });
    expect(tierConf(r1.tiers!)).toEqual([`198.19.255.10 7600 80 http 7601:${lb1} 7602:${lb2} 7603:${lb3}`]);
    const s = nodeScript(p, 'r1');
    expect(s).toContain(`printf '%s\\n' '198.19.255.10/32 via ${lb1}'`); // recorded, so it goes with the tier
    expect(s).toMatch(/setsid sh "\$state\/tier\/watch\.sh" loop/);
    // a router without a tier stops a loop left by an earlier plan
    const single = planLab(tier({ balancer: 'lb1', vip: undefined }));
    expect(node(single, 'r1').tiers).toBeUndefined();
    expect(nodeScript(single, 'r1')).toContain('rm -rf "$state/tier"');
  });

  it('gives every member the same backends and weights (so each builds the same Maglev table)', () => {
    const facts = (lb: string) => ({
      links: [{ ifname: 'eth0', address: '02:00:00:00:00:01', addr_info: [{ family: 'inet', local: node(p, lb).interfaces[0].address, prefixlen: 24 }] }],
      macs: Object.fromEntries(['web1', 'web2', 'r1'].map((n, i) => [`${n}/core`, `02:00:00:00:01:0${i}`])),
    });
    const cfgs = ['lb1', 'lb2', 'lb3'].map((m) => buildAgentConfig(p, m, facts(m)));
    for (const c of cfgs) expect(c.services.map((s) => [s.name, s.scheduler, s.backends])).toEqual(cfgs[0].services.map((s) => [s.name, s.scheduler, s.backends]));
    expect(cfgs[0].services[0].backends.map((b) => b.weight)).toEqual([1, 2]);
  });

  it('tunnel: every member may tunnel to the servers', () => {
    const t = planLab(tier({ mode: 'tunnel' }));
    const all = ['lb1', 'lb2', 'lb3'].map((m) => node(t, m).interfaces[0].address);
    expect(node(t, 'web1').decapSenders).toEqual(all);
  });

  it("the router's check asks the service through one member: its own source ports, pinned to a table through that member", () => {
    expect(checkPorts(7601)).toBe('20200-20399');
    expect(checkPorts(7603)).toBe('20600-20799');
    // ping and the service check both decide; a member left out on purpose stays out
    expect(WATCH_SCRIPT).toMatch(/ip rule add pref "\$id" iif lo ipproto tcp sport "\$\(ports "\$id" \| tr ' ' -\)" table "\$id"/);
    expect(WATCH_SCRIPT).toMatch(/if \[ "\$ping" = up \] && \{ \[ "\$svc" = up \] \|\| \[ -z "\$anysvc" \]; \}; then now=up/);
    expect(nodeScript(p, 'r1')).toContain(`cat > "$state/tier/check.pl" <<'LBLAB_CHECK'`);
    const perl = spawnSync("perl", ["-c"], { input: CHECK_SCRIPT, encoding: "utf8" });
    expect(perl.stderr).toMatch(/syntax OK/);
  });

  it('the health loop is valid sh', () => {
    const r = spawnSync('sh', ['-n'], { input: WATCH_SCRIPT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const full = spawnSync('sh', ['-n'], { input: nodeScript(p, 'r1'), encoding: 'utf8' });
    expect(full.status, full.stderr).toBe(0);
  });
});
