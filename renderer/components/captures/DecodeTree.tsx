// The selected packet's layers and fields, Wireshark's packet details pane:
// a layer per line (fold it open or shut), its fields under it by their
// display-filter names. Selecting a line marks its bytes in the hex view.
import { useEffect, useRef, useState } from 'react';
import { layerKeyOf, type TreeLayer, type TreeSelection } from '../../lib/capture-data';
import { useTranslation } from '../../i18n';

export interface DecodeTreeProps {
  tree: TreeLayer[];
  selected: TreeSelection | null;
  onSelect(s: TreeSelection): void;
  /** the packet's decode problem, if any */
  problem?: string;
}

export function DecodeTree({ tree, selected, onSelect, problem }: DecodeTreeProps) {
  // folded layers, by name (a packet after packet keeps 'frame' folded if the user folded it)
  const { t } = useTranslation();
  const [folded, setFolded] = useState<Set<string>>(() => new Set(['frame']));
  const host = useRef<HTMLDivElement>(null);
  const selKey = selected?.key;
  const scrollTo = useRef<string | null>(null);

  // a field picked from the hex view: open its layer, then bring the line into view
  useEffect(() => {
    if (!selKey) return;
    scrollTo.current = selKey;
    const layer = tree[Number(layerKeyOf(selKey))];
    if (layer && selKey.includes('.')) {
      setFolded((f) => {
        if (!f.has(layer.name)) return f;
        const n = new Set(f);
        n.delete(layer.name);
        return n;
      });
    }
  }, [selKey, tree]);
  useEffect(() => {
    const key = scrollTo.current;
    const el = key ? host.current?.querySelector<HTMLElement>(`[data-key="${key}"]`) : null;
    if (!el) return;
    scrollTo.current = null;
    el.scrollIntoView?.({ block: 'nearest' });
  });

  const toggle = (name: string) =>
    setFolded((f) => {
      const n = new Set(f);
      if (n.has(name)) n.delete(name);
      else n.add(name);
      return n;
    });

  return (
    <div className="decode-tree" ref={host} role="tree" aria-label={t('canvas.packetDetails')} data-testid="decode-tree">
      {problem && <div className="decode-problem" data-testid="decode-problem">{problem}</div>}
      {tree.map((l) => {
        const open = !folded.has(l.name);
        return (
          <div key={l.key} role="group">
            <div
              role="treeitem"
              aria-expanded={open}
              aria-selected={selKey === l.key}
              data-key={l.key}
              data-testid={`layer-${l.name}`}
              data-i18n="field"
              className={`tree-line tree-layer${selKey === l.key ? ' selected' : ''}`}
              onClick={() => onSelect({ key: l.key, offset: l.offset, length: l.length })}
            >
              <button
                type="button"
                className="tree-twisty"
                aria-label={open ? t('captures.fold', { name: l.name }) : t('captures.unfold', { name: l.name })}
                onClick={(e) => {
                  e.stopPropagation();
                  toggle(l.name);
                }}
              >
                {open ? '▾' : '▸'}
              </button>
              {l.title}
            </div>
            {open &&
              l.fields.map((f) => (
                <div
                  key={f.key}
                  role="treeitem"
                  aria-selected={selKey === f.key}
                  data-key={f.key}
                  data-testid={`field-${f.name}`}
                  data-i18n="field"
                  className={`tree-line tree-field${selKey === f.key ? ' selected' : ''}${f.length === 0 ? ' computed' : ''}`}
                  style={{ paddingLeft: 22 + f.depth * 16 }}
                  title={f.length ? t('captures.fieldBytes', { name: f.name, from: f.offset, to: f.offset + f.length - 1 }) : t('captures.fieldComputed', { name: f.name })}
                  onClick={() => onSelect({ key: f.key, offset: f.offset, length: f.length })}
                >
                  <span className="tree-name">{f.name}</span>: <span className="tree-value">{f.display}</span>
                </div>
              ))}
          </div>
        );
      })}
    </div>
  );
}
