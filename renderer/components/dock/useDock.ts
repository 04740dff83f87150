// The dock's state: the tab shown, its height (it grows for the tabs that need
// room), whether Compare was ever opened, and the terminal tabs.
import { useCallback, useState } from 'react';
import { useTerminals } from './useTerminals';

export function useDock() {
  const [active, setActive] = useState('counters');
  const [height, setHeight] = useState(260);
  // the comparison panel asks the engine for its history: only once someone looks at it
  const [compareSeen, setCompareSeen] = useState(false);
  const select = useCallback((k: string) => {
    setActive(k);
    if (k === 'compare') setCompareSeen(true);
    // the Compare, Packet journey, Captures and Doctor tabs need room: grow the dock when one opens
    if (k === 'compare' || k === 'journey') setHeight((h) => Math.max(h, Math.min(k === 'journey' ? 520 : 440, Math.round(window.innerHeight * 0.55))));
    if (k === 'doctor') setHeight((h) => Math.max(h, Math.min(400, Math.round(window.innerHeight * 0.45))));
    if (k === 'captures') setHeight((h) => Math.max(h, Math.min(520, Math.round(window.innerHeight * 0.6))));
  }, []);
  const terminals = useTerminals(select);
  return { active, select, height, setHeight, compareSeen, terminals };
}

export type DockState = ReturnType<typeof useDock>;
