// A comparison across hooks: per figure (throughput, requests/s, the
// balancer's eBPF program: its CPU and ns per packet, p99) one bar chart, a
// group per mode and a bar per hook.
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison, CompareSummary, Hook } from '../../../electron/api';
import { axisProps, ChartCard, gridProps, tooltipProps } from './ChartCard';
import { i18n } from '../../i18n';

const MARGIN = { top: 8, right: 8, bottom: 4, left: 0 };
const HOOK_COLORS: Record<Hook, string> = { tc: '#4da3ff', xdp: '#f5a623' };
const FIGURES: { key: string; title: () => string; hint?: () => string; pick: (s: CompareSummary) => number }[] = [
  { key: 'mbps', title: () => i18n.t('compare.chart.hookMbps'), pick: (s) => s.throughputMbps.median },
  { key: 'rps', title: () => i18n.t('compare.chart.hookRps'), pick: (s) => s.requestsPerSec.median },
  { key: 'cpu', title: () => i18n.t('compare.chart.hookProgCpu'), hint: () => i18n.t('compare.chart.hookProgHint'), pick: (s) => s.program?.cpu ?? 0 },
  { key: 'nspkt', title: () => i18n.t('compare.chart.hookNsPerPacket'), hint: () => i18n.t('compare.chart.hookProgHint'), pick: (s) => s.program?.nsPerPacket ?? 0 },
  { key: 'p99', title: () => i18n.t('compare.chart.hookP99'), pick: (s) => s.latencyMs.p99 },
];

/** One row per mode, a column per hook and figure (`<figure>_<hook>`), for grouped bars. */
export function hookRows(c: Comparison): Record<string, string | number>[] {
  const hooks = c.workload.hooks ?? [];
  return c.workload.modes.map((mode) => {
    const row: Record<string, string | number> = { mode };
    for (const h of hooks) {
      const s = c.summary.find((x) => x.mode === mode && x.hook === h);
      // three decimals: a program's CPU is a few hundredths of a CPU
      if (s) for (const f of FIGURES) row[`${f.key}_${h}`] = Math.round(f.pick(s) * 1000) / 1000;
    }
    return row;
  });
}

export function HookCharts({ comparison: c }: { comparison: Comparison }) {
  const hooks = c.workload.hooks ?? [];
  const rows = hookRows(c);
  return (
    <div className="compare-grid" data-testid="compare-hook-charts">
      {FIGURES.map((f) => (
        <ChartCard key={f.key} title={f.title()} hint={f.hint?.()} testid={`chart-hook-${f.key}`}>
          {(w, h) => (
            <BarChart width={w} height={h} data={rows} margin={MARGIN}>
              <CartesianGrid {...gridProps} />
              <XAxis dataKey="mode" {...axisProps} interval={0} />
              <YAxis {...axisProps} width={48} />
              <Tooltip {...tooltipProps} />
              <Legend />
              {hooks.map((hk) => (
                <Bar key={hk} dataKey={`${f.key}_${hk}`} name={hk} fill={HOOK_COLORS[hk]} isAnimationActive={false} maxBarSize={40} />
              ))}
            </BarChart>
          )}
        </ChartCard>
      ))}
    </div>
  );
}
