// Maglev at the sizes bench:scale measures: when one of N backends leaves,
// the share of flows (table slots) that change backend stays within 1/N (its
// own, which must move) + 5 % (the others' that Maglev moves besides).
import { describe, expect, it } from 'vitest';
import { MAGLEV_SIZE, maglevTable } from '../../../lab-images/balancer/agent/maglev';

const backends = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, key: `198.18.${4 + (i >> 8)}.${i & 255}`, weight: 1 }));

describe('maglev remap bound', () => {
  for (const n of [100, 1000]) {
    it(`one of ${n} backends leaving remaps at most 1/N + 5 % of the flows`, () => {
      const all = backends(n);
      const before = maglevTable(all);
      for (const leaving of [1, Math.ceil(n / 2), n]) {
        const after = maglevTable(all.filter((b) => b.id !== leaving));
        let remapped = 0; let own = 0;
        for (let i = 0; i < MAGLEV_SIZE; i++) {
          if (before[i] === leaving) own++;
          if (after[i] !== before[i]) remapped++;
        }
        expect(after.includes(leaving)).toBe(false);
        expect(own).toBeGreaterThan(0);
        expect(remapped).toBeGreaterThanOrEqual(own); // its own flows all moved
        expect(remapped / MAGLEV_SIZE, `backend ${leaving} of ${n}`).toBeLessThanOrEqual(1 / n + 0.05);
      }
    });
  }
});
