// The list of validation problems, all at once; pressing one selects the element at fault and focuses the field.
import type { LabIssue } from '../../electron/api';
import { issueText } from '../state/issues';
import type { Selection } from '../state/selection';
import { Icon } from './icons';
import { useTranslation } from '../i18n';

export function targetOf(i: LabIssue): Selection | null {
  const [p0, p1, p2, p3] = i.path;
  if (i.node && p0 === 'nodes' && p2 === 'links' && typeof p3 === 'number') return { type: 'link', node: i.node, index: p3 };
  if (i.service) return { type: 'service', name: i.service };
  if (i.node) return { type: 'node', name: i.node };
  if (i.network) return { type: 'network', name: i.network };
  if (p0 === 'nodes' && typeof p1 === 'string') return { type: 'node', name: p1 };
  if (p0 === 'networks' && typeof p1 === 'string') return { type: 'network', name: p1 };
  if (p0 === 'services' && typeof p1 === 'string') return { type: 'service', name: p1 };
  return { type: 'lab' };
}

export function IssuesPanel({ issues, checking, error, onSelect }: { issues: LabIssue[]; checking: boolean; error?: string; onSelect(i: LabIssue): void }) {
  const { t } = useTranslation();
  return (
    <section className="panel issues" aria-label={t('app.issues.title')} data-testid="issues-panel">
      <h2 className="panel-title">
        {t('app.issues.title')}
        <span className={`count ${issues.length ? 'bad' : 'good'}`} data-testid="issues-count">
          {issues.length}
        </span>
        {checking && <span className="muted small">{t('app.issues.checking')}</span>}
      </h2>
      {error && <p className="issues-error">{t('app.issues.unavailable', { error })}</p>}
      {!error && issues.length === 0 && <p className="muted small">{t('app.issues.none')}</p>}
      <ul className="issues-list">
        {issues.map((i, k) => {
          return (
            <li key={k}>
              <button type="button" className="issue" data-testid="issue" onClick={() => onSelect(i)}>
                <span className="issue-icon">
                  <Icon.warn />
                </span>
                <span data-i18n="engine">{issueText(i)}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
