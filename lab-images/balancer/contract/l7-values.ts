// What an l7 route may match on and what an http health check may ask for:
// one rule for both ends. The agent writes these values into haproxy.cfg
// (`path_beg /api`, `hdr(X-Version) -m str v2`) and into its checker's
// request line; the lab schema refuses the same values, so a lab the agent
// would refuse fails `lblab up` before anything is created.
//
// Only characters that need no quoting in haproxy.cfg: no spaces, tabs or
// newlines (a word or line break), no quotes (' and " open a quoted string),
// no backslash (an escape), no '#' (a comment), no '{' '}'. A host or header
// value may not start with '-': after `-m str` HAProxy would read it as a flag
// (`-f <file>` loads patterns from a file). Pure zod: no Node APIs.
import { z } from 'zod';

/** Path prefix or health-check path: "/" then URL characters, at most 200 in all. */
export const PATH_RE = /^\/[A-Za-z0-9._~/%:@!$&()*+,;=-]{0,199}$/;
/** Host header to match: a host name, optionally with a port. */
export const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:\d{1,5})?$/;
/** HTTP header name: the RFC 9110 token characters less '#' and "'". */
export const HEADER_NAME_RE = /^[A-Za-z0-9!$%&*+.^_`|~-]{1,64}$/;
/** Header value to match exactly. */
export const HEADER_VALUE_RE = /^[A-Za-z0-9._~/%:@!$&()*+,;=][A-Za-z0-9._~/%:@!$&()*+,;=-]{0,255}$/;

// Messages start with "must": the lab schema's checker quotes the value before them
// ('path "/a b" is not a path like /api …').
export const httpPathSchema = z
  .string({ error: 'must be a path (string)' })
  .regex(PATH_RE, 'must be a path like /api: "/" then up to 199 letters, digits or ._~/%:@!$&()*+,;=- (no spaces, quotes or #)');
export const hostSchema = z
  .string({ error: 'must be a host name (string)' })
  .regex(HOST_RE, 'must be a host name like app.example or app.example:8080 (letters, digits, dots and dashes, not starting with a dash)');
export const headerNameSchema = z
  .string({ error: 'must be a header name (string)' })
  .regex(HEADER_NAME_RE, 'must be an HTTP header name like X-Version (up to 64 letters, digits or !$%&*+.^_`|~-)');
export const headerValueSchema = z
  .string({ error: 'must be a header value (string)' })
  .regex(HEADER_VALUE_RE, 'must be a header value of 1 to 256 letters, digits or ._~/%:@!$&()*+,;=- (no spaces, quotes or #), not starting with a dash');

/** A route matches on something: a path, a host or at least one header (an empty header map matches nothing). */
export const routeHasMatch = (r: { path?: string; host?: string; header?: Record<string, string> }): boolean =>
  r.path !== undefined || r.host !== undefined || (r.header !== undefined && Object.keys(r.header).length > 0);
