// "drawing differs from the running lab": a toolbar chip whose panel lists
// what differs (nodes, links, services added / removed / changed) and what
// Redeploy will do about it.
import { useEffect, useRef, useState } from 'react';
import { changeLine, type Change } from '../state/drift';
import { Icon } from './icons';
import { useTranslation } from '../i18n';

export function DriftIndicator({ changes, effect }: { changes: Change[]; effect: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => box.current && !box.current.contains(e.target as Node) && setOpen(false);
    window.addEventListener('mousedown', away);
    return () => window.removeEventListener('mousedown', away);
  }, [open]);
  const lines = changes.map(changeLine);
  return (
    <div className="drift" ref={box}>
      <button
        type="button"
        className="drift-chip"
        data-testid="drift"
        aria-expanded={open}
        title={`${lines.slice(0, 8).join('\n')}${lines.length > 8 ? `\n${t('app.drift.more', { count: lines.length - 8 })}` : ''}\n\n${effect}`}
        onClick={() => setOpen((o) => !o)}
      >
        <Icon.warn /> {t('app.drift.chip', { count: changes.length })}
      </button>
      {open && (
        <div className="drift-panel" role="dialog" aria-label={t('app.drift.panel')} data-testid="drift-details">
          <ul className="drift-lines">
            {lines.map((l) => (
              <li key={l} data-testid="drift-line" className={`drift-${l[0] === '+' ? 'added' : l[0] === '~' ? 'changed' : 'removed'}`}>
                {l}
              </li>
            ))}
          </ul>
          <p className="muted small" data-testid="drift-effect">
            {effect}
          </p>
        </div>
      )}
    </div>
  );
}
