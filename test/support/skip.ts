// Skips that say why: the reason travels in the test's meta into vitest's
// JSON report, where `npm test` (scripts/test.mjs) reads it to name each
// skipped test and, under CI=true, to fail on skips test/may-skip.md does not allow.
import type { TestContext } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** why the test was skipped (read by scripts/test.mjs) */
    skipReason?: string;
  }
}

/** describe()/it() options: skip every test inside when `reason` is set. */
export function skipIf(reason: string | null | undefined): { skip?: boolean; meta?: { skipReason: string } } {
  return reason ? { skip: true, meta: { skipReason: reason } } : {};
}

/** Skip the running test from inside it, recording why. */
export function skipNow(ctx: TestContext, reason: string): never {
  ctx.task.meta.skipReason = reason;
  return ctx.skip(reason);
}
