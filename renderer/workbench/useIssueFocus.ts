// A problem pressed in the Problems list: select the element it is about, then
// (once the inspector shows it) focus and flash the field it names.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LabIssue } from '../../electron/api';
import { focusField } from '../components/inspector/field-issues';
import { targetOf } from '../components/IssuesPanel';
import { pathKey } from '../state/issues';
import type { Selection } from '../state/selection';

export function useIssueFocus(select: (s: Selection) => void) {
  /** the element holding the inspector */
  const inspector = useRef<HTMLElement>(null);
  // n: pressing the same problem again focuses its field again
  const [request, setRequest] = useState<{ path: string; n: number } | null>(null);
  const onIssue = useCallback(
    (i: LabIssue) => {
      const t = targetOf(i);
      if (t) select(t);
      setRequest((f) => ({ path: pathKey(i.path), n: (f?.n ?? 0) + 1 }));
    },
    [select],
  );
  useEffect(() => {
    if (request && inspector.current) focusField(inspector.current, request.path);
  }, [request]);
  return { inspector, onIssue };
}
