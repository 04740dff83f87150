// The data plane's limits are written once in TypeScript (contract/limits.ts)
// and once in C (core/abi.h, which cannot import TS): fail when they differ.
import { describe, expect, it } from 'vitest';
import * as limits from '../../../lab-images/balancer/contract/limits';
import { cDefines, coreHeader } from './c-header';

/** `NAME: what is wrong` for every contract limit that abi.h lacks or defines differently. */
function mismatches(header: string): string[] {
  const defines = cDefines(header);
  return Object.entries(limits).flatMap(([name, value]) => {
    const c = defines.get(name);
    if (c === undefined) return [`${name}: not #defined in abi.h`];
    return c === value ? [] : [`${name}: abi.h says ${c}, contract/limits.ts says ${value}`];
  });
}

describe('data plane limits: contract/limits.ts vs core/abi.h', () => {
  const header = coreHeader('abi.h');

  it('every limit of the contract is #defined in abi.h with the same value', () => {
    expect(Object.keys(limits).length).toBeGreaterThanOrEqual(6);
    expect(mismatches(header)).toEqual([]);
  });

  it('a header that diverges is caught (changed value, missing define)', () => {
    const changed = header.replace(/^(#define\s+RING_SIZE\s+)\d+/m, '$165521');
    expect(mismatches(changed)).toEqual([`RING_SIZE: abi.h says 65521, contract/limits.ts says ${limits.RING_SIZE}`]);
    const missing = header.replace(/^#define\s+MAX_SVC_BACKENDS\b.*$/m, '');
    expect(mismatches(missing)).toEqual(['MAX_SVC_BACKENDS: not #defined in abi.h']);
  });
});
