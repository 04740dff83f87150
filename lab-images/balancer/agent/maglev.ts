// Weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016).
// Each backend walks its own permutation of the table slots, given by an
// offset and a skip derived from two hashes of its stable key; backends take
// turns claiming their next free preferred slot until the table is full.
// Weights: in every round a backend earns `weight` credits and claims one slot
// per `maxWeight` credits (the scheme of Katran's MaglevV2), so its share of
// the table is proportional to its weight. Weight 0 never claims a slot.
// Deterministic: the result depends only on the (key, weight, id) set, not on
// the input order, so every agent computes the same table.
import { createHash } from 'node:crypto';

/** Table size: a prime well above 100 × the backend count we support. */
export const MAGLEV_SIZE = 65537;

export interface MaglevEntry {
  id: number; // what the table holds (the data plane's backend id)
  key: string; // stable identity to hash (e.g. the backend's address)
  weight: number;
}

function hashes(key: string, m: number): { offset: number; skip: number } {
  const d = createHash('sha256').update(key).digest();
  const h1 = d.readUInt32BE(0);
  const h2 = d.readUInt32BE(4);
  return { offset: h1 % m, skip: (h2 % (m - 1)) + 1 };
}

/** Build a table of `size` (prime) slots; [] when no backend has weight > 0. */
export function maglevTable(entries: MaglevEntry[], size = MAGLEV_SIZE): number[] {
  const live = entries.filter((e) => e.weight > 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id - b.id));
  if (live.length === 0) return [];
  const n = live.length;
  const perm = live.map((e) => hashes(e.key, size));
  const next = new Uint32Array(n); // how far each backend has walked its permutation
  const credit = new Float64Array(n);
  const maxWeight = Math.max(...live.map((e) => e.weight));
  const table = new Int32Array(size).fill(-1);
  let filled = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      credit[i] += live[i].weight;
      while (credit[i] >= maxWeight) {
        credit[i] -= maxWeight;
        const { offset, skip } = perm[i];
        let slot: number;
        do {
          slot = (offset + next[i] * skip) % size;
          next[i]++;
        } while (table[slot] >= 0);
        table[slot] = live[i].id;
        if (++filled === size) return Array.from(table);
      }
    }
  }
}
