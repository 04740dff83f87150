// A comparison across l7 gateways: one small bar chart per figure, a bar per
// gateway (requests/s, p99, memory per connection, threads, connections that
// waited for a worker, failed requests), and the one-sentence verdict.
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison, CompareSummary } from '../../../electron/api';
import { axisProps, ChartCard, gridProps, tooltipProps } from './ChartCard';
import { i18n } from '../../i18n';

const MARGIN = { top: 8, right: 8, bottom: 4, left: 0 };
const FIGURES: { key: string; title: () => string; pick: (s: CompareSummary) => number }[] = [
  { key: 'rps', title: () => i18n.t('compare.chart.gwRps'), pick: (s) => s.requestsPerSec.median },
  { key: 'p99', title: () => i18n.t('compare.chart.gwP99'), pick: (s) => s.latencyMs.p99 },
  { key: 'memory', title: () => i18n.t('compare.chart.gwMemory'), pick: (s) => (s.memoryPerConnectionBytes ?? 0) / 1024 },
  { key: 'threads', title: () => i18n.t('compare.chart.gwThreads'), pick: (s) => s.gatewayThreads ?? 0 },
  { key: 'waited', title: () => i18n.t('compare.chart.gwWaited'), pick: (s) => s.waitedForWorker ?? 0 },
  { key: 'failed', title: () => i18n.t('compare.chart.gwFailed'), pick: (s) => s.failedRequests ?? 0 },
];

export function GatewayCharts({ comparison: c }: { comparison: Comparison }) {
  const rows = c.summary.filter((s) => s.gateway).map((s) => ({ gateway: s.gateway!, ...Object.fromEntries(FIGURES.map((f) => [f.key, Math.round(f.pick(s) * 10) / 10])) }));
  return (
    <div data-testid="compare-gateway-charts">
      {c.verdict && (
        <p className="compare-verdict" data-testid="compare-gateway-verdict" data-png-text data-i18n="engine">
          {c.verdict}
        </p>
      )}
      <div className="compare-grid">
        {FIGURES.map((f) => (
          <ChartCard key={f.key} title={f.title()} testid={`chart-gateway-${f.key}`}>
            {(w, h) => (
              <BarChart width={w} height={h} data={rows} margin={MARGIN}>
                <CartesianGrid {...gridProps} />
                <XAxis dataKey="gateway" {...axisProps} interval={0} />
                <YAxis {...axisProps} width={48} />
                <Tooltip {...tooltipProps} />
                <Bar dataKey={f.key} name={f.title()} fill="#4da3ff" isAnimationActive={false} maxBarSize={56} />
              </BarChart>
            )}
          </ChartCard>
        ))}
      </div>
    </div>
  );
}
