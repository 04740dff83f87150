// Templates as they open: no two boxes on top of each other, as drawn in
// labs/*.lab.yaml and after Auto-layout; Auto-layout keeps names in order.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { getTemplate, listTemplates } from '../../../electron/engine/topology/index';
import { autoLayout, NET_SIZE, NODE_SIZE } from '../../../renderer/state/layout';

interface Box { id: string; x: number; y: number; w: number; h: number }

function boxes(doc: LabDoc): Box[] {
  const at = (p: { x: number; y: number } | undefined, id: string) => {
    if (!p) throw new Error(`${id} has no position`);
    return p;
  };
  return [
    ...Object.entries(doc.nodes).map(([id, n]) => ({ id, ...at(n.position, id), w: NODE_SIZE.width, h: NODE_SIZE.height })),
    ...Object.entries(doc.networks).map(([id, n]) => ({ id: `network ${id}`, ...at(n.position, id), w: NET_SIZE.width, h: NET_SIZE.height })),
  ];
}

function overlapping(doc: LabDoc): string[] {
  const b = boxes(doc);
  const out: string[] = [];
  for (let i = 0; i < b.length; i++)
    for (let j = i + 1; j < b.length; j++) {
      const [p, q] = [b[i], b[j]];
      if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) out.push(`${p.id} / ${q.id}`);
    }
  return out;
}

const templates = listTemplates().map((t) => t.id);

describe('template layouts', () => {
  it('finds the templates', () => expect(templates.length).toBeGreaterThanOrEqual(8));

  it.each(templates)('%s: no two boxes intersect as drawn', (id) => {
    expect(overlapping(getTemplate(id)!)).toEqual([]);
  });

  it.each(templates)('%s: no two boxes intersect after Auto-layout', (id) => {
    expect(overlapping(autoLayout(getTemplate(id)!))).toEqual([]);
  });

  it('the overlap check sees an overlap', () => {
    const doc = getTemplate('nat')!;
    doc.nodes.lb.position = { ...doc.networks.front.position! };
    expect(overlapping(doc)).toEqual(['lb / network front']);
  });
});

describe('auto-layout', () => {
  it('puts interchangeable nodes in name order, left to right', () => {
    const doc: LabDoc = {
      name: 'x',
      networks: { front: {}, back: {} },
      nodes: {
        client1: { kind: 'client', links: [{ network: 'front' }] },
        client2: { kind: 'client', links: [{ network: 'front' }] },
        lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
        web1: { kind: 'server', links: [{ network: 'back' }] },
        web2: { kind: 'server', links: [{ network: 'back' }] },
        web10: { kind: 'server', links: [{ network: 'back' }] },
      },
    };
    const l = autoLayout(doc);
    const x = (n: string) => l.nodes[n].position!.x;
    expect(x('client1')).toBeLessThan(x('client2'));
    expect(x('web1')).toBeLessThan(x('web2'));
    expect(x('web2')).toBeLessThan(x('web10'));
    // clients above the balancer above the servers
    expect(l.nodes.client1.position!.y).toBeLessThan(l.nodes.lb.position!.y);
    expect(l.nodes.lb.position!.y).toBeLessThan(l.nodes.web1.position!.y);
    expect(overlapping(l)).toEqual([]);
  });
});
