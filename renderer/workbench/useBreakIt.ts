// The canvas's node menu: "Break it", the faults lblab can make on purpose on
// that node in the running lab's modes, and the undo of the ones it carries.
// A fault made or undone is read back into the status at once (the node's
// badge, the toolbar's "broken on purpose").
import { useCallback, useRef, useState } from 'react';
import { oneLine } from '../api-client';
import type { Fault, LabApi } from '../../electron/api';
import type { NodeMenuEntry } from '../components/canvas/NodeMenu';
import { breaksOn, faultLabel, faultsFor } from '../lib/doctor-data';
import type { LiveLab } from '../state/live-lab-context';
import type { Notify } from '../state/useToasts';
import { i18n } from '../i18n';
import { say, words, type Said } from '../i18n/said';

export interface BreakItDeps {
  api: LabApi;
  live: LiveLab;
  /** the drawing is the running lab */
  deployed: boolean;
  notify: Notify;
}

export function useBreakIt({ api, live, deployed, notify }: BreakItDeps) {
  /** what is being done now ("backend-down on web2"): one change at a time */
  const [doing, setDoing] = useState<Said | null>(null);
  const busy = useRef(false);
  const { lab, status, refresh } = live;

  const act = useCallback(
    async (what: Said, call: () => Promise<unknown>, done: Said) => {
      if (busy.current) return;
      busy.current = true;
      setDoing(what);
      try {
        await call();
        notify(done, 'success');
      } catch (e) {
        notify(say('app.breakIt.failed', { what, why: oneLine(e) }));
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
      const head: NodeMenuEntry = { type: 'heading', label: i18n.t('app.breakIt.heading') };
      if (!deployed || !lab || !status || live.busy) return [head, { type: 'note', label: i18n.t('app.breakIt.deployFirst') }];
      const faults = faultsFor(status, node);
      const broken = breaksOn(status, node);
      const entries: NodeMenuEntry[] = [head];
      if (!faults.length) entries.push({ type: 'note', label: i18n.t('app.breakIt.noFault', { node }) });
      for (const f of faults) {
        entries.push({
          type: 'item',
          key: `break-${f}`,
          label: faultLabel(f),
          detail: f,
          danger: true,
          disabled: !!doing || broken.some((b) => b.fault === f),
          run: () => void act(say('app.breakIt.doing', { fault: f, node }), () => api.breakLab(lab, f, node), say('app.breakIt.done', { fault: f, node })),
        });
      }
      if (broken.length) entries.push({ type: 'heading', label: i18n.t('app.breakIt.putBack') });
      for (const b of broken) {
        const f: Fault = b.fault;
        entries.push({
          type: 'item',
          key: `undo-${f}`,
          label: i18n.t('app.breakIt.undo', { fault: f }),
          disabled: !!doing,
          run: () => void act(say('app.breakIt.undoing', { fault: f, node }), () => api.undoBreak(lab, f, node), say('app.breakIt.undone', { fault: f, node })),
        });
      }
      if (doing) entries.push({ type: 'note', label: i18n.t('app.breakIt.busy', { what: words(doing) }) });
      return entries;
    },
    [deployed, lab, status, live.busy, doing, act, api],
  );

  return { menuFor, doing };
}
