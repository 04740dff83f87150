import { describe, expect, it } from 'vitest';
import { historyReducer, type History } from '../../../renderer/state/history';
import { addElement, emptyDoc, removeNetwork, renameNetwork } from '../../../renderer/state/doc-ops';
import { autoLayout, needsLayout } from '../../../renderer/state/layout';
import { sampleDoc } from './helpers';

describe('history reducer', () => {
  it('undo/redo walk the past and future; a new edit drops the future', () => {
    const d0 = emptyDoc();
    const d1 = addElement(d0, 'client', { x: 0, y: 0 }).doc;
    const d2 = addElement(d1, 'server', { x: 0, y: 0 }).doc;
    let h: History = { past: [], present: d0, future: [], lastKey: null };
    h = historyReducer(h, { type: 'edit', doc: d1 });
    h = historyReducer(h, { type: 'edit', doc: d2 });
    h = historyReducer(h, { type: 'undo' });
    expect(h.present).toBe(d1);
    h = historyReducer(h, { type: 'undo' });
    expect(h.present).toBe(d0);
    expect(historyReducer(h, { type: 'undo' })).toBe(h);
    h = historyReducer(h, { type: 'redo' });
    expect(h.present).toBe(d1);
    h = historyReducer(h, { type: 'edit', doc: d2 });
    expect(h.future).toEqual([]);
  });

  it('coalesces edits with the same key until sealed', () => {
    const d0 = emptyDoc();
    let h: History = { past: [], present: d0, future: [], lastKey: null };
    h = historyReducer(h, { type: 'edit', doc: { ...d0, name: 'a' }, coalesce: 'k' });
    h = historyReducer(h, { type: 'edit', doc: { ...d0, name: 'ab' }, coalesce: 'k' });
    expect(h.past.length).toBe(1);
    h = historyReducer(h, { type: 'seal' });
    h = historyReducer(h, { type: 'edit', doc: { ...d0, name: 'abc' }, coalesce: 'k' });
    expect(h.past.length).toBe(2);
  });
});

describe('doc ops and layout', () => {
  it('renames and removes networks everywhere', () => {
    const d = renameNetwork(sampleDoc(), 'front', 'edge');
    expect(d.nodes.client1.links).toEqual([{ network: 'edge' }]);
    const r = removeNetwork(d, 'edge');
    expect(r.nodes.client1.links).toEqual([]);
  });

  it('lays out files without positions: clients above networks above servers', () => {
    const doc = sampleDoc();
    for (const n of Object.values(doc.nodes)) delete n.position;
    delete doc.networks.front.position;
    doc.nodes.web2.links = [{ network: 'front' }];
    expect(needsLayout(doc)).toBe(true);
    const l = autoLayout(doc);
    expect(needsLayout(l)).toBe(false);
    expect(l.nodes.client1.position!.y).toBeLessThan(l.networks.front.position!.y);
    expect(l.networks.front.position!.y).toBeLessThan(l.nodes.web1.position!.y);
  });
});
