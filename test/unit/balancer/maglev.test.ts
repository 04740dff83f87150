import { describe, expect, it } from 'vitest';
import { MAGLEV_SIZE, maglevTable } from '../../../lab-images/balancer/agent/maglev';

const backends = (n: number, weight = (_i: number) => 1) =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, key: `198.18.1.${i + 10}`, weight: weight(i) }));

function shares(table: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const id of table) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

describe('maglev', () => {
  it('fills a prime-sized table with every slot owned', () => {
    const t = maglevTable(backends(3));
    expect(t).toHaveLength(MAGLEV_SIZE);
    expect(t.every((id) => id >= 1 && id <= 3)).toBe(true);
  });

  it('spreads equal weights evenly (±25%)', () => {
    const n = 5;
    const s = shares(maglevTable(backends(n)));
    for (let id = 1; id <= n; id++) {
      const share = s.get(id)! / MAGLEV_SIZE;
      expect(Math.abs(share - 1 / n) / (1 / n)).toBeLessThan(0.25);
    }
  });

  it('gives weighted backends a proportional share (±25%)', () => {
    const ws = [1, 2, 3, 4];
    const s = shares(maglevTable(backends(4, (i) => ws[i])));
    const total = ws.reduce((a, b) => a + b, 0);
    ws.forEach((w, i) => {
      const share = s.get(i + 1)! / MAGLEV_SIZE;
      expect(Math.abs(share - w / total) / (w / total)).toBeLessThan(0.25);
    });
  });

  it('leaves weight-0 backends out of the table', () => {
    const t = maglevTable(backends(3, (i) => (i === 1 ? 0 : 1)));
    expect(new Set(t)).toEqual(new Set([1, 3]));
    expect(maglevTable(backends(2, () => 0))).toEqual([]);
  });

  it('is deterministic and independent of input order', () => {
    const a = maglevTable(backends(4));
    const b = maglevTable(backends(4).reverse());
    expect(b).toEqual(a);
  });

  for (const n of [3, 5, 10]) {
    it(`removing one of ${n} backends remaps at most 1/N + 5% of the others' slots`, () => {
      const all = backends(n);
      const before = maglevTable(all);
      const removed = 2;
      const after = maglevTable(all.filter((b) => b.id !== removed));
      let moved = 0;
      for (let i = 0; i < MAGLEV_SIZE; i++) if (before[i] !== removed && after[i] !== before[i]) moved++;
      expect(after.includes(removed)).toBe(false);
      expect(moved / MAGLEV_SIZE).toBeLessThanOrEqual(1 / n + 0.05);
    });
  }

  it('a different small prime size works too', () => {
    const t = maglevTable(backends(3), 251);
    expect(t).toHaveLength(251);
  });
});
