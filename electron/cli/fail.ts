// How the CLI fails: one line `lblab: <message>` on stderr, exit 1 for
// failures and 2 for usage errors; a stack only with LBLAB_DEBUG=1. The engine
// already turns its failures into one-line ApiErrors; everything else is
// reduced to one line here, without loading the engine.
import { oneLine } from '../api';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return 2;
  return 1;
}

export function messageFor(e: unknown): string {
  if (e instanceof UsageError) return e.message;
  return oneLine(e);
}

export function reportAndExit(e: unknown): never {
  if (process.env.LBLAB_DEBUG === '1') console.error(e);
  process.stderr.write(`lblab: ${messageFor(e)}\n`);
  process.exit(exitCodeFor(e));
}
