// The packet list: only the rows in view are in the DOM (@tanstack/react-virtual),
// so 100 000 packets scroll like 100. It follows new packets while scrolled to
// the bottom and stops following when scrolled up; rows not fetched yet show
// as "…" and are asked for.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef } from 'react';
import { fmtCount, protoClass, relTime, type PacketTable, type PacketView } from '../../lib/capture-data';
import { useTranslation } from '../../i18n';

export const ROW_HEIGHT = 20;
const ENSURE_MS = 60;

export interface PacketListProps {
  view: PacketView;
  /** the rows held; `view` is a new object whenever they change */
  table: PacketTable;
  selected: number | null;
  onSelect(index: number): void;
  /** scroll along with new packets */
  follow: boolean;
  setFollow(f: boolean): void;
  /** fetch the rows of these frame numbers */
  ensure(indices: number[]): void;
  empty: React.ReactNode;
}

const COLUMNS = ['no', 'time', 'where', 'source', 'destination', 'protocol', 'length', 'info'] as const;

export function PacketList(p: PacketListProps) {
  const { t } = useTranslation();
  const { view, table, ensure, follow, setFollow } = p;
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: view.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = v.getVirtualItems();
  const firstItem = items[0]?.index ?? 0;
  const lastItem = items[items.length - 1]?.index ?? -1;

  // the rows in view that are not here yet, once the view settles (not every window a fast scroll passes)
  useEffect(() => {
    // following: the view is on its way to the newest rows, which the events brought
    if (follow && lastItem < view.length - 1) return;
    const t = setTimeout(() => {
      const want: number[] = [];
      for (let i = firstItem; i <= lastItem && i < view.length; i++) want.push(view.indexAt(i));
      if (want.length) ensure(want);
    }, ENSURE_MS);
    return () => clearTimeout(t);
  }, [firstItem, lastItem, view, ensure, follow]);

  // follow the newest packet
  useEffect(() => {
    if (follow && view.length > 0) v.scrollToIndex(view.length - 1, { align: 'end' });
  }, [follow, view, v]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT * 1.5;
    if (atBottom !== follow) setFollow(atBottom);
  }, [follow, setFollow]);

  // keyboard: up / down / page / home / end move the selection
  const onKey = (e: React.KeyboardEvent) => {
    if (!view.length) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 200) / ROW_HEIGHT) - 1);
    const cur = p.selected === null ? -1 : view.positionOf(p.selected);
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    if (!(e.key in step)) return;
    e.preventDefault();
    const pos = Math.min(view.length - 1, Math.max(0, cur < 0 ? 0 : cur + step[e.key]));
    p.onSelect(view.indexAt(pos));
    v.scrollToIndex(pos, { align: 'auto' });
  };

  const t0 = table.t0;
  return (
    <div className="pkt-list" data-testid="pkt-list">
      <div className="pkt-row pkt-head" role="row">
        {COLUMNS.map((c) => (
          <span key={c} role="columnheader">
            {t(`captures.columns.${c}`)}
          </span>
        ))}
      </div>
      <div className="pkt-scroller" ref={scroller} onScroll={onScroll} onKeyDown={onKey} tabIndex={0} role="grid" aria-label={t('captures.packetList')} aria-rowcount={view.length} data-testid="pkt-scroller">
        {view.length === 0 ? (
          <div className="pkt-empty muted">{p.empty}</div>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {items.map((it) => {
              const index = view.indexAt(it.index);
              const r = table.row(index);
              const sel = index === p.selected;
              return (
                <div
                  key={index}
                  role="row"
                  aria-selected={sel}
                  data-testid="pkt-row"
                  data-index={index}
                  className={`pkt-row proto-${r ? protoClass(r.protocol) : 'other'}${sel ? ' selected' : ''}`}
                  data-i18n="field"
                  style={{ transform: `translateY(${it.start}px)`, height: ROW_HEIGHT }}
                  onClick={() => p.onSelect(index)}
                >
                  <span className="num">{index}</span>
                  {r ? (
                    <>
                      <span className="num">{relTime(r.ts, t0)}</span>
                      <span>{r.where}</span>
                      <span>{r.src}</span>
                      <span>{r.dst}</span>
                      <span>{r.protocol}</span>
                      <span className="num">{fmtCount(r.len)}</span>
                      <span className="pkt-info" title={r.info}>
                        {r.info}
                      </span>
                    </>
                  ) : (
                    <span className="pkt-loading muted">…</span>
                  )}
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
