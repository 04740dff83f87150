// A journey's result: the verdict in words, what was incomplete, and the hops
// side by side, the request's then the response's.
import { useMemo } from 'react';
import type { Journey } from '../../../electron/api';
import { journeyCards, journeyMeta, journeyRows, nodePath, verdict, type HopCard as Card, type Leg } from '../../lib/journey-data';
import { FieldNames, HopCard } from './HopCard';
import { useTranslation } from '../../i18n';

function Lane({ leg, cards, route }: { leg: Leg; cards: Card[]; route: string }) {
  const { t } = useTranslation();
  return (
    <section className={`journey-lane leg-${leg}`} aria-label={t(`journey.leg.${leg}`)} data-testid={`journey-${leg}`}>
      <div className="journey-lane-head" title={route}>
        <strong>{t(`journey.leg.${leg}`)}</strong> <span>{route}</span>
      </div>
      <div className="journey-cards">{cards.length ? cards.map((c) => <HopCard key={c.key} card={c} />) : <div className="journey-none muted small">{t('journey.notSeen')}</div>}</div>
    </section>
  );
}

export function JourneyView({ journey }: { journey: Journey }) {
  const { t, i18n } = useTranslation();
  // the words follow the language
  const lang = i18n.language;
  const cards = useMemo(() => journeyCards(journey), [journey, lang]);
  const rows = useMemo(() => journeyRows(journey), [journey]);
  const sentence = useMemo(() => verdict(journey), [journey, lang]);
  return (
    <div className="journey-result" data-testid="journey-result">
      <p className="journey-verdict" data-testid="journey-verdict">
        {sentence}
      </p>
      <p className="journey-meta muted small" data-testid="journey-meta">
        {journeyMeta(journey)}
        {journey.notCaptured?.length ? t('journey.notCaptured', { list: journey.notCaptured.join(', ') }) : ''}
      </p>
      {journey.error && (
        <div className="journey-error warn" role="alert" data-testid="journey-error" title={journey.error} data-i18n="engine">
          <span>{journey.error}</span>
        </div>
      )}
      <div className="journey-strip" data-testid="journey-hops">
        <FieldNames rows={rows} />
        <Lane leg="request" cards={cards.request} route={nodePath(journey.request.hops).join(' → ')} />
        <Lane leg="response" cards={cards.response} route={`${nodePath(journey.response.hops).join(' → ')}${journey.response.hops.length ? (journey.response.viaBalancer ? t('journey.throughBalancer') : t('journey.notThroughBalancer')) : ''}`} />
      </div>
      <div className="journey-legend muted small">
        <span className="journey-legend-item mark-rewrite">{t('journey.field')}</span> {t('journey.legendRewrite')}
        <span className="journey-legend-item mark-added">+ {t('journey.field')}</span> {t('journey.legendAdded')}
        <span className="journey-legend-item mark-expected">{t('journey.field')}</span> {t('journey.legendExpected')}
      </div>
    </div>
  );
}
