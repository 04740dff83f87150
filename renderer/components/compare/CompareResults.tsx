// One comparison's result: the verdict in words, what was measured and where,
// the charts, and CSV / PNG exports.
import { useRef, useState } from 'react';
import { offloadOf, type Comparison } from '../../../electron/api';
import { oneLine } from '../../api-client';
import { i18n } from '../../i18n';
import { exportBaseName, fmtDuration, verdict } from '../../lib/compare-data';
import { downloadBlob } from '../../lib/files';
import { chartsPng } from './export-png';
import { GatewayCharts } from './GatewayCharts';
import { ResultCharts } from './ResultCharts';

function describe(c: Comparison): string {
  const w = c.workload;
  const parts = [
    `${c.service} on ${c.lab}`,
    `${w.object} object`,
    `${w.connections} connection${w.connections === 1 ? '' : 's'}${w.clients?.length ? ` × ${w.clients.length} client${w.clients.length === 1 ? '' : 's'}` : ''}`,
    `${fmtDuration(w.duration)} × ${w.repeat}${w.warmup ? ` (+${fmtDuration(w.warmup)} warm-up)` : ''}`,
    ...(w.gateways ? [w.gateways.join(', ')] : []),
    ...(w.keepAlive === false ? [i18n.t('compareGateways.noKeepAlive')] : []),
    ...(w.workers !== undefined ? [i18n.t('compareGateways.workersCount', { count: w.workers })] : []),
    new Date(c.startedAt).toLocaleString(),
  ];
  return parts.join(' · ');
}

// throughput differs several-fold with offload: say it, so results of both settings are not compared unknowingly
const offloadNote = (on: boolean | undefined) => (on === undefined ? '' : on ? 'offload on (faster; captures show super-packets)' : 'offload off');

function environment(c: Comparison): string | null {
  const e = c.environment;
  if (!e) return null;
  const load = (xs: number[] | undefined) => (xs?.length ? xs[0].toFixed(1) : '?');
  const bits = [e.kernel && `kernel ${e.kernel}`, e.cpus && `${e.cpus} CPU${e.cpus === 1 ? '' : 's'}${e.cpuModel ? ` ${e.cpuModel}` : ''}`, e.docker && `Docker ${e.docker}`, `load ${load(e.loadBefore)} → ${load(e.loadAfter)}`, offloadNote(offloadOf(e))];
  return bits.filter(Boolean).join(' · ');
}

export function CompareResults({ comparison: c, getCsv, onError }: { comparison: Comparison; getCsv(id: string): Promise<string>; onError(message: string): void }) {
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
      onError(`CSV export failed: ${oneLine(e)}`);
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
      onError(`PNG export failed: ${oneLine(e)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="compare-results" data-testid="compare-results">
      <div className="compare-results-bar">
        <span className={`chip${c.complete ? '' : ' bad'}`} data-testid="compare-state">
          {c.complete ? 'complete' : c.error ? 'failed' : 'incomplete'}
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
          <p className="muted small compare-meta" data-png-text data-testid="compare-environment">
            {env}
          </p>
        )}
        {c.error && (
          <p className="compare-meta compare-run-error" data-png-text>
            {c.error}
          </p>
        )}
        {c.workload.gateways ? <GatewayCharts comparison={c} /> : <ResultCharts comparison={c} />}
      </div>
    </div>
  );
}
