// A node's menu on the canvas (right-click): what the workbench offers for
// that node (breaking it on purpose, undoing that). Closes on a choice,
// Escape, or a click anywhere else.
import { useEffect, useRef } from 'react';
import { i18n } from '../../i18n';

export type NodeMenuEntry =
  | { type: 'heading'; label: string }
  /** a line saying why nothing (more) is offered */
  | { type: 'note'; label: string }
  | { type: 'item'; key: string; label: string; detail?: string; danger?: boolean; disabled?: boolean; run(): void };

export interface NodeMenuProps {
  node: string;
  /** where it opens, in the window's coordinates */
  x: number;
  y: number;
  entries: NodeMenuEntry[];
  onClose(): void;
}

const WIDTH = 280;

export function NodeMenu({ node, x, y, entries, onClose }: NodeMenuProps) {
  const first = useRef<HTMLButtonElement>(null);
  const firstItem = entries.findIndex((e) => e.type === 'item' && !e.disabled);
  // the keyboard lands in the menu (Tab walks its items); Escape closes it wherever the focus is
  useEffect(() => {
    first.current?.focus();
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <>
      <div
        className="menu-backdrop"
        onMouseDown={onClose}
        onContextMenu={(e) => {
          e.preventDefault();
          onClose();
        }}
      />
      <div
        role="menu"
        aria-label={i18n.t('canvas.nodeMenu', { node })}
        className="node-menu"
        data-testid={`node-menu-${node}`}
        style={{ left: Math.max(4, Math.min(x, window.innerWidth - WIDTH - 8)), top: Math.max(4, Math.min(y, window.innerHeight - 40 - 28 * entries.length)), width: WIDTH }}
      >
        {entries.map((e, i) =>
          e.type === 'heading' ? (
            <div key={`h${i}`} className="node-menu-heading">
              {e.label}
            </div>
          ) : e.type === 'note' ? (
            <div key={`n${i}`} className="node-menu-note muted small">
              {e.label}
            </div>
          ) : (
            <button
              key={e.key}
              ref={i === firstItem ? first : undefined}
              type="button"
              role="menuitem"
              className={`node-menu-item${e.danger ? ' danger' : ''}`}
              data-testid={`node-menu-${e.key}`}
              disabled={e.disabled}
              onClick={() => {
                onClose();
                e.run();
              }}
            >
              <span>{e.label}</span>
              {e.detail && <span className="muted small mono">{e.detail}</span>}
            </button>
          ),
        )}
      </div>
    </>
  );
}
