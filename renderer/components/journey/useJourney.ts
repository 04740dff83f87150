// One journey at a time from this panel: send it, the busy state while the
// engine captures (a few seconds), the result or the error as one line.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Journey, JourneyOptions } from '../../../electron/api';
import { oneLine, type ApiClient } from '../../api-client';
import { say, type Said } from '../../i18n/said';

export interface JourneyRun {
  /** when the request was sent (ms since the epoch) */
  since: number;
  lab: string;
}

export function useJourney(client: ApiClient, lab: string | null) {
  const { api } = client;
  const [result, setResult] = useState<Journey | null>(null);
  /** put into words when drawn: a language switched live redraws it */
  const [error, setError] = useState<Said | null>(null);
  const [running, setRunning] = useState<JourneyRun | null>(null);
  const ticket = useRef(0);

  // another lab (or none): what was shown belongs to the old one
  useEffect(() => {
    ticket.current++;
    setResult(null);
    setError(null);
    setRunning(null);
  }, [lab]);

  const send = useCallback(
    async (opts: JourneyOptions) => {
      if (!lab) return;
      const mine = ++ticket.current;
      setError(null);
      setResult(null);
      setRunning({ since: Date.now(), lab });
      try {
        const j = await api.journey(lab, opts);
        if (ticket.current !== mine) return;
        setResult(j);
      } catch (e) {
        if (ticket.current !== mine) return;
        setError(say('journey.failed', { why: oneLine(e) }));
      } finally {
        if (ticket.current === mine) setRunning(null);
      }
    },
    [api, lab],
  );

  return { result, error, running, send, dismissError: () => setError(null) };
}
