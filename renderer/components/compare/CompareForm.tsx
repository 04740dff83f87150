// What to compare: service, modes (the ones the engine can run here), object,
// load and repetitions; Run and Cancel.
import { useTranslation } from '../../i18n';
import { GATEWAYS, GATEWAY_MODELS, type CompareModeAvailability, type CompareRow, type ServiceStatus } from '../../../electron/api';
import { fmtDuration, OBJECTS, ROW_COLORS, ROW_TITLES, ROWS, toggleGateway, toggleMode, type CompareForm as Form } from '../../lib/compare-data';

export interface Availability { loading: boolean; rows: CompareModeAvailability[]; error?: string }

export interface CompareFormProps {
  form: Form;
  setForm(f: Form): void;
  services: ServiceStatus[];
  availability: Availability;
  /** why nothing can be run now (no lab, no service) */
  blocked?: string;
  running: boolean;
  cancelling: boolean;
  /** the request's problem, if any, shown under Run */
  problem?: string;
  estimateSeconds?: number;
  onRun(): void;
  onCancel(): void;
}

function modeState(row: CompareRow, a: Availability): { ok: boolean; reason?: string } {
  if (a.loading) return { ok: false, reason: 'checking what this service supports…' };
  if (a.error) return { ok: false, reason: a.error };
  const found = a.rows.find((r) => r.mode === row);
  if (!found) return { ok: false, reason: 'the engine does not offer this row here' };
  return found.ok ? { ok: true } : { ok: false, reason: found.reason ?? 'not available for this service' };
}

export function CompareForm(p: CompareFormProps) {
  const { form, setForm } = p;
  const { t } = useTranslation();
  const locked = !!p.blocked || p.running;
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch });
  const numField = (key: 'connections' | 'duration' | 'warmup' | 'repeat', label: string, hint: string) => (
    <div className="field">
      <label htmlFor={`compare-${key}`}>{label}</label>
      <input id={`compare-${key}`} data-testid={`compare-${key}`} inputMode="decimal" value={form[key]} disabled={locked} title={hint} onChange={(e) => set({ [key]: e.target.value })} />
    </div>
  );
  return (
    <div className="compare-form" data-testid="compare-form">
      {p.blocked && (
        <div className="compare-blocked" data-testid="compare-blocked">
          {p.blocked}
        </div>
      )}
      {p.services.length > 1 && (
        <div className="field">
          <label htmlFor="compare-service">service</label>
          <select id="compare-service" data-testid="compare-service" value={form.service} disabled={locked} onChange={(e) => set({ service: e.target.value, modes: [] })}>
            {p.services.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({s.mode}, {s.vip}:{s.port})
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field">
        <label>
          modes <span className="muted">— the first ticked is the baseline</span>
        </label>
        <div className="compare-modes" data-testid="compare-modes">
          {ROWS.map((row) => {
            const st = modeState(row, p.availability);
            const order = form.modes.indexOf(row);
            const checked = order >= 0;
            return (
              <label key={row} className={`check compare-mode${st.ok ? '' : ' unavailable'}`} title={st.ok ? ROW_TITLES[row] : `${row}: ${st.reason}`} data-testid={`compare-mode-${row}`}>
                <input
                  type="checkbox"
                  data-testid={`compare-check-${row}`}
                  checked={checked && st.ok}
                  disabled={locked || !st.ok}
                  onChange={(e) => set({ modes: toggleMode(form.modes, row, e.target.checked) })}
                />
                <span className="compare-dot" style={{ background: ROW_COLORS[row] }} />
                {row}
                {order === 0 && st.ok && <span className="chip compare-base">baseline</span>}
              </label>
            );
          })}
        </div>
        {p.availability.error && <div className="field-error">{p.availability.error}</div>}
      </div>
      {modeState('l7', p.availability).ok && (
        <div className="field">
          <label>
            gateways <span className="muted">— or compare l7 gateways (their I/O models) instead of modes</span>
          </label>
          <div className="compare-modes" data-testid="compare-gateways">
            {GATEWAYS.map((g) => (
              <label key={g} className="check compare-mode" title={GATEWAY_MODELS[g]} data-testid={`compare-gateway-${g}`}>
                <input
                  type="checkbox"
                  data-testid={`compare-check-gateway-${g}`}
                  checked={(form.gateways ?? []).includes(g)}
                  disabled={locked}
                  onChange={(e) => set({ gateways: toggleGateway(form.gateways ?? [], g, e.target.checked) })}
                />
                {g}
              </label>
            ))}
            <label className="check" title="off: a new connection for every request">
              <input type="checkbox" data-testid="compare-keepalive" checked={form.keepAlive !== false} disabled={locked} onChange={(e) => set({ keepAlive: e.target.checked ? undefined : false })} />
              keep-alive
            </label>
          </div>
          {(form.gateways ?? []).some((g) => g.startsWith('apache-')) && (
            <div className="field">
              <label htmlFor="compare-workers">{t('compareGateways.workers')}</label>
              <input id="compare-workers" data-testid="compare-workers" inputMode="numeric" value={form.workers ?? ''} disabled={locked} title={t('compareGateways.workersTitle')} onChange={(e) => set({ workers: e.target.value })} />
            </div>
          )}
        </div>
      )}
      <div className="grid2">
        <div className="field">
          <label htmlFor="compare-object">object</label>
          <select id="compare-object" data-testid="compare-object" value={form.object} disabled={locked} onChange={(e) => set({ object: e.target.value })}>
            {OBJECTS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
        {numField('connections', 'connections', 'concurrent connections per client')}
      </div>
      <div className="grid3">
        {numField('duration', 'duration, s', 'seconds measured per run')}
        {numField('warmup', 'warm-up, s', 'seconds of load before each run, not counted')}
        {numField('repeat', 'repetitions', 'rounds through all the modes')}
      </div>
      <div className="compare-actions">
        <button type="button" className="btn primary" data-testid="compare-run" disabled={locked || !!p.problem} title={p.blocked ?? p.problem} onClick={p.onRun}>
          Run
        </button>
        <button type="button" className="btn danger" data-testid="compare-cancel" disabled={!p.running || p.cancelling} onClick={p.onCancel}>
          Cancel
        </button>
        <span className="muted small" data-testid="compare-hint">
          {p.problem ?? (p.estimateSeconds !== undefined && !p.blocked && !p.running ? `about ${fmtDuration(p.estimateSeconds)}` : '')}
        </span>
      </div>
    </div>
  );
}
