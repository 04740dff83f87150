// The Compare tab: configure and run a comparison of the modes on the deployed
// lab, watch it live, read the result, reopen and export past ones.
import { useEffect, useMemo, useState } from 'react';
import { gatewayRefusal, type CompareRow, type ServiceStatus } from '../../../electron/api';
import { oneLine, type ApiClient } from '../../api-client';
import { buildRequest, defaultForm, defaultModes, estimateSeconds, type CompareForm as Form } from '../../lib/compare-data';
import { CompareForm, type Availability } from './CompareForm';
import { CompareHistory } from './CompareHistory';
import { CompareProgress } from './CompareProgress';
import { CompareResults } from './CompareResults';
import { LiveChart } from './LiveChart';
import { useCompare } from './useCompare';
import { i18n, useTranslation } from '../../i18n';
import { words } from '../../i18n/said';

export interface ComparePanelProps {
  client: ApiClient;
  /** the deployed lab shown in the editor, or null */
  lab: string | null;
  services: ServiceStatus[];
}

export function ComparePanel({ client, lab, services }: ComparePanelProps) {
  const { api } = client;
  // the texts made here follow a language switched live
  const { language } = useTranslation().i18n;
  const cmp = useCompare(client);
  const [form, setForm] = useState<Form>(() => defaultForm(services[0]?.name));
  /** what the engine answered; `error` holds its one line, put into a sentence when shown */
  const [availability, setAvailability] = useState<Availability>({ loading: false, rows: [] });

  // keep the chosen service one the lab has
  const serviceNames = services.map((s) => s.name).join(',');
  useEffect(() => {
    const names = serviceNames ? serviceNames.split(',') : [];
    setForm((f) => (names.includes(f.service) ? f : { ...f, service: names[0] ?? '', modes: [] }));
  }, [serviceNames]);

  // what this service can be compared in; ticks a sensible pair the first time
  const service = services.find((s) => s.name === form.service);
  const currentMode = service?.mode;
  useEffect(() => {
    if (!lab || !form.service) {
      setAvailability({ loading: false, rows: [] });
      return;
    }
    let live = true;
    setAvailability({ loading: true, rows: [] });
    api.compareModes(lab, form.service).then(
      (rows) => {
        if (!live) return;
        setAvailability({ loading: false, rows });
        const ok = new Set(rows.filter((r) => r.ok).map((r) => r.mode));
        setForm((f) => {
          const kept = f.modes.filter((m) => ok.has(m));
          return { ...f, modes: kept.length ? kept : defaultModes(currentMode as CompareRow | undefined, rows) };
        });
      },
      (e) => live && setAvailability({ loading: false, rows: [], error: oneLine(e) }),
    );
    return () => {
      live = false;
    };
    // not on currentMode: it only picks the first defaults, and a live switch (or the
    // comparison's own switching) must not re-query
  }, [api, lab, form.service]);

  const blocked = !lab ? i18n.t('compare.deployFirst') : services.length === 0 ? i18n.t('compare.noService') : undefined;
  // its error is a sentence: redone when the language is switched live
  const built = useMemo(() => (lab ? buildRequest(lab, form) : null), [lab, form, language]);
  // a gateway that cannot balance this service the way it asks (Apache and maglev): said before Run, as the engine would
  const refused = built?.req?.gateways && service ? built.req.gateways.map((g) => gatewayRefusal(g, { scheduler: service.scheduler })).find((w) => w) : undefined;
  const running = cmp.running;

  return (
    <div className="compare" data-testid="compare">
      <aside className="compare-side">
        <CompareForm
          form={form}
          setForm={setForm}
          services={services}
          availability={availability.error ? { ...availability, error: i18n.t('compare.modesUnavailable', { why: availability.error }) } : availability}
          blocked={blocked}
          running={!!running}
          cancelling={!!running?.cancelling}
          problem={built?.error ?? refused}
          estimateSeconds={built?.req ? estimateSeconds(built.req) : undefined}
          onRun={() => built?.req && void cmp.start(built.req)}
          onCancel={() => void cmp.cancel()}
        />
        <CompareHistory items={cmp.history} error={cmp.historyError && words(cmp.historyError)} current={cmp.result?.id} disabled={!!running} onOpen={(id) => void cmp.open(id)} onRefresh={() => void cmp.refreshHistory()} />
      </aside>
      <section className="compare-main" aria-label={i18n.t('compare.comparison')}>
        {cmp.error && (
          <div className="compare-error" role="alert" data-testid="compare-error" title={words(cmp.error)}>
            <span>{words(cmp.error)}</span>
            <button type="button" className="linklike" onClick={() => cmp.setError(null)}>
              {i18n.t('compare.dismiss')}
            </button>
          </div>
        )}
        {cmp.notice && !cmp.error && (
          <div className="compare-notice muted small" data-testid="compare-notice">
            {words(cmp.notice)}
          </div>
        )}
        {running ? (
          <>
            <CompareProgress progress={running.progress} cancelling={running.cancelling} ending={running.ending} />
            <LiveChart live={running.live} />
          </>
        ) : cmp.result ? (
          <CompareResults comparison={cmp.result} getCsv={(id) => api.comparisonCsv(id)} onError={(m) => cmp.setError(m)} />
        ) : (
          <div className="dock-empty" data-testid="compare-empty">
            <strong>{i18n.t('compare.emptyTitle')}</strong>
            <span>{i18n.t('compare.emptyText')}</span>
          </div>
        )}
      </section>
    </div>
  );
}
