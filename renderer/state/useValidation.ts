import { useEffect, useRef, useState } from 'react';
import type { LabApi, LabDoc, LabIssue } from '../../electron/api';
import { oneLine } from '../api-client';

/** Validate the document with the engine's checks (the CLI's), debounced while drawing. */
export function useValidation(api: LabApi, doc: LabDoc, delay = 300) {
  const [issues, setIssues] = useState<LabIssue[]>([]);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const seq = useRef(0);
  useEffect(() => {
    const my = ++seq.current;
    setChecking(true);
    const t = setTimeout(() => {
      api.validateLab(doc).then(
        (r) => {
          if (my !== seq.current) return;
          setIssues(r.issues);
          setError(undefined);
          setChecking(false);
        },
        (e) => {
          if (my !== seq.current) return;
          setError(oneLine(e));
          setChecking(false);
        },
      );
    }, delay);
    return () => clearTimeout(t);
  }, [api, doc, delay]);
  return { issues, checking, error };
}
