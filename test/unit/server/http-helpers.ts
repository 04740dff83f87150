// Raw HTTP client for server tests: unlike fetch it sends the path and the
// Host/Origin headers exactly as given (needed to test traversal and rebinding).
// Requests carry `Authorization: Bearer TEST_TOKEN` unless told `token: null`.
import http from 'node:http';

/** The token the server tests start their servers with. */
export const TEST_TOKEN = 'test-token-0123456789';

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

export function raw(port: number, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; token?: string | null }): Promise<RawResponse> {
  const token = opts.token === undefined ? TEST_TOKEN : opts.token;
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { host: `127.0.0.1:${port}`, ...auth, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export function invoke(port: number, method: string, args: unknown, headers: Record<string, string> = {}, token?: string | null): Promise<RawResponse> {
  return raw(port, { method: 'POST', path: '/api/invoke', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ method, args }), token });
}
