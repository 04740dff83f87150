// Past comparisons, newest first; pressing one reopens it.
import type { ComparisonInfo } from '../../../electron/api';
import { useTranslation } from '../../i18n';

const when = (iso: string) => {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

export function CompareHistory(p: { items: ComparisonInfo[]; error: string | null; current?: string; disabled: boolean; onOpen(id: string): void; onRefresh(): void }) {
  const { t } = useTranslation();
  return (
    <div className="compare-history" data-testid="compare-history">
      <h3 className="panel-title">
        {t('compare.past')}
        <button type="button" className="linklike" data-testid="compare-history-refresh" onClick={p.onRefresh}>
          {t('compare.refresh')}
        </button>
      </h3>
      {p.error && <div className="issues-error">{p.error}</div>}
      {!p.error && p.items.length === 0 && <div className="muted small">{t('compare.noneYet')}</div>}
      <ul className="list">
        {p.items.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              className={`list-item compare-history-item${c.id === p.current ? ' current' : ''}`}
              data-testid={`compare-history-${c.id}`}
              disabled={p.disabled}
              title={c.id}
              onClick={() => p.onOpen(c.id)}
            >
              <span className="compare-history-text">
                <span className="list-main">{c.modes.join(' · ')}</span>
                <span className="muted small">
                  {c.lab}/{c.service} · {when(c.startedAt)}
                </span>
              </span>
              {!c.complete && <span className="chip bad">{t('compare.incomplete')}</span>}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
