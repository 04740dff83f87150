import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { tierBoxes } from '../../../renderer/components/canvas/tier-group';

const doc = (balancer: string | string[]): LabDoc =>
  ({
    name: 't',
    networks: { core: {} },
    nodes: {
      lb1: { kind: 'balancer', links: [{ network: 'core' }], position: { x: 100, y: 400 } },
      lb2: { kind: 'balancer', links: [{ network: 'core' }], position: { x: 300, y: 420 } },
      web1: { kind: 'server', links: [{ network: 'core' }], position: { x: 100, y: 600 } },
    },
    services: { web: { balancer, mode: 'dsr', backends: ['web1'] } },
  }) as unknown as LabDoc;

describe('the group drawn around a tier', () => {
  it('boxes the members with room for its label; measured sizes win over the default', () => {
    const [b] = tierBoxes(doc(['lb1', 'lb2']), () => undefined);
    expect(b).toEqual({ service: 'web', mode: 'dsr', members: ['lb1', 'lb2'], x: 84, y: 362, width: 382, height: 132 });
    const [m] = tierBoxes(doc(['lb1', 'lb2']), (n) => (n === 'lb2' ? { width: 200, height: 80 } : undefined));
    expect(m.width).toBe(300 + 200 + 16 - 84);
    expect(m.height).toBe(420 + 80 + 16 - 362);
  });

  it('no group for a single balancer, nor for members not drawn', () => {
    expect(tierBoxes(doc('lb1'), () => undefined)).toEqual([]);
    expect(tierBoxes(doc(['lb1', 'gone']), () => undefined)).toEqual([]);
  });
});

describe('the Compare form across tier sizes', () => {
  it('turns "1,2,3" into the request’s members, alone or with modes; a bad size is one line', async () => {
    const { buildRequest, defaultForm, estimateSeconds } = await import('../../../renderer/lib/compare-data');
    const f = { ...defaultForm('web'), object: '1k', members: '1, 2,3' };
    const r = buildRequest('tier', f);
    expect(r.req).toMatchObject({ lab: 'tier', service: 'web', members: [1, 2, 3] });
    expect(r.req?.modes).toBeUndefined();
    expect(buildRequest('tier', { ...f, modes: ['l4proxy'] }).req).toMatchObject({ modes: ['l4proxy'], members: [1, 2, 3] });
    expect(buildRequest('tier', { ...f, members: '1,x' }).error).toMatch(/^tier sizes/);
    expect(estimateSeconds(r.req!)).toBe(3 * 3 * (10 + 2 + 2));
  });
});
