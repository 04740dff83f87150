// Where a running comparison is: phase, mode, run done/total, time left.
import { progressText, type CompareProgress as Progress } from '../../lib/compare-data';
import { useTranslation } from '../../i18n';

export function CompareProgress({ progress, cancelling, ending }: { progress: Progress | null; cancelling: boolean; ending: boolean }) {
  const { t } = useTranslation();
  const pct = progress && progress.total > 0 ? Math.min(100, (100 * progress.done) / progress.total) : 0;
  const label = ending ? t('compare.loadingResult') : cancelling ? t('compare.cancelling') : progress ? progressText(progress) : t('compare.starting');
  return (
    <div className="progress compare-progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress?.total ?? 1} aria-valuenow={progress?.done ?? 0} data-testid="compare-progress">
      <div className="progress-bar" style={{ width: `${pct}%` }} />
      <span className="progress-label" data-testid="compare-progress-label">
        {label}
      </span>
    </div>
  );
}
