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

/** Thrown by deploy operations: the message is one line naming the node/step at fault. */
export class DeployError extends Error {
  constructor(message: string, readonly code: 'bad-request' | 'not-found' | 'conflict' | 'engine' = 'engine') {
    super(message.split('\n')[0]);
    this.name = 'DeployError';
  }
}

/** First line of an error's message, without dockerode's "(HTTP code 409) unexpected - " prefix. */
export function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^\(HTTP code \d+\)\s*[a-z ]*-\s*/i, '').split('\n')[0].trim();
}
