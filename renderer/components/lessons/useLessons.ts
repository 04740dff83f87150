// The Lessons tab's state: the course with its progress, the lesson picked,
// one call at a time (start, a step's change, a check) and each step's last
// check as the engine judged it on the live lab.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Lesson, LessonCheck, LessonProgress } from '../../../electron/api';
import { oneLine, type ApiClient } from '../../api-client';
import { asIs, say, type Said } from '../../i18n/said';

export interface LessonEntry { lesson: Lesson; progress: LessonProgress | null }
/** What runs now: start, or a step's change or check. */
export interface LessonBusy { what: 'start' | 'change' | 'check'; step?: string; since: number }

export function useLessons(client: ApiClient) {
  const { api } = client;
  const [entries, setEntries] = useState<LessonEntry[]>([]);
  const [picked, setPicked] = useState<string | null>(null);
  const [checks, setChecks] = useState<Record<string, LessonCheck>>({});
  const [busy, setBusy] = useState<LessonBusy | null>(null);
  /** put into words when drawn: a language switched live redraws it */
  const [error, setError] = useState<Said | null>(null);
  const running = useRef(false);

  const reload = useCallback(async () => {
    try {
      const list = await api.listLessons();
      setEntries(list);
      setPicked((p) => p ?? list[0]?.lesson.id ?? null);
    } catch (e) {
      setError(say('lessons.unavailable', { why: oneLine(e) }));
    }
  }, [api]);
  useEffect(() => void reload(), [reload]);

  /** Run one call at a time; its failure is the one line shown. */
  const once = useCallback(async <T,>(b: Omit<LessonBusy, 'since'>, f: () => Promise<T>): Promise<T | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setError(null);
    setBusy({ ...b, since: Date.now() });
    try {
      return await f();
    } catch (e) {
      setError(asIs(oneLine(e)));
      return undefined;
    } finally {
      running.current = false;
      setBusy(null);
    }
  }, []);

  const setProgress = useCallback((p: LessonProgress) => setEntries((list) => list.map((e) => (e.lesson.id === p.lesson ? { ...e, progress: p } : e))), []);

  const start = useCallback(
    (id: string, lab: string) =>
      once({ what: 'start' }, async () => {
        const r = await api.startLesson(id, { lab });
        setProgress(r.progress);
        setChecks((c) => Object.fromEntries(Object.entries(c).filter(([k]) => !k.startsWith(`${id}/`))));
        return r;
      }),
    [api, once, setProgress],
  );

  const check = useCallback(
    (id: string, step: string, lab: string) =>
      once({ what: 'check', step }, async () => {
        const r = await api.lessonStep(id, step, { lab });
        setProgress(r.progress);
        setChecks((c) => ({ ...c, [`${id}/${step}`]: r }));
        return r;
      }),
    [api, once, setProgress],
  );

  const change = useCallback((step: string, f: () => Promise<unknown>) => once({ what: 'change', step }, f), [once]);

  return { entries, picked, pick: setPicked, checks, busy, error, dismissError: useCallback(() => setError(null), []), start, check, change };
}
