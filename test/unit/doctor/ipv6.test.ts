// The doctor on a dual-stack lab: the IPv6 checks quiet on a healthy lab (the doctor's test lab made dual-stack,
// its recorded looks given the planned IPv6 addresses, VIP6s and sysctls), and each IPv6 fault found on its node,
// its finding naming the family; a VIP6 probe with no answer while the VIP answers is a finding of its own.
import { describe, expect, it } from 'vitest';
import type { Mode } from '../../../electron/api';
import { CHECKS, type CheckContext } from '../../../electron/engine/doctor/checks/index';
import { withProbes } from '../../../electron/engine/doctor/doctor';
import { canonical6, ifaceWith, parseLook, parseSenders6 } from '../../../electron/engine/doctor/look';
import { parseProbe, probeScript } from '../../../electron/engine/doctor/probes';
import { planLab } from '../../../electron/engine/topology';
import { edited, healthy, labDoc } from './recorded';

const run = (ctx: CheckContext) => CHECKS.flatMap((c) => c(ctx));
const kinds = (ctx: CheckContext) => run(ctx).map((f) => `${f.severity} ${f.kind} ${f.node}`);

/** The healthy lab in `mode`, dual-stack: every look holds what the plan gives it over IPv6. */
/** A dual-stack lab: the service with a vip6, or (underlay) a tunnel over IPv6 with its IPv4 VIP alone. */
function dual(mode: Mode & ('dsr' | 'tunnel' | 'nat' | 'snat'), underlay = false): CheckContext {
  const base = healthy(mode);
  const doc = labDoc(mode);
  for (const n of Object.values(doc.networks)) n.subnet6 = 'auto';
  if (underlay) doc.services!.web.underlay = 'ipv6';
  else doc.services!.web.vip6 = 'auto';
  const plan = planLab(doc);
  const looks = structuredClone(base.looks);
  const add = (l: (typeof looks)[string], ifname: string | undefined, local: string, prefixlen: number) =>
    l.addrs.find((a) => a.ifname === ifname)!.addr_info!.push({ family: 'inet6', local, prefixlen });
  for (const n of plan.nodes) {
    const l = looks[n.name];
    for (const i of n.interfaces) if (i.address6) add(l, ifaceWith(l, i.address)?.ifname, i.address6, i.prefixLen6!);
    for (const v of n.loopbackVips6 ?? []) add(l, 'lo', v, 128);
    for (const [k, v] of Object.entries(n.sysctls)) if (k.startsWith('net.ipv6.')) l.sysctls[k] = v;
    if (n.tunnelDecap) l.decapSenders6 = n.decapSenders6;
  }
  const s = plan.services[0];
  if (s.vip6) add(looks[s.balancer], ifaceWith(looks[s.balancer], s.vip)!.ifname, s.vip6, 128);
  return { ...base, plan, looks };
}

describe('the doctor on a dual-stack lab', () => {
  it('the plan it is judged against is dual-stack', () => {
    const ctx = dual('tunnel');
    expect(ctx.plan.services[0].vip6).toMatch(/^fd/);
    expect(ctx.plan.nodes.find((n) => n.name === 'web1')!.decapSenders6?.length).toBeGreaterThan(0);
  });
  for (const mode of ['dsr', 'tunnel', 'nat'] as const) it(`${mode}: no finding`, () => expect(kinds(dual(mode))).toEqual([]));
  it('snat: only the client-ip-hidden note', () => expect(kinds(dual('snat'))).toEqual(['info client-ip-hidden lb']));

  it('vip-missing (IPv6): a dsr server without the VIP6 on lo, its IPv4 VIP still there', () => {
    const ctx = dual('dsr');
    const vip6 = ctx.plan.services[0].vip6!;
    ctx.looks.web2 = edited(ctx.looks.web2, (l) => {
      const lo = l.addrs.find((a) => a.ifname === 'lo')!;
      lo.addr_info = lo.addr_info!.filter((a) => a.local !== vip6);
    });
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error vip-missing web2']);
    expect(f[0].summary).toBe(`web2 does not hold IPv6 VIP ${vip6} on lo.`);
  });
  it('vip-missing (IPv6): the balancer without its VIP6', () => {
    const ctx = dual('nat');
    const vip6 = ctx.plan.services[0].vip6!;
    ctx.looks.lb = edited(ctx.looks.lb, (l) => l.addrs.forEach((a) => (a.addr_info = a.addr_info?.filter((x) => x.local !== vip6))));
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error vip-missing lb']);
    expect(f[0].summary).toContain('IPv6 VIP');
  });
  it('forwarding-off: a router that does not forward IPv6', () => {
    const ctx = dual('dsr');
    ctx.looks.r1 = edited(ctx.looks.r1, (l) => (l.sysctls['net.ipv6.conf.all.forwarding'] = '0'));
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error forwarding-off r1']);
    expect(f[0].summary).toBe('r1 does not forward IPv6 (net.ipv6.conf.all.forwarding = 0).');
    expect(f[0].service).toBeNull();
  });
  it('forwarding-off: not judged where the plan does not ask for it (an IPv4-only lab)', () => {
    const ctx = healthy('dsr');
    ctx.looks.r1 = edited(ctx.looks.r1, (l) => (l.sysctls['net.ipv6.conf.all.forwarding'] = '0'));
    expect(kinds(ctx)).toEqual([]);
  });
  it('decap-missing (IPv6): a tunnel server whose decapsulator does not take ip6ip6 from the balancer', () => {
    const ctx = dual('tunnel');
    ctx.looks.web3 = edited(ctx.looks.web3, (l) => (l.decapSenders6 = ['::']));
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error decap-missing web3']);
    expect(f[0].summary).toMatch(/ip6ip6 from balancer lb \(fd/);
  });
  it('decap-missing (4in6): a tunnel over IPv6 whose server\'s decapsulator does not take the balancer\'s IPv6 address', () => {
    expect(kinds(dual('tunnel', true))).toEqual([]);
    const ctx = dual('tunnel', true);
    ctx.looks.web3 = edited(ctx.looks.web3, (l) => (l.decapSenders6 = ['::']));
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error decap-missing web3']);
    expect(f[0].summary).toMatch(/^web3's decapsulator does not take 4in6 \(IPv4 in IPv6\) from balancer lb \(fd/);
  });
  it('address6-missing: a backend whose interface lost its IPv6 address', () => {
    const ctx = dual('snat');
    ctx.looks.web1 = edited(ctx.looks.web1, (l) => l.addrs.forEach((a) => (a.addr_info = a.addr_info?.filter((x) => x.family !== 'inet6'))));
    const f = run(ctx).filter((x) => x.severity !== 'info');
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error address6-missing web1']);
    expect(f[0].summary).toMatch(/^backend web1 of web lacks its IPv6 address fd/);
  });
});

describe('the VIP6 probe', () => {
  const ctx = dual('nat');
  const s = ctx.plan.services[0];
  const v4 = parseProbe('web', 'client1', 'served by web1 client 198.18.100.3 \nserved by web2 \nserved by web3 \n@@lblab@@\n');
  const none6 = { ...parseProbe('web', 'client1', '\n\n\n@@lblab@@\n'), family: 6 as const, vip6: s.vip6! };

  it('requests go to [VIP6]:port (curl -g), the servers\' view of an IPv6 client is read', () => {
    expect(probeScript(s, 3, false, undefined, `[${s.vip6}]`)).toContain(`curl -g -s -m 2 -o "$d/$i" http://[${s.vip6}]:80/`);
    expect(parseProbe('web', 'client1', 'served by web1 client fd00:4c42:0:1::3 \n@@lblab@@\n').sawClientAs).toEqual(['fd00:4c42:0:1::3']);
  });
  it('unanswered over IPv6 while IPv4 answers, nothing explaining it: ipv6-unanswered, naming both VIPs', () => {
    const f = withProbes([], [v4, none6], ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error ipv6-unanswered lb']);
    expect(f[0].summary).toBe(`service web answers over IPv4 (${s.vip}) but not over IPv6 (${s.vip6}).`);
    expect(f[0].evidence[0]).toBe(`client1 → [${s.vip6}]:80 (IPv6), 3 requests: none answered, 3 failed`);
  });
  it('explained by an IPv6 finding (its evidence gets the probe), or both families failing: no extra finding', () => {
    const c = dual('dsr');
    c.looks.r1 = edited(c.looks.r1, (l) => (l.sysctls['net.ipv6.conf.all.forwarding'] = '0'));
    const f = withProbes(run(c), [v4, none6], c);
    expect(f.map((x) => x.kind)).toEqual(['forwarding-off']);
    const noneV4 = parseProbe('web', 'client1', '\n\n\n@@lblab@@\n');
    expect(withProbes([], [noneV4, none6], ctx)).toEqual([]);
    expect(withProbes([], [v4, { ...none6, answered: { web1: 3 }, failed: 0 }], ctx)).toEqual([]);
  });
});

describe('the look over IPv6', () => {
  it('reads IPv6 forwarding and the decapsulator\'s ip6ip6 senders (bpftool -j map dump)', () => {
    const addr = [0xfd, 0, 0x4c, 0x42, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2];
    const value = [1, 0, 0, 0, ...addr, ...Array(16 * 31).fill(0)].map((b) => `0x${b.toString(16).padStart(2, '0')}`);
    const dump = JSON.stringify([{ key: ['0x00', '0x00', '0x00', '0x00'], value, formatted: { key: 0, value: { n: 1 } } }]);
    const l = parseLook(`[]\n@@lblab@@\n[]\n@@lblab@@\nip_forward 1\nnet.ipv6.conf.all.forwarding 0\n@@lblab@@\n@@lblab@@\nno-ss\n@@lblab@@\n${dump}\n`);
    expect(l.sysctls).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' });
    expect(l.decapSenders6).toEqual(['fd00:4c42:0:1::2']);
    expect(parseSenders6('')).toBeUndefined();
    expect(canonical6('FD00:4C42:0:1:0:0:0:2')).toBe('fd00:4c42:0:1::2');
    expect(canonical6('fd00::1:0:0:2')).toBe('fd00::1:0:0:2');
  });
});
