// The bottom dock: counters, terminal tabs, comparisons, the packet journey, captures, the doctor and the lessons.
import { useLive } from '../../state/live-lab-context';
import { CapturesPanel, type CanvasPick } from '../captures/CapturesPanel';
import { ComparePanel } from '../compare/ComparePanel';
import { DoctorPanel } from '../doctor/DoctorPanel';
import { Icon } from '../icons';
import { JourneyPanel } from '../journey/JourneyPanel';
import { LessonsPanel } from '../lessons/LessonsPanel';
import type { LabDoc, LessonLang, Mode } from '../../../electron/api';
import type { DoctorHighlight } from '../../lib/doctor-data';
import type { JourneyHighlight } from '../../lib/journey-data';
import { CountersPanel } from './CountersPanel';
import { TerminalView } from './TerminalView';
import type { DockState } from './useDock';

export interface DockProps {
  /** the tab shown, the terminal tabs (useDock) */
  dock: DockState;
  /** the packet journey's path to draw on the canvas (null: none) */
  onJourneyPath?(path: JourneyHighlight | null): void;
  /** the node the Doctor tab points at on the canvas (null: none) */
  onDoctorHighlight?(h: DoctorHighlight | null): void;
  /** what the canvas has selected, to capture on */
  canvasPick?: CanvasPick | null;
  /** the Lessons tab: put a running lab's drawing on the canvas, switch a mode as the inspector does */
  lessons?: { lang: LessonLang; onShowLab(doc: LabDoc): Promise<void>; onModeChange(service: string, mode: Mode): Promise<void> };
}

export function Dock({ dock, onJourneyPath, onDoctorHighlight, canvasPick, lessons }: DockProps) {
  const { client, live, deployed } = useLive();
  const { active, select, compareSeen, terminals } = dock;
  const terms = terminals.terms;
  // the lab the dock's panels work on: the deployed one, when it is the drawing on the canvas
  const lab = deployed ? live.lab : null;
  const status = deployed ? live.status : null;
  const services = status?.services ?? [];
  const clients = (status?.nodes ?? []).filter((n) => n.kind === 'client').map((n) => n.name);
  /** a new session in an ended tab, while its lab runs */
  const reconnect = live.lab && !live.busy ? terminals.reconnect : undefined;
  const tabs: { key: string; label: React.ReactNode; testid: string; closable?: boolean }[] = [
    { key: 'counters', label: 'Counters', testid: 'tab-counters' },
    ...terms.map((t) => ({
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
    { key: 'doctor', label: 'Doctor', testid: 'tab-doctor' },
    ...(lessons ? [{ key: 'lessons', label: 'Lessons', testid: 'tab-lessons' }] : []),
  ];
  return (
    <section className="dock" aria-label="Dock">
      <div className="dock-tabs" role="tablist">
        {tabs.map((t) => (
          <div key={t.key} className={`dock-tab${active === t.key ? ' active' : ''}`}>
            <button type="button" role="tab" aria-selected={active === t.key} data-testid={t.testid} onClick={() => select(t.key)}>
              {t.label}
            </button>
            {t.closable && (
              <button type="button" className="icon-btn" aria-label="close terminal" data-testid={`${t.testid}-close`} onClick={() => terminals.close(t.key, active)}>
                <Icon.close />
              </button>
            )}
          </div>
        ))}
      </div>
      <div className="dock-body">
        <div className="dock-pane" hidden={active !== 'counters'} role="tabpanel">
          <CountersPanel deployed={deployed} stats={live.stats} history={live.history} />
        </div>
        {terms.map((t) => (
          <div className="dock-pane term-pane" key={t.key} hidden={active !== t.key} role="tabpanel">
            {t.ended && (
              <div className="term-ended" data-testid={`terminal-ended-${t.node}`}>
                <span>Session ended: {t.ended}.</span>
                {reconnect ? (
                  <button type="button" className="btn small" data-testid={`terminal-reconnect-${t.node}`} onClick={() => reconnect(t.key)}>
                    Reconnect
                  </button>
                ) : (
                  <span className="muted small">It can reconnect once lab {t.lab} runs.</span>
                )}
              </div>
            )}
            <TerminalView
              key={t.session}
              client={client}
              lab={t.lab}
              node={t.node}
              visible={active === t.key}
              onEnded={(r) => terminals.ended(t.key, r)}
            />
          </div>
        ))}
        <div className="dock-pane" hidden={active !== 'compare'} role="tabpanel">
          {compareSeen && <ComparePanel client={client} lab={lab} services={services} />}
        </div>
        <div className="dock-pane" hidden={active !== 'journey'} role="tabpanel">
          <JourneyPanel client={client} lab={lab} services={services} clients={clients} visible={active === 'journey'} onPath={onJourneyPath} />
        </div>
        <div className="dock-pane" hidden={active !== 'captures'} role="tabpanel">
          <CapturesPanel client={client} lab={lab} status={status} pick={canvasPick} />
        </div>
        <div className="dock-pane" hidden={active !== 'doctor'} role="tabpanel">
          <DoctorPanel client={client} lab={lab} visible={active === 'doctor'} onHighlight={onDoctorHighlight} onChanged={live.refresh} />
        </div>
        {lessons && (
          <div className="dock-pane" hidden={active !== 'lessons'} role="tabpanel">
            <LessonsPanel client={client} lab={lab} lang={lessons.lang} onShowLab={lessons.onShowLab} onModeChange={lessons.onModeChange} onChanged={() => void live.refresh()} />
          </div>
        )}
      </div>
    </section>
  );
}
