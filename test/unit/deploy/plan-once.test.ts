// Planning once: the create-time sysctls over every mode come from one plan per
// mode (not one per service and mode), and the engine remembers its plans.
import { describe, expect, it } from 'vitest';
import { MODES, type LabDoc, type LabIssue, type Mode } from '../../../electron/api';
import { withPlanCache, type DeployDeps } from '../../../electron/engine/deploy/deps';
import { sysctlsForEveryMode } from '../../../electron/engine/deploy/up';
import { withModes } from '../../../electron/engine/labs/lab-record';
import { handmadeDeps, handmadeDoc, handmadePlan } from '../../support/handmade-plan';

// Three services whose backend s1 asks, per service, for a sysctl naming the service's mode.
const doc: LabDoc = {
  ...handmadeDoc('p'),
  services: {
    a: { balancer: 'r1', mode: 'dsr', backends: ['s1'] },
    b: { balancer: 'r1', mode: 'nat', backends: ['s1'] },
    c: { balancer: 'r1', mode: 'l4proxy', backends: ['s1'] },
  },
};
const modeOf = (d: LabDoc, s: string) => d.services?.[s]?.mode;

function fakeDeps() {
  const calls = { validate: 0, plan: 0 };
  const issues = (d: LabDoc): LabIssue[] => {
    const out: LabIssue[] = [];
    // b cannot run in tunnel mode
    if (modeOf(d, 'b') === 'tunnel') out.push({ path: ['services', 'b', 'backends', 0], message: 'no tunnel' });
    // a and c conflict only together in nat (the later one is named)
    if (modeOf(d, 'a') === 'nat' && modeOf(d, 'c') === 'nat') out.push({ path: ['services', 'c', 'backends', 0], message: 'two gateways' });
    // c in l7 breaks something outside the services
    if (modeOf(d, 'c') === 'l7') out.push({ path: ['networks', 'front'], message: 'no room for a proxy' });
    return out;
  };
  const deps: DeployDeps = handmadeDeps('img', {
    validateLab: (d) => {
      calls.validate++;
      const i = issues(d);
      return { ok: i.length === 0, issues: i };
    },
    planLab: (d) => {
      calls.plan++;
      if (issues(d).length) throw new Error('invalid');
      const p = handmadePlan(d);
      p.nodes[2].sysctls = Object.fromEntries(Object.keys(d.services ?? {}).map((s) => [`x.${s}.${modeOf(d, s)}`, '1']));
      return p;
    },
  });
  return { deps, calls };
}

/** What each service may switch to, one service at a time: the union the deploy must reach. */
function expected(deps: DeployDeps): Record<string, string> {
  const acc: Record<string, string> = { ...deps.planLab(doc).nodes[2].sysctls };
  for (const s of ['a', 'b', 'c'])
    for (const m of MODES) {
      const v = withModes(doc, { [s]: m as Mode });
      if (deps.validateLab(v).ok) Object.assign(acc, deps.planLab(v).nodes[2].sysctls);
    }
  return acc;
}

describe('sysctls over every mode', () => {
  it('equal the union over every service and mode it can run in', () => {
    const want = expected(fakeDeps().deps);
    // spot checks of the fake's rules: b never tunnel, c never l7, a/c each nat on their own
    expect(want['x.b.tunnel']).toBeUndefined();
    expect(want['x.c.l7']).toBeUndefined();
    expect(want['x.a.nat']).toBe('1');
    expect(want['x.c.nat']).toBe('1');
    const { deps, calls } = fakeDeps();
    const got = sysctlsForEveryMode(doc, deps.planLab(doc), deps);
    expect(got.get('s1')).toEqual(want);
    // one service at a time would be 3 services x 6 modes x (check + plan) = 36
    expect(calls.validate + calls.plan).toBeLessThan(30);
  });

  it('a single service that cannot run in a mode is checked once for it', () => {
    const one: LabDoc = { ...doc, services: { b: doc.services!.b } };
    const { deps, calls } = fakeDeps();
    const got = sysctlsForEveryMode(one, deps.planLab(one), deps);
    expect(calls.validate).toBe(MODES.length - 1); // every mode but its own
    expect(Object.keys(got.get('s1')!).sort()).toEqual(MODES.filter((m) => m !== 'tunnel').map((m) => `x.b.${m}`).sort());
  });
});

describe('plan cache', () => {
  it('plans a document once, and again when it changes', () => {
    const { deps, calls } = fakeDeps();
    const cached = withPlanCache(deps);
    const p1 = cached.planLab(doc);
    expect(cached.planLab(structuredClone(doc))).toBe(p1);
    expect(calls.plan).toBe(1);
    const moved = { ...doc, networks: { ...doc.networks, front: { ...doc.networks.front, position: { x: 1, y: 1 } } } };
    expect(cached.planLab(moved)).not.toBe(p1);
    expect(calls.plan).toBe(2);
    cached.validateLab(doc);
    cached.validateLab(doc);
    expect(calls.validate).toBe(1);
  });

  it('does not remember a document that does not plan', () => {
    const { deps, calls } = fakeDeps();
    const cached = withPlanCache(deps);
    const bad = withModes(doc, { b: 'tunnel' });
    expect(() => cached.planLab(bad)).toThrow('invalid');
    expect(() => cached.planLab(bad)).toThrow('invalid');
    expect(calls.plan).toBe(2);
  });

  it('keeps at most `size` documents, dropping the least recently used', () => {
    const { deps, calls } = fakeDeps();
    const cached = withPlanCache(deps, 2);
    const d = (n: string) => ({ ...doc, name: n });
    cached.planLab(d('one'));
    cached.planLab(d('two'));
    cached.planLab(d('one')); // one is now the most recent
    cached.planLab(d('three')); // drops two
    expect(calls.plan).toBe(3);
    cached.planLab(d('one'));
    expect(calls.plan).toBe(3);
    cached.planLab(d('two'));
    expect(calls.plan).toBe(4);
  });
});
