// The agent's new-flow rate per backend (what snat capacity is compared with), from running totals.
import { describe, expect, it } from 'vitest';
import { FlowRate } from '../../../lab-images/balancer/agent/flow-rate';

describe('FlowRate', () => {
  it('is the growth of a total over the samples of the last 10 s', () => {
    const r = new FlowRate();
    r.record(0, { 1: 0, 2: 100 });
    expect(r.perSec(1)).toBeUndefined(); // one sample: no rate yet
    r.record(1000, { 1: 500, 2: 100 });
    expect(r.perSec(1)).toBeUndefined(); // 1 s apart: too short to say
    r.record(2000, { 1: 1500, 2: 160 });
    expect(r.perSec(1)).toBe(750);
    expect(r.perSec(2)).toBe(30);
    expect(r.perSec(3)).toBe(0); // never seen
    // 20 s later at a new pace: the old samples leave the window
    for (let t = 4000; t <= 22_000; t += 2000) r.record(t, { 1: 1500 + (t - 2000) * 0.1, 2: 160 });
    expect(r.perSec(1)).toBe(100);
    expect(r.perSec(2)).toBe(0);
  });

  it('a total that went down (a flushed, reused id) counts from 0; samples out of order are ignored', () => {
    const r = new FlowRate();
    r.record(0, { 1: 9000 });
    r.record(2000, { 1: 400 });
    r.record(1000, { 1: 1e9 });
    expect(r.perSec(1)).toBe(200);
  });
});
