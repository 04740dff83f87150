// Dual-stack labs: IPv6 subnets (auto from fd00:4c42::/48, never colliding), mirrored node addresses,
// vip6, IPv6 routes across routers and nat's default, the servers' and balancer's IPv6 plumbing; a tunnel
// service's IPv6 underlay (4in6).
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { assignAddresses, nodeScript, planLab } from '../../../electron/engine/topology/index';
import { flowTable6Bytes } from '../../../electron/engine/balancer/contract';
import { decapSenders6Hex } from '../../../electron/engine/topology/plumbing';
import { buildAgentConfig } from '../../../electron/engine/balancer/agent-config';
import { agentConfigSchema, serviceSchema } from '../../../lab-images/balancer/contract/config';

const lab = (mode: 'dsr' | 'tunnel' | 'nat' | 'snat' | 'l4proxy' | 'l7'): LabDoc => ({
  name: 'ds',
  networks: { front: { subnet6: 'auto' }, back: { subnet6: 'auto' }, v4only: {} },
  nodes: {
    c1: { kind: 'client', links: [{ network: 'front' }] },
    c2: { kind: 'client', links: [{ network: 'v4only' }] },
    lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
    r1: { kind: 'router', links: [{ network: 'front' }, { network: 'back' }, { network: 'v4only' }] },
    web1: { kind: 'server', links: [{ network: 'back' }] },
    web2: { kind: 'server', links: [{ network: 'back' }] },
  },
  services: { web: { balancer: 'lb', mode, vip6: 'auto', backends: ['web1', 'web2'] } },
});

describe('dual-stack addressing', () => {
  it('gives auto networks the i-th /64 of fd00:4c42::/48 and mirrors IPv4 host numbers', () => {
    const a = assignAddresses(lab('snat'));
    expect(a.issues).toEqual([]);
    expect(a.subnets6.get('front')!.cidr).toBe('fd00:4c42::/64');
    expect(a.subnets6.get('back')!.cidr).toBe('fd00:4c42:0:1::/64');
    expect(a.subnets6.has('v4only')).toBe(false);
    expect(a.nodeAddrs.get('web1')!.get('back')).toBe('198.18.1.4');
    expect(a.nodeAddrs6.get('web1')!.get('back')).toBe('fd00:4c42:0:1::4');
    expect(a.vips.get('web')).toBe('198.18.0.254');
    expect(a.vips6.get('web')).toBe('fd00:4c42::fe');
  });

  it('never takes an IPv6 subnet in use on the host, nor an explicit one', () => {
    const doc: LabDoc = { name: 'x', networks: { a: { subnet6: 'auto' }, b: { subnet6: 'fd00:4c42:0:2::/64' }, c: { subnet6: 'auto' } }, nodes: {} };
    const a = assignAddresses(doc, { avoid: ['fd00:4c42::/63', '198.18.9.0/24'] });
    expect(a.issues).toEqual([]);
    expect([...a.subnets6].map(([n, s]) => `${n} ${s.cidr}`)).toEqual(['b fd00:4c42:0:2::/64', 'a fd00:4c42:0:3::/64', 'c fd00:4c42:0:4::/64']);
    const clash = assignAddresses({ name: 'x', networks: { a: { subnet6: 'fd00:4c42::/64' } }, nodes: {} }, { avoid: ['fd00:4c42::/48'] });
    expect(clash.issues[0].message).toBe('subnet6 fd00:4c42::/64 overlaps fd00:4c42::/48, already used on this host (another lab or Docker network)');
  });

  it('refuses an explicit vip6 outside the balancer\'s IPv6 subnets or on a node', () => {
    const doc = lab('dsr');
    doc.services!.web.vip6 = 'fd00:4c42:0:1::4';
    expect(assignAddresses(doc).issues.map((i) => i.message)).toEqual(['VIP fd00:4c42:0:1::4 is already used by node web1']);
    doc.services!.web.vip6 = 'fd00:9::1';
    expect(assignAddresses(doc).issues.map((i) => i.message)[0]).toMatch(/^VIP fd00:9::1 is outside every IPv6 subnet balancer lb is on/);
  });
});

describe('dual-stack plan', () => {
  it('plans networks, interfaces, backends and the agent-facing service fields', () => {
    const p = planLab(lab('snat'));
    expect(p.networks.find((n) => n.name === 'front')).toMatchObject({ subnet6: 'fd00:4c42::/64', gateway6: 'fd00:4c42::1' });
    expect(p.networks.find((n) => n.name === 'v4only')!.subnet6).toBeUndefined();
    const lb = p.nodes.find((n) => n.name === 'lb')!;
    expect(lb.interfaces.map((i) => `${i.address6}/${i.prefixLen6}`)).toEqual(['fd00:4c42::2/64', 'fd00:4c42:0:1::2/64']);
    expect(lb.sysctls['net.ipv6.conf.all.forwarding']).toBe('1');
    const s = p.services[0];
    expect(s).toMatchObject({ vip: '198.18.0.254', vip6: 'fd00:4c42::fe', snatAddress: '198.18.1.2', snatAddress6: 'fd00:4c42:0:1::2' });
    expect(s.backends.map((b) => b.address6)).toEqual(['fd00:4c42:0:1::4', 'fd00:4c42:0:1::5']);
    // the IPv6 flow table beside the IPv4 one, for the same flows (its entries are larger)
    expect(s.flowTable6Bytes).toBe(flowTable6Bytes(1_000_000));
    expect(s.flowTable6Bytes!).toBeGreaterThan(s.flowTableBytes!);
  });

  it('routes IPv6 only over dual-stack networks, and nat sends the backends\' IPv6 default through the balancer', () => {
    const p = planLab(lab('nat'));
    const web1 = p.nodes.find((n) => n.name === 'web1')!;
    expect(web1.routes6).toEqual([{ dst: 'default', via: 'fd00:4c42:0:1::2' }]);
    // c2 is on an IPv4-only network: no IPv6 at all
    expect(p.nodes.find((n) => n.name === 'c2')!.routes6).toBeUndefined();
    const dsr = planLab(lab('dsr'));
    // c1 reaches back through r1 in both families; v4only has no IPv6 route
    expect(dsr.nodes.find((n) => n.name === 'c1')!.routes).toEqual([{ dst: '198.18.1.0/24', via: '198.18.0.3' }, { dst: '198.18.2.0/24', via: '198.18.0.3' }]);
    expect(dsr.nodes.find((n) => n.name === 'c1')!.routes6).toEqual([{ dst: 'fd00:4c42:0:1::/64', via: 'fd00:4c42::3' }]);
  });

  it('puts the IPv6 VIP on the servers\' lo in dsr and tunnel, and on the balancer\'s interface', () => {
    const p = planLab(lab('dsr'));
    const web1 = p.nodes.find((n) => n.name === 'web1')!;
    expect(web1.loopbackVips6).toEqual(['fd00:4c42::fe']);
    const script = nodeScript(p, web1);
    expect(script).toContain('ip -6 addr replace fd00:4c42::fe/128 dev lo nodad');
    const lbScript = nodeScript(p, 'lb');
    expect(lbScript).toContain('ip -6 addr replace fd00:4c42::fe/128 dev "$IF0" nodad');
    expect(planLab(lab('nat')).nodes.find((n) => n.name === 'web1')!.loopbackVips6).toBeUndefined();
  });

  it('tunnel: the servers take ip6ip6 only from the balancer\'s IPv6 addresses; an IPv4-only lab from nobody', () => {
    const p = planLab(lab('tunnel'));
    const web1 = p.nodes.find((n) => n.name === 'web1')!;
    expect(web1.decapSenders6).toEqual(['fd00:4c42::2', 'fd00:4c42:0:1::2']);
    expect(nodeScript(p, web1)).toContain(`bpftool map update pinned "$pin/maps/decap_senders6" key hex 00 00 00 00 value hex ${decapSenders6Hex(web1.decapSenders6!)}`);
    const v4 = lab('tunnel');
    v4.networks = { front: {}, back: {}, v4only: {} };
    delete v4.services!.web.vip6;
    const p4 = planLab(v4);
    expect(p4.nodes.find((n) => n.name === 'web1')!.decapSenders6).toEqual([]);
    // n = 0 would accept anyone: the list holds the unspecified address only
    expect(nodeScript(p4, 'web1')).toContain(`"$pin/maps/decap_senders6" key hex 00 00 00 00 value hex ${decapSenders6Hex(['::'])}`);
  });

  it('decap_senders6 as the map wants it: count, then 16-byte addresses in network order', () => {
    const h = decapSenders6Hex(['fd00:4c42::2', '::1']).split(' ');
    expect(h).toHaveLength(4 + 16 * 32);
    expect(h.slice(0, 4)).toEqual(['02', '00', '00', '00']);
    expect(h.slice(4, 20).join('')).toBe('fd004c42000000000000000000000002');
    expect(h.slice(20, 36).join('')).toBe('00000000000000000000000000000001');
    expect(h.slice(36).every((x) => x === '00')).toBe(true);
    expect(() => decapSenders6Hex(Array.from({ length: 33 }, (_, i) => `fd00::${i + 1}`))).toThrow(/at most 32/);
  });
});

describe('tunnel over IPv6 (underlay: ipv6)', () => {
  /** The balancer's interfaces as `ip -j addr` would show them (eth0, eth1, ...). */
  const factsOf = (p: ReturnType<typeof planLab>) => ({
    links: p.nodes.find((n) => n.name === 'lb')!.interfaces.map((i, k) => ({
      ifname: `eth${k}`, address: `02:42:00:00:00:0${k}`, addr_info: [{ family: 'inet', local: i.address, prefixlen: i.prefixLen }],
    })),
    macs: Object.fromEntries(p.nodes.flatMap((n) => n.interfaces.map((i) => [`${n.name}/${i.network}`, '02:42:00:00:01:01']))),
  });
  const doc46 = (): LabDoc => {
    const d = lab('tunnel');
    delete d.services!.web.vip6;
    d.services!.web.underlay = 'ipv6';
    return d;
  };

  it('plans the IPv4 VIP with the backends\' IPv6 addresses, and the agent config carries underlay ipv6', () => {
    const p = planLab(doc46());
    const s = p.services.find((x) => x.name === 'web')!;
    expect(s.vip6).toBeUndefined();
    expect(s.underlay).toBe('ipv6');
    expect(s.backends.map((b) => b.address6)).toEqual(['fd00:4c42:0:1::4', 'fd00:4c42:0:1::5']);
    // the servers take 4in6 from the balancer's IPv6 addresses only
    expect(p.nodes.find((n) => n.name === 'web1')!.decapSenders6).toEqual(['fd00:4c42::2', 'fd00:4c42:0:1::2']);
    const cfg = buildAgentConfig(p, 'lb', factsOf(p));
    const web = agentConfigSchema.parse(cfg).services.find((x) => x.name === 'web')!;
    expect(web).toMatchObject({ mode: 'tunnel', underlay: 'ipv6' });
    expect(web.backends.every((b) => b.address6)).toBe(true);
  });

  it('a live switch to another mode leaves underlay dormant (not planned, not sent)', () => {
    const p = planLab(doc46(), { modes: { web: 'dsr' } });
    const s = p.services.find((x) => x.name === 'web')!;
    expect(s.mode).toBe('dsr');
    expect(s.underlay).toBeUndefined();
    expect(buildAgentConfig(p, 'lb', factsOf(p)).services.find((x) => x.name === 'web')!.underlay).toBeUndefined();
  });

  it('refuses it in one line: another mode, a tier, a backend behind an IPv4-only network', () => {
    const msgs = (d: LabDoc) => assignAddresses(d).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    const nat = doc46();
    nat.services!.web.mode = 'nat';
    expect(msgs(nat)).toEqual(['services.web.underlay: underlay ipv6 is for tunnel mode (mode is nat): use mode tunnel or remove underlay']);
    const tier = doc46();
    tier.services!.web.balancer = ['lb'];
    expect(msgs(tier)).toEqual(['services.web.underlay: a tier of balancers tunnels over IPv4 only: remove underlay or give the service one balancer']);
    const v4 = doc46();
    v4.networks.back = {};
    expect(msgs(v4)).toEqual([
      'services.web.underlay: backend web1 cannot be reached over IPv6 (network back is IPv4-only): give every network on the way subnet6, or remove underlay',
      'services.web.underlay: backend web2 cannot be reached over IPv6 (network back is IPv4-only): give every network on the way subnet6, or remove underlay',
    ]);
  });

  it('the agent contract refuses underlay ipv6 outside tunnel mode or without address6', () => {
    const base = { name: 'web', vip: '198.18.0.100', port: 80, mode: 'tunnel' as const, underlay: 'ipv6' as const, backends: [{ node: 'web1', address: '198.18.1.4' }] };
    const r = serviceSchema.safeParse(base);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual(['backend web1 needs address6 for underlay ipv6']);
    const dsr = serviceSchema.safeParse({ ...base, mode: 'dsr', backends: [{ node: 'web1', address: '198.18.1.4', address6: 'fd00::4' }] });
    expect(dsr.error!.issues.map((i) => i.message)).toEqual(['underlay ipv6 is for tunnel mode (mode is dsr)']);
  });
});
