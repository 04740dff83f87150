// The top bar: file, templates, history, layout, and the lab's lifecycle.
import type { TemplateInfo } from '../../electron/api';
import type { Change } from '../state/drift';
import type { Progress } from '../state/useLiveLab';
import { DriftIndicator } from './DriftIndicator';
import { Icon } from './icons';

/** "Multi-tier", "NAT (two-arm)": the mode in brackets only when the title does not say it already. */
export function templateLabel(t: TemplateInfo): string {
  const flat = (x: string) => x.toLowerCase().replace(/[^a-z0-9]/g, '');
  return flat(t.title).includes(flat(t.mode)) ? t.title : `${t.title} (${t.mode})`;
}

export interface ToolbarProps {
  labName: string;
  templates: TemplateInfo[];
  onNew(): void;
  onTemplate(id: string): void;
  onOpen(): void;
  onSave(): void;
  onUndo(): void;
  onRedo(): void;
  canUndo: boolean;
  canRedo: boolean;
  onLayout(): void;
  /** the drawing is the running lab */
  deployed: boolean;
  /** why the deployed lab is degraded (stopped nodes, plumbing lost); Deploy repairs it */
  degraded?: string;
  /** the lab that runs, whatever the canvas shows */
  runningLab: string | null;
  /** load the running lab's drawing (when another one is on the canvas) */
  onShowRunning?(): void;
  /** what differs from the running lab, and what Redeploy does about it */
  drift?: { changes: Change[]; effect: string } | null;
  busy: 'deploy' | 'destroy' | null;
  progress: Progress | null;
  blockedReason?: string;
  onDeploy(): void;
  onDestroy(): void;
}

export function Toolbar(p: ToolbarProps) {
  const pct = p.progress && p.progress.total > 0 ? Math.round((100 * p.progress.done) / p.progress.total) : 0;
  return (
    <header className="toolbar" role="toolbar" aria-label="Lab">
      <div className="brand">
        <span className="logo" aria-hidden>
          ⇶
        </span>
        lblab
      </div>
      <div className="tb-group">
        <button type="button" className="btn ghost" onClick={p.onNew} data-testid="new-lab" title="New empty lab">
          <Icon.file /> New
        </button>
        <select
          className="tb-select"
          aria-label="New lab from a template"
          data-testid="template-select"
          value=""
          onChange={(e) => e.target.value && p.onTemplate(e.target.value)}
        >
          <option value="">Templates…</option>
          {p.templates.map((t) => (
            <option key={t.id} value={t.id} title={t.description}>
              {templateLabel(t)}
            </option>
          ))}
        </select>
        <button type="button" className="btn ghost" onClick={p.onOpen} data-testid="open-lab" title="Open a .lab.yaml file (Ctrl+O)">
          <Icon.open /> Open
        </button>
        <button type="button" className="btn ghost" onClick={p.onSave} data-testid="save-lab" title="Save as .lab.yaml (Ctrl+S)">
          <Icon.save /> Save
        </button>
      </div>
      <div className="tb-group">
        <button type="button" className="btn ghost icon" onClick={p.onUndo} disabled={!p.canUndo} data-testid="undo" title="Undo (Ctrl+Z)" aria-label="Undo">
          <Icon.undo />
        </button>
        <button type="button" className="btn ghost icon" onClick={p.onRedo} disabled={!p.canRedo} data-testid="redo" title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
          <Icon.redo />
        </button>
        <button type="button" className="btn ghost" onClick={p.onLayout} data-testid="auto-layout" title="Arrange the topology automatically">
          <Icon.layout /> Auto-layout
        </button>
      </div>
      <div className="tb-spacer" />
      <div className="tb-lab" data-testid="lab-state" data-deployed={p.deployed ? 'yes' : 'no'} data-degraded={p.deployed && p.degraded ? 'yes' : undefined}>
        <span className={`dot ${p.deployed ? (p.degraded ? 'warn' : 'on') : 'off'}`} />
        <span className="tb-lab-name">{p.labName}</span>
        <span className="muted small" title={p.deployed && p.degraded ? `${p.degraded} (Deploy repairs it)` : undefined}>
          {p.busy === 'deploy' ? 'deploying…' : p.busy === 'destroy' ? 'removing…' : p.deployed ? (p.degraded ? 'degraded' : 'running') : 'not deployed'}
        </span>
      </div>
      {p.runningLab && !p.deployed && !p.busy && (
        <div className="tb-running" data-testid="running-elsewhere">
          <span className="dot on" />
          <span className="small">
            lab <strong>{p.runningLab}</strong> runs
          </span>
          {p.onShowRunning && (
            <button type="button" className="linklike small" data-testid="show-running" onClick={p.onShowRunning} title={`Put ${p.runningLab}'s drawing back on the canvas`}>
              show it
            </button>
          )}
        </div>
      )}
      {p.deployed && !p.busy && p.drift && p.drift.changes.length > 0 && <DriftIndicator changes={p.drift.changes} effect={p.drift.effect} />}
      {p.progress && (
        <div className="progress" data-testid="progress" title={p.progress.step} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={p.progress.step}>
          <div className="progress-bar" style={{ width: `${Math.max(pct, 3)}%` }} />
          <span className="progress-label">
            {p.progress.step} {p.progress.total > 1 ? `${p.progress.done}/${p.progress.total}` : ''}
          </span>
        </div>
      )}
      <div className="tb-group">
        <button
          type="button"
          className="btn primary"
          onClick={p.onDeploy}
          disabled={!!p.busy || !!p.blockedReason}
          title={p.blockedReason ?? (p.deployed ? 'Apply the drawing to the running lab' : 'Start the containers and networks')}
          data-testid="deploy"
        >
          <Icon.play /> {p.deployed ? 'Redeploy' : 'Deploy'}
        </button>
        <button
          type="button"
          className="btn danger"
          onClick={p.onDestroy}
          disabled={!!p.busy || !p.runningLab}
          title={p.runningLab ? `Remove lab ${p.runningLab}'s containers and networks` : 'No lab is running'}
          data-testid="destroy"
        >
          <Icon.stop /> Destroy
        </button>
      </div>
    </header>
  );
}
