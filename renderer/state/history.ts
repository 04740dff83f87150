// Undo/redo for the lab document. Edits with the same `coalesce` key in a row
// (typing into one field, dragging one node) collapse into one undo step.
import { useCallback, useMemo, useReducer } from 'react';
import type { LabDoc } from '../../electron/api';

export interface History {
  past: LabDoc[];
  present: LabDoc;
  future: LabDoc[];
  lastKey: string | null;
}
export type HistoryAction =
  | { type: 'edit'; doc: LabDoc; coalesce?: string }
  | { type: 'reset'; doc: LabDoc }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'seal' };

const LIMIT = 200;

export function historyReducer(h: History, a: HistoryAction): History {
  switch (a.type) {
    case 'edit': {
      if (a.doc === h.present) return h;
      if (a.coalesce && a.coalesce === h.lastKey) return { ...h, present: a.doc, future: [] };
      return { past: [...h.past, h.present].slice(-LIMIT), present: a.doc, future: [], lastKey: a.coalesce ?? null };
    }
    case 'reset':
      return { past: [], present: a.doc, future: [], lastKey: null };
    case 'undo': {
      if (h.past.length === 0) return h;
      const prev = h.past[h.past.length - 1];
      return { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future], lastKey: null };
    }
    case 'redo': {
      if (h.future.length === 0) return h;
      const [next, ...rest] = h.future;
      return { past: [...h.past, h.present], present: next, future: rest, lastKey: null };
    }
    case 'seal':
      return h.lastKey === null ? h : { ...h, lastKey: null };
  }
}

export interface DocStore {
  doc: LabDoc;
  edit(doc: LabDoc, coalesce?: string): void;
  reset(doc: LabDoc): void;
  undo(): void;
  redo(): void;
  /** end the current coalescing run (blur, drag stop) */
  seal(): void;
  canUndo: boolean;
  canRedo: boolean;
}

export function useDocHistory(initial: LabDoc): DocStore {
  const [h, dispatch] = useReducer(historyReducer, { past: [], present: initial, future: [], lastKey: null });
  const edit = useCallback((doc: LabDoc, coalesce?: string) => dispatch({ type: 'edit', doc, coalesce }), []);
  const reset = useCallback((doc: LabDoc) => dispatch({ type: 'reset', doc }), []);
  const undo = useCallback(() => dispatch({ type: 'undo' }), []);
  const redo = useCallback(() => dispatch({ type: 'redo' }), []);
  const seal = useCallback(() => dispatch({ type: 'seal' }), []);
  return useMemo(
    () => ({ doc: h.present, edit, reset, undo, redo, seal, canUndo: h.past.length > 0, canRedo: h.future.length > 0 }),
    [h, edit, reset, undo, redo, seal],
  );
}
