// The selected packet's bytes: offset | 16 bytes in hex | the same as ASCII,
// the selected field's bytes marked in both. Clicking a byte selects the
// innermost field covering it. Virtualized too: a GSO frame can be 64 KiB.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import { HEX_ROW, hexLine, hexRowCount, hexToBytes } from '../../lib/capture-data';
import { i18n } from '../../i18n';

export const HEX_LINE_HEIGHT = 18;

export interface HexViewProps {
  /** the packet's bytes as lowercase hex */
  hex: string;
  selected: { offset: number; length: number } | null;
  onByte(offset: number): void;
}

export function HexView({ hex, selected, onByte }: HexViewProps) {
  const bytes = useMemo(() => hexToBytes(hex), [hex]);
  const rows = hexRowCount(bytes);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => HEX_LINE_HEIGHT, overscan: 8 });
  const sel = selected && selected.length > 0 ? selected : null;
  const selOffset = sel?.offset;

  // bring the selected bytes into view
  useEffect(() => {
    if (selOffset !== undefined) v.scrollToIndex(Math.floor(selOffset / HEX_ROW), { align: 'auto' });
  }, [selOffset, v]);

  return (
    <div className="hex-view mono" ref={scroller} data-testid="hex-view" aria-label={i18n.t('canvas.packetBytes')} data-i18n="field">
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((it) => {
          const line = hexLine(bytes, it.index, sel ?? undefined);
          return (
            <div key={it.index} className="hex-line" data-testid="hex-line" style={{ transform: `translateY(${it.start}px)`, height: HEX_LINE_HEIGHT }}>
              <span className="hex-off">{line.offset}</span>
              <span className="hex-bytes">
                {line.bytes.map((b, i) => (
                  <span
                    key={b.offset}
                    className={`hex-b${b.on ? ' on' : ''}${i === 8 ? ' gap' : ''}`}
                    data-offset={b.offset}
                    data-testid={b.on ? 'hex-on' : undefined}
                    onClick={() => onByte(b.offset)}
                  >
                    {b.hex}
                  </span>
                ))}
              </span>
              <span className="hex-ascii">
                {line.bytes.map((b) => (
                  <span key={b.offset} className={`hex-a${b.on ? ' on' : ''}`} data-offset={b.offset} onClick={() => onByte(b.offset)}>
                    {b.ascii}
                  </span>
                ))}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
