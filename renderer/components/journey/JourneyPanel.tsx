// The Packet journey tab: send one request from a client to a service and
// follow it hop by hop (the engine captures on every interface), with the
// fields each hop changed, and the path drawn on the canvas.
import { useEffect, useMemo, useState } from 'react';
import type { ServiceStatus } from '../../../electron/api';
import type { ApiClient } from '../../api-client';
import { journeyHighlight, type JourneyHighlight } from '../../lib/journey-data';
import { JourneyForm } from './JourneyForm';
import { JourneyView } from './JourneyView';
import { useElapsed } from '../../state/useElapsed';
import { useJourney } from './useJourney';
import { useTranslation } from '../../i18n';
import { words } from '../../i18n/said';

export interface JourneyPanelProps {
  client: ApiClient;
  /** the deployed lab shown in the editor, or null */
  lab: string | null;
  services: ServiceStatus[];
  /** the lab's client nodes (where a request can start) */
  clients: string[];
  /** the tab is on screen: only then is the path drawn on the canvas */
  visible: boolean;
  /** the path to draw on the canvas, or null for none */
  onPath?(path: JourneyHighlight | null): void;
}

/** Keep `value` one of `options` (the first when it is not). */
function useChoice(options: string[]): [string, (v: string) => void] {
  const [value, setValue] = useState(options[0] ?? '');
  const key = options.join(',');
  useEffect(() => {
    const list = key ? key.split(',') : [];
    setValue((v) => (list.includes(v) ? v : (list[0] ?? '')));
  }, [key]);
  return [value, setValue];
}

export function JourneyPanel({ client, lab, services, clients, visible, onPath }: JourneyPanelProps) {
  const { t } = useTranslation();
  const j = useJourney(client, lab);
  const [service, setService] = useChoice(services.map((s) => s.name));
  const [from, setFrom] = useChoice(clients);
  const [showOnCanvas, setShowOnCanvas] = useState(true);
  const [ipv6, setIpv6] = useState(false);
  const elapsed = useElapsed(j.running?.since ?? null);

  const blocked = !lab
    ? t('journey.deployFirst')
    : services.length === 0
      ? t('journey.noService')
      : clients.length === 0
        ? t('journey.noClient')
        : undefined;

  const path = useMemo(() => (j.result ? journeyHighlight(j.result) : null), [j.result]);
  const drawn = visible && showOnCanvas ? path : null;
  useEffect(() => {
    onPath?.(drawn);
  }, [onPath, drawn]);
  useEffect(() => () => onPath?.(null), [onPath]);

  const target = services.find((s) => s.name === service);
  // over IPv6 only while the chosen service has a vip6
  const v6 = ipv6 && !!target?.vip6;
  const at = target && (v6 ? `[${target.vip6}]:${target.port}` : `${target.vip}:${target.port}`);
  return (
    <div className="journey" data-testid="journey">
      <JourneyForm
        services={services}
        service={service}
        setService={setService}
        clients={clients}
        from={from}
        setFrom={setFrom}
        blocked={blocked}
        busy={!!j.running}
        elapsed={elapsed}
        onSend={() => void j.send({ service, from, ...(v6 && { family: 6 as const }) })}
        vip6={target?.vip6}
        ipv6={v6}
        setIpv6={setIpv6}
        showOnCanvas={showOnCanvas}
        setShowOnCanvas={setShowOnCanvas}
        hasResult={!!j.result}
      />
      <div className="journey-main">
        {j.error && (
          <div className="journey-error" role="alert" data-testid="journey-error" title={words(j.error)}>
            <span>{words(j.error)}</span>
            <button type="button" className="linklike" onClick={j.dismissError}>
              {t('journey.dismiss')}
            </button>
          </div>
        )}
        {j.result ? (
          <JourneyView journey={j.result} />
        ) : j.running ? (
          <div className="dock-empty" data-testid="journey-waiting">
            <strong>
              {t('journey.following', { from, service, target: at ? ` (${at})` : '' })}
            </strong>
            <span>{t('journey.followingText')}</span>
          </div>
        ) : (
          !j.error && (
            <div className="dock-empty" data-testid="journey-empty">
              <strong>{t('journey.emptyTitle')}</strong>
              <span>{t('journey.emptyText')}</span>
            </div>
          )
        )}
      </div>
    </div>
  );
}
