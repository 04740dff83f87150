// The flow table's entries (contract/flow-table.ts flowTableEntries): two a
// flow, and one past a power of two when that adds at most an eighth, so the
// kernel (buckets: the power of two at or above the entries) gives a full
// table twice the buckets and half the chain length.
import { describe, expect, it } from 'vitest';
import { MAX_MAX_FLOWS, MIN_MAX_FLOWS, flowTableBytes, flowTableEntries } from '../../../lab-images/balancer/contract/flow-table';

const buckets = (entries: number) => 2 ** Math.ceil(Math.log2(entries));

describe('flow table entries', () => {
  it('one past a power of two when that costs at most an eighth more', () => {
    expect(flowTableEntries(1_000_000)).toBe(2 ** 21 + 1);
    expect(buckets(flowTableEntries(1_000_000))).toBe(2 ** 22);
    expect(flowTableEntries(2048)).toBe(4097);
    // 2.2 x 10^6 entries: 2^22 + 1 would be 1.9 times as many
    expect(flowTableEntries(1_100_000)).toBe(2_200_000);
  });

  it('never fewer than two a flow, nor more than an eighth beyond', () => {
    for (let f = MIN_MAX_FLOWS; f <= MAX_MAX_FLOWS; f = Math.ceil(f * 1.07)) {
      const e = flowTableEntries(f);
      expect(e, `${f} flows`).toBeGreaterThanOrEqual(2 * f);
      expect(e, `${f} flows`).toBeLessThanOrEqual(2 * f * 1.125);
      // a full table's chains: at most 0.89 entries a bucket (before: up to 1)
      expect(2 * f / buckets(e), `${f} flows`).toBeLessThan(0.9);
    }
  });

  it('the memory counts the entries and buckets the kernel allocates', () => {
    expect(flowTableBytes(1_000_000)).toBe((2 ** 21 + 1) * 120 + 2 ** 22 * 16);
  });
});
