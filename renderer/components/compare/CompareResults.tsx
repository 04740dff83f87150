// One comparison's result: the verdict in words, what was measured and where,
// the charts, and CSV / PNG exports.
import { useRef, useState } from 'react';
import { offloadOf, type Comparison } from '../../../electron/api';
import { oneLine } from '../../api-client';
import { exportBaseName, fmtDuration, verdict } from '../../lib/compare-data';
import { downloadBlob } from '../../lib/files';
import { chartsPng } from './export-png';
import { MemberCharts } from './MemberCharts';
import { GatewayCharts } from './GatewayCharts';
import { HookCharts } from './HookCharts';
import { ResultCharts } from './ResultCharts';
import { i18n, useTranslation } from '../../i18n';
import { fmtDateTime, fmtNumber } from '../../i18n/format';
import { say, type Said } from '../../i18n/said';

function describe(c: Comparison): string {
  const w = c.workload;
  const parts = [
    i18n.t('compare.onLab', { service: c.service, lab: c.lab }),
    i18n.t('compare.objectOf', { object: w.object }),
    `${i18n.t('compare.nConnections', { count: w.connections })}${w.clients?.length ? i18n.t('compare.nClients', { count: w.clients.length }) : ''}`,
    `${fmtDuration(w.duration)} × ${w.repeat}${w.warmup ? i18n.t('compare.warmupOf', { time: fmtDuration(w.warmup) }) : ''}`,
    ...(w.gateways ? [w.gateways.join(', ')] : []),
    ...(w.hooks ? [`${i18n.t('compare.hooks')}: ${w.hooks.join(', ')}`] : []),
    ...(w.keepAlive === false ? [i18n.t('compareGateways.noKeepAlive')] : []),
    ...(w.family === 6 ? [i18n.t('compare.ipv6')] : []),
    ...(w.workers !== undefined ? [i18n.t('compareGateways.workersCount', { count: w.workers })] : []),
    fmtDateTime(new Date(c.startedAt)),
  ];
  return parts.join(' · ');
}

// throughput differs several-fold with offload: say it, so results of both settings are not compared unknowingly
const offloadNote = (on: boolean | undefined) => (on === undefined ? '' : on ? i18n.t('compare.offloadOn') : i18n.t('compare.offloadOff'));

function environment(c: Comparison): string | null {
  const e = c.environment;
  if (!e) return null;
  const load = (xs: number[] | undefined) => (xs?.length ? fmtNumber(xs[0], 1) : '?');
  const bits = [
    e.kernel && i18n.t('compare.kernel', { kernel: e.kernel }),
    e.cpus && i18n.t('compare.cpus', { count: e.cpus, model: e.cpuModel ? ` ${e.cpuModel}` : '' }),
    e.docker && `Docker ${e.docker}`,
    i18n.t('compare.load', { before: load(e.loadBefore), after: load(e.loadAfter) }),
    offloadNote(offloadOf(e)),
  ];
  return bits.filter(Boolean).join(' · ');
}

export function CompareResults({ comparison: c, getCsv, onError }: { comparison: Comparison; getCsv(id: string): Promise<string>; onError(message: Said): void }) {
  const { t } = useTranslation();
  const root = useRef<HTMLDivElement>(null);
  const [busy, setBusy] = useState<'csv' | 'png' | null>(null);
  const env = environment(c);

  // Downloads go through the browser (Electron shows its save dialog for them):
  // the shell's save dialog is for lab files only.
  const exportCsv = async () => {
    setBusy('csv');
    try {
      const csv = await getCsv(c.id);
      downloadBlob(new Blob([csv], { type: 'text/csv' }), `${exportBaseName(c)}.csv`);
    } catch (e) {
      onError(say('compare.csvFailed', { why: oneLine(e) }));
    } finally {
      setBusy(null);
    }
  };
  const exportPng = async () => {
    if (!root.current) return;
    setBusy('png');
    try {
      downloadBlob(await chartsPng(root.current), `${exportBaseName(c)}.png`);
    } catch (e) {
      onError(say('compare.pngFailed', { why: oneLine(e) }));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="compare-results" data-testid="compare-results">
      <div className="compare-results-bar">
        <span className={`chip${c.complete ? '' : ' bad'}`} data-testid="compare-state">
          {c.complete ? t('compare.complete') : c.error ? t('compare.failed') : t('compare.incomplete')}
        </span>
        <span className="muted small compare-id" title={c.id}>
          {c.id}
        </span>
        <span className="spacer" />
        <button type="button" className="btn small" data-testid="compare-export-csv" disabled={!!busy} onClick={exportCsv}>
          CSV
        </button>
        <button type="button" className="btn small" data-testid="compare-export-png" disabled={!!busy} onClick={exportPng}>
          PNG
        </button>
      </div>
      <div className="compare-sheet" ref={root}>
        {/* across gateways the verdict is the gateways' own (GatewayCharts): the modes' one would call them all l7 */}
        {!c.workload.gateways && (
          <p className="compare-verdict" data-testid="compare-verdict" data-png-text>
            {verdict(c)}
          </p>
        )}
        <p className="muted small compare-meta" data-png-text>
          {describe(c)}
        </p>
        {env && (
          <p className="muted small compare-meta" data-png-text data-testid="compare-environment" data-i18n="engine">
            {env}
          </p>
        )}
        {c.error && (
          <p className="compare-meta compare-run-error" data-png-text data-i18n="engine">
            {c.error}
          </p>
        )}
        {c.workload.gateways ? <GatewayCharts comparison={c} /> : c.workload.members ? <MemberCharts comparison={c} /> : c.workload.hooks ? <HookCharts comparison={c} /> : <ResultCharts comparison={c} />}
      </div>
    </div>
  );
}
