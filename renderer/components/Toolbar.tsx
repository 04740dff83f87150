// The top bar: file, templates, history, layout, and the lab's lifecycle (read
// from the running lab's context).
import type { ReactNode } from 'react';
import type { TemplateInfo } from '../../electron/api';
import type { DocStore } from '../state/history';
import { useLive } from '../state/live-lab-context';
import { DriftIndicator } from './DriftIndicator';
import { Icon } from './icons';
import { LanguageSwitch } from '../i18n/LanguageSwitch';
import { Trans, useTranslation } from '../i18n';

/** "Multi-tier", "NAT (two-arm)": the mode in brackets only when the title does not say it already. */
export function templateLabel(t: TemplateInfo): string {
  const flat = (x: string) => x.toLowerCase().replace(/[^a-z0-9]/g, '');
  return flat(t.title).includes(flat(t.mode)) ? t.title : `${t.title} (${t.mode})`;
}

/** What the file buttons do (the lab file's hook). */
export interface FileCommands {
  templates: TemplateInfo[];
  newLab(): Promise<void>;
  fromTemplate(id: string): Promise<void>;
  open(): Promise<void>;
  save(): Promise<void>;
}

export interface ToolbarProps {
  /** the drawing and its undo history */
  store: Pick<DocStore, 'doc' | 'undo' | 'redo' | 'canUndo' | 'canRedo'>;
  file: FileCommands;
  onLayout(): void;
  /** shown before the lab's lifecycle: the engine driven */
  engine?: ReactNode;
}

export function Toolbar({ store, file, onLayout, engine }: ToolbarProps) {
  const { t } = useTranslation();
  return (
    <header className="toolbar" role="toolbar" aria-label={t('toolbar.label')}>
      <div className="brand">
        <span className="logo" aria-hidden>
          ⇶
        </span>
        lblab
      </div>
      <div className="tb-group">
        <button type="button" className="btn ghost" onClick={() => void file.newLab()} data-testid="new-lab" title={t('toolbar.newLabTitle')}>
          <Icon.file /> {t('toolbar.newLab')}
        </button>
        <select
          className="tb-select"
          aria-label={t('toolbar.templatesLabel')}
          data-testid="template-select"
          value=""
          onChange={(e) => e.target.value && void file.fromTemplate(e.target.value)}
        >
          <option value="">{t('toolbar.templates')}</option>
          {file.templates.map((t) => (
            <option key={t.id} value={t.id} title={t.description} data-i18n="engine">
              {templateLabel(t)}
            </option>
          ))}
        </select>
        <button type="button" className="btn ghost" onClick={() => void file.open()} data-testid="open-lab" title={t('toolbar.openTitle')}>
          <Icon.open /> {t('toolbar.open')}
        </button>
        <button type="button" className="btn ghost" onClick={() => void file.save()} data-testid="save-lab" title={t('toolbar.saveTitle')}>
          <Icon.save /> {t('toolbar.save')}
        </button>
      </div>
      <div className="tb-group">
        <button type="button" className="btn ghost icon" onClick={store.undo} disabled={!store.canUndo} data-testid="undo" title={t('toolbar.undoTitle')} aria-label={t('toolbar.undo')}>
          <Icon.undo />
        </button>
        <button type="button" className="btn ghost icon" onClick={store.redo} disabled={!store.canRedo} data-testid="redo" title={t('toolbar.redoTitle')} aria-label={t('toolbar.redo')}>
          <Icon.redo />
        </button>
        <button type="button" className="btn ghost" onClick={onLayout} data-testid="auto-layout" title={t('toolbar.autoLayoutTitle')}>
          <Icon.layout /> {t('toolbar.autoLayout')}
        </button>
      </div>
      <div className="tb-spacer" />
      {engine}
      <LanguageSwitch />
      <LabLifecycle labName={store.doc.name} />
    </header>
  );
}

export interface LabStateProps {
  labName: string;
  /** the drawing is the running lab */
  deployed: boolean;
  /** why the deployed lab is degraded; Deploy repairs it */
  degraded?: string;
  /** faults made on purpose the lab carries ("backend-down on web2"); said instead of "degraded" */
  broken?: string;
  busy: 'deploy' | 'destroy' | null;
}

/** The drawing's name and whether it runs: running, degraded (the reason on hover), deploying, not deployed. */
export function LabState({ labName, deployed, degraded, broken, busy }: LabStateProps) {
  const { t } = useTranslation();
  const onPurpose = deployed && degraded && broken;
  return (
    <div className="tb-lab" data-testid="lab-state" data-deployed={deployed ? 'yes' : 'no'} data-degraded={deployed && degraded ? 'yes' : undefined} data-broken={onPurpose ? 'yes' : undefined}>
      <span className={`dot ${deployed ? (degraded ? 'warn' : 'on') : 'off'}`} />
      <span className="tb-lab-name">{labName}</span>
      <span className="muted small" title={deployed && degraded ? t('toolbar.degradedTitle', { reason: degraded }) : undefined}>
        {busy === 'deploy'
          ? t('toolbar.deploying')
          : busy === 'destroy'
            ? t('toolbar.removing')
            : deployed
              ? degraded
                ? onPurpose
                  ? t('toolbar.brokenOnPurpose', { broken })
                  : t('toolbar.degraded')
                : t('toolbar.running')
              : t('toolbar.notDeployed')}
      </span>
    </div>
  );
}

/** The lab's state, the lab running elsewhere, drift, progress, Deploy and Destroy. */
function LabLifecycle({ labName }: { labName: string }) {
  const { t } = useTranslation();
  const { live, deployed, degraded, broken, drift, blockedReason, deploy, destroy, showRunning } = useLive();
  const { busy, progress, lab: runningLab } = live;
  const pct = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;
  return (
    <>
      <LabState labName={labName} deployed={deployed} degraded={degraded} broken={broken} busy={busy} />
      {runningLab && !deployed && !busy && (
        <div className="tb-running" data-testid="running-elsewhere">
          <span className="dot on" />
          <span className="small">
            <Trans t={t} i18nKey="toolbar.runsElsewhere" values={{ lab: runningLab }} components={{ 1: <strong /> }} />
          </span>
          {showRunning && (
            <button type="button" className="linklike small" data-testid="show-running" onClick={showRunning} title={t('toolbar.showItTitle', { lab: runningLab })}>
              {t('toolbar.showIt')}
            </button>
          )}
        </div>
      )}
      {deployed && !busy && drift && drift.changes.length > 0 && <DriftIndicator changes={drift.changes} effect={drift.effect} />}
      {progress && (
        <div className="progress" data-testid="progress" title={progress.step} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={progress.step}>
          <div className="progress-bar" style={{ width: `${Math.max(pct, 3)}%` }} />
          <span className="progress-label">
            {progress.step} {progress.total > 1 ? `${progress.done}/${progress.total}` : ''}
          </span>
        </div>
      )}
      <div className="tb-group">
        <button
          type="button"
          className="btn primary"
          onClick={deploy}
          disabled={!!busy || !!blockedReason}
          title={blockedReason ?? (deployed ? t('toolbar.redeployTitle') : t('toolbar.deployTitle'))}
          data-testid="deploy"
        >
          <Icon.play /> {deployed ? t('toolbar.redeploy') : t('toolbar.deploy')}
        </button>
        <button
          type="button"
          className="btn danger"
          onClick={destroy}
          disabled={!!busy || !runningLab}
          title={runningLab ? t('toolbar.destroyTitle', { lab: runningLab }) : t('toolbar.noLabRunning')}
          data-testid="destroy"
        >
          <Icon.stop /> {t('toolbar.destroy')}
        </button>
      </div>
    </>
  );
}
