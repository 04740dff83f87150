// The bottom dock: counters, terminal tabs, comparisons, captures, and the views that are coming.
import type { LabStatus, ServiceStats, ServiceStatus } from '../../../electron/api';
import type { ApiClient } from '../../api-client';
import type { StatSample } from '../../state/useLiveLab';
import { CapturesPanel, type CanvasPick } from '../captures/CapturesPanel';
import { ComparePanel } from '../compare/ComparePanel';
import { Icon } from '../icons';
import { CountersPanel } from './CountersPanel';
import { TerminalView } from './TerminalView';

export interface TermTab { key: string; lab: string; node: string; id?: string; ended?: string }

const COMING: { key: string; title: string; text: string }[] = [
  { key: 'journey', title: 'Packet journey', text: 'One packet followed hop by hop, with the header fields each hop rewrites highlighted.' },
];

export interface DockProps {
  client: ApiClient;
  active: string;
  setActive(k: string): void;
  terms: TermTab[];
  updateTerm(key: string, patch: Partial<TermTab>): void;
  closeTerm(key: string): void;
  deployed: boolean;
  stats: ServiceStats[];
  history: Record<string, StatSample[]>;
  /** the deployed lab (when it is the one in the editor) and its services, for comparisons */
  lab: string | null;
  services: ServiceStatus[];
  /** the deployed lab's status (interfaces to capture on) and what the canvas has selected */
  liveStatus?: LabStatus | null;
  canvasPick?: CanvasPick | null;
}

export function Dock(p: DockProps) {
  const tabs: { key: string; label: React.ReactNode; testid: string; closable?: boolean }[] = [
    { key: 'counters', label: 'Counters', testid: 'tab-counters' },
    ...p.terms.map((t) => ({
      key: t.key,
      testid: `tab-terminal-${t.node}`,
      closable: true,
      label: (
        <>
          <Icon.terminal /> {t.node}
          {t.ended && <span className="muted small"> (ended)</span>}
        </>
      ),
    })),
    { key: 'compare', label: 'Compare', testid: 'tab-compare' },
    { key: 'captures', label: 'Captures', testid: 'tab-captures' },
    ...COMING.map((c) => ({ key: c.key, label: c.title, testid: `tab-${c.key}` })),
  ];
  return (
    <section className="dock" aria-label="Dock">
      <div className="dock-tabs" role="tablist">
        {tabs.map((t) => (
          <div key={t.key} className={`dock-tab${p.active === t.key ? ' active' : ''}`}>
            <button type="button" role="tab" aria-selected={p.active === t.key} data-testid={t.testid} onClick={() => p.setActive(t.key)}>
              {t.label}
            </button>
            {t.closable && (
              <button type="button" className="icon-btn" aria-label="close terminal" data-testid={`${t.testid}-close`} onClick={() => p.closeTerm(t.key)}>
                <Icon.close />
              </button>
            )}
          </div>
        ))}
      </div>
      <div className="dock-body">
        <div className="dock-pane" hidden={p.active !== 'counters'} role="tabpanel">
          <CountersPanel deployed={p.deployed} stats={p.stats} history={p.history} />
        </div>
        {p.terms.map((t) => (
          <div className="dock-pane term-pane" key={t.key} hidden={p.active !== t.key} role="tabpanel">
            <TerminalView
              client={p.client}
              lab={t.lab}
              node={t.node}
              visible={p.active === t.key}
              onSession={(id) => p.updateTerm(t.key, { id })}
              onEnded={(r) => p.updateTerm(t.key, { ended: r })}
            />
          </div>
        ))}
        <div className="dock-pane" hidden={p.active !== 'compare'} role="tabpanel">
          <ComparePanel client={p.client} lab={p.lab} services={p.services} />
        </div>
        <div className="dock-pane" hidden={p.active !== 'captures'} role="tabpanel">
          <CapturesPanel client={p.client} lab={p.lab} status={p.liveStatus ?? null} pick={p.canvasPick} />
        </div>
        {COMING.map((c) => (
          <div className="dock-pane" key={c.key} hidden={p.active !== c.key} role="tabpanel">
            <div className="dock-empty coming" data-testid={`coming-${c.key}`}>
              <strong>{c.title} — not available yet.</strong>
              <span>{c.text}</span>
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}
