// `lblab journey` as text: the request's hops (node, interface, direction,
// summary) with what changed under each, the mode's rewrites marked `!` and
// what any forwarding hop does marked `·` (dimmed on a terminal), then the
// response's path and whether it crossed the balancer.
import type { Journey, JourneyChange, JourneyHop, JourneyValue } from '../api';
import { table } from './format';

export interface JourneyFormatOptions {
  /** ANSI dim for the expected changes (a terminal that wants colour) */
  color?: boolean;
  /** cut summaries to this many characters (a terminal's width) */
  width?: number;
}

/** `address:port`, an IPv6 address in brackets */
const hostPort = (a: string, port: number) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
const show = (v: JourneyValue) => (v === null ? '(none)' : String(v));

function changeLines(changes: JourneyChange[], indent: string, o: JourneyFormatOptions): string[] {
  if (!changes.length) return [];
  const w = Math.max(...changes.map((c) => c.field.length));
  const dim = (s: string) => (o.color ? `\x1b[2m${s}\x1b[22m` : s);
  const bold = (s: string) => (o.color ? `\x1b[1m${s}\x1b[22m` : s);
  // the mode's rewrites first: they are what the journey is for
  const sorted = [...changes.filter((c) => !c.expected), ...changes.filter((c) => c.expected)];
  return sorted.map((c) => {
    const text = `${c.field.padEnd(w)}  ${show(c.from)} → ${show(c.to)}`;
    return c.expected ? dim(`${indent}· ${text}  (expected${c.why ? `: ${c.why}` : ''})`) : `${indent}${bold(`! ${text}`)}${c.why ? `  ${c.why}` : ''}`;
  });
}

function hopTable(hops: JourneyHop[], o: JourneyFormatOptions): string[] {
  if (!hops.length) return ['  (not seen on any interface)'];
  // a lab spread over hosts: node@host, and the hop between hosts as the host's own network
  const where = (h: JourneyHop) => (h.underlay ? `host ${h.node}` : h.host ? `${h.node}@${h.host}` : h.node);
  const rows = [['#', 'NODE', 'IFACE', 'DIR', 'T(µs)', 'SUMMARY'], ...hops.map((h, i) => [String(i + 1), where(h), h.iface, h.direction, h.t.toFixed(1), h.summary])];
  const lines = table(rows).split('\n');
  const out = [`  ${lines[0]}`];
  const indent = ' '.repeat(lines[0].indexOf('SUMMARY') + 2);
  hops.forEach((h, i) => {
    const line = `  ${lines[i + 1]}`;
    out.push(o.width && line.length > o.width ? `${line.slice(0, o.width - 1)}…` : line);
    out.push(...changeLines(h.changes, indent, o));
  });
  return out;
}

export function formatJourney(j: Journey, o: JourneyFormatOptions = {}): string {
  const served = `${j.member ? `, through ${j.member}` : ''}${j.backend ? `, reached ${j.backend}` : ''}`;
  const status = j.response.status !== undefined ? ` (HTTP ${j.response.status})` : '';
  const out = [
    `journey on lab ${j.lab}: service ${j.service} in ${j.mode} mode${j.gateway ? ` (${j.gateway})` : ''}, ${j.client.node} (${j.client.port ? hostPort(j.client.address, j.client.port) : j.client.address}) → ${hostPort(j.vip, j.port)}${served}${status}`,
  ];
  if (j.error) out.push(`note: ${j.error}`);
  if (j.notCaptured?.length) out.push(`not captured: ${j.notCaptured.join(', ')}`);
  out.push('', 'REQUEST', ...hopTable(j.request.hops, o));
  out.push('', 'RESPONSE', ...hopTable(j.response.hops, o));
  out.push('', `response crossed the balancer: ${j.response.viaBalancer ? 'yes' : 'no'}`);
  out.push('! the mode\'s own rewrite   · what any forwarding hop does (expected)');
  return out.join('\n');
}
