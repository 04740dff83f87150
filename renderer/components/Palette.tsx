// Left sidebar: drag an element onto the canvas (or press it to add it at the centre).
import type { DragEvent } from 'react';
import type { ElementKind } from '../state/doc-ops';
import { DRAG_MIME } from '../state/selection';
import { KindIcon } from './icons';

const ITEMS: { kind: ElementKind; label: string; hint: string }[] = [
  { kind: 'client', label: 'Client', hint: 'sends requests to the VIP' },
  { kind: 'balancer', label: 'Balancer', hint: 'runs the balancer core' },
  { kind: 'server', label: 'Server', hint: 'a real server (backend)' },
  { kind: 'router', label: 'Router', hint: 'forwards between networks' },
  { kind: 'network', label: 'Network', hint: 'an L2 segment / subnet' },
];

export function Palette({ onAdd }: { onAdd(kind: ElementKind): void }) {
  const start = (e: DragEvent, kind: ElementKind) => {
    e.dataTransfer.setData(DRAG_MIME, kind);
    e.dataTransfer.setData('text/plain', kind);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <section className="panel palette" aria-label="Palette">
      <h2 className="panel-title">Palette</h2>
      <ul className="palette-list">
        {ITEMS.map((it) => (
          <li key={it.kind}>
            <button
              type="button"
              className={`palette-item kind-${it.kind}`}
              draggable
              onDragStart={(e) => start(e, it.kind)}
              onClick={() => onAdd(it.kind)}
              data-testid={`palette-${it.kind}`}
              title={`Drag onto the canvas, or press to add: ${it.hint}`}
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
