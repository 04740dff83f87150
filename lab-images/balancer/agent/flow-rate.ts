// New flows a second per backend, from samples of the data plane's running
// totals (taken by the sweep loop and by every stats read): the rate over the
// last WINDOW_MS, what snat capacity is compared with.
const WINDOW_MS = 10_000;
/** A rate needs samples at least this far apart (shorter spans are noise). */
const MIN_SPAN_MS = 1_500;

type Sample = { at: number; totals: Record<number, number> };

export class FlowRate {
  private samples: Sample[] = [];

  record(at: number, totals: Record<number, number>): void {
    const last = this.samples.at(-1);
    if (last && at <= last.at) return;
    this.samples.push({ at, totals: { ...totals } });
    // keep one sample older than the window, so the window is always spanned
    while (this.samples.length > 2 && this.samples[1].at <= at - WINDOW_MS) this.samples.shift();
  }

  /** Flows a second to backend `id`; undefined until two samples span MIN_SPAN_MS. A total that went down
   * (the backend's id was flushed and reused) restarts from 0. */
  perSec(id: number): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < MIN_SPAN_MS) return undefined;
    const a = first.totals[id] ?? 0;
    const b = last.totals[id] ?? 0;
    const grew = b >= a ? b - a : b;
    return Math.round((grew * 1000 * 10) / (last.at - first.at)) / 10;
  }
}
