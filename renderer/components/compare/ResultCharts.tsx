// The bars of one comparison: throughput and requests/s with their min–max
// spread, latency percentiles, each backend's share, and the bytes through the
// balancer next to the bytes the clients received.
import { Bar, BarChart, CartesianGrid, ErrorBar, Rectangle, Tooltip, XAxis, YAxis, type BarShapeProps } from 'recharts';
import type { Comparison } from '../../../electron/api';
import { backendColor, backendShareSeries, balancerBytesSeries, fmtBytesShort, fmtMbps, fmtPct, summarySeries, type SummaryRow } from '../../lib/compare-data';
import { axisProps, ChartCard, gridProps, tooltipProps } from './ChartCard';
import { i18n } from '../../i18n';
import { fmtNumber, fmtUnit } from '../../i18n/format';

const MARGIN = { top: 12, right: 12, bottom: 4, left: 4 };

/** The mode under each group (slanted when the groups are narrow); a mode without
 * numbers is named in red, and "no data" stands upright where its bars would be. */
function ModeTick(props: { x?: number | string; y?: number | string; payload?: { value: string }; missing: Set<string>; crowded: boolean }) {
  const x = Number(props.x ?? 0);
  const y = Number(props.y ?? 0);
  const mode = props.payload?.value ?? '';
  const gone = props.missing.has(mode);
  const fill = gone ? '#ff8a8a' : '#d9e0e8';
  return (
    <g>
      {props.crowded ? (
        <g transform={`translate(${x},${y + 4}) rotate(-32)`}>
          <text dy={8} textAnchor="end" fill={fill} fontSize={10}>
            {mode}
          </text>
        </g>
      ) : (
        <text x={x} y={y} dy={12} textAnchor="middle" fill={fill} fontSize={11}>
          {mode}
        </text>
      )}
      {gone && (
        <text transform={`translate(${x + 3},${y - 14}) rotate(-90)`} textAnchor="start" fill="#ff8a8a" fontSize={10}>
          {i18n.t('compare.chart.noData')}
        </text>
      )}
    </g>
  );
}
/** The category axis of every bar chart; `width` and `count` decide whether the names must slant. */
const modeAxis = (missing: Set<string>, count: number, width: number) => {
  const crowded = width / Math.max(1, count) < 64;
  return {
    ...axisProps,
    dataKey: 'mode',
    interval: 0 as const,
    height: crowded ? 52 : 22,
    tick: (p: object) => <ModeTick {...p} missing={missing} crowded={crowded} />,
  };
};

/** Bars coloured by their mode. */
const modeShape = (p: BarShapeProps) => <Rectangle {...p} fill={(p.payload as SummaryRow | undefined)?.color ?? p.fill} />;

const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
const compact = (v: number) => (v >= 10_000 ? `${Math.round(v / 1000)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v)));

export function ResultCharts({ comparison }: { comparison: Comparison }) {
  const rows = summarySeries(comparison);
  const missing = new Set(rows.filter((r) => !r.hasData).map((r) => r.mode));
  const shares = backendShareSeries(comparison);
  const bytes = balancerBytesSeries(comparison);
  const bytesMissing = new Set(bytes.filter((r) => !r.hasData).map((r) => r.mode));
  const sharesMissing = new Set(shares.rows.filter((r) => !r.hasData).map((r) => r.mode));

  return (
    <div className="compare-grid" data-testid="compare-charts">
      <ChartCard title={i18n.t('compare.chart.throughput')} testid="chart-throughput">
        {(w, h) => (
          <BarChart width={w} height={h} data={rows} margin={MARGIN}>
            <CartesianGrid {...gridProps} />
            <XAxis {...modeAxis(missing, rows.length, w)} />
            <YAxis {...axisProps} width={48} tickFormatter={compact} />
            <Tooltip
              {...tooltipProps}
              formatter={(_v, _n, item) => {
                const r = item.payload as SummaryRow;
                return [`${fmtMbps(num(r.throughput))} (${fmtMbps(num(r.throughputMin))} – ${fmtMbps(num(r.throughputMax))})`, 'throughput'];
              }}
            />
            <Bar dataKey="throughput" name={i18n.t('compare.chart.throughputName')} isAnimationActive={false} maxBarSize={56} shape={modeShape}>
              <ErrorBar dataKey="throughputSpread" width={6} stroke="#d9e0e8" strokeWidth={1.5} isAnimationActive={false} />
            </Bar>
          </BarChart>
        )}
      </ChartCard>

      <ChartCard title={i18n.t('compare.chart.rps')} testid="chart-rps">
        {(w, h) => (
          <BarChart width={w} height={h} data={rows} margin={MARGIN}>
            <CartesianGrid {...gridProps} />
            <XAxis {...modeAxis(missing, rows.length, w)} />
            <YAxis {...axisProps} width={48} tickFormatter={compact} />
            <Tooltip {...tooltipProps} formatter={(v) => [fmtNumber(Math.round(num(v))), i18n.t('compare.chart.requestsPerSec')]} />
            <Bar dataKey="rps" name={i18n.t('compare.chart.requestsPerSec')} isAnimationActive={false} maxBarSize={56} shape={modeShape}>
              <ErrorBar dataKey="rpsSpread" width={6} stroke="#d9e0e8" strokeWidth={1.5} isAnimationActive={false} />
            </Bar>
          </BarChart>
        )}
      </ChartCard>

      <ChartCard
        title={i18n.t('compare.chart.latency')}
        testid="chart-latency"
        legend={[
          { label: 'p50', color: '#9fd0ff' },
          { label: 'p90', color: '#4da3ff' },
          { label: 'p99', color: '#2a62a8' },
        ]}
      >
        {(w, h) => (
          <BarChart width={w} height={h} data={rows} margin={MARGIN} barGap={1}>
            <CartesianGrid {...gridProps} />
            <XAxis {...modeAxis(missing, rows.length, w)} />
            <YAxis {...axisProps} width={48} />
            <Tooltip {...tooltipProps} formatter={(v, n) => [fmtUnit(num(v), 'ms', 2), n]} />
            <Bar dataKey="p50" name="p50" fill="#9fd0ff" isAnimationActive={false} maxBarSize={22} />
            <Bar dataKey="p90" name="p90" fill="#4da3ff" isAnimationActive={false} maxBarSize={22} />
            <Bar dataKey="p99" name="p99" fill="#2a62a8" isAnimationActive={false} maxBarSize={22} />
          </BarChart>
        )}
      </ChartCard>

      <ChartCard title={i18n.t('compare.chart.shares')} testid="chart-shares" legend={shares.backends.map((b, i) => ({ label: b, color: backendColor(i) }))}>
        {(w, h) => (
          <BarChart width={w} height={h} data={shares.rows} margin={MARGIN}>
            <CartesianGrid {...gridProps} />
            <XAxis {...modeAxis(sharesMissing, rows.length, w)} />
            <YAxis {...axisProps} width={48} domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} />
            <Tooltip {...tooltipProps} formatter={(v, n) => [`${fmtNumber(num(v), 1)} %`, n]} />
            {shares.backends.map((b, i) => (
              <Bar key={b} dataKey={b} name={b} stackId="shares" fill={backendColor(i)} isAnimationActive={false} maxBarSize={56} />
            ))}
          </BarChart>
        )}
      </ChartCard>

      <ChartCard
        title={i18n.t('compare.chart.bytes')}
        testid="chart-bytes"
        legend={[
          { label: i18n.t('compare.chart.balancerRx'), color: '#5f7a96' },
          { label: i18n.t('compare.chart.balancerTx'), color: '#f0b44c' },
          { label: i18n.t('compare.chart.toClients'), color: '#3ccf8e' },
        ]}
        note={shareNote(rows)}
      >
        {(w, h) => (
          <BarChart width={w} height={h} data={bytes} margin={MARGIN} barGap={1}>
            <CartesianGrid {...gridProps} />
            <XAxis {...modeAxis(bytesMissing, rows.length, w)} />
            <YAxis {...axisProps} width={56} tickFormatter={(v: number) => fmtBytesShort(v)} />
            <Tooltip {...tooltipProps} formatter={(v, n) => [fmtBytesShort(num(v)), n]} />
            <Bar dataKey="balancerRx" name={i18n.t('compare.chart.balancerRx')} fill="#5f7a96" isAnimationActive={false} maxBarSize={22} />
            <Bar dataKey="balancerTx" name={i18n.t('compare.chart.balancerTx')} fill="#f0b44c" isAnimationActive={false} maxBarSize={22} />
            <Bar dataKey="response" name={i18n.t('compare.chart.toClients')} fill="#3ccf8e" isAnimationActive={false} maxBarSize={22} />
          </BarChart>
        )}
      </ChartCard>
    </div>
  );
}

/** "balancer tx ÷ response bytes: dsr 2 %, nat 100 %" */
function shareNote(rows: SummaryRow[]): string | undefined {
  const parts = rows.filter((r) => r.balancerShare !== null).map((r) => `${r.mode} ${fmtPct(r.balancerShare as number)}`);
  return parts.length ? i18n.t('compare.chart.txRatio', { list: parts.join(', ') }) : undefined;
}
