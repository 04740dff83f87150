// How the engine fails: one readable line, as an ApiError with a code the
// server maps to an HTTP status. Kept free of dockerode (docker/client.ts
// takes the "no Docker engine" text from here).
import { ApiError, oneLine } from '../api';

/** The one explanation of a missing Docker engine, wherever it is noticed. */
export const HOW_TO_START_DOCKER =
  'no Docker engine found (DOCKER_HOST or /var/run/docker.sock): start it (Linux: `sudo systemctl start docker` or `sudo dockerd &`; macOS/Windows: start Docker Desktop)';

/** Thrown by engine operations: the message is one line naming the lab, node or step at fault. */
export class EngineError extends Error {
  constructor(message: string, readonly code: ApiError['code'] = 'engine') {
    super(message.split('\n')[0]);
    this.name = 'EngineError';
  }
}

/** The first issue of a validation report as one line (`field.path: reason`), or undefined when it is ok. */
export function firstIssue(report: { ok: boolean; issues: { path: (string | number)[]; message: string }[] }): string | undefined {
  if (report.ok) return undefined;
  const i = report.issues[0];
  return i ? `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}` : 'invalid lab';
}

/** Any failure as one ApiError line. A failure to reach the engine is worded by `engineDown`: the
 * "start Docker" hint by default, which is right only for this machine's own engine (a remote one
 * that stops answering in the middle of an operation needs its own words: docker/client.ts's). */
export function toApiError(e: unknown, engineDown: (e: unknown) => string = () => HOW_TO_START_DOCKER): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof EngineError) return new ApiError(e.message, e.code);
  const code = (e as { code?: string })?.code;
  const msg = (e as Error)?.message ?? '';
  if ((code === 'ENOENT' || code === 'ECONNREFUSED') && /docker\.sock|connect/i.test(msg)) return new ApiError(engineDown(e), 'engine');
  if (code === 'EACCES' && /docker\.sock/.test(msg)) return new ApiError(`cannot use the Docker engine: ${oneLine(e)}`, 'engine');
  const name = (e as Error)?.name;
  if (name === 'LabFileError' || name === 'ZodError') return new ApiError(oneLine(e), 'bad-request');
  return new ApiError(oneLine(e), 'engine');
}
