// Any failure as one readable ApiError line. Kept free of dockerode so the CLI
// can report errors without loading the engine.
import { ApiError } from '../../api';
import { DeployError, oneLine } from './progress';

/** Same text as docker/client.ts HOW_TO_START_DOCKER (that module loads dockerode). */
const NO_ENGINE =
  'no Docker engine found (DOCKER_HOST or /var/run/docker.sock): start it (Linux: `sudo systemctl start docker` or `sudo dockerd &`; macOS/Windows: start Docker Desktop)';

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof DeployError) return new ApiError(e.message, e.code);
  const code = (e as { code?: string })?.code;
  const msg = (e as Error)?.message ?? '';
  if ((code === 'ENOENT' || code === 'ECONNREFUSED') && /docker\.sock|connect/i.test(msg)) return new ApiError(NO_ENGINE, 'engine');
  if (code === 'EACCES' && /docker\.sock/.test(msg)) return new ApiError(`cannot use the Docker engine: ${oneLine(e)}`, 'engine');
  const name = (e as Error)?.name;
  if (name === 'LabFileError' || name === 'ZodError') return new ApiError(oneLine(e), 'bad-request');
  return new ApiError(oneLine(e), 'engine');
}
