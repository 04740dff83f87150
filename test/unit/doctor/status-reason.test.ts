// A lab carrying faults made on purpose is degraded, says so first, and stays repairable.
import { describe, expect, it } from 'vitest';
import { degradedReason, repairable } from '../../../electron/engine/labs/health';

describe('broken on purpose', () => {
  it('in the status reason, before what the faults took away', () => {
    const p = { nodes: [{ name: 'web2', problems: ['no VIP 198.18.100.254 on lo'] }], networks: [], breaks: ['vip-missing on web2', 'arp-flux on web1'] };
    expect(degradedReason(p)).toBe('broken on purpose: vip-missing on web2, arp-flux on web1; web2: no VIP 198.18.100.254 on lo');
    expect(repairable(p)).toBe(true);
  });
  it('a fault the look cannot see (a sysctl) still makes the lab degraded', () => {
    expect(degradedReason({ nodes: [{ name: 'web1', problems: [] }], networks: [], breaks: ['arp-flux on web1'] })).toBe('broken on purpose: arp-flux on web1');
  });
});
