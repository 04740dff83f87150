// Every check on recorded looks of the doctor's test lab: quiet when healthy,
// exactly its kind on the node at fault when the look is edited into that fault.
import { describe, expect, it } from 'vitest';
import { CHECKS, type CheckContext } from '../../../electron/engine/doctor/checks/index';
import { effective, parseLook, routeTo } from '../../../electron/engine/doctor/look';
import { edited, healthy, recorded } from './recorded';

const run = (ctx: CheckContext) => CHECKS.flatMap((c) => c(ctx));
const kinds = (ctx: CheckContext) => run(ctx).map((f) => `${f.severity} ${f.kind} ${f.node}`);

describe('the look', () => {
  it('parses a recorded look: addresses, routes, sysctls, tc filters, listening ports', () => {
    const l = recorded('tunnel', 'web1');
    expect(l.addrs.find((a) => a.ifname === 'lo')?.addr_info?.some((a) => a.local === '198.18.100.254')).toBe(true);
    expect(l.routes.find((r) => r.dst === 'default')?.gateway).toBeDefined();
    expect(l.sysctls['net.ipv4.conf.all.rp_filter']).toBe('0');
    expect(l.ingress.eth0).toMatch(/decap_ingress/);
    expect(l.listening).toContain(80);
  });
  it('a node without ss: no listening list (nothing judged by it)', () => {
    expect(parseLook('[]\n@@lblab@@\n[]\n@@lblab@@\n@@lblab@@\n@@lblab@@\nno-ss\n').listening).toBeUndefined();
  });
  it('effective sysctl is max(all, interface); routes by longest prefix', () => {
    const l = recorded('dsr', 'web1');
    expect(effective(l, 'arp_ignore', 'eth0')).toBe(1);
    expect(effective(edited(l, (x) => (x.sysctls['net.ipv4.conf.all.arp_ignore'] = '0')), 'arp_ignore', 'eth0')).toBe(0);
    expect(routeTo(l, '198.18.100.4')?.dst).toBe('198.18.100.0/24');
    expect(routeTo(l, '8.8.8.8')?.dst).toBe('default');
  });
});

describe('no false alarms on the healthy lab', () => {
  for (const mode of ['dsr', 'tunnel', 'nat'] as const) {
    it(`${mode}: no finding`, () => expect(kinds(healthy(mode))).toEqual([]));
  }
  it('snat: only the client-ip-hidden note', () => expect(kinds(healthy('snat'))).toEqual(['info client-ip-hidden lb']));
});

describe('each fault found, on its node', () => {
  it('vip-missing: a dsr server without the VIP on lo', () => {
    const ctx = healthy('dsr');
    ctx.looks.web2 = edited(ctx.looks.web2, (l) => (l.addrs.find((a) => a.ifname === 'lo')!.addr_info = l.addrs.find((a) => a.ifname === 'lo')!.addr_info!.filter((a) => a.local !== ctx.plan.services[0].vip)));
    expect(kinds(ctx)).toEqual(['error vip-missing web2']);
  });
  it('vip-missing: the balancer without its VIP', () => {
    const ctx = healthy('nat');
    const vip = ctx.plan.services[0].vip;
    ctx.looks.lb = edited(ctx.looks.lb, (l) => l.addrs.forEach((a) => (a.addr_info = a.addr_info?.filter((x) => x.local !== vip))));
    expect(kinds(ctx)).toEqual(['error vip-missing lb']);
  });
  it('arp-flux: arp_ignore 0 is an error, arp_announce alone a warning', () => {
    const ctx = healthy('dsr');
    ctx.looks.web1 = edited(ctx.looks.web1, (l) => (l.sysctls['net.ipv4.conf.all.arp_ignore'] = '0'));
    expect(kinds(ctx)).toEqual(['error arp-flux web1']);
    ctx.looks.web1 = edited(ctx.looks.web1, (l) => ((l.sysctls['net.ipv4.conf.all.arp_ignore'] = '1'), (l.sysctls['net.ipv4.conf.all.arp_announce'] = '0')));
    expect(kinds(ctx)).toEqual(['warning arp-flux web1']);
  });
  it('arp-flux is no fault in nat (the servers hold no VIP)', () => {
    const ctx = healthy('nat');
    ctx.looks.web1 = edited(ctx.looks.web1, (l) => (l.sysctls['net.ipv4.conf.all.arp_ignore'] = '0'));
    expect(kinds(ctx)).toEqual([]);
  });
  it('not-same-l2: a dsr server whose interface on the balancer\'s network is gone or down', () => {
    const ctx = healthy('dsr');
    ctx.looks.web3 = edited(ctx.looks.web3, (l) => (l.addrs = l.addrs.filter((a) => a.ifname === 'lo')));
    expect(kinds(ctx)).toEqual(['error not-same-l2 web3']);
    ctx.looks.web3 = edited(healthy('dsr').looks.web3, (l) => (l.addrs.find((a) => a.ifname === 'eth0')!.operstate = 'DOWN'));
    expect(kinds(ctx)).toEqual(['error not-same-l2 web3']);
  });
  it('return-path: a nat server whose default route is not via the balancer', () => {
    const ctx = healthy('nat');
    const r1 = ctx.plan.nodes.find((n) => n.name === 'r1')!.interfaces.find((i) => i.network === 'back')!.address;
    ctx.looks.web2 = edited(ctx.looks.web2, (l) => (l.routes.find((r) => r.dst === 'default')!.gateway = r1));
    const f = run(ctx);
    expect(f.map((x) => `${x.kind} ${x.node}`)).toEqual(['return-path web2']);
    expect(f[0].evidence).toContain(`default via ${r1}`);
  });
  it('return-path: a more specific route to the clients past the balancer', () => {
    const ctx = healthy('nat');
    const r1 = ctx.plan.nodes.find((n) => n.name === 'r1')!.interfaces.find((i) => i.network === 'back')!.address;
    ctx.looks.web1 = edited(ctx.looks.web1, (l) => l.routes.push({ dst: '198.18.100.0/24', gateway: r1, dev: 'eth0' }));
    expect(kinds(ctx)).toEqual(['error return-path web1']);
  });
  it('decap-missing: a tunnel server without the decap filter', () => {
    const ctx = healthy('tunnel');
    ctx.looks.web3 = edited(ctx.looks.web3, (l) => (l.ingress = {}));
    expect(kinds(ctx)).toEqual(['error decap-missing web3']);
  });
  it('rp-filter: strict on the router drops dsr answers (error); strict on a tunnel server here drops nothing (warning)', () => {
    const ctx = healthy('dsr');
    ctx.looks.r1 = edited(ctx.looks.r1, (l) => (l.sysctls['net.ipv4.conf.all.rp_filter'] = '1'));
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error rp-filter r1']);
    expect(f[0].evidence.join('\n')).toMatch(/arrive on eth\d but r1 routes 198\.18\.100\.254 out of eth\d/);
    const t = healthy('tunnel');
    t.looks.web2 = edited(t.looks.web2, (l) => (l.sysctls['net.ipv4.conf.all.rp_filter'] = '1'));
    expect(kinds(t)).toEqual(['warning rp-filter web2']);
  });
  it('rp-filter loose (2) is no fault', () => {
    const ctx = healthy('dsr');
    ctx.looks.r1 = edited(ctx.looks.r1, (l) => (l.sysctls['net.ipv4.conf.all.rp_filter'] = '2'));
    expect(kinds(ctx)).toEqual([]);
  });
  it('backend-down: stopped while the balancer still counts it healthy is an error; once out, a warning', () => {
    const ctx = healthy('dsr');
    ctx.states.web2 = 'exited';
    delete ctx.looks.web2;
    expect(kinds(ctx)).toEqual(['error backend-down web2']);
    ctx.stats![0].backends.find((b) => b.node === 'web2')!.healthy = false;
    expect(kinds(ctx)).toEqual(['warning backend-down web2']);
  });
  it('backend-down: running but nothing listens on the service port', () => {
    const ctx = healthy('nat');
    ctx.looks.web1 = edited(ctx.looks.web1, (l) => (l.listening = [22]));
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error backend-down web1']);
    expect(f[0].evidence[0]).toMatch(/nothing listens on TCP port 80/);
  });
  it('health-mismatch: a server answering 5xx behind a tcp health check that still passes; quiet once out, or with http checks', () => {
    const ctx = healthy('dsr');
    ctx.answers = { web: { web1: 200, web2: 503, web3: 200 } };
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error health-mismatch web2']);
    expect(f[0].evidence[0]).toBe('GET http://127.0.0.1:80/ in web2: HTTP 503');
    // no answer at all is backend-down's to say; a 4xx is an answer
    ctx.answers = { web: { web1: 0, web2: 404, web3: 200 } };
    expect(kinds(ctx)).toEqual([]);
    ctx.answers = { web: { web2: 503 } };
    ctx.stats![0].backends.find((b) => b.node === 'web2')!.healthy = false;
    expect(kinds(ctx)).toEqual([]);
    ctx.stats![0].backends.find((b) => b.node === 'web2')!.healthy = true;
    ctx.plan.services[0].health.type = 'http';
    expect(kinds(ctx)).toEqual([]);
  });
  it('every finding has the report\'s keys, one sentence each', () => {
    const ctx = healthy('dsr');
    ctx.looks.r1 = edited(ctx.looks.r1, (l) => (l.sysctls['net.ipv4.conf.all.rp_filter'] = '1'));
    ctx.states.web2 = 'exited';
    for (const f of run(ctx)) {
      expect(Object.keys(f).sort()).toEqual(['evidence', 'fix', 'kind', 'node', 'service', 'severity', 'summary', 'why']);
      for (const s of [f.summary, f.why, f.fix]) expect(s).not.toMatch(/\n/);
    }
  });
});

describe('mtu', () => {
  it('an interface smaller than its neighbours on one network: an error on a service\'s path', () => {
    const ctx = healthy('tunnel');
    ctx.looks.web2 = edited(ctx.looks.web2, (l) => (l.addrs.find((a) => a.ifname === 'eth0')!.mtu = 1400));
    const f = run(ctx);
    expect(f.map((x) => `${x.severity} ${x.kind} ${x.node}`)).toEqual(['error mtu web2']);
    expect(f[0].evidence[0]).toBe('web2 eth0 mtu 1400');
  });
  it('a client smaller than the rest: a warning (no service path runs through it)', () => {
    const ctx = healthy('dsr');
    ctx.looks.client2 = edited(ctx.looks.client2, (l) => (l.addrs.find((a) => a.ifname === 'eth0')!.mtu = 1400));
    expect(kinds(ctx)).toEqual(['warning mtu client2']);
  });
});

describe('node-down', () => {
  it('a stopped balancer: an error on it (its backends are not blamed without stats)', () => {
    const ctx = healthy('dsr');
    ctx.states.lb = 'exited';
    delete ctx.looks.lb;
    expect(kinds(ctx)).toEqual(['error node-down lb']);
  });
});
