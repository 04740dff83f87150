// A journey's result: the verdict in words, what was incomplete, and the hops
// side by side, the request's then the response's.
import { useMemo } from 'react';
import type { Journey } from '../../../electron/api';
import { journeyCards, journeyMeta, journeyRows, nodePath, verdict, type HopCard as Card, type Leg } from '../../lib/journey-data';
import { FieldNames, HopCard } from './HopCard';

function Lane({ leg, cards, route }: { leg: Leg; cards: Card[]; route: string }) {
  return (
    <section className={`journey-lane leg-${leg}`} aria-label={leg} data-testid={`journey-${leg}`}>
      <div className="journey-lane-head" title={route}>
        <strong>{leg}</strong> <span>{route}</span>
      </div>
      <div className="journey-cards">{cards.length ? cards.map((c) => <HopCard key={c.key} card={c} />) : <div className="journey-none muted small">not seen on any interface</div>}</div>
    </section>
  );
}

export function JourneyView({ journey }: { journey: Journey }) {
  const cards = useMemo(() => journeyCards(journey), [journey]);
  const rows = useMemo(() => journeyRows(journey), [journey]);
  const sentence = useMemo(() => verdict(journey), [journey]);
  return (
    <div className="journey-result" data-testid="journey-result">
      <p className="journey-verdict" data-testid="journey-verdict">
        {sentence}
      </p>
      <p className="journey-meta muted small" data-testid="journey-meta">
        {journeyMeta(journey)}
        {journey.notCaptured?.length ? ` · not captured: ${journey.notCaptured.join(', ')}` : ''}
      </p>
      {journey.error && (
        <div className="journey-error warn" role="alert" data-testid="journey-error" title={journey.error}>
          <span>{journey.error}</span>
        </div>
      )}
      <div className="journey-strip" data-testid="journey-hops">
        <FieldNames rows={rows} />
        <Lane leg="request" cards={cards.request} route={nodePath(journey.request.hops).join(' → ')} />
        <Lane leg="response" cards={cards.response} route={`${nodePath(journey.response.hops).join(' → ')}${journey.response.hops.length ? (journey.response.viaBalancer ? ', through the balancer' : ', not through the balancer') : ''}`} />
      </div>
      <div className="journey-legend muted small">
        <span className="journey-legend-item mark-rewrite">field</span> the mode&apos;s own rewrite
        <span className="journey-legend-item mark-added">+ field</span> a header added
        <span className="journey-legend-item mark-expected">field</span> what any forwarding hop does (hover for why)
      </div>
    </div>
  );
}
