// The CLI talks to the daemon over a unix socket: one JSON request line, one
// JSON response line. Requests are validated like any other boundary input.
import fs from 'node:fs';
import net from 'node:net';
import { z } from 'zod';
import { PROG_STATS_MAX_SECONDS } from '../contract/report';

export const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('apply'), config: z.unknown() }),
  z.object({ op: z.literal('stats') }),
  z.object({ op: z.literal('health') }),
  // the eBPF program's run-time statistics on (for at most `seconds`) or off: while a comparison runs
  z.object({ op: z.literal('prog-stats'), on: z.boolean(), seconds: z.number().positive().max(PROG_STATS_MAX_SECONDS).optional() }),
]);
export type Request = z.infer<typeof requestSchema>;
export type Response = { ok: true; result: unknown } | { ok: false; errors: string[] };

const MAX_LINE = 4 * 1024 * 1024;

export function serve(socketPath: string, handle: (req: Request) => Promise<unknown>): net.Server {
  fs.rmSync(socketPath, { force: true }); // a stale socket from a previous daemon blocks listen()
  const server = net.createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE) return conn.end(JSON.stringify({ ok: false, errors: ['request too large'] }) + '\n');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      void answer(line).then((res) => conn.end(JSON.stringify(res) + '\n'));
    });
    conn.on('error', () => {});
  });
  async function answer(line: string): Promise<Response> {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return { ok: false, errors: ['request is not JSON'] };
    }
    const req = requestSchema.safeParse(raw);
    if (!req.success) return { ok: false, errors: [`bad request: ${req.error.issues[0]?.message ?? 'invalid'}`] };
    try {
      return { ok: true, result: await handle(req.data) };
    } catch (e) {
      const err = e as Error & { lines?: string[] };
      return { ok: false, errors: err.lines ?? [err.message] };
    }
  }
  server.listen(socketPath);
  return server;
}

export function request(socketPath: string, req: Request, timeoutMs = 60_000): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(socketPath)) return reject(Object.assign(new Error(`the lbagent daemon is not running (no ${socketPath})`), { code: 'ENOENT' }));
    const s = net.connect(socketPath);
    let buf = '';
    s.setEncoding('utf8');
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer from the lbagent daemon within ${timeoutMs} ms`)));
    s.on('connect', () => s.write(JSON.stringify(req) + '\n'));
    s.on('data', (c: string) => (buf += c));
    s.on('end', () => {
      try {
        resolve(JSON.parse(buf) as Response);
      } catch {
        reject(new Error('the lbagent daemon sent a malformed answer'));
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) =>
      reject(Object.assign(new Error(`cannot reach the lbagent daemon at ${socketPath}: ${e.message}`), { code: e.code })),
    );
  });
}

/**
 * Like request, but while the daemon is still starting (no socket yet, or not
 * listening yet) keep trying for up to `waitMs`: the engine hands a fresh
 * container its config as early as it can, possibly before the daemon's Node
 * has booted.
 */
export async function requestWhenUp(socketPath: string, req: Request, waitMs: number, timeoutMs = 60_000): Promise<Response> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await request(socketPath, req, timeoutMs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
