// The bottom dock: counters, terminal tabs, comparisons, the packet journey and captures.
import { useState } from 'react';
import type { LabStatus, ServiceStats, ServiceStatus } from '../../../electron/api';
import type { ApiClient } from '../../api-client';
import type { StatSample } from '../../state/useLiveLab';
import type { TermTab } from '../../state/useTerminals';
import { CapturesPanel, type CanvasPick } from '../captures/CapturesPanel';
import { ComparePanel } from '../compare/ComparePanel';
import { Icon } from '../icons';
import { JourneyPanel } from '../journey/JourneyPanel';
import type { JourneyHighlight } from '../../lib/journey-data';
import { CountersPanel } from './CountersPanel';
import { TerminalView } from './TerminalView';

export type { TermTab };

export interface DockProps {
  client: ApiClient;
  active: string;
  setActive(k: string): void;
  terms: TermTab[];
  /** a terminal's session ended, with the reason */
  termEnded(key: string, reason: string): void;
  /** open a new session in an ended tab; absent when the tab's lab does not run */
  reconnectTerm?(key: string): void;
  closeTerm(key: string): void;
  deployed: boolean;
  stats: ServiceStats[];
  history: Record<string, StatSample[]>;
  /** the deployed lab (when it is the one in the editor) and its services, for comparisons */
  lab: string | null;
  services: ServiceStatus[];
  /** the deployed lab's client nodes, for the packet journey */
  clients?: string[];
  /** the packet journey's path to draw on the canvas (null: none) */
  onJourneyPath?(path: JourneyHighlight | null): void;
  /** the deployed lab's status (interfaces to capture on) and what the canvas has selected */
  liveStatus?: LabStatus | null;
  canvasPick?: CanvasPick | null;
}

export function Dock(p: DockProps) {
  // the comparison panel asks the engine for its history: only once someone looks at it
  const [compareSeen, setCompareSeen] = useState(false);
  if (p.active === 'compare' && !compareSeen) setCompareSeen(true);
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
    { key: 'journey', label: 'Packet journey', testid: 'tab-journey' },
    { key: 'captures', label: 'Captures', testid: 'tab-captures' },
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
            {t.ended && (
              <div className="term-ended" data-testid={`terminal-ended-${t.node}`}>
                <span>Session ended: {t.ended}.</span>
                {p.reconnectTerm ? (
                  <button type="button" className="btn small" data-testid={`terminal-reconnect-${t.node}`} onClick={() => p.reconnectTerm?.(t.key)}>
                    Reconnect
                  </button>
                ) : (
                  <span className="muted small">It can reconnect once lab {t.lab} runs.</span>
                )}
              </div>
            )}
            <TerminalView
              key={t.session}
              client={p.client}
              lab={t.lab}
              node={t.node}
              visible={p.active === t.key}
              onEnded={(r) => p.termEnded(t.key, r)}
            />
          </div>
        ))}
        <div className="dock-pane" hidden={p.active !== 'compare'} role="tabpanel">
          {compareSeen && <ComparePanel client={p.client} lab={p.lab} services={p.services} />}
        </div>
        <div className="dock-pane" hidden={p.active !== 'journey'} role="tabpanel">
          <JourneyPanel client={p.client} lab={p.lab} services={p.services} clients={p.clients ?? []} visible={p.active === 'journey'} onPath={p.onJourneyPath} />
        </div>
        <div className="dock-pane" hidden={p.active !== 'captures'} role="tabpanel">
          <CapturesPanel client={p.client} lab={p.lab} status={p.liveStatus ?? null} pick={p.canvasPick} />
        </div>
      </div>
    </section>
  );
}
