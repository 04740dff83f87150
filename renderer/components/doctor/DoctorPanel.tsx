// The Doctor tab: look at the running lab (every node checked against its
// plan, then a little traffic), the findings by severity with their evidence,
// why and fix, the picked finding's node highlighted on the canvas, and Fix:
// the repairs lblab knows (the undo of faults made on purpose), then a look again.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DoctorReport } from '../../../electron/api';
import type { ApiClient } from '../../api-client';
import { bySeverity, findingKey, type DoctorHighlight } from '../../lib/doctor-data';
import { useElapsed } from '../../state/useElapsed';
import { FindingCard } from './FindingCard';
import { useDoctor } from './useDoctor';
import { i18n, useTranslation } from '../../i18n';
import { words } from '../../i18n/said';
import { fmtUnit } from '../../i18n/format';

export interface DoctorPanelProps {
  client: ApiClient;
  /** the deployed lab shown in the editor, or null */
  lab: string | null;
  /** the tab is on screen: only then is a node highlighted on the canvas */
  visible: boolean;
  /** the node to highlight on the canvas, or null for none */
  onHighlight?(h: DoctorHighlight | null): void;
  /** a fix changed the lab */
  onChanged?(): void;
}

const HEADINGS = { error: 'doctor.errors', warning: 'doctor.warnings', info: 'doctor.notes' } as const;

/** One line on the whole report: how many of each, how long it took. */
function verdict(r: DoctorReport): string {
  const n = (s: string) => r.findings.filter((f) => f.severity === s).length;
  const [e, w, i] = [n('error'), n('warning'), n('info')];
  const took = fmtUnit(r.ms / 1000, i18n.language === 'zh-CN' ? '秒' : 's', 1);
  if (!e && !w) return i18n.t('doctor.healthy', { notes: i ? i18n.t('doctor.healthyNotes', { count: i }) : '', took });
  return i18n.t('doctor.counts', { errors: i18n.t('doctor.nErrors', { count: e }), warnings: i18n.t('doctor.nWarnings', { count: w }), notes: i ? i18n.t('doctor.nNotes', { count: i }) : '', took });
}

export function DoctorPanel({ client, lab, visible, onHighlight, onChanged }: DoctorPanelProps) {
  const { t } = useTranslation();
  const d = useDoctor(client, lab, onChanged);
  const elapsed = useElapsed(d.running?.since ?? null);
  const [picked, setPicked] = useState<string | null>(null);
  const [opened, setOpened] = useState<ReadonlySet<string>>(new Set());
  const groups = useMemo(() => bySeverity(d.report?.findings ?? []), [d.report]);
  // the finding shown on the canvas: the one picked, else the first error (else warning)
  const ordered = groups.flatMap((g) => g.findings);
  const shown = ordered.find((f) => findingKey(f) === picked) ?? ordered.find((f) => f.severity !== 'info') ?? null;
  const node = visible ? (shown?.node ?? null) : null;
  const severity = shown?.severity ?? 'info';
  const highlight = useMemo(() => (node ? { node, severity } : null), [node, severity]);
  useEffect(() => {
    onHighlight?.(highlight);
  }, [onHighlight, highlight]);
  useEffect(() => () => onHighlight?.(null), [onHighlight]);

  const toggle = useCallback((key: string) => {
    setOpened((s) => {
      const next = new Set(s);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  }, []);

  const busy = !!d.running;
  const blocked = lab ? undefined : t('doctor.deployFirst');
  const r = d.report;
  return (
    <div className="doctor" data-testid="doctor">
      <div className="doctor-bar">
        <button type="button" className="btn primary" data-testid="doctor-run" disabled={busy || !!blocked} title={blocked ?? t('doctor.runTitle')} onClick={d.run}>
          {d.running?.what === 'look' ? t('doctor.looking') : t('doctor.run')}
        </button>
        <button
          type="button"
          className="btn"
          data-testid="doctor-fix"
          disabled={busy || !!blocked || !r || (r.findings.every((f) => f.severity === 'info') && !r.breaks.length)}
          title={t('doctor.fixTitle')}
          onClick={d.fix}
        >
          {d.running?.what === 'fix' ? t('doctor.fixing') : t('doctor.fix')}
        </button>
        {busy && (
          <span className="muted small" role="status" data-testid="doctor-busy">
            {t(d.running?.what === 'fix' ? 'doctor.busyFix' : 'doctor.busyLook', { elapsed })}
          </span>
        )}
        {blocked && <span className="journey-blocked">{blocked}</span>}
        {r && !busy && (
          <span className={`doctor-verdict ${!r.healthy ? 'bad' : r.findings.some((f) => f.severity === 'warning') ? 'warn' : 'ok'}`} data-testid="doctor-verdict" data-healthy={r.healthy ? 'yes' : 'no'}>
            {verdict(r)}
          </span>
        )}
      </div>
      <div className="doctor-main">
        {d.error && (
          <div className="journey-error" role="alert" data-testid="doctor-error" title={words(d.error)}>
            <span>{words(d.error)}</span>
            <button type="button" className="linklike" onClick={d.dismissError}>
              {t('doctor.dismiss')}
            </button>
          </div>
        )}
        {r?.fixed && (
          <div className="doctor-note" data-testid="doctor-fixed">
            {t('doctor.fixed', { count: r.fixed.before.filter((f) => f.severity !== 'info').length, applied: r.fixed.applied.join('; ') || t('doctor.nothingToFix') })}
          </div>
        )}
        {r && r.breaks.length > 0 && (
          <div className="doctor-note" data-testid="doctor-breaks">
            {t('doctor.brokenOnPurpose', { list: r.breaks.map((b) => t('doctor.faultOn', { fault: b.fault, node: b.node })).join(', ') })}
          </div>
        )}
        {r ? (
          groups.map((g) => (
            <section key={g.severity} className={`doctor-group sev-${g.severity}`} data-testid={`doctor-group-${g.severity}`}>
              <h4>
                {t(HEADINGS[g.severity])} ({g.findings.length})
              </h4>
              {g.findings.map((f) => {
                const key = findingKey(f);
                return <FindingCard key={key} finding={f} picked={shown === f} onPick={() => setPicked(key)} evidenceOpen={opened.has(key)} onToggleEvidence={() => toggle(key)} />;
              })}
            </section>
          ))
        ) : (
          !busy &&
          !d.error && (
            <div className="dock-empty" data-testid="doctor-empty">
              <strong>{t('doctor.emptyTitle')}</strong>
              <span>{t('doctor.emptyText')}</span>
            </div>
          )
        )}
      </div>
    </div>
  );
}
