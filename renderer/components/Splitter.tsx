// A drag handle that resizes the panel next to it (also with arrow keys).
import { useRef } from 'react';

export function Splitter({ direction, value, onChange, min, max, invert, label }: { direction: 'x' | 'y'; value: number; onChange(v: number): void; min: number; max: number; invert?: boolean; label: string }) {
  const start = useRef<{ pos: number; value: number } | null>(null);
  const clamp = (v: number) => Math.min(max, Math.max(min, v));
  return (
    <div
      className={`splitter ${direction}`}
      role="separator"
      aria-orientation={direction === 'x' ? 'vertical' : 'horizontal'}
      aria-label={label}
      aria-valuenow={value}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 40 : 10;
        const dec = direction === 'x' ? 'ArrowLeft' : 'ArrowUp';
        const inc = direction === 'x' ? 'ArrowRight' : 'ArrowDown';
        if (e.key === dec) onChange(clamp(value + (invert ? step : -step)));
        if (e.key === inc) onChange(clamp(value + (invert ? -step : step)));
      }}
      onPointerDown={(e) => {
        (e.target as HTMLElement).setPointerCapture(e.pointerId);
        start.current = { pos: direction === 'x' ? e.clientX : e.clientY, value };
      }}
      onPointerMove={(e) => {
        if (!start.current) return;
        const d = (direction === 'x' ? e.clientX : e.clientY) - start.current.pos;
        onChange(clamp(start.current.value + (invert ? -d : d)));
      }}
      onPointerUp={() => {
        start.current = null;
      }}
    />
  );
}
