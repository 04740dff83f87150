// Which faults apply to which node, the sysctl writes a break and its undo make,
// and the drift a fix looks for.
import { describe, expect, it } from 'vitest';
import { notApplicable } from '../../../electron/engine/doctor/breaks';
import { plannedSysctls, sysctlsDrifted } from '../../../electron/engine/doctor/restore';
import { sysctlScript } from '../../../electron/engine/doctor/sysctl';
import { planLab } from '../../../electron/engine/topology';
import { edited, healthy, labDoc } from './recorded';

describe('faults on purpose', () => {
  it('each fault applies only where the mode makes it one', () => {
    const dsr = planLab(labDoc('dsr'));
    expect(notApplicable(dsr, 'arp-flux', 'web1')).toBeUndefined();
    expect(notApplicable(dsr, 'vip-missing', 'web2')).toBeUndefined();
    expect(notApplicable(dsr, 'rp-filter', 'r1')).toBeUndefined();
    expect(notApplicable(dsr, 'backend-down', 'web3')).toBeUndefined();
    expect(notApplicable(dsr, 'return-path', 'web1')).toMatch(/^return-path applies to a nat backend; web1 is not one/);
    expect(notApplicable(dsr, 'decap-missing', 'web1')).toMatch(/tunnel backend/);
    expect(notApplicable(dsr, 'arp-flux', 'client1')).toMatch(/dsr backend/);
    expect(notApplicable(dsr, 'arp-flux', 'nosuch')).toBe('lab it-dr-doctor has no node nosuch (nodes: client1, client2, lb, r1, web1, web2, web3)');
    const nat = planLab(labDoc('nat'));
    expect(notApplicable(nat, 'return-path', 'web1')).toBeUndefined();
    expect(notApplicable(nat, 'arp-flux', 'web1')).toMatch(/dsr backend/);
    expect(notApplicable(planLab(labDoc('tunnel')), 'decap-missing', 'web2')).toBeUndefined();
  });
  it('sysctls are written per name, `*` for every interface; anything but net.* is refused', () => {
    expect(sysctlScript({ 'net.ipv4.conf.*.rp_filter': '0' })).toBe(`for f in /proc/sys/net/ipv4/conf/*/rp_filter; do [ -f "$f" ] && echo '0' > "$f"; done; true`);
    expect(() => sysctlScript({ 'kernel.panic': '1' })).toThrow('not a network sysctl: kernel.panic');
  });
  it('what a repair writes back: the plan\'s, and rp_filter on every interface', () => {
    const r1 = planLab(labDoc('dsr')).nodes.find((n) => n.name === 'r1')!;
    expect(plannedSysctls(r1)).toMatchObject({ 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.*.rp_filter': '0', 'net.ipv4.ip_forward': '1' });
  });
  it('drift: what the kernel applies differs from the plan', () => {
    const ctx = healthy('dsr');
    const web1 = ctx.plan.nodes.find((n) => n.name === 'web1')!;
    const r1 = ctx.plan.nodes.find((n) => n.name === 'r1')!;
    expect(sysctlsDrifted(web1, ctx.looks.web1)).toBe(false);
    expect(sysctlsDrifted(r1, ctx.looks.r1)).toBe(false);
    expect(sysctlsDrifted(web1, edited(ctx.looks.web1, (l) => (l.sysctls['net.ipv4.conf.all.arp_ignore'] = '0')))).toBe(true);
    expect(sysctlsDrifted(r1, edited(ctx.looks.r1, (l) => (l.sysctls['net.ipv4.conf.eth0.rp_filter'] = '1')))).toBe(true);
  });
});
