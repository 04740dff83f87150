// Live per-backend counters from the balancer core (polled every second).
import { isProxyMode, memberShares, type Scheduler, type ServiceStats } from '../../../electron/api';
import { sessionsOf, type StatSample } from '../../state/useLiveLab';
import { Sparkline } from './Sparkline';
import { i18n, useTranslation } from '../../i18n';
import { fmtNumber, fmtPercent, fmtUnit } from '../../i18n/format';

export function fmtBytes(n: number): string {
  if (n < 1024) return fmtUnit(n, 'B');
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return fmtUnit(v, u[i], v < 10 ? 1 : 0);
}
const fmtNum = (n: number) => fmtNumber(n);

/** What HAProxy does for each scheduler in the proxy modes (the agent's `balance` lines). */
const PROXY_BALANCE = (s: Scheduler) => i18n.t(`dock.counters.balance.${s}`);

export function CountersPanel({ deployed, stats, history }: { deployed: boolean; stats: ServiceStats[]; history: Record<string, StatSample[]> }) {
  const { t } = useTranslation();
  if (!deployed) return <div className="dock-empty">{t('dock.counters.deployFirst')}</div>;
  if (stats.length === 0) return <div className="dock-empty">{t('dock.counters.waiting')}</div>;
  // a tier: one block per member, each with its share of the service's flows
  const shares = memberShares(stats);
  return (
    <div className="counters" data-testid="counters">
      {stats.map((s) => {
        const share = s.balancer ? shares.get(s.service)?.find((r) => r.member === s.balancer) : undefined;
        const h = history[s.service] ?? [];
        // proxies (HAProxy) forward connections, not packets: count those, and say how HAProxy picks
        const proxy = isProxyMode(s.mode);
        const count = (node: string, packets: number) => (proxy ? sessionsOf(s, node) : packets);
        const total = s.backends.reduce((a, b) => a + count(b.node, b.packets), 0);
        const unit = proxy ? t('dock.counters.connections') : t('dock.counters.packets');
        // full NAT holds a source port per flow until it is swept: show how many
        const snat = s.backends.some((b) => b.snatPorts !== undefined);
        return (
          <div className="counter-service" key={`${s.service}/${s.balancer ?? ''}`} data-testid={s.balancer ? `counters-${s.service}-${s.balancer}` : `counters-${s.service}`}>
            <div className="counter-head">
              <strong>{s.service}</strong>
              {share && (
                <span className="chip" data-testid={`counters-member-${s.service}-${s.balancer}`} title={t('dock.counters.memberTitle')}>
                  {t('dock.counters.member', { member: s.balancer, pct: fmtPercent(share.share, 0) })}
                </span>
              )}
              <span className="chip" data-testid={`counters-mode-${s.service}`}>{s.mode}</span>
              <span className="chip" data-testid={`counters-scheduler-${s.service}`} title={proxy ? t('dock.counters.haproxyTitle', { how: PROXY_BALANCE(s.scheduler), scheduler: s.scheduler }) : t('dock.counters.coreScheduler')}>
                {proxy ? `haproxy: ${PROXY_BALANCE(s.scheduler)}` : s.scheduler}
              </span>
              {Object.entries(s.counters)
                .filter(([k]) => !k.startsWith('sessions.'))
                .map(([k, v]) => (
                  <span className="muted small" key={k} data-i18n="field">
                    {k} {fmtNum(v)}
                  </span>
                ))}
              {Object.entries(s.drops)
                .filter(([, v]) => v > 0)
                .map(([k, v]) => (
                  <span className="chip bad" key={k} title={t('dock.counters.drops')}>
                    {t('dock.counters.drop')} <span data-i18n="field">{k}</span> {fmtNum(v)}
                  </span>
                ))}
            </div>
            <table className="counter-table">
              <thead>
                <tr>
                  <th>{t('dock.counters.backend')}</th>
                  <th>{t('dock.counters.address')}</th>
                  <th>{t('dock.counters.weight')}</th>
                  <th>{t('dock.counters.health')}</th>
                  <th className="num">{unit}</th>
                  <th className="num">{t('dock.counters.bytes')}</th>
                  <th className="num">{proxy ? t('dock.counters.openConnections') : t('dock.counters.activeFlows')}</th>
                  {snat && <th className="num" title={t('dock.counters.snatPortsTitle')}>
                      {t('dock.counters.snatPorts')}
                    </th>}
                  <th>{t('dock.counters.share')}</th>
                  <th>{t('dock.counters.perSec', { unit })}</th>
                </tr>
              </thead>
              <tbody>
                {s.backends.map((b) => (
                  <tr key={b.node} data-testid={`counter-row-${s.service}-${b.node}`}>
                    <td>{b.node}</td>
                    <td className="mono">{b.address}</td>
                    <td>{b.weight}</td>
                    <td>
                      <span className={`health ${b.healthy ? 'ok' : 'down'}`}>{b.healthy ? t('dock.counters.healthy') : t('dock.counters.down')}</span>
                    </td>
                    <td className="num mono" data-testid={`counter-${proxy ? 'connections' : 'packets'}-${s.service}-${b.node}`}>
                      {fmtNum(count(b.node, b.packets))}
                    </td>
                    <td className="num mono">{fmtBytes(b.bytes)}</td>
                    <td className="num mono">{fmtNum(b.activeFlows)}</td>
                    {snat && (
                      <td className="num mono" data-testid={`counter-snat-ports-${s.service}-${b.node}`}>
                        {fmtNum(b.snatPorts ?? 0)}
                      </td>
                    )}
                    <td>
                      <div className="share" title={t('dock.counters.shareOf', { pct: fmtPercent(total ? count(b.node, b.packets) / total : 0, 0), unit })}>
                        <div className="share-bar" style={{ width: `${total ? (100 * count(b.node, b.packets)) / total : 0}%` }} />
                      </div>
                    </td>
                    <td>
                      <Sparkline values={h.map((x) => x.backends[b.node]?.rate ?? 0)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </div>
  );
}
