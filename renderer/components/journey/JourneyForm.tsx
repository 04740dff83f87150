// What to follow: the service (when there are several), the client that
// sends, Send a packet, and whether the path is drawn on the canvas.
import type { ServiceStatus } from '../../../electron/api';
import { useTranslation } from '../../i18n';

export interface JourneyFormProps {
  services: ServiceStatus[];
  service: string;
  setService(s: string): void;
  clients: string[];
  from: string;
  setFrom(c: string): void;
  /** why nothing can be sent now (no lab, no service, no client) */
  blocked?: string;
  busy: boolean;
  /** seconds since the request was sent, while busy */
  elapsed: number;
  onSend(): void;
  showOnCanvas: boolean;
  setShowOnCanvas(v: boolean): void;
  /** a journey is shown (the canvas toggle applies to it) */
  hasResult: boolean;
  /** the chosen service's IPv6 VIP, when it has one: the request may go there */
  vip6?: string;
  ipv6: boolean;
  setIpv6(v: boolean): void;
}

export function JourneyForm(p: JourneyFormProps) {
  const { t } = useTranslation();
  const locked = !!p.blocked || p.busy;
  return (
    <div className="journey-form" data-testid="journey-form">
      {p.services.length > 1 && (
        <label className="journey-field">
          <span>{t('journey.service')}</span>
          <select data-testid="journey-service" value={p.service} disabled={locked} onChange={(e) => p.setService(e.target.value)}>
            {p.services.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({s.mode}, {s.vip}:{s.port})
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="journey-field">
        <span>{t('journey.from')}</span>
        <select data-testid="journey-from" value={p.from} disabled={locked || p.clients.length === 0} onChange={(e) => p.setFrom(e.target.value)}>
          {p.clients.length === 0 && <option value="">{t('journey.noClientOption')}</option>}
          {p.clients.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      {p.vip6 && (
        <label className="check journey-toggle" title={t('journey.ipv6Title', { vip6: p.vip6 })}>
          <input type="checkbox" data-testid="journey-ipv6" checked={p.ipv6} disabled={locked} onChange={(e) => p.setIpv6(e.target.checked)} />
          {t('journey.ipv6')}
        </label>
      )}
      <button type="button" className="btn primary" data-testid="journey-send" disabled={locked} title={p.blocked ?? t('journey.sendTitle')} onClick={p.onSend}>
        {p.busy ? <span className="journey-spinner" aria-hidden /> : null}
        {p.busy ? t('journey.sending') : t('journey.send')}
      </button>
      {p.busy && (
        <span className="muted small" data-testid="journey-busy" role="status">
          {t('journey.capturing', { elapsed: p.elapsed })}
        </span>
      )}
      {p.blocked && !p.busy && (
        <span className="journey-blocked" data-testid="journey-blocked">
          {p.blocked}
        </span>
      )}
      <label className="check journey-toggle" title={t('journey.showTitle')}>
        <input type="checkbox" data-testid="journey-show" checked={p.showOnCanvas} disabled={!p.hasResult} onChange={(e) => p.setShowOnCanvas(e.target.checked)} />
        {t('journey.show')}
      </label>
    </div>
  );
}
