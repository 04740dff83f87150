// One hop of a journey, a column of the side-by-side view: where the frame was
// seen (node, interface, in/out, network; its host in a lab spread over
// hosts, or the hosts' own network for the hop between two), when, tcpdump's line, and its
// header fields (one per row, in the order of the names column) with what
// changed marked: the mode's own rewrites strongly, what any forwarding hop
// does dimmed, the reason on hover.
import { fmtMicros, type FieldRow, type HopCard as Card } from '../../lib/journey-data';
import { i18n, useTranslation } from '../../i18n';

function changeTitle(r: FieldRow): string | undefined {
  switch (r.mark) {
    case 'rewrite':
      return i18n.t('journey.changeRewrite', { field: r.field, why: r.why ?? i18n.t('journey.rewritten'), from: r.from, to: r.value });
    case 'added':
      return i18n.t('journey.changeAdded', { field: r.field, why: r.why ?? i18n.t('journey.added') });
    case 'removed':
      return i18n.t('journey.changeRemoved', { field: r.field, why: r.why ?? i18n.t('journey.removed'), from: r.from });
    case 'expected':
      return i18n.t('journey.changeExpected', { field: r.field, why: r.why ?? i18n.t('journey.anyHop'), from: r.from });
    default:
      return undefined;
  }
}
const rowTitle = (r: FieldRow): string => [changeTitle(r) ?? r.field, r.detail].filter(Boolean).join('\n');

export function HopCard({ card }: { card: Card }) {
  const { t } = useTranslation();
  const id = `${card.leg}-${card.index}`;
  return (
    <article
      className={`journey-card leg-${card.leg}${card.badge ? ' has-rewrite' : ''}`}
      data-testid={`hop-${id}`}
      aria-label={t('journey.hopLabel', { leg: t(`journey.leg.${card.leg}`), index: card.index, node: card.node, iface: card.iface, direction: t(`journey.dir.${card.direction}`) })}
    >
      <header className="journey-card-head">
        <div className="journey-card-line">
          <span className="journey-step">{card.index}</span>
          {card.underlay ? (
            <span className="journey-node kind-host" data-testid={`hop-${id}-node`} title={t('journey.underlayTitle', { host: card.node })}>
              {t('journey.host', { host: card.node })}
            </span>
          ) : (
            <span className={`journey-node kind-${card.kind ?? 'unknown'}`} data-testid={`hop-${id}-node`} title={card.kind ? t(`canvas.kind.${card.kind}`) : undefined}>
              {card.node}
            </span>
          )}
          <span className={`journey-dir dir-${card.direction}`} title={card.direction === 'in' ? t('journey.dirIn') : t('journey.dirOut')}>
            {t(`journey.dir.${card.direction}`)}
          </span>
        </div>
        <div className="journey-card-line">
          <span className="mono small">{card.iface}</span>
          {card.network && <span className="journey-net">{card.network}</span>}
          {card.underlay ? (
            <span className="journey-net" data-testid={`hop-${id}-underlay`}>
              {t('journey.underlay')}
            </span>
          ) : (
            card.host && (
              <span className="journey-host" data-testid={`hop-${id}-host`} title={t('journey.hostTitle')}>
                @{card.host}
              </span>
            )
          )}
          <span className="journey-t mono" title={t('journey.tTitle')}>
            {card.t === 0 ? fmtMicros(0) : `+${fmtMicros(card.t)}`}
          </span>
        </div>
        <div className="journey-card-line">
          {card.badge && (
            <span className="journey-badge" data-testid={`hop-${id}-badge`} title={card.badge}>
              {card.badge}
            </span>
          )}
        </div>
        <div className="journey-summary mono" title={card.summary} data-i18n="field">
          {card.summary}
        </div>
      </header>
      <ul className="journey-values" aria-label={t('journey.headerFields')} data-i18n="field">
        {card.rows.map((r) => (
          <li key={r.field} className={`journey-value mark-${r.mark}`} data-testid={`hop-${id}-field-${r.field}`} data-mark={r.mark} title={rowTitle(r)}>
            {r.mark === 'added' && <span className="journey-plus">+</span>}
            <span className="mono">{r.value}</span>
          </li>
        ))}
      </ul>
    </article>
  );
}

/** The field names, once, at the left of the cards (each card's rows line up with them). */
export function FieldNames({ rows }: { rows: string[] }) {
  return (
    <div className="journey-names" aria-hidden data-i18n="field">
      <div className="journey-names-head" />
      {rows.map((f) => (
        <div key={f} className="journey-name">
          {f}
        </div>
      ))}
    </div>
  );
}
