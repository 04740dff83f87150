// A comparison across tier sizes (`--members`): requests/s by size with its min–max, each member's
// CPU use by size (stacked: the drained members stay near zero). The sentence on how it scaled is the verdict above.
import { Bar, BarChart, CartesianGrid, ErrorBar, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison } from '../../../electron/api';
import { useTranslation } from '../../i18n';
import { backendColor } from '../../lib/compare-data';
import { axisProps, ChartCard, gridProps, tooltipProps } from './ChartCard';

const MARGIN = { top: 8, right: 8, bottom: 4, left: 0 };

export function MemberCharts({ comparison: c }: { comparison: Comparison }) {
  const { t } = useTranslation();
  const rows = c.summary.filter((s) => s.members !== undefined);
  const tier = [...new Set(rows.flatMap((s) => Object.keys(s.memberCpu ?? {})))];
  const data = rows.map((s) => ({
    size: t('dock.compareTier.size', { mode: s.mode, count: s.members }),
    rps: Math.round(s.requestsPerSec.median),
    range: [s.requestsPerSec.median - s.requestsPerSec.min, s.requestsPerSec.max - s.requestsPerSec.median],
    scale: s.scale === undefined ? undefined : Math.round(s.scale * 100) / 100,
    ...Object.fromEntries(tier.map((m) => [m, Math.round((s.memberCpu?.[m] ?? 0) * 1000) / 1000])),
  }));
  return (
    <div data-testid="compare-member-charts">
      <div className="compare-grid">
        <ChartCard title={t('dock.compareTier.requests')} testid="chart-members-rps">
          {(w, h) => (
            <BarChart width={w} height={h} data={data} margin={MARGIN}>
              <CartesianGrid {...gridProps} />
              <XAxis dataKey="size" {...axisProps} interval={0} />
              <YAxis {...axisProps} width={48} />
              <Tooltip {...tooltipProps} formatter={(v, _n, item) => [`${String(v)}${item.payload.scale !== undefined ? ` (${item.payload.scale}${t('dock.compareTier.scale')})` : ''}`, 'req/s']} />
              <Bar dataKey="rps" fill="#4da3ff" isAnimationActive={false} maxBarSize={56}>
                <ErrorBar dataKey="range" width={6} stroke="#d9e0e8" />
              </Bar>
            </BarChart>
          )}
        </ChartCard>
        <ChartCard title={t('dock.compareTier.cpu')} testid="chart-members-cpu">
          {(w, h) => (
            <BarChart width={w} height={h} data={data} margin={MARGIN}>
              <CartesianGrid {...gridProps} />
              <XAxis dataKey="size" {...axisProps} interval={0} />
              <YAxis {...axisProps} width={48} />
              <Tooltip {...tooltipProps} />
              <Legend />
              {tier.map((m, i) => (
                <Bar key={m} dataKey={m} stackId="cpu" fill={backendColor(i)} isAnimationActive={false} maxBarSize={56} />
              ))}
            </BarChart>
          )}
        </ChartCard>
      </div>
    </div>
  );
}
