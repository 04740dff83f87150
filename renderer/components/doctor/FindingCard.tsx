// One finding of the doctor: what is wrong and on which node, why it breaks
// the mode and the fix; its evidence (values, counters, answers) on demand.
// Picking it points the canvas at its node.
import type { Finding } from '../../../electron/api';

export interface FindingCardProps {
  finding: Finding;
  /** its node is the one highlighted on the canvas */
  picked: boolean;
  onPick(): void;
  evidenceOpen: boolean;
  onToggleEvidence(): void;
}

export function FindingCard({ finding: f, picked, onPick, evidenceOpen, onToggleEvidence }: FindingCardProps) {
  const id = `${f.kind}-${f.node}`;
  return (
    <div className={`finding sev-${f.severity}${picked ? ' picked' : ''}`} data-testid={`finding-${id}`} data-picked={picked ? 'yes' : undefined}>
      <button type="button" className="finding-head" aria-pressed={picked} title={`Show ${f.node} on the canvas`} onClick={onPick}>
        <span className="chip finding-kind">{f.kind}</span>
        <strong className="finding-node">{f.node}</strong>
        {f.service && <span className="muted small">service {f.service}</span>}
        <span className="finding-summary">{f.summary}</span>
      </button>
      <div className="finding-body">
        <p>
          <span className="finding-label">why</span>
          {f.why}
        </p>
        <p>
          <span className="finding-label">fix</span>
          {f.fix}
        </p>
        {f.evidence.length > 0 && (
          <>
            <button type="button" className="linklike small" aria-expanded={evidenceOpen} data-testid={`finding-evidence-toggle-${id}`} onClick={onToggleEvidence}>
              {evidenceOpen ? 'hide' : 'show'} evidence ({f.evidence.length})
            </button>
            {evidenceOpen && (
              <ul className="finding-evidence mono" data-testid={`finding-evidence-${id}`}>
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
