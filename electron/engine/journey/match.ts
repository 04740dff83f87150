// Find one packet at every hop. The request is the frame whose bytes carry
// the journey's token (found whatever was rewritten, wrapped or re-sent by a
// proxy); the response is the first data packet with an HTTP status line
// going back on any connection the request used (a proxy's second connection
// is known from the request hops after the proxy).
import { directionOf, isSyn, rawContains, reverseText, seqOf, tcpPayload, tupleOf, tupleText, type Frame } from './frame';

export interface Hop { frame: Frame; direction: 'in' | 'out' }

/**
 * By capture time. On a tie the sender's copy (out) goes before the
 * receiver's (in) on another node, and at one node what it received (in)
 * before what it forwarded (out): a forwarded frame may keep the time it was
 * received.
 */
export function orderHops(hops: Hop[]): Hop[] {
  const base = [...hops].sort((a, b) => {
    if (a.frame.ts !== b.frame.ts) return a.frame.ts < b.frame.ts ? -1 : 1;
    if (a.direction !== b.direction) return a.direction === 'out' ? -1 : 1;
    return 0;
  });
  const out: Hop[] = [];
  for (let i = 0; i < base.length; ) {
    let j = i;
    while (j < base.length && base[j].frame.ts === base[i].frame.ts) j++;
    out.push(...causalOrder(base.slice(i, j)));
    i = j;
  }
  return out;
}

/** Must `a` come before `b` (same capture time)? */
const before = (a: Hop, b: Hop): boolean =>
  a.frame.node === b.frame.node ? a.direction === 'in' && b.direction === 'out' : a.direction === 'out' && b.direction === 'in';

/** A tie group in an order no constraint contradicts (the given order among unconstrained hops). */
function causalOrder(group: Hop[]): Hop[] {
  if (group.length < 2) return group;
  const rest = [...group];
  const out: Hop[] = [];
  while (rest.length) {
    // the first hop nothing left must precede; on a cycle (not physical) the first one
    const k = rest.findIndex((h) => !rest.some((o) => o !== h && before(o, h)));
    out.push(...rest.splice(k < 0 ? 0 : k, 1));
  }
  return out;
}

/** The first frame per interface and direction (a retransmission is not another hop), in order. */
function firstPerHop(frames: Frame[]): Hop[] {
  const seen = new Map<string, Hop>();
  for (const frame of frames) {
    const direction = directionOf(frame);
    const key = `${frame.node}\0${frame.iface}\0${direction}`;
    const had = seen.get(key);
    if (!had || frame.ts < had.frame.ts) seen.set(key, { frame, direction });
  }
  return orderHops([...seen.values()]);
}

/** The request at every hop: frames carrying the token. */
export function requestHops(frames: Frame[], token: string): Hop[] {
  const needle = Buffer.from(token);
  return firstPerHop(frames.filter((f) => rawContains(f, needle)));
}

/**
 * When no frame carries the token (the connection never carried data): the
 * client's SYN to the VIP, followed by its sequence number, which the
 * packet-rewriting modes keep (a proxy's own connection starts another).
 */
export function synHops(frames: Frame[], client: { node: string; addresses: string[] }, vip: string, port: number): Hop[] {
  const first = frames
    .filter((f) => f.node === client.node && isSyn(f.packet) && directionOf(f) === 'out')
    .filter((f) => {
      const t = tupleOf(f.packet);
      return t && client.addresses.includes(t.src) && t.dst === vip && t.dport === port;
    })
    .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))[0];
  if (!first) return [];
  const seq = seqOf(first.packet);
  if (seq === undefined) return firstPerHop([first]);
  return firstPerHop(frames.filter((f) => isSyn(f.packet) && seqOf(f.packet) === seq && f.ts >= first.ts));
}

const HTTP_STATUS = Buffer.from('HTTP/');
const startsWithStatus = (f: Frame) => {
  const p = tcpPayload(f);
  return p.length >= HTTP_STATUS.length && Buffer.from(p.buffer, p.byteOffset, HTTP_STATUS.length).equals(HTTP_STATUS);
};

/** The response at every hop: the first HTTP status line going back on a connection the request used, after the
 * request; or, for a protocol without one (etcd's HTTP/2 frames), the first frame carrying the token back (a get of the put). */
export function responseHops(frames: Frame[], request: Hop[], token?: string): Hop[] {
  if (!request.length) return [];
  const needle = token ? Buffer.from(token) : undefined;
  const since = request[0].frame.ts;
  const back = new Set(request.map((h) => tupleOf(h.frame.packet)).filter((t) => t !== undefined).map(reverseText));
  return firstPerHop(
    frames.filter((f) => {
      if (f.ts <= since) return false;
      const t = tupleOf(f.packet);
      return t !== undefined && back.has(tupleText(t)) && (startsWithStatus(f) || (needle !== undefined && rawContains(f, needle)));
    }),
  );
}

/** The HTTP status code of a response frame (`HTTP/1.1 200 OK` → 200). */
export function statusCode(f: Frame): number | undefined {
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(Buffer.from(tcpPayload(f)).subarray(0, 32).toString('latin1'));
  return m ? Number(m[1]) : undefined;
}
