// What to compare: service, modes (the ones the engine can run here), object,
// load and repetitions; Run and Cancel.
import { GATEWAYS, HOOKS, type CompareModeAvailability, type CompareRow, type ServiceStatus } from '../../../electron/api';
import { fmtDuration, OBJECTS, ROW_COLORS, ROWS, toggleGateway, toggleHook, toggleMode, type CompareForm as Form } from '../../lib/compare-data';
import { i18n, useTranslation } from '../../i18n';

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
  if (a.loading) return { ok: false, reason: i18n.t('compare.checking') };
  if (a.error) return { ok: false, reason: a.error };
  const found = a.rows.find((r) => r.mode === row);
  if (!found) return { ok: false, reason: i18n.t('compare.notOffered') };
  return found.ok ? { ok: true } : { ok: false, reason: found.reason ?? i18n.t('compare.notAvailable') };
}

export function CompareForm(p: CompareFormProps) {
  const { t } = useTranslation();
  const { form, setForm } = p;
  const locked = !!p.blocked || p.running;
  const selected = p.services.find((s) => s.name === form.service) ?? (p.services.length === 1 ? p.services[0] : undefined);
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
          <label htmlFor="compare-service">{t('compare.service')}</label>
          <select id="compare-service" data-testid="compare-service" value={form.service} disabled={locked} onChange={(e) => set({ service: e.target.value, modes: [], ipv6: undefined })}>
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
          {t('compare.modes')} <span className="muted">{t('compare.baselineHint')}</span>
        </label>
        <div className="compare-modes" data-testid="compare-modes">
          {ROWS.map((row) => {
            const st = modeState(row, p.availability);
            const order = form.modes.indexOf(row);
            const checked = order >= 0;
            return (
              <label key={row} className={`check compare-mode${st.ok ? '' : ' unavailable'}`} title={st.ok ? t(`compare.rowTitle.${row}`) : `${row}: ${st.reason}`} data-testid={`compare-mode-${row}`} data-i18n-title="engine">
                <input
                  type="checkbox"
                  data-testid={`compare-check-${row}`}
                  checked={checked && st.ok}
                  disabled={locked || !st.ok}
                  onChange={(e) => set({ modes: toggleMode(form.modes, row, e.target.checked) })}
                />
                <span className="compare-dot" style={{ background: ROW_COLORS[row] }} />
                {row}
                {order === 0 && st.ok && <span className="chip compare-base">{t('compare.baseline')}</span>}
              </label>
            );
          })}
        </div>
        {p.availability.error && <div className="field-error">{p.availability.error}</div>}
      </div>
      {(['dsr', 'tunnel', 'nat', 'snat'] as const).some((m) => modeState(m, p.availability).ok) && (
        <div className="field">
          <label>
            {t('compare.hooks')} <span className="muted">{t('compare.hooksHint')}</span>
          </label>
          <div className="compare-modes" data-testid="compare-hooks">
            {HOOKS.map((h) => (
              <label key={h} className="check compare-mode" title={t(`compare.hookTitle.${h}`)} data-testid={`compare-hook-${h}`}>
                <input
                  type="checkbox"
                  data-testid={`compare-check-hook-${h}`}
                  checked={(form.hooks ?? []).includes(h)}
                  disabled={locked || (form.gateways ?? []).length > 0}
                  onChange={(e) => set({ hooks: toggleHook(form.hooks ?? [], h, e.target.checked) })}
                />
                {h}
              </label>
            ))}
          </div>
        </div>
      )}
      {modeState('l7', p.availability).ok && (
        <div className="field">
          <label>
            {t('compare.gateways')} <span className="muted">{t('compare.gatewaysHint')}</span>
          </label>
          <div className="compare-modes" data-testid="compare-gateways">
            {GATEWAYS.map((g) => (
              <label key={g} className="check compare-mode" title={t(`compareGateways.model.${g}`)} data-testid={`compare-gateway-${g}`}>
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
            <label className="check" title={t('compare.keepAliveTitle')}>
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
      {(selected?.members?.length ?? 0) > 1 && (
        <div className="field">
          <label htmlFor="compare-members">
            {t('dock.compareTier.sizesLabel')} <span className="muted">— {t('dock.compareTier.sizesHint', { members: selected!.members!.join(', ') })}</span>
          </label>
          <input id="compare-members" data-testid="compare-members" value={form.members ?? ''} placeholder="1,2,3" disabled={locked} onChange={(e) => set({ members: e.target.value })} />
        </div>
      )}
      <div className="grid2">
        <div className="field">
          <label htmlFor="compare-object">{t('compare.object')}</label>
          <select id="compare-object" data-testid="compare-object" value={form.object} disabled={locked} onChange={(e) => set({ object: e.target.value })}>
            {OBJECTS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
        {numField('connections', t('compare.connections'), t('compare.connectionsHint'))}
      </div>
      {selected?.vip6 && (
        <label className="check" title={t('compare.ipv6Title', { vip6: selected.vip6 })}>
          <input type="checkbox" data-testid="compare-ipv6" checked={!!form.ipv6} disabled={locked} onChange={(e) => set({ ipv6: e.target.checked || undefined })} />
          {t('compare.ipv6')}
        </label>
      )}
      <div className="grid3">
        {numField('duration', t('compare.duration'), t('compare.durationHint'))}
        {numField('warmup', t('compare.warmup'), t('compare.warmupHint'))}
        {numField('repeat', t('compare.repeat'), t('compare.repeatHint'))}
      </div>
      <div className="compare-actions">
        <button type="button" className="btn primary" data-testid="compare-run" disabled={locked || !!p.problem} title={p.blocked ?? p.problem} onClick={p.onRun}>
          {t('compare.run')}
        </button>
        <button type="button" className="btn danger" data-testid="compare-cancel" disabled={!p.running || p.cancelling} onClick={p.onCancel}>
          {t('compare.cancel')}
        </button>
        <span className="muted small" data-testid="compare-hint">
          {p.problem ?? (p.estimateSeconds !== undefined && !p.blocked && !p.running ? t('compare.about', { time: fmtDuration(p.estimateSeconds) }) : '')}
        </span>
      </div>
    </div>
  );
}
