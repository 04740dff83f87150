// The top bar: file, templates, history, layout, and the lab's lifecycle (read
// from the running lab's context).
import type { ReactNode } from 'react';
import type { TemplateInfo } from '../../electron/api';
import type { DocStore } from '../state/history';
import { useLive } from '../state/live-lab-context';
import { DriftIndicator } from './DriftIndicator';
import { Icon } from './icons';

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
  return (
    <header className="toolbar" role="toolbar" aria-label="Lab">
      <div className="brand">
        <span className="logo" aria-hidden>
          ⇶
        </span>
        lblab
      </div>
      <div className="tb-group">
        <button type="button" className="btn ghost" onClick={() => void file.newLab()} data-testid="new-lab" title="New empty lab">
          <Icon.file /> New
        </button>
        <select
          className="tb-select"
          aria-label="New lab from a template"
          data-testid="template-select"
          value=""
          onChange={(e) => e.target.value && void file.fromTemplate(e.target.value)}
        >
          <option value="">Templates…</option>
          {file.templates.map((t) => (
            <option key={t.id} value={t.id} title={t.description}>
              {templateLabel(t)}
            </option>
          ))}
        </select>
        <button type="button" className="btn ghost" onClick={() => void file.open()} data-testid="open-lab" title="Open a .lab.yaml file (Ctrl+O)">
          <Icon.open /> Open
        </button>
        <button type="button" className="btn ghost" onClick={() => void file.save()} data-testid="save-lab" title="Save as .lab.yaml (Ctrl+S)">
          <Icon.save /> Save
        </button>
      </div>
      <div className="tb-group">
        <button type="button" className="btn ghost icon" onClick={store.undo} disabled={!store.canUndo} data-testid="undo" title="Undo (Ctrl+Z)" aria-label="Undo">
          <Icon.undo />
        </button>
        <button type="button" className="btn ghost icon" onClick={store.redo} disabled={!store.canRedo} data-testid="redo" title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
          <Icon.redo />
        </button>
        <button type="button" className="btn ghost" onClick={onLayout} data-testid="auto-layout" title="Arrange the topology automatically">
          <Icon.layout /> Auto-layout
        </button>
      </div>
      <div className="tb-spacer" />
      {engine}
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
  const onPurpose = deployed && degraded && broken;
  return (
    <div className="tb-lab" data-testid="lab-state" data-deployed={deployed ? 'yes' : 'no'} data-degraded={deployed && degraded ? 'yes' : undefined} data-broken={onPurpose ? 'yes' : undefined}>
      <span className={`dot ${deployed ? (degraded ? 'warn' : 'on') : 'off'}`} />
      <span className="tb-lab-name">{labName}</span>
      <span className="muted small" title={deployed && degraded ? `${degraded} (Deploy repairs it)` : undefined}>
        {busy === 'deploy' ? 'deploying…' : busy === 'destroy' ? 'removing…' : deployed ? (degraded ? (onPurpose ? `broken on purpose: ${broken}` : 'degraded') : 'running') : 'not deployed'}
      </span>
    </div>
  );
}

/** The lab's state, the lab running elsewhere, drift, progress, Deploy and Destroy. */
function LabLifecycle({ labName }: { labName: string }) {
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
            lab <strong>{runningLab}</strong> runs
          </span>
          {showRunning && (
            <button type="button" className="linklike small" data-testid="show-running" onClick={showRunning} title={`Put ${runningLab}'s drawing back on the canvas`}>
              show it
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
          title={blockedReason ?? (deployed ? 'Apply the drawing to the running lab' : 'Start the containers and networks')}
          data-testid="deploy"
        >
          <Icon.play /> {deployed ? 'Redeploy' : 'Deploy'}
        </button>
        <button
          type="button"
          className="btn danger"
          onClick={destroy}
          disabled={!!busy || !runningLab}
          title={runningLab ? `Remove lab ${runningLab}'s containers and networks` : 'No lab is running'}
          data-testid="destroy"
        >
          <Icon.stop /> Destroy
        </button>
      </div>
    </>
  );
}
