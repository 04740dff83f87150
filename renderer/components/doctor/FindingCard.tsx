// One finding of the doctor: what is wrong and on which node, why it breaks
// the mode and the fix; its evidence (values, counters, answers) on demand.
// Picking it points the canvas at its node.
import type { Finding } from '../../../electron/api';
import { useTranslation } from '../../i18n';

export interface FindingCardProps {
  finding: Finding;
  /** its node is the one highlighted on the canvas */
  picked: boolean;
  onPick(): void;
  evidenceOpen: boolean;
  onToggleEvidence(): void;
}

export function FindingCard({ finding: f, picked, onPick, evidenceOpen, onToggleEvidence }: FindingCardProps) {
  const { t } = useTranslation();
  const id = `${f.kind}-${f.node}`;
  return (
    <div className={`finding sev-${f.severity}${picked ? ' picked' : ''}`} data-testid={`finding-${id}`} data-picked={picked ? 'yes' : undefined}>
      <button type="button" className="finding-head" aria-pressed={picked} title={t('doctor.showOnCanvas', { node: f.node })} onClick={onPick}>
        <span className="chip finding-kind">{f.kind}</span>
        <strong className="finding-node">{f.node}</strong>
        {f.service && <span className="muted small">{t('doctor.service', { service: f.service })}</span>}
        <span className="finding-summary" data-i18n="engine">
          {f.summary}
        </span>
      </button>
      <div className="finding-body">
        <p>
          <span className="finding-label">{t('doctor.why')}</span>
          <span data-i18n="engine">{f.why}</span>
        </p>
        <p>
          <span className="finding-label">{t('doctor.fixLabel')}</span>
          <span data-i18n="engine">{f.fix}</span>
        </p>
        {f.evidence.length > 0 && (
          <>
            <button type="button" className="linklike small" aria-expanded={evidenceOpen} data-testid={`finding-evidence-toggle-${id}`} onClick={onToggleEvidence}>
              {t(evidenceOpen ? 'doctor.hideEvidence' : 'doctor.showEvidence', { count: f.evidence.length })}
            </button>
            {evidenceOpen && (
              <ul className="finding-evidence mono" data-testid={`finding-evidence-${id}`} data-i18n="engine">
                {f.evidence.map((e, i) => (
                  <li key={i}>{e}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </div>
  );
}
