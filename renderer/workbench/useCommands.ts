// The same commands from the keyboard (Ctrl/Cmd + S, O, Z, Shift+Z, Y) and
// from the Electron menu. Both listeners are added once and call the newest
// handlers.
import { useEffect, useEffectEvent } from 'react';
import type { ApiClient } from '../api-client';

export interface Commands {
  open(): void;
  save(): void;
  newLab(): void;
  undo(): void;
  redo(): void;
}

/** Typing in a field or a terminal keeps its own undo. */
const isEditable = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || !!t.closest('.xterm'));

export function useCommands(shell: ApiClient['shell'], c: Commands) {
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    const k = e.key.toLowerCase();
    if (k === 's') {
      e.preventDefault();
      c.save();
    } else if (k === 'o') {
      e.preventDefault();
      c.open();
    } else if (isEditable(e.target)) return;
    else if (k === 'z' && !e.shiftKey) {
      e.preventDefault();
      c.undo();
    } else if ((k === 'z' && e.shiftKey) || k === 'y') {
      e.preventDefault();
      c.redo();
    }
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  const onMenu = useEffectEvent((cmd: string) => {
    if (cmd === 'open') c.open();
    else if (cmd === 'save') c.save();
    else if (cmd === 'undo') c.undo();
    else if (cmd === 'redo') c.redo();
    else if (cmd === 'new') c.newLab();
  });
  useEffect(() => shell?.onMenu((cmd) => onMenu(cmd)), [shell]);
}
