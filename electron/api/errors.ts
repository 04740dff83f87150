// How calls fail, on every side: one error class with a code the web server
// maps to an HTTP status, and the one-line form every boundary shows.

/** Thrown for bad calls; `message` is one readable line. */
export class ApiError extends Error {
  constructor(message: string, readonly code: 'bad-request' | 'not-found' | 'conflict' | 'engine' = 'engine') {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Anything thrown, as the one line a person reads: the message's first
 * non-empty line, without the wrappers Electron's IPC and dockerode put in
 * front of it, never a stack, bounded in length. Errors cross every boundary
 * (IPC, HTTP, the CLI's stderr, the UI's notices) through this function.
 */
export function oneLine(e: unknown): string {
  let msg: string;
  if (e instanceof Error) msg = e.message;
  else if (typeof e === 'string') msg = e;
  else if (e && typeof e === 'object' && 'message' in e) msg = String((e as { message: unknown }).message);
  else msg = String(e ?? '');
  msg = msg
    // Electron: "Error invoking remote method 'lblab:invoke': Error: <message>"
    .replace(/^Error invoking remote method '[^']*': (\w*Error: )?/, '')
    // dockerode: "(HTTP code 409) unexpected - <message>"
    .replace(/^\(HTTP code \d+\)\s*[a-z ]*-\s*/i, '');
  const line = (msg.split(/\r?\n/).find((l) => l.trim() !== '') ?? 'unknown error').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
