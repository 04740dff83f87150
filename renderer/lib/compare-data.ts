// The Compare panel's numbers, shaped for the charts and put into words. Pure:
// no React, no DOM, so every rule here is unit-tested on plain objects.
import { COMPARE_OBJECTS, COMPARE_ROWS, DIRECT_RETURN_MODES, compareRequestSchema, delayRefusal, isDataplaneMode, isDirectReturnMode, type Gateway, type Hook, type CompareEvent, type CompareRequest, type CompareRow, type CompareRun, type CompareSummary, type Comparison } from '../../electron/api';
import { i18n } from '../i18n';
import { fmtNumber, fmtUnit } from '../i18n/format';

export type CompareSample = Extract<CompareEvent, { type: 'compare-sample' }>;
export type CompareProgress = Extract<CompareEvent, { type: 'compare-progress' }>;

/** One colour per row, the same in every chart (dark theme). */
export const ROW_COLORS: Record<CompareRow, string> = {
  dsr: '#4da3ff',
  tunnel: '#b48cff',
  nat: '#f0b44c',
  snat: '#ff7b7b',
  l4proxy: '#3ccf8e',
  l7: '#f06fb5',
  direct: '#9fb3c8',
  'kernel-nat': '#4dd0e1',
};
const BACKEND_COLORS = ['#4da3ff', '#3ccf8e', '#f0b44c', '#b48cff', '#ff7b7b', '#4dd0e1', '#f06fb5', '#9fb3c8'];
export const backendColor = (i: number) => BACKEND_COLORS[i % BACKEND_COLORS.length];

/** What each row is, for the checkbox labels. */

// ---------------------------------------------------------------- formatting
const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

export function fmtMbps(v: number): string {
  if (!finite(v)) return '–';
  if (v >= 1000) return fmtUnit(v / 1000, 'Gbit/s', 2);
  return fmtUnit(v, 'Mbit/s', v < 10 ? 1 : 0);
}
/** 2.8×, 12×, 0.36× */
export function fmtRatio(r: number): string {
  if (r >= 10) return `${fmtNumber(Math.round(r))}×`;
  if (r >= 1) return `${fmtNumber(r, 1)}×`;
  return `${fmtNumber(r, 2)}×`;
}
/** A fraction as a percentage: 0 %, <1 %, 2 %, 103 % */
export function fmtPct(f: number): string {
  const p = f * 100;
  if (p === 0) return '0 %';
  if (p < 1) return '<1 %';
  return `${fmtNumber(Math.round(p))} %`;
}
export function fmtBytesShort(n: number): string {
  if (!finite(n)) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return fmtUnit(v, u[i], i === 0 || v >= 100 ? 0 : 1);
}
/** "a", "a and b", "a, b and c" */
export function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(i18n.t('journey.listSep'))}${i18n.t('journey.and')}${items[items.length - 1]}`;
}
const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

// ---------------------------------------------------------------- per mode outcome
export interface ModeOutcome {
  mode: CompareRow;
  summary?: CompareSummary;
  /** runs of this mode that produced numbers / that failed */
  okRuns: number;
  failedRuns: number;
  /** the first failed run's reason */
  error?: string;
  /** true when the mode has numbers to chart */
  hasData: boolean;
}

/** A run counts only when it did not fail and carries its throughput. */
export const runOk = (r: CompareRun) => !r.error && finite(r.throughputMbps);

/** The modes in the order they were asked for (the first one is the baseline), then any the summary adds. */
export function comparedModes(c: Pick<Comparison, 'workload' | 'summary'>): CompareRow[] {
  const out = [...c.workload.modes];
  for (const s of c.summary) if (!out.includes(s.mode)) out.push(s.mode);
  return out;
}

export function modeOutcomes(c: Comparison): ModeOutcome[] {
  return comparedModes(c).map((mode) => {
    const runs = c.runs.filter((r) => r.mode === mode);
    const okRuns = runs.filter(runOk).length;
    const failed = runs.filter((r) => !runOk(r));
    const summary = c.summary.find((s) => s.mode === mode);
    const hasData = !!summary && finite(summary.throughputMbps?.median) && (runs.length === 0 || okRuns > 0);
    return { mode, summary, okRuns, failedRuns: failed.length, error: failed.find((r) => r.error)?.error, hasData };
  });
}

// ---------------------------------------------------------------- summary → bars
export interface SummaryRow {
  mode: CompareRow;
  color: string;
  hasData: boolean;
  /** Mbit/s median, null when the mode has no numbers (the chart leaves a gap) */
  throughput: number | null;
  /** [median − min, max − median]: the spread drawn as an error bar */
  throughputSpread: [number, number] | null;
  throughputMin: number | null;
  throughputMax: number | null;
  rps: number | null;
  rpsSpread: [number, number] | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  /** balancer tx ÷ response bytes (a fraction), null when not meaningful */
  balancerShare: number | null;
  errors: number | null;
}

const spread = (s: { median: number; min: number; max: number } | undefined): [number, number] | null =>
  s && finite(s.median) && finite(s.min) && finite(s.max) ? [Math.max(0, s.median - s.min), Math.max(0, s.max - s.median)] : null;
const num = (v: unknown): number | null => (finite(v) ? v : null);

export function summarySeries(c: Comparison): SummaryRow[] {
  return modeOutcomes(c).map(({ mode, summary: s, hasData }) => {
    const d = hasData ? s : undefined;
    return {
      mode,
      color: ROW_COLORS[mode],
      hasData,
      throughput: num(d?.throughputMbps.median),
      throughputSpread: spread(d?.throughputMbps),
      throughputMin: num(d?.throughputMbps.min),
      throughputMax: num(d?.throughputMbps.max),
      rps: num(d?.requestsPerSec?.median),
      rpsSpread: spread(d?.requestsPerSec),
      p50: num(d?.latencyMs?.p50),
      p90: num(d?.latencyMs?.p90),
      p99: num(d?.latencyMs?.p99),
      // the direct row bypasses the balancer: its share says nothing
      balancerShare: mode === 'direct' ? null : num(d?.balancerResponseShare),
      errors: num(d?.errors),
    };
  });
}

// ---------------------------------------------------------------- runs → per backend shares
export interface ShareSeries {
  /** backend names, in natural order */
  backends: string[];
  /** one row per mode: backend → percent of the requests (mean over the runs that worked), absent when no data */
  rows: ({ mode: CompareRow; hasData: boolean } & Record<string, number | string | boolean | null>)[];
}

export function backendShareSeries(c: Comparison): ShareSeries {
  const ok = c.runs.filter(runOk);
  const backends = [...new Set(ok.flatMap((r) => Object.keys(r.backendShares ?? {})))].sort(byName);
  const rows = comparedModes(c).map((mode) => {
    const runs = ok.filter((r) => r.mode === mode && r.backendShares && Object.keys(r.backendShares).length > 0);
    const row: ShareSeries['rows'][number] = { mode, hasData: runs.length > 0 };
    for (const b of backends) {
      row[b] = runs.length ? (100 * runs.reduce((a, r) => a + (finite(r.backendShares[b]) ? r.backendShares[b] : 0), 0)) / runs.length : null;
    }
    return row;
  });
  return { backends, rows };
}

// ---------------------------------------------------------------- runs → bytes through the balancer
export interface BytesRow {
  mode: CompareRow;
  hasData: boolean;
  /** per run, the median over the runs that worked; bytes summed over the balancer's interfaces */
  balancerRx: number | null;
  balancerTx: number | null;
  response: number | null;
}

export function balancerBytesSeries(c: Comparison): BytesRow[] {
  return comparedModes(c).map((mode) => {
    const runs = c.runs.filter((r) => r.mode === mode && runOk(r) && finite(r.responseBytes));
    const sum = (r: CompareRun, k: 'rx' | 'tx') => Object.values(r.balancerBytes ?? {}).reduce((a, v) => a + (finite(v?.[k]) ? v[k] : 0), 0);
    if (runs.length === 0) return { mode, hasData: false, balancerRx: null, balancerTx: null, response: null };
    return {
      mode,
      hasData: true,
      balancerRx: median(runs.map((r) => sum(r, 'rx'))),
      balancerTx: median(runs.map((r) => sum(r, 'tx'))),
      response: median(runs.map((r) => r.responseBytes)),
    };
  });
}

// ---------------------------------------------------------------- samples → live series
/** second → mode → running sums over the repetitions seen so far */
export type LiveAcc = { modes: CompareRow[]; bySecond: Record<number, Partial<Record<CompareRow, { n: number; mbps: number; txMbps: number }>>> };
export const emptyLive = (): LiveAcc => ({ modes: [], bySecond: {} });

/** Add one sample (immutable: only the touched second is copied). */
export function liveAdd(acc: LiveAcc, s: Pick<CompareSample, 'mode' | 't' | 'throughputMbps' | 'balancerTxBps'>): LiveAcc {
  if (!finite(s.t) || !finite(s.throughputMbps)) return acc;
  const t = Math.max(0, Math.round(s.t));
  const cur = acc.bySecond[t]?.[s.mode] ?? { n: 0, mbps: 0, txMbps: 0 };
  const tx = finite(s.balancerTxBps) ? (s.balancerTxBps * 8) / 1e6 : 0;
  return {
    modes: acc.modes.includes(s.mode) ? acc.modes : [...acc.modes, s.mode],
    bySecond: { ...acc.bySecond, [t]: { ...acc.bySecond[t], [s.mode]: { n: cur.n + 1, mbps: cur.mbps + s.throughputMbps, txMbps: cur.txMbps + tx } } },
  };
}

/** A row per second of a run: `<mode>` = throughput Mbit/s, `<mode>_tx` = balancer tx Mbit/s (means over the repetitions). */
export type LiveRow = { t: number } & Record<string, number>;
export function liveSeries(acc: LiveAcc): { modes: CompareRow[]; rows: LiveRow[] } {
  const rows = Object.keys(acc.bySecond)
    .map(Number)
    .sort((a, b) => a - b)
    .map((t) => {
      const row: LiveRow = { t };
      for (const [mode, v] of Object.entries(acc.bySecond[t])) {
        if (!v || v.n === 0) continue;
        row[mode] = v.mbps / v.n;
        row[`${mode}_tx`] = v.txMbps / v.n;
      }
      return row;
    });
  return { modes: acc.modes, rows };
}
export const liveFromSamples = (samples: CompareSample[]) => liveSeries(samples.reduce(liveAdd, emptyLive()));

// ---------------------------------------------------------------- the verdict

/** One sentence: the first mode asked for against the others, e.g.
 * "dsr moved 2.8× nat's throughput; the balancer carried 2 % of dsr's response bytes and 100 % of nat's". */
export function verdict(c: Comparison): string {
  // across tier sizes: the engine's own sentence on how the tier scaled
  if (c.workload.members && c.verdict) return c.verdict;
  const outcomes = modeOutcomes(c);
  const withData = outcomes.filter((o) => o.hasData && o.summary);
  const missing = outcomes.filter((o) => !o.hasData);
  const missingList = joinWords(
    missing.map((o) => {
      if (o.failedRuns > 0) return i18n.t('compare.verdict.modeWhy', { mode: o.mode, why: `${o.okRuns === 0 && o.failedRuns > 1 ? i18n.t('compare.verdict.allFailed', { count: o.failedRuns }) : i18n.t('compare.verdict.failed')}${o.error ? `: ${o.error}` : ''}` });
      return i18n.t('compare.verdict.notRun', { mode: o.mode });
    }),
  );
  if (withData.length === 0) return i18n.t('compare.verdict.noResults', { why: c.error ?? (missingList || i18n.t('compare.verdict.noNumbers')) });
  const tp = (o: ModeOutcome) => o.summary!.throughputMbps.median;
  const [base, ...others] = withData;
  const parts: string[] = [];
  if (others.length === 0) {
    parts.push(base.okRuns ? i18n.t('compare.verdict.movedOne', { mode: base.mode, tp: fmtMbps(tp(base)), count: base.okRuns }) : i18n.t('compare.verdict.movedOneIts', { mode: base.mode, tp: fmtMbps(tp(base)) }));
  } else if (tp(base) <= 0) {
    parts.push(i18n.t('compare.verdict.movedNothingVs', { mode: base.mode, others: others.map((o) => `${o.mode}: ${fmtMbps(tp(o))}`).join(', ') }));
  } else {
    const moving = others.filter((o) => tp(o) > 0);
    const still = others.filter((o) => tp(o) <= 0);
    if (moving.length) parts.push(i18n.t('compare.verdict.movedRatio', { mode: base.mode, list: joinWords(moving.map((o) => i18n.t('compare.verdict.ratioOf', { ratio: fmtRatio(tp(base) / tp(o)), mode: o.mode }))) }));
    if (still.length) parts.push(i18n.t('compare.verdict.movedNothing', { list: joinWords(still.map((o) => o.mode)) }));
  }
  // what the balancer carried: not meaningful for the direct reference row
  const carried = withData.filter((o) => o.mode !== 'direct' && finite(o.summary!.balancerResponseShare));
  if (carried.length) {
    const [first, ...rest] = carried;
    const words = [
      i18n.t('compare.verdict.carriedFirst', { pct: fmtPct(first.summary!.balancerResponseShare), mode: first.mode }),
      ...rest.map((o) => i18n.t('compare.verdict.carriedRest', { pct: fmtPct(o.summary!.balancerResponseShare), mode: o.mode })),
    ];
    parts.push(i18n.t('compare.verdict.carried', { list: joinWords(words) }));
  }
  if (missing.length) parts.push(i18n.t('compare.verdict.noResultsFor', { list: missingList }));
  return parts.join(i18n.t('compare.verdict.sep'));
}

// ---------------------------------------------------------------- the form
export interface CompareForm {
  service: string;
  /** in the order they were ticked: the first is the baseline */
  modes: CompareRow[];
  object: string;
  connections: string;
  duration: string;
  warmup: string;
  repeat: string;
  /** l7 gateways to compare instead of modes (ticked order) */
  gateways?: Gateway[];
  /** false: a new connection per request */
  keepAlive?: boolean;
  /** a tier: the sizes to run, comma-separated ("1,2,3"); empty: the whole tier, compared by mode */
  members?: string;
  /** Apache gateways: their worker limit (empty: each MPM's default) */
  workers?: string;
  /** the load to the service's vip6 (a service with one) */
  ipv6?: boolean;
  /** eBPF modes: run each with the balancer's core at each of these hooks (ticked order) */
  hooks?: Hook[];
}
export const defaultForm = (service = ''): CompareForm => ({ service, modes: [], object: '1m', connections: '4', duration: '10', warmup: '2', repeat: '3' });

/** Tick / untick a gateway, keeping the order of ticking. */
export function toggleGateway(gateways: Gateway[], g: Gateway, on: boolean): Gateway[] {
  if (on) return gateways.includes(g) ? gateways : [...gateways, g];
  return gateways.filter((x) => x !== g);
}

/** Tick / untick a hook, keeping the order of ticking (the first is the one the others are measured against). */
export function toggleHook(hooks: Hook[], h: Hook, on: boolean): Hook[] {
  if (on) return hooks.includes(h) ? hooks : [...hooks, h];
  return hooks.filter((x) => x !== h);
}

/** Tick / untick a mode, keeping the order of ticking. */
export function toggleMode(modes: CompareRow[], mode: CompareRow, on: boolean): CompareRow[] {
  if (on) return modes.includes(mode) ? modes : [...modes, mode];
  return modes.filter((m) => m !== mode);
}

const FIELDS = ['members', 'connections', 'duration', 'warmup', 'repeat', 'modes', 'object', 'service', 'lab'] as const;
const fieldName = (f: string) => ((FIELDS as readonly string[]).includes(f) ? i18n.t(`compare.formErr.field.${f as (typeof FIELDS)[number]}`) : f);

/** The request the form describes, checked with the API's own schema; or one line saying what is wrong. */
export function buildRequest(lab: string, f: CompareForm): { req: CompareRequest; error?: undefined } | { req?: undefined; error: string } {
  const gateways = f.gateways ?? [];
  // tier sizes alone run the service's own mode through each size
  if (f.modes.length === 0 && gateways.length === 0 && !f.members?.trim()) return { error: i18n.t('compare.formErr.pickOne') };
  const gwMode = f.hooks?.length && !gateways.length ? f.modes.find((m) => !isDataplaneMode(m)) : undefined;
  if (gwMode) return { error: i18n.t('compare.formErr.hooksModes', { mode: gwMode }) };
  const n = (v: string) => (v.trim() === '' ? NaN : Number(v));
  const candidate = {
    lab,
    ...(f.service ? { service: f.service } : {}),
    // gateways run the service in l7 through each one: they take the place of the modes
    ...(gateways.length ? { gateways } : f.modes.length ? { modes: f.modes } : {}),
    ...(f.keepAlive === false && { keepAlive: false }),
    ...(f.ipv6 && { family: 6 as const }),
    ...(!gateways.length && f.hooks?.length && { hooks: f.hooks }),
    ...(f.members?.trim() && { members: f.members.split(',').map((x) => n(x)) }),
    ...(gateways.some((g) => g.startsWith('apache-')) && f.workers?.trim() && { workers: n(f.workers) }),
    object: f.object,
    connections: n(f.connections),
    duration: n(f.duration),
    warmup: n(f.warmup),
    repeat: n(f.repeat),
  };
  const delay = delayRefusal(f.object);
  if (delay) return { error: `${fieldName('object')}: ${delay}` };
  const r = compareRequestSchema.safeParse(candidate);
  if (r.success) return { req: r.data };
  const first = r.error.issues[0];
  const field = String(first?.path[0] ?? '');
  const what = first?.code === 'invalid_type' ? i18n.t('compare.formErr.mustBeNumber') : (first?.message ?? i18n.t('compare.formErr.invalid'));
  return { error: `${fieldName(field)}: ${what}` };
}

/** Rough length of a comparison, for the hint under Run (a mode switch takes a couple of seconds). */
export function estimateSeconds(req: Pick<CompareRequest, 'modes' | 'gateways' | 'members' | 'hooks' | 'duration' | 'warmup' | 'repeat'>): number {
  const runs = (req.gateways?.length ?? req.modes?.length ?? 1) * (req.members?.length ?? 1) * (req.hooks?.length ?? 1) * (req.repeat ?? 1);
  return Math.round(runs * ((req.duration ?? 0) + (req.warmup ?? 0) + 2));
}
export function fmtDuration(s: number): string {
  if (!finite(s) || s < 0) return '–';
  if (s < 60) return fmtUnit(Math.round(s), 's');
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  const min = fmtUnit(m, i18n.t('compare.min'));
  return r ? `${min} ${fmtUnit(r, 's')}` : min;
}


/** One line in the progress bar: "measuring nat · run 4/9 · 37 s left" */
export function progressText(p: Pick<CompareProgress, 'phase' | 'mode' | 'repetition' | 'done' | 'total' | 'secondsLeft'>): string {
  const run = Math.min(p.done + 1, p.total);
  return i18n.t('compare.progress', { phase: i18n.exists(`compare.phase.${p.phase}`) ? i18n.t(`compare.phase.${p.phase}`) : p.phase, mode: p.mode, run, total: p.total, left: fmtDuration(p.secondsLeft) });
}

// ---------------------------------------------------------------- exports
const stamp = (iso: string) => (iso || '').replace(/\.\d+Z$/, 'Z').replace(/[:]/g, '-').replace(/[^0-9A-Za-z_.-]/g, '') || 'comparison';
export const exportBaseName = (c: Pick<Comparison, 'lab' | 'service' | 'startedAt'>) => `${c.lab}-${c.service}-compare-${stamp(c.startedAt)}`;

/** Objects offered in the form (the API also takes a /path): the sizes, and a slow answer that exposes a gateway's I/O model. */
export const OBJECTS = [...COMPARE_OBJECTS, '/delay/200'] as const;
export const ROWS = COMPARE_ROWS;

/** What to tick first: the service's current mode, then one whose responses take the other path. */
export function defaultModes(current: CompareRow | undefined, avail: { mode: CompareRow; ok: boolean }[]): CompareRow[] {
  const ok = new Set(avail.filter((a) => a.ok).map((a) => a.mode));
  const balancerModes = ROWS.filter((r) => r !== 'direct' && r !== 'kernel-nat' && ok.has(r));
  const first = current && ok.has(current) ? current : balancerModes[0];
  if (!first) return [];
  const bypasses = isDirectReturnMode(first);
  const wanted: CompareRow[] = bypasses ? ['nat', 'snat', 'l4proxy'] : [...DIRECT_RETURN_MODES];
  const second = wanted.find((m) => ok.has(m) && m !== first) ?? balancerModes.find((m) => m !== first);
  return second ? [first, second] : [first];
}
