// The Doctor tab's one run at a time: look at the lab (checks and probes,
// a few seconds) or fix it (the repairs lblab knows, then a look again); the
// report or the error as one line. What was shown belongs to one lab.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DoctorReport } from '../../../electron/api';
import { oneLine, type ApiClient } from '../../api-client';
import { say, type Said } from '../../i18n/said';

export interface DoctorRun {
  what: 'look' | 'fix';
  /** ms since the epoch */
  since: number;
}

/** `onChanged`: a fix changed the lab (its status is read again). */
export function useDoctor(client: ApiClient, lab: string | null, onChanged?: () => void) {
  const { api } = client;
  const [report, setReport] = useState<DoctorReport | null>(null);
  /** put into words when drawn: a language switched live redraws it */
  const [error, setError] = useState<Said | null>(null);
  const [running, setRunning] = useState<DoctorRun | null>(null);
  const ticket = useRef(0);

  useEffect(() => {
    ticket.current++;
    setReport(null);
    setError(null);
    setRunning(null);
  }, [lab]);

  const go = useCallback(
    async (what: DoctorRun['what']) => {
      if (!lab) return;
      const mine = ++ticket.current;
      setError(null);
      setRunning({ what, since: Date.now() });
      try {
        const r = await api.doctor(lab, what === 'fix' ? { fix: true } : {});
        if (ticket.current !== mine) return;
        setReport(r);
      } catch (e) {
        if (ticket.current !== mine) return;
        setError(say(what === 'fix' ? 'doctor.failedFix' : 'doctor.failedLook', { why: oneLine(e) }));
      } finally {
        if (ticket.current === mine) setRunning(null);
        if (what === 'fix') onChanged?.();
      }
    },
    [api, lab, onChanged],
  );

  return {
    report,
    error,
    running,
    run: useCallback(() => void go('look'), [go]),
    fix: useCallback(() => void go('fix'), [go]),
    dismissError: useCallback(() => setError(null), []),
  };
}
