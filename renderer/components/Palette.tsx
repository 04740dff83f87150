// Left sidebar: drag an element onto the canvas (or press it to add it at the centre).
import type { DragEvent } from 'react';
import type { ElementKind } from '../state/doc-ops';
import { DRAG_MIME } from '../state/selection';
import { KindIcon } from './icons';
import { useTranslation } from '../i18n';

const ITEMS: ElementKind[] = ['client', 'balancer', 'server', 'router', 'network'];

export function Palette({ onAdd }: { onAdd(kind: ElementKind): void }) {
  const { t } = useTranslation();
  const start = (e: DragEvent, kind: ElementKind) => {
    e.dataTransfer.setData(DRAG_MIME, kind);
    e.dataTransfer.setData('text/plain', kind);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <section className="panel palette" aria-label={t('app.palette.title')}>
      <h2 className="panel-title">{t('app.palette.title')}</h2>
      <ul className="palette-list">
        {ITEMS.map((kind) => ({ kind, label: t(`app.palette.${kind}`), hint: t(`app.palette.${kind}Hint`) })).map((it) => (
          <li key={it.kind}>
            <button
              type="button"
              className={`palette-item kind-${it.kind}`}
              draggable
              onDragStart={(e) => start(e, it.kind)}
              onClick={() => onAdd(it.kind)}
              data-testid={`palette-${it.kind}`}
              title={t('app.palette.dragHint', { hint: it.hint })}
            >
              <span className="palette-icon">
                {(() => {
                  const I = KindIcon[it.kind];
                  return <I />;
                })()}
              </span>
              <span className="palette-text">
                <span className="palette-label">{it.label}</span>
                <span className="palette-hint">{it.hint}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
