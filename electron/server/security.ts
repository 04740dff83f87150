// Request gate of the web server. lblab serve is a local control plane for the
// Docker engine, so any web page the user visits must not be able to drive it:
// - Host must name us (127.0.0.1:PORT / localhost:PORT): defeats DNS rebinding,
//   where evil.example resolves to 127.0.0.1 and becomes "same origin";
// - Origin, when the browser sends one, must be our own origin: defeats CSRF
//   and cross-site WebSocket hijacking (WebSockets are not covered by CORS);
// - POST bodies must be application/json: a cross-site <form> cannot send that
//   content type without a CORS preflight, which we never answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneLine } from '../api.js';
import { contentSecurityPolicy } from '../common/csp.js';

export interface GateOptions {
  port: number;
  /** extra origins trusted besides our own (e.g. a Vite dev server proxying to us) */
  allowedOrigins?: string[];
}

export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

const LOOPBACK_ORIGIN = /^http:\/\/(127\.0\.0\.1|localhost):\d{1,5}$/;

/**
 * Extra trusted origins: only loopback http origins (a Vite dev server on
 * localhost:5173 proxying /api to us), from the option or LBLAB_ALLOWED_ORIGINS
 * (comma-separated). Anything else is rejected so the gate cannot be opened to a real site.
 */
export function parseAllowedOrigins(list: string[] | string | undefined): string[] {
  const items = Array.isArray(list) ? list : (list ?? '').split(',');
  const out: string[] = [];
  for (const raw of items) {
    const o = raw.trim().toLowerCase().replace(/\/$/, '');
    if (!o) continue;
    if (!LOOPBACK_ORIGIN.test(o)) throw new Error(`allowed origin ${raw.trim()} refused: only http://localhost:PORT or http://127.0.0.1:PORT may be trusted`);
    out.push(o);
  }
  return out;
}

/** Returns why the request is refused, or null when it may proceed. */
export function refuseReason(req: IncomingMessage, opts: GateOptions): string | null {
  const host = (req.headers.host ?? '').toLowerCase();
  // A trusted dev-server origin may also arrive as the Host (Vite's proxy keeps it unless changeOrigin).
  const devHosts = (opts.allowedOrigins ?? []).map((o) => o.replace(/^http:\/\//, ''));
  if (host !== `127.0.0.1:${opts.port}` && host !== `localhost:${opts.port}` && !devHosts.includes(host)) {
    return `forbidden: Host header must be 127.0.0.1:${opts.port} or localhost:${opts.port}`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const ok = [...ownOrigins(opts.port), ...(opts.allowedOrigins ?? [])];
    if (!ok.includes(origin.toLowerCase())) return `forbidden: cross-origin request from ${oneLine(origin)}`;
  }
  return null;
}

export function isJson(req: IncomingMessage): boolean {
  const ct = (req.headers['content-type'] ?? '').toLowerCase();
  return ct.split(';')[0]!.trim() === 'application/json';
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy({ connect: ownOrigins(port).map((o) => o.replace(/^http/, 'ws')) }),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export function applyHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
}
