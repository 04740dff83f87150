// One hop of a journey, a column of the side-by-side view: where the frame was
// seen (node, interface, in/out, network; its host in a lab spread over
// hosts, or the hosts' own network for the hop between two), when, tcpdump's line, and its
// header fields (one per row, in the order of the names column) with what
// changed marked: the mode's own rewrites strongly, what any forwarding hop
// does dimmed, the reason on hover.
import { fmtMicros, type FieldRow, type HopCard as Card } from '../../lib/journey-data';

function changeTitle(r: FieldRow): string | undefined {
  switch (r.mark) {
    case 'rewrite':
      return `${r.field}: ${r.why ?? 'rewritten'} (${r.from} → ${r.value})`;
    case 'added':
      return `${r.field}: ${r.why ?? 'added'} (a header the hop before did not have)`;
    case 'removed':
      return `${r.field}: ${r.why ?? 'removed'} (was ${r.from})`;
    case 'expected':
      return `${r.field}, expected: ${r.why ?? 'what any forwarding hop does'} (was ${r.from})`;
    default:
      return undefined;
  }
}
const rowTitle = (r: FieldRow): string => [changeTitle(r) ?? r.field, r.detail].filter(Boolean).join('\n');

export function HopCard({ card }: { card: Card }) {
  const id = `${card.leg}-${card.index}`;
  return (
    <article
      className={`journey-card leg-${card.leg}${card.badge ? ' has-rewrite' : ''}`}
      data-testid={`hop-${id}`}
      aria-label={`${card.leg} hop ${card.index}: ${card.node} ${card.iface} ${card.direction}`}
    >
      <header className="journey-card-head">
        <div className="journey-card-line">
          <span className="journey-step">{card.index}</span>
          {card.underlay ? (
            <span className="journey-node kind-host" data-testid={`hop-${id}-node`} title={`host ${card.node}'s own network, between Docker engines: the overlay's VXLAN`}>
              host {card.node}
            </span>
          ) : (
            <span className={`journey-node kind-${card.kind ?? 'unknown'}`} data-testid={`hop-${id}-node`} title={card.kind}>
              {card.node}
            </span>
          )}
          <span className={`journey-dir dir-${card.direction}`} title={card.direction === 'in' ? 'received on this interface' : 'sent from this interface'}>
            {card.direction}
          </span>
        </div>
        <div className="journey-card-line">
          <span className="mono small">{card.iface}</span>
          {card.network && <span className="journey-net">{card.network}</span>}
          {card.underlay ? (
            <span className="journey-net" data-testid={`hop-${id}-underlay`}>
              underlay
            </span>
          ) : (
            card.host && (
              <span className="journey-host" data-testid={`hop-${id}-host`} title="the host (Docker engine) this node runs on">
                @{card.host}
              </span>
            )
          )}
          <span className="journey-t mono" title="time since the request left the client">
            {card.t === 0 ? '0 µs' : `+${fmtMicros(card.t)}`}
          </span>
        </div>
        <div className="journey-card-line">
          {card.badge && (
            <span className="journey-badge" data-testid={`hop-${id}-badge`} title={card.badge}>
              {card.badge}
            </span>
          )}
        </div>
        <div className="journey-summary mono" title={card.summary}>
          {card.summary}
        </div>
      </header>
      <ul className="journey-values" aria-label="header fields">
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
    <div className="journey-names" aria-hidden>
      <div className="journey-names-head" />
      {rows.map((f) => (
        <div key={f} className="journey-name">
          {f}
        </div>
      ))}
    </div>
  );
}
