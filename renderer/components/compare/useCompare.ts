// One comparison at a time from this panel: start / cancel, its progress and
// live samples from compare-* events, the result once it ends, and the list
// of past comparisons.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CompareEvent, CompareRequest, Comparison, ComparisonInfo, LabEvent } from '../../../electron/api';
import { oneLine, type ApiClient } from '../../api-client';
import { emptyLive, liveAdd, type CompareProgress, type LiveAcc } from '../../lib/compare-data';
import { say, type Said } from '../../i18n/said';

export interface RunningCompare {
  /** null until startCompare answers */
  id: string | null;
  request: CompareRequest;
  progress: CompareProgress | null;
  live: LiveAcc;
  cancelling: boolean;
  /** compare-end arrived; the result is being fetched */
  ending: boolean;
}

type EndEvent = Extract<CompareEvent, { type: 'compare-end' }>;
const isCompareEvent = (e: LabEvent): e is CompareEvent => e.type === 'compare-progress' || e.type === 'compare-sample' || e.type === 'compare-end';

/** How long without any event before asking the engine whether the comparison ended
 * (the event socket can drop while Docker changes the host's networks). */
const QUIET_MS = 15_000;

export function useCompare(client: ApiClient) {
  const { api } = client;
  const [running, setRunning] = useState<RunningCompare | null>(null);
  const [result, setResult] = useState<Comparison | null>(null);
  // the sentences are put into words when drawn: a language switched live redraws them
  const [error, setError] = useState<Said | null>(null);
  const [notice, setNotice] = useState<Said | null>(null);
  const [history, setHistory] = useState<ComparisonInfo[]>([]);
  const [historyError, setHistoryError] = useState<Said | null>(null);
  const activeId = useRef<string | null>(null);
  const starting = useRef(false);
  const early = useRef<CompareEvent[]>([]);
  const lastEvent = useRef(0);
  const opening = useRef(0);

  const refreshHistory = useCallback(async () => {
    try {
      const list = await api.listComparisons();
      setHistory([...list].sort((a, b) => b.startedAt.localeCompare(a.startedAt)));
      setHistoryError(null);
    } catch (e) {
      setHistoryError(say('compare.historyUnavailable', { why: oneLine(e) }));
    }
  }, [api]);

  useEffect(() => {
    void refreshHistory();
  }, [refreshHistory]);

  const finish = useCallback(
    async (id: string, end: Pick<EndEvent, 'complete' | 'error'>) => {
      if (activeId.current !== id) return;
      activeId.current = null;
      setRunning((r) => (r ? { ...r, ending: true } : r));
      const stopped = end.error ? say('compare.stopped', { why: end.error }) : null;
      if (stopped) setError(stopped);
      else if (!end.complete) setNotice(say('compare.cancelled'));
      try {
        const c = await api.getComparison(id);
        setResult(c);
      } catch (e) {
        const why = oneLine(e);
        setError(stopped ? say('compare.stoppedCannotLoad', { stopped, id, why }) : say('compare.cannotLoad', { id, why }));
      } finally {
        setRunning(null);
        void refreshHistory();
      }
    },
    [api, refreshHistory],
  );

  const handle = useCallback(
    (e: CompareEvent) => {
      lastEvent.current = Date.now();
      if (e.type === 'compare-progress') setRunning((r) => (r && r.id === e.id ? { ...r, progress: e } : r));
      else if (e.type === 'compare-sample') setRunning((r) => (r && r.id === e.id ? { ...r, live: liveAdd(r.live, e) } : r));
      else void finish(e.id, e);
    },
    [finish],
  );

  useEffect(
    () =>
      client.onEvent((e) => {
        if (!isCompareEvent(e)) return;
        // events can overtake startCompare's answer: keep them until the id is known
        if (starting.current) {
          early.current.push(e);
          return;
        }
        if (e.id === activeId.current) handle(e);
      }),
    [client, handle],
  );

  // the engine is asked directly when the events went quiet
  const runningId = running?.id ?? null;
  useEffect(() => {
    if (!runningId) return;
    const iv = setInterval(() => {
      if (Date.now() - lastEvent.current < QUIET_MS) return;
      lastEvent.current = Date.now();
      api.getComparison(runningId).then(
        (c) => {
          if (c.finishedAt) void finish(runningId, c);
        },
        () => undefined, // still running, or not saved yet
      );
    }, 5000);
    return () => clearInterval(iv);
  }, [api, runningId, finish]);

  const start = useCallback(
    async (request: CompareRequest) => {
      if (starting.current || activeId.current) return;
      setError(null);
      setNotice(null);
      setResult(null);
      starting.current = true;
      early.current = [];
      lastEvent.current = Date.now();
      setRunning({ id: null, request, progress: null, live: emptyLive(), cancelling: false, ending: false });
      let id: string;
      try {
        ({ id } = await api.startCompare(request));
      } catch (e) {
        starting.current = false;
        early.current = [];
        setRunning(null);
        setError(say('compare.compareFailed', { why: oneLine(e) }));
        return;
      }
      starting.current = false;
      activeId.current = id;
      setRunning((r) => (r ? { ...r, id } : r));
      const queued = early.current.filter((e) => e.id === id);
      early.current = [];
      for (const e of queued) handle(e);
    },
    [api, handle],
  );

  const cancel = useCallback(async () => {
    const id = activeId.current;
    if (!id) return;
    setRunning((r) => (r ? { ...r, cancelling: true } : r));
    try {
      await api.cancelCompare(id);
    } catch (e) {
      setRunning((r) => (r ? { ...r, cancelling: false } : r));
      setError(say('compare.cancelFailed', { why: oneLine(e) }));
    }
  }, [api]);

  const open = useCallback(
    async (id: string) => {
      const ticket = ++opening.current;
      setError(null);
      setNotice(null);
      try {
        const c = await api.getComparison(id);
        if (ticket === opening.current) setResult(c);
      } catch (e) {
        if (ticket === opening.current) setError(say('compare.cannotOpen', { id, why: oneLine(e) }));
      }
    },
    [api],
  );

  return { running, result, error, notice, history, historyError, start, cancel, open, refreshHistory, setError };
}
