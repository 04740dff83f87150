// The doctor's probes: a little traffic, watched. From one client per service:
// a few requests through the VIP (the servers answer "served by <name>", and
// the address they saw the client at), and which MAC the client resolved the
// VIP to (after a ping: only the balancer may own it). One exec per client.
// A service with an IPv6 VIP is probed over IPv6 too, from a client that has
// an IPv6 address.
import { execIn } from '../docker/exec';
import { serviceBackendNodes } from '../topology/plan';
import type { LabPlan, PlannedService } from '../topology/plan-types';
import { contains, ipToInt, parseSubnet } from '../topology/net4';

export interface ServiceProbe {
  service: string;
  client: string;
  sent: number;
  /** answering node → requests it answered */
  answered: Record<string, number>;
  failed: number;
  /** source addresses the servers saw */
  sawClientAs: string[];
  /** the MAC the client resolved the VIP to, when it shares the VIP's subnet */
  vipMac?: string;
  /** tunnel: one large request (a body of `bytes`) and its HTTP status (0: no answer) */
  large?: { bytes: number; code: number };
  /** 6: the probe went to the IPv6 VIP `vip6` (absent: the IPv4 VIP) */
  family?: 6;
  vip6?: string;
}

/** The address a probe went to, as a URL host and for humans. */
export const probeTarget = (p: Pick<ServiceProbe, 'vip6'>, s: Pick<PlannedService, 'vip'>) => (p.vip6 ? `[${p.vip6}]` : s.vip);

/** The body of the large request through a tunnel: several full-size packets, each 20 bytes too big once wrapped. */
export const LARGE_REQUEST = 8000;

const SEP = '@@lblab@@';

/** A service spoken over HTTP (the default): the large request and the backends' own answers are HTTP requests. */
export const isHttp = (s: Pick<PlannedService, 'protocol'>) => (s.protocol ?? 'http') === 'http';

/** One request in the service's own protocol, its answer (naming the server) into "$d/$i": an HTTP GET,
 * an etcd get of the key each server's etcd holds its name under, or a WebSocket message echoed. */
export function probeRequest(s: Pick<PlannedService, 'vip' | 'port' | 'protocol'>, host = s.vip): string {
  const at = `${host}:${s.port}`;
  if (s.protocol === 'tcp') {
    return `{ v=$(ETCDCTL_API=3 etcdctl --endpoints ${at} --dial-timeout 2s --command-timeout 2s get lblab/server --print-value-only 2>/dev/null) && [ -n "$v" ] && echo "served by $v"; } > "$d/$i"`;
  }
  if (s.protocol === 'websocket') return `lblab-ws --timeout 2 ws://${at}/ lblab-doctor > "$d/$i" 2>/dev/null`;
  return `curl -g -s -m 2 -o "$d/$i" http://${at}/`;
}

/** The probe script: requests (one line each), a large one (`large NNN`, when asked), then the VIP's neighbour entry. */
export function probeScript(s: PlannedService, requests: number, arp: boolean, large?: number, host = s.vip): string {
  const url = `http://${host}:${s.port}/`;
  return [
    // in parallel (a failing service costs one timeout, not one per request), each from its own source port
    'd=$(mktemp -d)',
    `for i in $(seq ${requests}); do ${probeRequest(s, host)} & done; wait`,
    `for i in $(seq ${requests}); do grep -o 'served by [a-z0-9-]*\\|client [0-9a-f.:]*' "$d/$i" 2>/dev/null | tr '\\n' ' '; echo; done`,
    // full-size packets (no Expect: 100-continue wait); its answer names no server, only the status counts
    ...(large ? [`head -c ${large} /dev/zero > "$d/big"; c=$(curl -g -s -m 3 -o /dev/null -w '%{http_code}' -H 'Expect:' --data-binary @"$d/big" ${url}); echo "large \${c:-000}"`] : []),
    'rm -rf "$d"',
    `echo ${SEP}`,
    arp ? `ping -c 1 -W 1 ${s.vip} >/dev/null 2>&1; ip -j neigh show ${s.vip} 2>/dev/null` : 'true',
  ].join('\n');
}

/** The probe's output as what it saw. */
export function parseProbe(service: string, client: string, stdout: string): ServiceProbe {
  const [reqs = '', neigh = ''] = stdout.split(`${SEP}\n`);
  const all = reqs.split('\n').filter((_, i, a) => i < a.length - 1 || a[i] !== '');
  const largeLine = all.find((l) => l.startsWith('large '));
  const lines = all.filter((l) => l !== largeLine);
  const answered: Record<string, number> = {};
  const saw = new Set<string>();
  let failed = 0;
  for (const l of lines) {
    const who = /served by ([a-z0-9-]+)/.exec(l)?.[1];
    const seen = /client ([0-9a-f.:]+)/.exec(l)?.[1];
    if (seen) saw.add(seen);
    if (who) answered[who] = (answered[who] ?? 0) + 1;
    else failed++;
  }
  let vipMac: string | undefined;
  try {
    const n = JSON.parse(neigh.trim() || '[]') as { lladdr?: string; state?: string[] }[];
    vipMac = n.find((x) => x.lladdr)?.lladdr?.toLowerCase();
  } catch {
    // no `ip -j neigh`: no ARP evidence
  }
  const large = largeLine ? { bytes: LARGE_REQUEST, code: Number(largeLine.slice(6)) || 0 } : undefined;
  return { service, client, sent: lines.length, answered, failed, sawClientAs: [...saw], ...(vipMac && { vipMac }), ...(large && { large }) };
}

/** Probe every service from its first running client (one exec per service), and one with an IPv6 VIP over IPv6
 * too, from the first running client with an IPv6 address. */
export async function probeServices(plan: LabPlan, running: (node: string) => boolean, services: PlannedService[]): Promise<ServiceProbe[]> {
  const clients = plan.nodes.filter((n) => n.kind === 'client' && running(n.name));
  const clients6 = clients.filter((c) => c.interfaces.some((i) => i.address6));
  const over6 = async (s: PlannedService): Promise<ServiceProbe | undefined> => {
    const c = clients6[0];
    if (!s.vip6 || !c) return undefined;
    const n = Math.max(3, Math.min(2 * (s.backends.length || 1), 12));
    const r = await execIn(c.container, ['sh', '-c', probeScript(s, n, false, undefined, `[${s.vip6}]`)], { timeoutMs: 60_000 }).catch(() => undefined);
    return r ? { ...parseProbe(s.name, c.name, r.stdout), family: 6, vip6: s.vip6 } : undefined;
  };
  const out = await Promise.all(
    [...services.map(async (s) => {
      const vip = ipToInt(s.vip);
      // a client on the VIP's subnet shows who answers ARP for it; else any client
      const onVipNet = clients.find((c) => c.interfaces.some((i) => contains(parseSubnet(`${i.address}/${i.prefixLen}`)!, vip)));
      const c = onVipNet ?? clients[0];
      if (!c) return undefined;
      const n = Math.max(3, Math.min(2 * (s.backends.length || 1), 12));
      const r = await execIn(c.container, ['sh', '-c', probeScript(s, n, !!onVipNet, s.mode === 'tunnel' && isHttp(s) ? LARGE_REQUEST : undefined)], { timeoutMs: 60_000 }).catch(() => undefined);
      return r ? parseProbe(s.name, c.name, r.stdout) : undefined;
    }), ...services.map(over6)],
  );
  return out.filter((p): p is ServiceProbe => !!p);
}

/** What each backend answers a request of its own on the service's port (curl to 127.0.0.1): `PORT CODE` lines. */
export function answerScript(ports: number[]): string {
  return ports.map((p) => `c=$(curl -s -o /dev/null -m 2 -w '%{http_code}' http://127.0.0.1:${p}/ 2>/dev/null); echo "${p} \${c:-000}"`).join('\n');
}

/** Per service, the HTTP status each running backend gives on the service's port (0: no answer, or no curl in it). One exec per backend. */
export async function probeBackends(plan: LabPlan, running: (node: string) => boolean, services: PlannedService[]): Promise<Record<string, Record<string, number>>> {
  const ports = new Map<string, Set<number>>();
  for (const s of services.filter(isHttp)) for (const b of serviceBackendNodes(s)) if (running(b)) ports.set(b, (ports.get(b) ?? new Set()).add(s.port));
  const codes = new Map<string, Map<number, number>>();
  await Promise.all(
    [...ports].map(async ([node, set]) => {
      const n = plan.nodes.find((x) => x.name === node);
      if (!n) return;
      const r = await execIn(n.container, ['sh', '-c', answerScript([...set])], { timeoutMs: 20_000 }).catch(() => undefined);
      const m = new Map<number, number>();
      for (const l of r?.stdout.split('\n') ?? []) {
        const [p, c] = l.trim().split(' ').map(Number);
        if (Number.isInteger(p) && Number.isInteger(c)) m.set(p, c);
      }
      codes.set(node, m);
    }),
  );
  const out: Record<string, Record<string, number>> = {};
  for (const s of services) {
    out[s.name] = {};
    for (const b of serviceBackendNodes(s)) {
      const c = codes.get(b)?.get(s.port);
      if (c !== undefined) out[s.name][b] = c;
    }
  }
  return out;
}
