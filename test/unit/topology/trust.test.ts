// Only lblab's own images get the capabilities a node runs with (NET_ADMIN,
// SYS_ADMIN where BPF loads); another image needs `trust: true` on its node,
// else validation refuses the lab before anything is created.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { capabilityGrants, formatPath, grantLine, isOwnImage, planLab, validateLab } from '../../../electron/engine/topology/index';
import { node } from './fixtures';

const lab = (nodes: Record<string, { image?: string; trust?: boolean }> = {}): LabDoc => {
  const d: LabDoc = {
    name: 'g',
    networks: { front: {} },
    nodes: {
      c1: { kind: 'client', links: [{ network: 'front' }] },
      lb: { kind: 'balancer', links: [{ network: 'front' }] },
      web1: { kind: 'server', links: [{ network: 'front' }] },
    },
    services: { web: { balancer: 'lb', mode: 'dsr', backends: ['web1'] } },
  };
  for (const [n, extra] of Object.entries(nodes)) Object.assign(d.nodes[n], extra);
  return d;
};
const lines = (doc: unknown) => validateLab(doc).issues.map((i) => `${formatPath(i.path)}: ${i.message}`);

describe("lblab's own images", () => {
  it('are lblab/<kind>, bare or tagged', () => {
    for (const ok of [undefined, 'lblab/client', 'lblab/server', 'lblab/balancer', 'lblab/router', 'lblab/server:3f9a0c', 'lblab/balancer:latest']) expect(isOwnImage(ok), String(ok)).toBe(true);
    for (const no of ['nginx', 'nginx:1.27', 'lblab/base', 'lblab/server-evil', 'lblab/server:', 'docker.io/lblab/server', 'evil/lblab/server', 'lblab/server@sha256:00', 'x/lblab/server:1'])
      expect(isOwnImage(no), no).toBe(false);
  });

  it('validate and plan as before, with their capabilities', () => {
    const doc = lab({ web1: { image: 'lblab/server:abc' } });
    expect(lines(doc)).toEqual([]);
    const p = planLab(doc);
    expect(node(p, 'web1')).toMatchObject({ image: 'lblab/server:abc', capAdd: ['NET_ADMIN', 'SYS_ADMIN'] });
    expect(node(p, 'web1').trusted).toBeUndefined();
    expect(capabilityGrants(p)).toEqual([]);
  });
});

describe('another image', () => {
  it('is refused at validation, naming the node, the image and how to allow it', () => {
    expect(lines(lab({ web1: { image: 'nginx:1.27' } }))).toEqual([
      `nodes.web1.image: node web1: image "nginx:1.27" is not one of lblab's own (lblab/client, lblab/server, lblab/balancer, lblab/router) and would run with NET_ADMIN and SYS_ADMIN; add "trust: true" to node web1 to allow it`,
    ]);
    // a client loads no BPF: the message says what it would really get
    expect(lines(lab({ c1: { image: 'alpine:3' } }))[0]).toMatch(/^nodes\.c1\.image: node c1: image "alpine:3" .* would run with NET_ADMIN; add "trust: true" to node c1/);
    const r = validateLab(lab({ lb: { image: 'evil/lb' } }));
    expect(r.issues[0]).toMatchObject({ node: 'lb', path: ['nodes', 'lb', 'image'], where: 'lb' });
  });

  it('is refused by the planner too (the engine plans only what validates)', () => {
    expect(() => planLab(lab({ web1: { image: 'nginx' } }))).toThrow(/node web1: image "nginx" is not one of lblab's own/);
  });

  it('trust: false, or a trust that is not a boolean, does not allow it', () => {
    expect(lines(lab({ web1: { image: 'nginx', trust: false } }))).toHaveLength(1);
    expect(lines(lab({ web1: { image: 'nginx', trust: 'yes' as never } }))).toEqual([
      'nodes.web1.trust: trust "yes" must be true or false',
      expect.stringContaining('nodes.web1.image: node web1: image "nginx"'),
    ]);
  });

  it('with trust: true gets the capabilities, and the plan says so', () => {
    const doc = lab({ web1: { image: 'nginx:1.27', trust: true }, c1: { image: 'alpine:3', trust: true } });
    expect(lines(doc)).toEqual([]);
    const p = planLab(doc);
    expect(node(p, 'web1')).toMatchObject({ image: 'nginx:1.27', capAdd: ['NET_ADMIN', 'SYS_ADMIN'], trusted: true });
    expect(capabilityGrants(p)).toEqual([
      { node: 'c1', image: 'alpine:3', capAdd: ['NET_ADMIN'] },
      { node: 'web1', image: 'nginx:1.27', capAdd: ['NET_ADMIN', 'SYS_ADMIN'] },
    ]);
    expect(grantLine(capabilityGrants(p)[1], 'g')).toBe('lab g: node web1 runs image nginx:1.27 with NET_ADMIN and SYS_ADMIN (trust: true)');
  });

  it('trust: true on an own image grants nothing beyond the usual', () => {
    const p = planLab(lab({ web1: { trust: true } }));
    expect(capabilityGrants(p)).toEqual([]);
  });
});
