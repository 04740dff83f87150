// Readable one-line notices. Info and success close by themselves, warnings a
// little later; errors stay until closed (the toast list collapses them into a
// count). A repeated message bumps its count and restarts its clock. A
// notice is kept as what it says (said.ts): a language switched live redraws
// the ones on screen.
import { useCallback, useEffect, useRef, useState } from 'react';
import { asIs, sameSaid, type Said } from '../i18n/said';

export type ToastLevel = 'error' | 'warn' | 'info' | 'success';
export interface Toast { id: number; level: ToastLevel; said: Said; count: number }
/** What a notice says: a sentence of the catalog, or a line kept as it came (the engine's). */
export type Notice = string | Said;
/** Put up a notice (an error unless said otherwise). */
export type Notify = (message: Notice, level?: ToastLevel) => void;

/** How long a notice stays, by level (errors: until closed). */
export const TOAST_MS: Record<Exclude<ToastLevel, 'error'>, number> = { info: 4000, success: 4000, warn: 8000 };
/** Notices kept at once besides errors; the oldest go first. */
const MAX_NOTICES = 4;

export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  // the list as of the last change, so notify() knows ids synchronously (its timers need them)
  const list = useRef<Toast[]>([]);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  const seq = useRef(0);

  const commit = useCallback((next: Toast[]) => {
    list.current = next;
    setToasts(next);
  }, []);
  const dismiss = useCallback(
    (id: number) => {
      clearTimeout(timers.current.get(id));
      timers.current.delete(id);
      commit(list.current.filter((x) => x.id !== id));
    },
    [commit],
  );
  const dismissErrors = useCallback(() => commit(list.current.filter((x) => x.level !== 'error')), [commit]);
  const notify = useCallback(
    (message: Notice, level: ToastLevel = 'error') => {
      const said = typeof message === 'string' ? asIs(message) : message;
      const same = list.current.find((x) => sameSaid(x.said, said) && x.level === level);
      let id: number;
      if (same) {
        id = same.id;
        commit(list.current.map((x) => (x === same ? { ...x, count: x.count + 1 } : x)));
      } else {
        id = ++seq.current;
        const next = [...list.current, { id, level, said, count: 1 }];
        const notices = next.filter((x) => x.level !== 'error');
        const drop = new Set(notices.slice(0, Math.max(0, notices.length - MAX_NOTICES)).map((x) => x.id));
        commit(next.filter((x) => !drop.has(x.id)));
      }
      if (level !== 'error') {
        clearTimeout(timers.current.get(id));
        timers.current.set(id, setTimeout(() => dismiss(id), TOAST_MS[level]));
      }
    },
    [commit, dismiss],
  );
  useEffect(() => {
    const t = timers.current;
    return () => t.forEach((x) => clearTimeout(x));
  }, []);
  return { toasts, notify, dismiss, dismissErrors };
}
