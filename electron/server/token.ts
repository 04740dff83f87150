// Who may drive the engine through web mode. The Host/Origin gate (security.ts)
// stops web pages; it cannot stop another local process, which sends no
// Origin at all. So every server start makes a random token, printed in the
// URL (`/?token=…`, as Jupyter does): the first load of the page trades it for
// an HttpOnly SameSite=Strict cookie and redirects to the URL without it.
// API calls and the event WebSocket carry the cookie or `Authorization: Bearer`.
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * Constant-time comparison: both sides are hashed first, so neither the
 * position of the first wrong character nor the candidate's length shows in
 * the time it takes.
 */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!expected || given === undefined) return false;
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}

/** One cookie per port: cookies ignore ports, and two servers on one host must not overwrite each other's. */
export const cookieName = (port: number) => `lblab-token-${port}`;

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token a request carries: `Authorization: Bearer <token>`, else our cookie. */
export function tokenOf(req: IncomingMessage, port: number): string | undefined {
  const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return auth ? auth[1] : cookie(req.headers.cookie, cookieName(port));
}

export function authorized(req: IncomingMessage, port: number, token: string): boolean {
  return tokenMatches(token, tokenOf(req, port));
}

export const UNAUTHORIZED = 'unauthorized: open the URL `lblab serve` printed (it carries the token), or send Authorization: Bearer <token>';
