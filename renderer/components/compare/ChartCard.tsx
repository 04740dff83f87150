// A titled chart with its legend, sized to the width it is given. The title and
// legend carry data-png-* marks so the PNG export can redraw them next to the SVG.
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export interface LegendItem { label: string; color: string; dashed?: boolean }

/** Dark-theme styling shared by every chart. */
export const axisProps = { stroke: '#354351', tick: { fill: '#8795a5', fontSize: 11 }, tickLine: false } as const;
export const gridProps = { stroke: '#2a3541', strokeDasharray: '3 3', vertical: false } as const;
export const tooltipProps = {
  contentStyle: { background: '#1a222b', border: '1px solid #354351', borderRadius: 6, fontSize: 12, color: '#d9e0e8' },
  labelStyle: { color: '#d9e0e8', fontWeight: 600 },
  itemStyle: { padding: 0 },
  cursor: { fill: 'rgba(77, 163, 255, 0.08)' },
  isAnimationActive: false,
} as const;

/** The element's content width, followed with ResizeObserver; `fallback` until measured (and in jsdom). */
export function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const w = Math.floor(el.clientWidth);
      if (w > 0) setWidth(w);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { ref, width };
}

export function Legend({ items }: { items: LegendItem[] }) {
  return (
    <div className="compare-legend">
      {items.map((it) => (
        <span className="compare-legend-item" key={it.label}>
          <span
            className={`compare-swatch${it.dashed ? ' dashed' : ''}`}
            data-png-swatch={it.dashed ? 'dashed' : 'solid'}
            style={it.dashed ? { borderColor: it.color } : { background: it.color }}
          />
          <span data-png-text>{it.label}</span>
        </span>
      ))}
    </div>
  );
}

export function ChartCard(p: { title: string; testid: string; hint?: string; legend?: LegendItem[]; height?: number; wide?: boolean; note?: ReactNode; children: (width: number, height: number) => ReactNode }) {
  const height = p.height ?? 190;
  const { ref, width } = useWidth(360);
  return (
    <figure className={`compare-card${p.wide ? ' wide' : ''}`} data-testid={p.testid} data-png-card>
      <figcaption className="compare-card-head">
        <span className="compare-card-title" data-png-text title={p.hint}>
          {p.title}
        </span>
        {p.legend && <Legend items={p.legend} />}
      </figcaption>
      <div className="compare-card-body" ref={ref} style={{ height }}>
        {p.children(width, height)}
      </div>
      {p.note && (
        <div className="compare-card-note muted small" data-png-text>
          {p.note}
        </div>
      )}
    </figure>
  );
}
