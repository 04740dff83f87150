// Terminal tabs: one per node of the running lab. A tab whose session ended
// can reconnect; after a Redeploy every tab of the lab reconnects by itself
// (a new session in the new container), or says why it cannot.
import { useCallback, useEffect, useRef, useState } from 'react';
import { i18n } from '../../i18n';

export interface TermTab {
  key: string;
  lab: string;
  node: string;
  /** bumped to open a new session in the same tab */
  session: number;
  /** why the session ended (undefined while it runs) */
  ended?: string;
}

export function useTerminals(setActive: (key: string) => void) {
  const [terms, setTermsState] = useState<TermTab[]>([]);
  // the tabs as of the last change: open() and close() need them synchronously to pick the tab to show
  const list = useRef<TermTab[]>([]);
  const seq = useRef(0);
  const setTerms = useCallback((f: (t: TermTab[]) => TermTab[]) => {
    list.current = f(list.current);
    setTermsState(list.current);
  }, []);

  /** Show the node's tab, opening it (or a new session, if it ended) when needed. */
  const open = useCallback(
    (lab: string, node: string) => {
      const cur = list.current.find((x) => x.lab === lab && x.node === node);
      if (cur) {
        if (cur.ended) setTerms((t) => t.map((x) => (x.key === cur.key ? { ...x, session: x.session + 1, ended: undefined } : x)));
        setActive(cur.key);
        return;
      }
      const key = `term-${node}-${++seq.current}`;
      setTerms((t) => [...t, { key, lab, node, session: 0 }]);
      setActive(key);
    },
    [setActive, setTerms],
  );
  const close = useCallback(
    (key: string, active: string) => {
      const rest = list.current.filter((x) => x.key !== key);
      setTerms(() => rest);
      if (active === key) setActive(rest[rest.length - 1]?.key ?? 'counters');
    },
    [setActive, setTerms],
  );
  const ended = useCallback((key: string, reason: string) => setTerms((t) => t.map((x) => (x.key === key ? { ...x, ended: reason } : x))), [setTerms]);
  const reconnect = useCallback((key: string) => setTerms((t) => t.map((x) => (x.key === key ? { ...x, session: x.session + 1, ended: undefined } : x))), [setTerms]);

  /** After a deploy of `lab` with these nodes: every tab of it gets a new session, or says why not. */
  const relink = useCallback(
    (lab: string, nodes: string[]) =>
      setTerms((t) =>
        t.map((x) => {
          if (x.lab !== lab) return x;
          if (!nodes.includes(x.node)) return { ...x, ended: i18n.t('dock.noLongerInLab', { node: x.node, lab }) };
          return { ...x, session: x.session + 1, ended: undefined };
        }),
      ),
    [setTerms],
  );
  return { terms, open, close, ended, reconnect, relink };
}

/** Run `relink` whenever the deploy counter moves. */
export function useRelinkAfterDeploy(deploys: number, lab: string | null, nodes: string[], relink: (lab: string, nodes: string[]) => void) {
  const seen = useRef(deploys);
  const names = nodes.join(',');
  useEffect(() => {
    if (deploys === seen.current || !lab) return;
    seen.current = deploys;
    relink(lab, names ? names.split(',') : []);
  }, [deploys, lab, names, relink]);
}
