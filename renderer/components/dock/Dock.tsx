// The bottom dock: counters, terminal tabs, comparisons, the packet journey, captures, the doctor and the lessons.
import { useLive } from '../../state/live-lab-context';
import { CapturesPanel, type CanvasPick } from '../captures/CapturesPanel';
import { ComparePanel } from '../compare/ComparePanel';
import { DoctorPanel } from '../doctor/DoctorPanel';
import { Icon } from '../icons';
import { JourneyPanel } from '../journey/JourneyPanel';
import { LessonsPanel } from '../lessons/LessonsPanel';
import type { LabDoc, Mode } from '../../../electron/api';
import type { DoctorHighlight } from '../../lib/doctor-data';
import type { JourneyHighlight } from '../../lib/journey-data';
import { CountersPanel } from './CountersPanel';
import { TerminalView } from './TerminalView';
import type { DockState } from './useDock';
import { useTranslation } from '../../i18n';

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
  lessons?: { onShowLab(doc: LabDoc): Promise<void>; onModeChange(service: string, mode: Mode): Promise<void> };
}

export function Dock({ dock, onJourneyPath, onDoctorHighlight, canvasPick, lessons }: DockProps) {
  const { t } = useTranslation();
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
    { key: 'counters', label: t('dock.tabCounters'), testid: 'tab-counters' },
    ...terms.map((x) => ({
      key: x.key,
      testid: `tab-terminal-${x.node}`,
      closable: true,
      label: (
        <>
          <Icon.terminal /> {x.node}
          {x.ended && <span className="muted small">{t('dock.ended')}</span>}
        </>
      ),
    })),
    { key: 'compare', label: t('dock.tabCompare'), testid: 'tab-compare' },
    { key: 'journey', label: t('dock.tabJourney'), testid: 'tab-journey' },
    { key: 'captures', label: t('dock.tabCaptures'), testid: 'tab-captures' },
    { key: 'doctor', label: t('dock.tabDoctor'), testid: 'tab-doctor' },
    ...(lessons ? [{ key: 'lessons', label: t('dock.tabLessons'), testid: 'tab-lessons' }] : []),
  ];
  return (
    <section className="dock" aria-label={t('dock.label')}>
      <div className="dock-tabs" role="tablist">
        {tabs.map((x) => (
          <div key={x.key} className={`dock-tab${active === x.key ? ' active' : ''}`}>
            <button type="button" role="tab" aria-selected={active === x.key} data-testid={x.testid} onClick={() => select(x.key)}>
              {x.label}
            </button>
            {x.closable && (
              <button type="button" className="icon-btn" aria-label={t('dock.closeTerminal')} data-testid={`${x.testid}-close`} onClick={() => terminals.close(x.key, active)}>
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
        {terms.map((x) => (
          <div className="dock-pane term-pane" key={x.key} hidden={active !== x.key} role="tabpanel">
            {x.ended && (
              <div className="term-ended" data-testid={`terminal-ended-${x.node}`}>
                <span>{t('dock.sessionEnded', { why: x.ended })}</span>
                {reconnect ? (
                  <button type="button" className="btn small" data-testid={`terminal-reconnect-${x.node}`} onClick={() => reconnect(x.key)}>
                    {t('dock.reconnect')}
                  </button>
                ) : (
                  <span className="muted small">{t('dock.reconnectLater', { lab: x.lab })}</span>
                )}
              </div>
            )}
            <TerminalView
              key={x.session}
              client={client}
              lab={x.lab}
              node={x.node}
              visible={active === x.key}
              onEnded={(r) => terminals.ended(x.key, r)}
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
            <LessonsPanel client={client} lab={lab} onShowLab={lessons.onShowLab} onModeChange={lessons.onModeChange} onChanged={() => void live.refresh()} />
          </div>
        )}
      </div>
    </section>
  );
}
