// The canvas's node menu: "Break it", the faults lblab can make on purpose on
// that node in the running lab's modes, and the undo of the ones it carries.
// A fault made or undone is read back into the status at once (the node's
// badge, the toolbar's "broken on purpose").
import { useCallback, useRef, useState } from 'react';
import { oneLine } from '../api-client';
import type { Fault, LabApi } from '../../electron/api';
import type { NodeMenuEntry } from '../components/canvas/NodeMenu';
import { breaksOn, FAULT_LABELS, faultsFor } from '../lib/doctor-data';
import type { LiveLab } from '../state/live-lab-context';
import type { ToastLevel } from '../state/useToasts';

export interface BreakItDeps {
  api: LabApi;
  live: LiveLab;
  /** the drawing is the running lab */
  deployed: boolean;
  notify(message: string, level?: ToastLevel): void;
}

export function useBreakIt({ api, live, deployed, notify }: BreakItDeps) {
  /** what is being done now ("backend-down on web2"): one change at a time */
  const [doing, setDoing] = useState<string | null>(null);
  const busy = useRef(false);
  const { lab, status, refresh } = live;

  const act = useCallback(
    async (what: string, call: () => Promise<unknown>, done: string) => {
      if (busy.current) return;
      busy.current = true;
      setDoing(what);
      try {
        await call();
        notify(done, 'success');
      } catch (e) {
        notify(`${what}: ${oneLine(e)}`);
      } finally {
        busy.current = false;
        setDoing(null);
        await refresh();
      }
    },
    [notify, refresh],
  );

  const menuFor = useCallback(
    (node: string): NodeMenuEntry[] => {
      const head: NodeMenuEntry = { type: 'heading', label: 'Break it' };
      if (!deployed || !lab || !status || live.busy) return [head, { type: 'note', label: 'Deploy the lab to break a node on purpose.' }];
      const faults = faultsFor(status, node);
      const broken = breaksOn(status, node);
      const entries: NodeMenuEntry[] = [head];
      if (!faults.length) entries.push({ type: 'note', label: `No fault applies to ${node} in this lab's modes: faults are made on backends and routers.` });
      for (const f of faults) {
        entries.push({
          type: 'item',
          key: `break-${f}`,
          label: FAULT_LABELS[f],
          detail: f,
          danger: true,
          disabled: !!doing || broken.some((b) => b.fault === f),
          run: () => void act(`break ${f} on ${node}`, () => api.breakLab(lab, f, node), `Broken on purpose: ${f} on ${node}. Watch the symptom, then ask the Doctor tab.`),
        });
      }
      if (broken.length) entries.push({ type: 'heading', label: 'Put it back' });
      for (const b of broken) {
        const f: Fault = b.fault;
        entries.push({
          type: 'item',
          key: `undo-${f}`,
          label: `Undo ${f}`,
          disabled: !!doing,
          run: () => void act(`undo ${f} on ${node}`, () => api.undoBreak(lab, f, node), `Undone: ${f} on ${node}.`),
        });
      }
      if (doing) entries.push({ type: 'note', label: `Busy: ${doing}…` });
      return entries;
    },
    [deployed, lab, status, live.busy, doing, act, api],
  );

  return { menuFor, doing };
}
