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

const HEADINGS = { error: 'Errors', warning: 'Warnings', info: 'Notes' } as const;

/** One line on the whole report: how many of each, how long it took. */
function verdict(r: DoctorReport): string {
  const n = (s: string) => r.findings.filter((f) => f.severity === s).length;
  const [e, w, i] = [n('error'), n('warning'), n('info')];
  const took = `${(r.ms / 1000).toFixed(1)} s`;
  if (!e && !w) return `Healthy: no error, no warning${i ? ` (${i} note${i === 1 ? '' : 's'})` : ''} · ${took}`;
  return `${e} error${e === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}${i ? `, ${i} note${i === 1 ? '' : 's'}` : ''} · ${took}`;
}

export function DoctorPanel({ client, lab, visible, onHighlight, onChanged }: DoctorPanelProps) {
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
  const blocked = lab ? undefined : 'Deploy the lab to run the doctor on it.';
  const r = d.report;
  return (
    <div className="doctor" data-testid="doctor">
      <div className="doctor-bar">
        <button type="button" className="btn primary" data-testid="doctor-run" disabled={busy || !!blocked} title={blocked ?? 'Check every node against its plan, then send a little traffic and watch it'} onClick={d.run}>
          {d.running?.what === 'look' ? 'Looking…' : 'Run the doctor'}
        </button>
        <button
          type="button"
          className="btn"
          data-testid="doctor-fix"
          disabled={busy || !!blocked || !r || (r.findings.every((f) => f.severity === 'info') && !r.breaks.length)}
          title="Apply the fixes lblab knows (the repair Deploy does, the undo of faults made on purpose), then look again"
          onClick={d.fix}
        >
          {d.running?.what === 'fix' ? 'Fixing…' : 'Fix'}
        </button>
        {busy && (
          <span className="muted small" role="status" data-testid="doctor-busy">
            {d.running?.what === 'fix' ? 'fixing, then looking again' : 'checking every node, then probing'}… {elapsed} s
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
          <div className="journey-error" role="alert" data-testid="doctor-error" title={d.error}>
            <span>{d.error}</span>
            <button type="button" className="linklike" onClick={d.dismissError}>
              dismiss
            </button>
          </div>
        )}
        {r?.fixed && (
          <div className="doctor-note" data-testid="doctor-fixed">
            Fixed {r.fixed.before.filter((f) => f.severity !== 'info').length} finding(s): {r.fixed.applied.join('; ') || 'nothing lblab knows how to fix'}.
          </div>
        )}
        {r && r.breaks.length > 0 && (
          <div className="doctor-note" data-testid="doctor-breaks">
            Broken on purpose: {r.breaks.map((b) => `${b.fault} on ${b.node}`).join(', ')}.
          </div>
        )}
        {r ? (
          groups.map((g) => (
            <section key={g.severity} className={`doctor-group sev-${g.severity}`} data-testid={`doctor-group-${g.severity}`}>
              <h4>
                {HEADINGS[g.severity]} ({g.findings.length})
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
              <strong>Ask the doctor what is wrong with the lab.</strong>
              <span>It reads every node (addresses and VIPs, routes, ARP and rp_filter settings, the balancer&apos;s counters and health), sends one request per backend, and names what is wrong, where, the evidence, why it breaks the mode and the fix. Break a node on purpose from its menu on the canvas (right-click) to watch one.</span>
            </div>
          )
        )}
      </div>
    </div>
  );
}
