import { describe, expect, it } from 'vitest';
import { rrSequence, wrrSequence } from '../../../lab-images/balancer/agent/sequence';

describe('rr / wrr sequences', () => {
  it('rr lists each backend once and skips weight 0', () => {
    expect(rrSequence([{ id: 1, weight: 1 }, { id: 2, weight: 0 }, { id: 3, weight: 5 }])).toEqual([1, 3]);
  });

  it('wrr is smooth: 5,1,1 interleaves the heavy backend', () => {
    expect(wrrSequence([{ id: 1, weight: 5 }, { id: 2, weight: 1 }, { id: 3, weight: 1 }])).toEqual([1, 1, 2, 1, 3, 1, 1]);
  });

  it('wrr period is the weight sum reduced by the gcd, shares exact', () => {
    const seq = wrrSequence([{ id: 1, weight: 4 }, { id: 2, weight: 2 }, { id: 3, weight: 0 }]);
    expect(seq).toHaveLength(3);
    expect(seq.filter((x) => x === 1)).toHaveLength(2);
    expect(seq).not.toContain(3);
  });

  it('wrr 3,2,1 gives the smooth order a b a c b a', () => {
    expect(wrrSequence([{ id: 1, weight: 3 }, { id: 2, weight: 2 }, { id: 3, weight: 1 }])).toEqual([1, 2, 1, 3, 2, 1]);
  });

  it('empty when nothing is eligible', () => {
    expect(wrrSequence([])).toEqual([]);
    expect(wrrSequence([{ id: 1, weight: 0 }])).toEqual([]);
  });
});
