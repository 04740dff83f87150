// The probes' output read back, and what it adds to the findings: who answered,
// the address the servers saw, and a VIP resolved to a server's MAC (arp flux).
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../electron/engine/doctor/checks/index';
import { withProbes } from '../../../electron/engine/doctor/doctor';
import { parseProbe } from '../../../electron/engine/doctor/probes';
import { healthy } from './recorded';

const OUT = 'served by web2 client 198.18.100.4 \nserved by web3 client 198.18.100.4 \n\nserved by web2 client 198.18.100.4 \n@@lblab@@\n[{"dst":"198.18.100.254","dev":"eth0","lladdr":"02:42:C6:12:64:02","state":["REACHABLE"]}]\n';

describe('probes', () => {
  it('parses who answered, failures, the client address seen and the VIP\'s MAC', () => {
    expect(parseProbe('web', 'client1', OUT)).toEqual({
      service: 'web', client: 'client1', sent: 4, answered: { web2: 2, web3: 1 }, failed: 1, sawClientAs: ['198.18.100.4'], vipMac: '02:42:c6:12:64:02',
    });
  });
  it('no neighbour entry: no MAC', () => {
    expect(parseProbe('web', 'client1', 'served by web1 \n@@lblab@@\n[]\n').vipMac).toBeUndefined();
  });
  it('a VIP resolved to a server\'s MAC is arp flux on that server, even when its sysctls look right', () => {
    const ctx = healthy('dsr');
    const mac = ctx.looks.web2.addrs.find((a) => a.ifname === 'eth0')!.address!;
    const p = { service: 'web', client: 'client1', sent: 3, answered: { web2: 3 }, failed: 0, sawClientAs: [], vipMac: mac };
    const f = withProbes(CHECKS.flatMap((c) => c(ctx)), [p], ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error arp-flux web2']);
    expect(f[0].evidence[0]).toMatch(/client1 resolved VIP 198\.18\.100\.254 to .* which is web2's/);
  });
  it('the balancer\'s MAC is no finding', () => {
    const ctx = healthy('dsr');
    const mac = ctx.looks.lb.addrs.find((a) => a.addr_info?.some((x) => x.local === ctx.plan.services[0].vip))!.address!;
    expect(withProbes([], [{ service: 'web', client: 'client1', sent: 3, answered: { web1: 3 }, failed: 0, sawClientAs: [], vipMac: mac }], ctx)).toEqual([]);
  });
  it('reads the large request\'s status apart from the small ones', () => {
    const p = parseProbe('web', 'client1', 'served by web1 \nserved by web2 \nlarge 000\n@@lblab@@\n');
    expect(p).toMatchObject({ sent: 2, failed: 0, answered: { web1: 1, web2: 1 }, large: { bytes: 8000, code: 0 } });
    expect(parseProbe('web', 'client1', 'served by web1 \nlarge 200\n@@lblab@@\n').large?.code).toBe(200);
  });
  it('a large request through the tunnel lost while the small ones pass: mtu, on the client that sends without DF, else the balancer', () => {
    const ctx = healthy('tunnel');
    const p = { service: 'web', client: 'client1', sent: 6, answered: { web1: 2, web2: 2, web3: 2 }, failed: 0, sawClientAs: [], large: { bytes: 8000, code: 0 } };
    let f = withProbes(CHECKS.flatMap((c) => c(ctx)), [p], ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error mtu lb']);
    expect(f[0].evidence[0]).toBe('client1 → 198.18.100.254:80: a 8000-byte request got no answer in 3 s, while the small ones were answered (web1 ×2, web2 ×2, web3 ×2)');
    ctx.looks.client1 = { ...ctx.looks.client1, sysctls: { ...ctx.looks.client1.sysctls, 'net.ipv4.ip_no_pmtu_disc': '1' } };
    f = withProbes(CHECKS.flatMap((c) => c(ctx)), [p], ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error mtu client1']);
    expect(f[0].evidence[1]).toBe('client1: net.ipv4.ip_no_pmtu_disc = 1');
    expect(f[0].fix).toMatch(/sysctl -w net\.ipv4\.ip_no_pmtu_disc=0/);
    // answered, or small ones failing too (a broken backend explains it): no mtu finding
    expect(withProbes([], [{ ...p, large: { bytes: 8000, code: 200 } }], ctx)).toEqual([]);
    expect(withProbes([], [{ ...p, failed: 2 }], ctx)).toEqual([]);
  });
});
