// One hop of a journey: where the frame was seen (node, interface, in/out),
// when, tcpdump's line, and its header fields with what changed marked: the
// mode's own rewrites strongly, what any forwarding hop does dimmed.
import { fmtMicros, type FieldRow, type HopCard as Card } from '../../lib/journey-data';

function rowTitle(r: FieldRow): string | undefined {
  const change = changeTitle(r);
  return r.detail ? [r.detail, change].filter(Boolean).join('\n') : change;
}

function changeTitle(r: FieldRow): string | undefined {
  switch (r.mark) {
    case 'rewrite':
      return `${r.why ?? 'rewritten'}: ${r.from} → ${r.value}`;
    case 'added':
      return `${r.why ?? 'added'} (a header the hop before did not have)`;
    case 'removed':
      return `${r.why ?? 'removed'} (was ${r.from})`;
    case 'expected':
      return `expected: ${r.why ?? 'what any forwarding hop does'} (was ${r.from})`;
    default:
      return undefined;
  }
}

export function HopCard({ card }: { card: Card }) {
  const id = `${card.leg}-${card.index}`;
  return (
    <article
      className={`journey-card leg-${card.leg}${card.badge ? ' has-rewrite' : ''}`}
      data-testid={`hop-${id}`}
      aria-label={`${card.leg} hop ${card.index}: ${card.node} ${card.iface} ${card.direction}`}
    >
      <header className="journey-card-head">
        <span className="journey-step">{card.index}</span>
        <span className={`journey-node kind-${card.kind ?? 'unknown'}`} data-testid={`hop-${id}-node`}>
          {card.node}
        </span>
        <span className="mono small">{card.iface}</span>
        <span className={`journey-dir dir-${card.direction}`} title={card.direction === 'in' ? 'received on this interface' : 'sent from this interface'}>
          {card.direction}
        </span>
        <span className="journey-t mono" title="time since the request left the client">
          {card.t === 0 ? '0 µs' : `+${fmtMicros(card.t)}`}
        </span>
      </header>
      <div className="journey-card-sub">
        {card.network && <span className="chip">{card.network}</span>}
        {card.badge && (
          <span className="journey-badge" data-testid={`hop-${id}-badge`}>
            {card.badge}
          </span>
        )}
      </div>
      <div className="journey-summary mono" title={card.summary}>
        {card.summary}
      </div>
      <table className="journey-fields">
        <tbody>
          {card.rows.map((r) => (
            <tr key={r.field} className={`mark-${r.mark}`} data-testid={`hop-${id}-field-${r.field}`} data-mark={r.mark} title={rowTitle(r)}>
              <th scope="row">
                {r.mark === 'added' && <span className="journey-plus">+</span>}
                {r.field}
              </th>
              <td className="mono">{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
