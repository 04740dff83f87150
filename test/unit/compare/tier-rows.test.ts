import { describe, expect, it } from 'vitest';
import { compareRequestSchema, type CompareRun, type NodeStatus } from '../../../electron/api';
import { comparisonToCsv } from '../../../electron/engine/compare/csv';
import { checkRequestFields } from '../../../electron/engine/compare/request';
import { memberEntries, memberRows, membersVerdict, planMembers, summarizeMembers, tierOnlyScript, viasOut } from '../../../electron/engine/compare/tier-rows';
import { formatComparison } from '../../../electron/cli/compare-format';
import { WATCH_SCRIPT } from '../../../electron/engine/topology/tier-watch';

const tier = { name: 'web', balancer: 'lb1', members: ['lb1', 'lb2', 'lb3'] };
const node = (name: string, kind: NodeStatus['kind'], ...addresses: string[]): NodeStatus =>
  ({ name, kind, container: name, state: 'running', routes: [], interfaces: addresses.map((address, i) => ({ name: `eth${i}`, network: `n${i}`, mac: '', address })) }) as NodeStatus;
const run = (members: number, repetition: number, rps: number, cpu: Record<string, number>, extra: Partial<CompareRun> = {}): CompareRun => ({
  mode: 'l4proxy', repetition, throughputMbps: rps / 100, requestsPerSec: rps, latencyMs: { p50: 5, p90: 8, p99: 20 }, errors: 0,
  backendShares: {}, balancerBytes: {}, responseBytes: 1, balancerCpuSeconds: 1, members, memberCpu: cpu, ...extra,
});

describe('planning a comparison across tier sizes', () => {
  it('checks the sizes in one line each: whole numbers, once each, within the tier, not with gateways', () => {
    expect(compareRequestSchema.safeParse({ lab: 'x', members: [1, 2, 3] }).success).toBe(true);
    expect(compareRequestSchema.safeParse({ lab: 'x', members: [0] }).success).toBe(false);
    expect(() => checkRequestFields({ lab: 'x', members: [] })).toThrow(/members must list tier sizes, whole numbers 1–16/);
    expect(() => checkRequestFields({ lab: 'x', members: [1.5] })).toThrow(/whole numbers/);
    expect(() => checkRequestFields({ lab: 'x', members: [1], gateways: ['nginx'] })).toThrow(/either gateways or tier sizes/);
    expect(planMembers([1, 2, 3], tier)).toEqual([1, 2, 3]);
    expect(planMembers([3, 1], tier)).toEqual([3, 1]);
    expect(() => planMembers([1, 1], tier)).toThrow(/^members 1 is listed twice$/);
    expect(() => planMembers([1, 4], tier)).toThrow(/^members 4: service web's tier has 3 \(lb1, lb2, lb3\)$/);
    expect(() => planMembers([1], { name: 'web', balancer: 'lb' })).toThrow(/service web has one balancer \(lb\)/);
  });

  it("runs the service's own mode, or the balancer modes asked for, at every size; never a reference row", () => {
    expect(memberRows(undefined, { mode: 'dsr' })).toEqual(['dsr']);
    expect(memberRows(['l4proxy', 'dsr'], { mode: 'dsr' })).toEqual(['l4proxy', 'dsr']);
    expect(() => memberRows(['dsr', 'direct'], { mode: 'dsr' })).toThrow(/direct does not go through the tier/);
    expect(memberEntries(['dsr', 'l7'], [1, 3])).toEqual([
      { row: 'dsr', members: 1 },
      { row: 'dsr', members: 3 },
      { row: 'l7', members: 1 },
      { row: 'l7', members: 3 },
    ]);
  });

  it('leaves out the next hops of the members after the first N; the router script drains exactly those', () => {
    const status = { nodes: [node('r1', 'router', '198.18.0.2/24', '198.18.1.2/24'), node('lb1', 'balancer', '198.18.1.3/24'), node('lb2', 'balancer', '198.18.1.4/24'), node('lb3', 'balancer', '198.18.1.5/24')] };
    expect(viasOut(status, tier.members, 1)).toEqual(['198.18.1.4', '198.18.1.5']);
    expect(viasOut(status, tier.members, 3)).toEqual([]);
    const s = tierOnlyScript(viasOut(status, tier.members, 2));
    expect(s).toContain('rm -f "$dir"/*.out');
    expect(s).toContain(': > "$dir/198.18.1.5.out"');
    expect(s).not.toContain('198.18.1.4');
    expect(s).toMatch(/watch\.sh" once$/);
    expect(() => tierOnlyScript(['1.2.3.4; rm -rf /'])).toThrow(/not an IPv4 address/);
    // the router's loop honours the files: a drained member is not a live next hop
    expect(WATCH_SCRIPT).toMatch(/live\(\) \{ for h in "\$@"; do \[ -e "\$dir\/\$\{h#\*:\}\.out" \] && continue;/);
  });

  it('summarizes per mode and size: req/s against the smallest size per round, each member’s CPU', () => {
    const cpu1 = { lb1: 0.1, lb2: 0, lb3: 0 };
    const cpu3 = { lb1: 0.1, lb2: 0.1, lb3: 0.09 };
    const runs = [run(1, 1, 1000, cpu1), run(3, 1, 2600, cpu3), run(1, 2, 1200, cpu1), run(3, 2, 2400, cpu3), run(3, 3, 0, cpu3, { error: 'boom' })];
    const s = summarizeMembers(['l4proxy'], [1, 3], runs);
    expect(s.map((x) => [x.members, x.requestsPerSec.median])).toEqual([[1, 1100], [3, 2500]]);
    expect(s[0].scale).toBe(1);
    expect(s[1].scale).toBeCloseTo((2.6 + 2) / 2, 5);
    expect(s[1].memberCpu).toEqual(cpu3);
    const v = membersVerdict(s, { lb1: 0.1, lb2: 0.1, lb3: 0.1 })!;
    expect(v).toBe("l4proxy through a tier of 1: 1100 req/s, members' CPU lb1 0.10 of 0.1; 3: 2500 req/s (2.30× 1), members' CPU lb1 0.10 of 0.1, lb2 0.10 of 0.1, lb3 0.09 of 0.1.");
  });

  it('the CLI table and the CSV carry the size and every member’s CPU', () => {
    const runs = [run(1, 1, 1000, { lb1: 0.1, lb2: 0 }), run(2, 1, 1900, { lb1: 0.1, lb2: 0.1 })];
    const summary = summarizeMembers(['l4proxy'], [1, 2], runs);
    const c = {
      id: 'c1', lab: 'tier', service: 'web', complete: true, startedAt: '', summary, runs,
      environment: { kernel: '', docker: '', cpuModel: '', cpus: 2, loadBefore: [], loadAfter: [], linkRates: {}, offloads: {} },
      workload: { modes: ['l4proxy' as const], members: [1, 2], object: '1k', connections: 64, duration: 8, warmup: 2, repeat: 1, clients: ['client1'] },
    };
    const text = formatComparison(c);
    expect(text).toMatch(/per mode and tier size/);
    expect(text).toMatch(/mode\s+members\s+req\/s.*× 1\s+lb1 CPU\s+lb2 CPU/);
    expect(text).toMatch(/l4proxy\s+2\s+1900\s.*1\.90\s+0\.10\s+0\.10/);
    const csv = comparisonToCsv(c).split('\n');
    expect(csv[0]).toContain('members,cpu_lb1,cpu_lb2');
    expect(csv[2]).toContain(',2,0.1,0.1,');
  });
});
