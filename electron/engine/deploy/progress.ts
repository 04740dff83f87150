// Progress reporting for long operations: a step label with done/total, so the
// CLI can print one updating line and the UI a progress bar.
export interface Progress { step: string; done: number; total: number }
export type ProgressFn = (p: Progress) => void;

/** A counter that reports each finished step; `total` can grow when a step expands into sub-steps. */
export function progressCounter(total: number, onProgress?: ProgressFn) {
  let done = 0;
  return {
    get done() {
      return done;
    },
    grow(n: number) {
      total += n;
    },
    /** announce a step that is starting (does not count it) */
    start(step: string) {
      onProgress?.({ step, done, total });
    },
    /** count one finished step */
    tick(step: string) {
      done = Math.min(total, done + 1);
      onProgress?.({ step, done, total });
    },
  };
}
