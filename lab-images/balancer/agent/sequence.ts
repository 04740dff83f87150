// Round-robin sequences the data plane walks with a per-service cursor.
// rr: every eligible backend once. wrr: nginx's "smooth weighted round robin",
// which interleaves heavy backends instead of sending them bursts
// (weights 5,1,1 → a a b a c a a, not a a a a a b c).
export interface SeqEntry { id: number; weight: number }

/** Plain round robin: each backend with weight > 0 once, in the given order. */
export function rrSequence(entries: SeqEntry[]): number[] {
  return entries.filter((e) => e.weight > 0).map((e) => e.id);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Smooth weighted round robin over one period (sum of weights / their gcd). */
export function wrrSequence(entries: SeqEntry[]): number[] {
  const live = entries.filter((e) => e.weight > 0);
  if (live.length === 0) return [];
  const g = live.reduce((acc, e) => gcd(acc, e.weight), 0);
  const w = live.map((e) => e.weight / g);
  const total = w.reduce((a, b) => a + b, 0);
  const current = new Array<number>(live.length).fill(0);
  const out: number[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < live.length; i++) {
      current[i] += w[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    out.push(live[best].id);
  }
  return out;
}
