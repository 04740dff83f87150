// Which modes a service of the drawing could run in, asked of the engine (the
// same topology checks as validation, once per mode), debounced while drawing.
import { useEffect, useState } from 'react';
import type { LabDoc, Mode, ModeAvailability } from '../../../electron/api';
import { i18n } from '../../i18n';

export type ModeCheck = (doc: LabDoc, service: string) => Promise<ModeAvailability[]>;

/** mode → why it cannot run (absent: it can, or nobody knows yet). */
export function useModeAvailability(check: ModeCheck, doc: LabDoc, service: string, delay = 300): Partial<Record<Mode, string>> {
  const [unavailable, setUnavailable] = useState<Partial<Record<Mode, string>>>({});
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      check(doc, service).then(
        (rows) => live && setUnavailable(Object.fromEntries(rows.filter((r) => !r.ok).map((r) => [r.mode, r.reason ?? i18n.t('inspector.service.notOnTopology')]))),
        () => live && setUnavailable({}), // the engine is unreachable: the banner says so, the select just marks nothing
      );
    }, delay);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [check, doc, service, delay]);
  return unavailable;
}
