// Where the build's apt proxy (apt-proxy.ts) may forward: the Debian mirrors
// the host's own apt uses (/etc/apt/sources.list, sources.list.d/*.list and
// deb822 *.sources), or deb.debian.org and security.debian.org when it names
// none — never anything on this machine or its private networks, whatever its
// name. The proxy listens on the Docker bridge: without this any build step
// (or container) could reach the host's loopback services through it.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';

/** A mirror: scheme-less host[:port] and the path its archive lives under, e.g. deb.debian.org + /debian. */
export interface Mirror { host: string; path: string }

export const DEFAULT_MIRRORS = ['http://deb.debian.org/debian', 'http://deb.debian.org/debian-security', 'http://security.debian.org/debian-security'];

/** A Debian archive: its host is *.debian.org, or a path segment names a Debian archive (…/debian, …/debian-security). */
const isDebian = (u: URL) => u.hostname === 'debian.org' || u.hostname.endsWith('.debian.org') || u.pathname.split('/').some((s) => /^debian(-security|-ports|-debug|-archive)?$/.test(s));

function toMirror(uri: string, main = false): Mirror | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  // https sources never pass through an http proxy; only plain http ones are the proxy's business
  if (u.protocol !== 'http:' || (!main && !isDebian(u))) return undefined;
  return { host: u.host.toLowerCase(), path: u.pathname.replace(/\/+$/, '') };
}

/** One-line format: `deb [options] URI suite [components…]` (deb-src too). */
export function urisOfList(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^deb(-src)?\s+(\[[^\]]*\]\s+)?(\S+)/.exec(line);
    if (m) out.push(m[3]);
  }
  return out;
}

/** deb822 format: stanzas separated by blank lines, `URIs:` (several allowed), `Enabled: no` skips one. */
export function urisOfDeb822(text: string): string[] {
  const out: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) fields.set(last, `${fields.get(last)} ${raw.trim()}`); // a continuation line
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) fields.set((last = m[1].toLowerCase()), m[2].trim());
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    if (!(fields.get('types') ?? 'deb').split(/\s+/).some((t) => t === 'deb' || t === 'deb-src')) continue;
    out.push(...(fields.get('uris') ?? '').split(/\s+/).filter(Boolean));
  }
  return out;
}

/** The host's Debian http mirrors; the defaults when it has none. `root` is for tests. */
export function hostMirrors(root = '/'): Mirror[] {
  const etc = path.join(root, 'etc/apt');
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  // sources.list and debian.sources are the host's main Debian archive (lab-images/base/build-base.sh
  // builds from their first mirror), whatever its path; other files count only when they look Debian
  const main = [...urisOfList(read(path.join(etc, 'sources.list'))), ...urisOfDeb822(read(path.join(etc, 'sources.list.d/debian.sources')))];
  const uris: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(etc, 'sources.list.d')).sort();
  } catch {}
  for (const n of names) {
    const f = path.join(etc, 'sources.list.d', n);
    if (n.endsWith('.list')) uris.push(...urisOfList(read(f)));
    else if (n.endsWith('.sources') && n !== 'debian.sources') uris.push(...urisOfDeb822(read(f)));
  }
  const found = [...main.map((u) => toMirror(u, true)), ...uris.map((u) => toMirror(u))].filter((m): m is Mirror => !!m);
  const mirrors = found.length ? found : DEFAULT_MIRRORS.map((u) => toMirror(u)!);
  return mirrors.filter((m, i) => mirrors.findIndex((o) => o.host === m.host && o.path === m.path) === i);
}

/** Only public unicast addresses: not loopback, link-local, private, CGNAT, benchmarking (the lab subnets), multicast… */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  let a = ipaddr.parse(ip);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  return a.range() === 'unicast';
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

/** Why the proxy refuses a URL, or undefined when it is under one of the mirrors (no DNS: the name and the path). */
export function targetRefusal(u: URL, mirrors: Mirror[]): string | undefined {
  if (u.protocol !== 'http:') return `only http mirrors (not ${u.protocol})`;
  const host = bare(u.hostname);
  if (ipaddr.isValid(host) && !isPublicAddress(host)) return `${host} is not a public address`;
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine`;
  const under = (m: Mirror) => m.host === u.host.toLowerCase() && (m.path === '' || u.pathname === m.path || u.pathname.startsWith(`${m.path}/`));
  if (!mirrors.some(under)) return `${u.host}${u.pathname} is not under a Debian mirror this host uses (${mirrors.map((m) => m.host + m.path).join(', ')})`;
  return undefined;
}

export type Resolve = (host: string) => Promise<string[]>;
const systemResolve: Resolve = async (host) => (await dns.lookup(host, { all: true })).map((r) => r.address);

/** The address to connect to for a mirror's name, checked: every address it resolves to must be public
 * (a name pointing at 127.0.0.1 or the LAN is refused). Throws when the name does not resolve. */
export async function publicAddress(hostname: string, resolve: Resolve = systemResolve): Promise<{ address: string } | { refusal: string }> {
  const host = bare(hostname);
  const addrs = ipaddr.isValid(host) ? [host] : await resolve(host);
  const bad = addrs.find((a) => !isPublicAddress(a));
  if (bad || !addrs.length) return { refusal: `${host} resolves to ${bad ?? 'nothing'}, not a public address` };
  return { address: addrs[0] };
}
