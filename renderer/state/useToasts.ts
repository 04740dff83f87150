import { useCallback, useRef, useState } from 'react';

export type ToastLevel = 'error' | 'warn' | 'info';
export interface Toast { id: number; level: ToastLevel; message: string; count: number }

/** Readable one-line notices. Errors stay until dismissed; others fade after a few seconds. */
export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const notify = useCallback(
    (message: string, level: ToastLevel = 'error') => {
      let id = 0;
      setToasts((t) => {
        const same = t.find((x) => x.message === message && x.level === level);
        if (same) {
          id = same.id;
          return t.map((x) => (x === same ? { ...x, count: x.count + 1 } : x));
        }
        id = ++seq.current;
        return [...t, { id, level, message, count: 1 }].slice(-6);
      });
      if (level !== 'error') setTimeout(() => dismiss(id), level === 'warn' ? 8000 : 4000);
    },
    [dismiss],
  );
  return { toasts, notify, dismiss };
}
