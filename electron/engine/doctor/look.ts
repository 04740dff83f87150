// The doctor's look at one node: one exec gathering everything the checks
// judge — addresses with MTUs and link state (`ip -j addr`), routes
// (`ip -j route`), the ARP and reverse-path sysctls of every interface, the tc
// ingress filters (tunnel decap, the balancer's program), the TCP ports
// listened on, IPv6 forwarding and the ip6ip6 senders the decapsulator takes. parseLook is pure, so the checks are tested on recorded output.
import { execIn } from '../docker/exec';

export interface LookAddr {
  ifname: string;
  mtu?: number;
  operstate?: string;
  flags?: string[];
  address?: string;
  addr_info?: { family: string; local: string; prefixlen: number; label?: string }[];
}

export interface LookRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

export interface NodeLook {
  addrs: LookAddr[];
  routes: LookRoute[];
  /** sysctl name (net.ipv4.conf.eth0.rp_filter) → value */
  sysctls: Record<string, string>;
  /** interface → `tc filter show dev X ingress` output (only interfaces that have any) */
  ingress: Record<string, string>;
  /** TCP ports listened on; undefined when the node has no `ss` */
  listening?: number[];
  /** the IPv6 senders the pinned decapsulator accepts ip6ip6 from (its decap_senders6); undefined when none is pinned */
  decapSenders6?: string[];
}

const SEP = '@@lblab@@';

/** One shell script for the whole look; sections split by SEP. */
export const LOOK_SCRIPT = [
  'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"',
  'ip -j addr',
  `echo ${SEP}`,
  'ip -j route',
  `echo ${SEP}`,
  'cd /proc/sys/net/ipv4 && for f in ip_forward ip_no_pmtu_disc conf/*/arp_ignore conf/*/arp_announce conf/*/rp_filter; do [ -f "$f" ] && echo "$f $(cat "$f")"; done',
  'f=/proc/sys/net/ipv6/conf/all/forwarding; [ -f $f ] && echo "net.ipv6.conf.all.forwarding $(cat $f)"',
  `echo ${SEP}`,
  'for d in $(ls /sys/class/net); do o=$(tc filter show dev "$d" ingress 2>/dev/null); [ -n "$o" ] && { echo "== $d"; echo "$o"; }; done',
  `echo ${SEP}`,
  'if command -v ss >/dev/null 2>&1; then ss -Htln; else echo no-ss; fi',
  `echo ${SEP}`,
  // the decapsulator's pin (topology/plumbing.ts)
  'm="${LBLAB_BPFFS:-/sys/fs/bpf}/lblab_decap/maps/decap_senders6"; [ -e "$m" ] && command -v bpftool >/dev/null 2>&1 && bpftool -j map dump pinned "$m" 2>/dev/null',
  'true',
].join('\n');

/** `conf/eth0/rp_filter` → `net.ipv4.conf.eth0.rp_filter` (a full name stays) */
const sysctlName = (path: string) => (path.startsWith('net.') ? path : `net.ipv4.${path.replace(/\//g, '.')}`);

/** decap_senders6 as `bpftool -j map dump` gives it (one entry: n, host order, then 16-byte addresses) → the addresses. */
export function parseSenders6(text: string): string[] | undefined {
  const dump = json<{ value?: string[] }[] | undefined>(text.trim(), undefined);
  const bytes = dump?.[0]?.value?.map((h) => parseInt(h, 16));
  if (!bytes || bytes.length < 4 || bytes.some((b) => !Number.isInteger(b))) return undefined;
  const n = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
  const out: string[] = [];
  for (let i = 0; i < n && 4 + 16 * (i + 1) <= bytes.length; i++) {
    const b = bytes.slice(4 + 16 * i, 4 + 16 * (i + 1));
    out.push(compress6(Array.from({ length: 8 }, (_, g) => (b[2 * g] << 8) | b[2 * g + 1])));
  }
  return out;
}

/** Eight 16-bit groups as an IPv6 address in its shortest form (RFC 5952). */
function compress6(g: number[]): string {
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best[1] && j - i > 1) best = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best[0] < 0) return hex.join(':');
  return `${hex.slice(0, best[0]).join(':')}::${hex.slice(best[0] + best[1]).join(':')}`;
}

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** The exec's output as a look. */
export function parseLook(stdout: string): NodeLook {
  const [a = '', r = '', s = '', tc = '', ss = '', d6 = ''] = stdout.split(`${SEP}\n`);
  const sysctls: Record<string, string> = {};
  for (const line of s.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(line.trim());
    if (m) sysctls[sysctlName(m[1])] = m[2];
  }
  const ingress: Record<string, string> = {};
  let dev = '';
  for (const line of tc.split('\n')) {
    const m = /^== (\S+)$/.exec(line);
    if (m) dev = m[1];
    else if (dev && line.trim()) ingress[dev] = `${ingress[dev] ?? ''}${line}\n`;
  }
  const listening = new Set<number>();
  const hasSs = !ss.startsWith('no-ss');
  for (const line of hasSs ? ss.split('\n') : []) {
    const local = line.trim().split(/\s+/)[3];
    const port = Number(local?.slice(local.lastIndexOf(':') + 1));
    if (Number.isInteger(port) && port > 0) listening.add(port);
  }
  return {
    addrs: json<LookAddr[]>(a.trim(), []),
    routes: json<LookRoute[]>(r.trim(), []).map((x) => ({ dst: x.dst, ...(x.gateway && { gateway: x.gateway }), ...(x.dev && { dev: x.dev }) })),
    sysctls,
    ingress,
    ...(hasSs && { listening: [...listening].sort((x, y) => x - y) }),
    ...(parseSenders6(d6) && { decapSenders6: parseSenders6(d6) }),
  };
}

/** Look at one running container; undefined when the exec fails (the node went away meanwhile). */
export async function lookAt(container: string): Promise<NodeLook | undefined> {
  const r = await execIn(container, ['sh', '-c', LOOK_SCRIPT], { timeoutMs: 15_000 }).catch(() => undefined);
  return r && r.exitCode === 0 ? parseLook(r.stdout) : undefined;
}

// ---- helpers the checks share

/** The effective value of a per-interface sysctl the kernel combines as max(all, interface) (arp_ignore, arp_announce, rp_filter). */
export function effective(look: NodeLook, key: 'arp_ignore' | 'arp_announce' | 'rp_filter', dev: string): number {
  const all = Number(look.sysctls[`net.ipv4.conf.all.${key}`] ?? 0);
  const own = Number(look.sysctls[`net.ipv4.conf.${dev}.${key}`] ?? look.sysctls[`net.ipv4.conf.default.${key}`] ?? 0);
  return Math.max(all, own);
}

/** The interface holding an IPv4 address, if any. */
export function ifaceWith(look: NodeLook, address: string): LookAddr | undefined {
  return look.addrs.find((l) => (l.addr_info ?? []).some((a) => a.family === 'inet' && a.local === address));
}

/** The interface holding an IPv6 address, if any (addresses compared in their canonical form). */
export function ifaceWith6(look: NodeLook, address: string): LookAddr | undefined {
  const want = canonical6(address);
  return look.addrs.find((l) => (l.addr_info ?? []).some((a) => a.family === 'inet6' && canonical6(a.local) === want));
}

/** An IPv6 address in one spelling (`ip -j` prints the shortest; a lab file may not). */
export function canonical6(address: string): string {
  const [head, tail = ''] = address.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return compress6(groups.map((x) => parseInt(x || '0', 16)));
}

/** The node's lab interfaces: every one but lo and tunnels. */
export function labInterfaces(look: NodeLook): LookAddr[] {
  return look.addrs.filter((l) => l.ifname !== 'lo' && !/^(tunl|gre|sit|ip6tnl|erspan|ip_vti)/.test(l.ifname));
}

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** The route the node takes to an address: longest prefix match over its main table. */
export function routeTo(look: NodeLook, address: string): LookRoute | undefined {
  const ip = toInt(address);
  let best: { r: LookRoute; len: number } | undefined;
  for (const r of look.routes) {
    const [net, lenText] = r.dst === 'default' ? ['0.0.0.0', '0'] : r.dst.split('/');
    const len = lenText === undefined ? 32 : Number(lenText);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(net) || !Number.isInteger(len)) continue;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    if (((ip & mask) >>> 0) !== ((toInt(net) & mask) >>> 0)) continue;
    if (!best || len > best.len) best = { r, len };
  }
  return best?.r;
}
