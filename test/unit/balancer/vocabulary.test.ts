// Which modes the eBPF core serves and which HAProxy serves is stated once, in
// the contract's vocabulary; everything else asks its predicates.
import { describe, expect, it } from 'vitest';
import { DATAPLANE_MODES, DIRECT_RETURN_MODES, MODES, PROXY_MODES, isDataplaneMode, isDirectReturnMode, isProxyMode } from '../../../electron/api';

describe('mode vocabulary', () => {
  it('every mode is served by exactly one of the data plane and the proxy', () => {
    for (const m of MODES) expect(isDataplaneMode(m) !== isProxyMode(m), m).toBe(true);
    expect([...DATAPLANE_MODES, ...PROXY_MODES].sort()).toEqual([...MODES].sort());
  });

  it('the predicates follow the lists and refuse what is not a mode', () => {
    expect(MODES.filter(isDataplaneMode)).toEqual(['dsr', 'tunnel', 'nat', 'snat']);
    expect(MODES.filter(isProxyMode)).toEqual(['l4proxy', 'l7']);
    expect(MODES.filter(isDirectReturnMode)).toEqual(['dsr', 'tunnel']);
    for (const f of [isDataplaneMode, isProxyMode, isDirectReturnMode]) expect(f('direct') || f('kernel-nat') || f('')).toBe(false);
  });

  it('only data-plane modes send replies past the balancer', () => {
    expect(DIRECT_RETURN_MODES.every(isDataplaneMode)).toBe(true);
  });
});
