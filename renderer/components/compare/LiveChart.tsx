// Throughput per second of the run under way, one line per mode (the mean over
// the repetitions so far), with the balancer's transmit rate dashed beside it.
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { fmtMbps, liveSeries, ROW_COLORS, type LiveAcc } from '../../lib/compare-data';
import { axisProps, ChartCard, gridProps, tooltipProps } from './ChartCard';
import { useTranslation } from '../../i18n';

export function LiveChart({ live }: { live: LiveAcc }) {
  const { t } = useTranslation();
  const { modes, rows } = liveSeries(live);
  const legend = [
    ...modes.map((m) => ({ label: m, color: ROW_COLORS[m] })),
    ...(modes.length ? [{ label: t('compare.chart.balancerTxDashed'), color: '#8795a5', dashed: true }] : []),
  ];
  return (
    <ChartCard title={t('compare.chart.live')} testid="compare-live" legend={legend} height={200} wide>
      {(w, h) =>
        rows.length === 0 ? (
          <div className="compare-wait muted">{t('compare.chart.waitFirst')}</div>
        ) : (
          <LineChart width={w} height={h} data={rows} margin={{ top: 10, right: 16, bottom: 4, left: 4 }}>
            <CartesianGrid {...gridProps} />
            <XAxis {...axisProps} dataKey="t" type="number" domain={[0, 'dataMax']} allowDecimals={false} unit=" s" />
            <YAxis {...axisProps} width={52} tickFormatter={(v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}G` : String(Math.round(v)))} />
            <Tooltip {...tooltipProps} labelFormatter={(s) => t('compare.chart.second', { n: s })} formatter={(v, n) => [fmtMbps(Number(v)), n]} />
            {modes.map((m) => (
              <Line key={m} dataKey={m} name={m} stroke={ROW_COLORS[m]} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
            ))}
            {modes.map((m) => (
              <Line key={`${m}_tx`} dataKey={`${m}_tx`} name={t('compare.chart.balancerTxOf', { mode: m })} stroke={ROW_COLORS[m]} strokeWidth={1.4} strokeDasharray="5 4" dot={false} isAnimationActive={false} connectNulls />
            ))}
          </LineChart>
        )
      }
    </ChartCard>
  );
}
