// A service's mode changed in the inspector. On the drawing alone that is an
// edit; when the service runs, the running lab switches live, and a refusal
// (the engine's checks on the running document, or the switch itself) puts the
// select back and says why, beside the select and in a notice.
import { useCallback, useState } from 'react';
import type { LabApi, LabDoc, Mode } from '../../electron/api';
import { setService } from '../state/doc-ops';
import type { LiveLab } from '../state/live-lab-context';
import type { Notify } from '../state/useToasts';
import type { ModeRefusal } from '../components/inspector/context';
import { say } from '../i18n/said';

export interface ModeSwitchDeps {
  api: LabApi;
  live: LiveLab;
  /** the drawing is the running lab */
  deployed: boolean;
  /** the drawing as of the last commit (the switch outlives renders) */
  latest: { readonly current: LabDoc };
  edit(doc: LabDoc): void;
  notify: Notify;
}

export function useModeSwitch({ api, live, deployed, latest, edit, notify }: ModeSwitchDeps) {
  /** per service: the mode its last live switch was refused and why (put into words when shown, in the language of the moment) */
  const [refusals, setRefusals] = useState<Record<string, ModeRefusal>>({});

  const change = useCallback(
    async (service: string, mode: Mode) => {
      const before = latest.current.services?.[service]?.mode;
      edit(setService(latest.current, service, { mode }));
      setRefusals(({ [service]: _, ...rest }) => rest);
      const runs = deployed && live.status?.services.some((s) => s.name === service);
      if (!runs || !before || before === mode) return;
      // the running lab must be able to run it: the engine's checks on the running document first
      // (a refusal needs no failed call), then the switch itself, which may refuse too
      const runningDoc = live.status?.doc;
      const check = runningDoc ? await api.modeAvailability(runningDoc, service).catch(() => []) : [];
      const why = check.find((a) => a.mode === mode && !a.ok)?.reason ?? (await live.setMode(service, mode));
      if (!why) return;
      // put the select back (unless it was changed again meanwhile) and say why
      const cur = latest.current;
      if (cur.services?.[service]?.mode === mode) edit(setService(cur, service, { mode: before }));
      setRefusals((r) => ({ ...r, [service]: { mode, why } }));
      notify(say('app.live.modeRefused', { service, before, why }), 'warn');
    },
    [edit, deployed, live, api, notify, latest],
  );

  /** Forget the refusals (another drawing, a deploy). */
  const clear = useCallback(() => setRefusals({}), []);

  return { refusals: deployed ? refusals : {}, change, clear };
}
