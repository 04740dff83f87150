// HTTP/1.x: the request or status line and the header lines of a TCP
// payload that starts with one (no reassembly: what this segment holds).
import type { DecodeContext } from './context';

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);
const MAX_HEADERS = 100;

// header name (lowercase) -> Wireshark field
const HEADER_FIELDS: Record<string, string> = {
  host: 'http.host', 'user-agent': 'http.user_agent', accept: 'http.accept', 'accept-encoding': 'http.accept_encoding',
  'accept-language': 'http.accept_language', connection: 'http.connection', 'content-type': 'http.content_type',
  'content-length': 'http.content_length_header', 'content-encoding': 'http.content_encoding',
  'transfer-encoding': 'http.transfer_encoding', server: 'http.server', location: 'http.location', cookie: 'http.cookie',
  'set-cookie': 'http.set_cookie', referer: 'http.referer', authorization: 'http.authorization', date: 'http.date',
  'cache-control': 'http.cache_control', 'last-modified': 'http.last_modified', upgrade: 'http.upgrade',
  'x-forwarded-for': 'http.x_forwarded_for',
};

/** Does the payload at off start like an HTTP request or status line? Cheap: looks at the first bytes only. */
function kind(b: Buffer, off: number, end: number): 'request' | 'response' | undefined {
  const c = b[off];
  if (c === 0x48 /* H */ && end - off >= 8 && b.toString('latin1', off, off + 5) === 'HTTP/') return 'response';
  if (c < 0x41 || c > 0x54) return undefined; // A..T covers every method's first letter
  const sp = b.indexOf(0x20, off);
  if (sp < 0 || sp > off + 7 || sp >= end) return undefined;
  return METHODS.has(b.toString('latin1', off, sp)) ? 'request' : undefined;
}

/** End of the line starting at p (index after its LF, or `end`). */
function lineEnd(b: Buffer, p: number, end: number): number {
  const nl = b.indexOf(0x0a, p);
  return nl < 0 || nl >= end ? end : nl + 1;
}

/** Decode an HTTP head at [off, end) if there is one; returns its first line for the summary, or undefined. */
export function decodeHttp(ctx: DecodeContext, off: number, end: number): string | undefined {
  const b = ctx.buf;
  const k = kind(b, off, end);
  if (!k) return undefined;
  const layer = ctx.layer('http', off, end - off);
  let p = lineEnd(b, off, end);
  const first = b.toString('latin1', off, p).replace(/\r?\n$/, '');
  const tree = ctx.tree;
  if (tree) headLine(ctx, k, first, off);
  p = headers(ctx, k, p, end);
  layer.length = p - off;
  return first;
}

/** The request or status line's fields. */
function headLine(ctx: DecodeContext, k: 'request' | 'response', first: string, off: number): void {
  ctx.f(`http.${k}`, true, 'True', off, 0);
  const s1 = first.indexOf(' ');
  if (s1 < 0) {
    // only the first word was captured
    ctx.f(k === 'request' ? 'http.request.method' : 'http.response.version', first, first, off, first.length);
    return;
  }
  const s2 = first.indexOf(' ', s1 + 1);
  const a = first.slice(0, s1);
  const mid = s2 < 0 ? first.slice(s1 + 1) : first.slice(s1 + 1, s2);
  const rest = s2 < 0 ? '' : first.slice(s2 + 1);
  const midOff = off + s1 + 1;
  if (k === 'request') {
    ctx.f('http.request.method', a, a, off, a.length);
    ctx.f('http.request.uri', mid, mid, midOff, mid.length);
    if (s2 >= 0) ctx.f('http.request.version', rest, rest, midOff + mid.length + 1, rest.length);
  } else {
    ctx.f('http.response.version', a, a, off, a.length);
    const code = Number(mid);
    if (/^\d{3}$/.test(mid)) ctx.f('http.response.code', code, String(code), midOff, 3);
    if (s2 >= 0) ctx.f('http.response.phrase', rest, rest, midOff + mid.length + 1, rest.length);
  }
}

/** Header lines from p on (fields only with the tree); returns where the head ends. */
function headers(ctx: DecodeContext, k: 'request' | 'response', p: number, end: number): number {
  const b = ctx.buf;
  const lineField = `http.${k}.line`;
  for (let n = 0; p < end && n < MAX_HEADERS; n++) {
    const e = lineEnd(b, p, end);
    if (b[p] === 0x0a || (b[p] === 0x0d && e === p + 2 && b[p + 1] === 0x0a)) return e; // the blank line ending the head
    if (!ctx.tree) {
      p = e;
      continue;
    }
    const line = b.toString('latin1', p, e);
    ctx.f(lineField, line, line.replace(/\r?\n$/, ''), p, e - p);
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).toLowerCase();
      const field = HEADER_FIELDS[name];
      if (field) {
        const value = line.slice(colon + 1).trim();
        ctx.f(field, value, value, p, e - p);
        if (field === 'http.content_length_header' && /^\d+$/.test(value)) ctx.f('http.content_length', Number(value), value, p, e - p);
      }
    }
    p = e;
  }
  return p;
}
