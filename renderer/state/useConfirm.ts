// Asking before something is lost: ask() shows the confirmation dialog and
// resolves true (go ahead) or false (cancelled, Escape). One question at a time.
import { useCallback, useRef, useState } from 'react';

export interface Question {
  title: string;
  /** what will be lost or changed, one line each */
  lines: string[];
  /** the button that goes ahead, e.g. "Replace", "Destroy" */
  confirm: string;
  /** the action destroys something that runs */
  danger?: boolean;
}

export function useConfirm() {
  const [question, setQuestion] = useState<Question | null>(null);
  const settle = useRef<((ok: boolean) => void) | null>(null);
  const ask = useCallback((q: Question) => {
    settle.current?.(false); // a newer question replaces an open one
    setQuestion(q);
    return new Promise<boolean>((resolve) => {
      settle.current = resolve;
    });
  }, []);
  const answer = useCallback((ok: boolean) => {
    const s = settle.current;
    settle.current = null;
    setQuestion(null);
    s?.(ok);
  }, []);
  return { question, ask, answer };
}
