// `lblab capture` in and out: the NODE[:IFACE[,IFACE...]] arguments, a
// packet as a tcpdump-like line, and as one NDJSON object keyed by
// Wireshark's field names.
import { NAME_RE, type CaptureField, type CaptureTarget, type CaptureValue, type DecodedPacket } from '../api';

const IFACE_RE = /^[A-Za-z0-9_.@-]{1,32}$/;

/** `lb`, `lb:eth1`, `lb:eth0,eth1` (an interface may also be named by its lab network) → targets; throws one line. */
export function parseTargets(args: string[]): CaptureTarget[] {
  const out: CaptureTarget[] = [];
  for (const a of args) {
    const colon = a.indexOf(':');
    const node = colon < 0 ? a : a.slice(0, colon);
    if (!NAME_RE.test(node)) throw new Error(`capture target ${a}: "${node}" is not a node name (NODE[:IFACE[,IFACE...]])`);
    if (colon < 0) {
      out.push({ node });
      continue;
    }
    const ifaces = a.slice(colon + 1).split(',');
    for (const iface of ifaces) {
      if (!IFACE_RE.test(iface)) throw new Error(`capture target ${a}: "${iface}" is not an interface name (NODE[:IFACE[,IFACE...]])`);
      out.push({ node, iface });
    }
  }
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** HH:MM:SS.micro in local time, like tcpdump. `tsUs`: microseconds since the epoch. */
export function formatTime(tsUs: number): string {
  const ms = Math.floor(tsUs / 1000);
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(tsUs % 1_000_000, 6)}`;
}

export interface PrintedPacket {
  index: number;
  node: string;
  iface: string;
  decoded: DecodedPacket;
}

/** `12:00:01.123456 lb:eth0 IP 198.18.0.10.40000 > 198.18.0.100.80: Flags [S], ...` */
export function packetLine(p: PrintedPacket): string {
  return `${formatTime(p.decoded.ts)} ${p.node}:${p.iface} ${p.decoded.summary}`;
}

/** UTC ISO 8601 with microseconds. */
export function isoTime(tsUs: number): string {
  return new Date(Math.floor(tsUs / 1000)).toISOString().replace(/\.\d{3}Z$/, `.${pad(tsUs % 1_000_000, 6)}Z`);
}

type Fields = Record<string, CaptureValue | CaptureValue[]>;

function fieldsObject(fields: CaptureField[]): Fields {
  const o: Fields = {};
  for (const f of fields) {
    const had = o[f.name];
    if (had === undefined) o[f.name] = f.value;
    else o[f.name] = Array.isArray(had) ? [...had, f.value] : [had, f.value];
  }
  return o;
}

/**
 * One packet as a JSON line: where and when, the summary, and each layer's
 * fields by Wireshark name (`"ip": {"ip.src": "198.18.0.10", ...}`). A layer
 * that occurs twice (IPIP's two IP headers) is an array, outermost first; so
 * is a field that occurs twice in a layer.
 */
export function packetJson(p: PrintedPacket): string {
  const layers: Record<string, Fields | Fields[]> = {};
  for (const l of p.decoded.layers) {
    const f = fieldsObject(l.fields);
    const had = layers[l.name];
    if (had === undefined) layers[l.name] = f;
    else layers[l.name] = Array.isArray(had) ? [...had, f] : [had, f];
  }
  const o: Record<string, unknown> = {
    index: p.index,
    ts: p.decoded.ts,
    time: isoTime(p.decoded.ts),
    node: p.node,
    iface: p.iface,
    len: p.decoded.len,
    caplen: p.decoded.caplen,
    summary: p.decoded.summary,
    layers,
  };
  if (p.decoded.error) o.error = p.decoded.error;
  return JSON.stringify(o);
}
