// The Docker engine the app drives, in the toolbar: its name (its address on
// hover) and whether it answers; pressing it opens the list of engines the
// Docker CLI knows, to switch to another. The drawing is not touched.
import { useCallback, useEffect, useState } from 'react';
import type { AppInfo, EngineDescription, LabApi } from '../../../electron/api';
import { useEngines } from './useEngines';
import { i18n, useTranslation } from '../../i18n';

export interface EnginePickerProps {
  api: Pick<LabApi, 'listEngines' | 'useEngine'>;
  info: AppInfo | null;
  /** the app's info after a switch */
  onInfo(info: AppInfo): void;
}

/** "Docker 27.1 · linux 6.8.0 · 4 CPUs · eBPF ready": what an answering engine says of itself. */
export function engineFacts(e: EngineDescription): string {
  const facts = [
    e.serverVersion && `Docker ${e.serverVersion}`,
    (e.osType || e.kernel) && [e.osType, e.kernel].filter(Boolean).join(' '),
    e.cpus !== undefined && i18n.t('dock.engines.cpus', { count: e.cpus }),
    e.ebpf && (e.ebpf.ok ? i18n.t('dock.engines.ebpfReady') : i18n.t('dock.engines.noEbpf')),
  ];
  return facts.filter(Boolean).join(' · ');
}

export function EnginePicker({ api, info, onInfo }: EnginePickerProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const onSwitched = useCallback((i: AppInfo) => onInfo(i), [onInfo]);
  const state = useEngines(api, onSwitched);
  const { load } = state;
  useEffect(() => {
    if (open) void load();
  }, [open, load]);

  const name = info?.engine?.name ?? 'Docker';
  const answers = info?.docker.available;
  const hover = [info?.engine?.host, info ? (answers ? `Docker ${info.docker.version ?? ''}`.trim() : info.docker.message) : undefined].filter(Boolean).join(' — ');
  return (
    <div className="engine-picker-anchor">
      <button
        type="button"
        className="btn ghost"
        data-testid="engine-name"
        data-i18n="engine"
        title={hover || t('dock.engines.buttonTitle')}
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <span className={`dot ${answers ? 'on' : info ? 'warn' : ''}`} aria-hidden />
        {name}
      </button>
      {open && (
        <div className="engine-picker" role="dialog" aria-label={t('dock.engines.title')} data-testid="engine-picker" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          <div className="engine-picker-head">
            <strong>{t('dock.engines.title')}</strong>
            <button type="button" className="btn ghost" onClick={() => void load()} disabled={state.loading} data-testid="engine-refresh">
              {state.loading ? t('dock.engines.asking') : t('dock.engines.refresh')}
            </button>
            <button type="button" className="btn ghost icon" onClick={() => setOpen(false)} aria-label={t('dock.engines.close')}>
              ×
            </button>
          </div>
          {state.error && <div className="engine-error" data-testid="engine-list-error">{state.error}</div>}
          {state.refusal && <div className="engine-error" role="alert" data-testid="engine-refusal">{state.refusal}</div>}
          <ul className="engine-list">
            {state.engines.map((e) => (
              <li key={e.name} className={`engine-row${e.current ? ' current' : ''}`} data-testid={`engine-row-${e.name}`}>
                <div className="engine-row-main">
                  <span className={`dot ${e.answers ? 'on' : 'warn'}`} aria-hidden />
                  <span className="engine-row-name" title={e.description} data-i18n="engine">
                    {e.name}
                  </span>
                  {e.current && <span className="badge" data-testid="engine-current">
                      {t('dock.engines.current')}
                    </span>}
                  <span className="muted engine-host">{e.host}</span>
                </div>
                <div className="engine-row-facts muted" data-testid={`engine-facts-${e.name}`}>
                  {e.answers ? <span data-i18n="engine">{engineFacts(e) || t('dock.engines.answers')}</span> : t('dock.engines.doesNotAnswer', { why: '' })}
                  {!e.answers && <span data-i18n="engine">{e.problem ?? t('dock.engines.noReason')}</span>}
                </div>
                {e.ebpf && !e.ebpf.ok && <div className="engine-row-facts muted">{e.ebpf.checked}</div>}
                {!e.current && (
                  <button
                    type="button"
                    className="btn"
                    disabled={state.switching !== null}
                    onClick={() => void state.switchTo(e.name)}
                    data-testid={`engine-use-${e.name}`}
                    title={t('dock.engines.useTitle', { host: e.host })}
                  >
                    {state.switching === e.name ? t('dock.engines.switching') : t('dock.engines.use')}
                  </button>
                )}
              </li>
            ))}
            {!state.loading && !state.error && !state.engines.length && <li className="muted">{t('dock.engines.none')}</li>}
          </ul>
          {state.problems.map((p) => (
            <div key={p} className="muted engine-problem">
              {p}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
