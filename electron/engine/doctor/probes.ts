// The doctor's probes: a little traffic, watched. From one client per service:
// a few requests through the VIP (the servers answer "served by <name>", and
// the address they saw the client at), and which MAC the client resolved the
// VIP to (after a ping: only the balancer may own it). One exec per client.
import { execIn } from '../docker/exec';
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
}

const SEP = '@@lblab@@';

/** One request in the service's own protocol, its answer (naming the server) into "$d/$i": an HTTP GET,
 * an etcd get of the key each server's etcd holds its name under, or a WebSocket message echoed. */
export function probeRequest(s: Pick<PlannedService, 'vip' | 'port' | 'protocol'>): string {
  const at = `${s.vip}:${s.port}`;
  if (s.protocol === 'tcp') {
    return `{ v=$(ETCDCTL_API=3 etcdctl --endpoints ${at} --dial-timeout 2s --command-timeout 2s get lblab/server --print-value-only 2>/dev/null) && [ -n "$v" ] && echo "served by $v"; } > "$d/$i"`;
  }
  if (s.protocol === 'websocket') return `lblab-ws --timeout 2 ws://${at}/ lblab-doctor > "$d/$i" 2>/dev/null`;
  return `curl -s -m 2 -o "$d/$i" http://${at}/`;
}

/** The probe script: requests (one line each), then the VIP's neighbour entry. */
export function probeScript(s: PlannedService, requests: number, arp: boolean): string {
  return [
    // in parallel (a failing service costs one timeout, not one per request), each from its own source port
    'd=$(mktemp -d)',
    `for i in $(seq ${requests}); do ${probeRequest(s)} & done; wait`,
    `for i in $(seq ${requests}); do grep -o 'served by [a-z0-9-]*\\|client [0-9.]*' "$d/$i" 2>/dev/null | tr '\\n' ' '; echo; done`,
    'rm -rf "$d"',
    `echo ${SEP}`,
    arp ? `ping -c 1 -W 1 ${s.vip} >/dev/null 2>&1; ip -j neigh show ${s.vip} 2>/dev/null` : 'true',
  ].join('\n');
}

/** The probe's output as what it saw. */
export function parseProbe(service: string, client: string, stdout: string): ServiceProbe {
  const [reqs = '', neigh = ''] = stdout.split(`${SEP}\n`);
  const lines = reqs.split('\n').filter((_, i, a) => i < a.length - 1 || a[i] !== '');
  const answered: Record<string, number> = {};
  const saw = new Set<string>();
  let failed = 0;
  for (const l of lines) {
    const who = /served by ([a-z0-9-]+)/.exec(l)?.[1];
    const seen = /client ([0-9.]+)/.exec(l)?.[1];
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
  return { service, client, sent: lines.length, answered, failed, sawClientAs: [...saw], ...(vipMac && { vipMac }) };
}

/** Probe every service from its first running client (one exec per service). */
export async function probeServices(plan: LabPlan, running: (node: string) => boolean, services: PlannedService[]): Promise<ServiceProbe[]> {
  const clients = plan.nodes.filter((n) => n.kind === 'client' && running(n.name));
  const out = await Promise.all(
    services.map(async (s) => {
      const vip = ipToInt(s.vip);
      // a client on the VIP's subnet shows who answers ARP for it; else any client
      const onVipNet = clients.find((c) => c.interfaces.some((i) => contains(parseSubnet(`${i.address}/${i.prefixLen}`)!, vip)));
      const c = onVipNet ?? clients[0];
      if (!c) return undefined;
      const n = Math.max(3, Math.min(2 * (s.backends.length || 1), 12));
      const r = await execIn(c.container, ['sh', '-c', probeScript(s, n, !!onVipNet)], { timeoutMs: 60_000 }).catch(() => undefined);
      return r ? parseProbe(s.name, c.name, r.stdout) : undefined;
    }),
  );
  return out.filter((p): p is ServiceProbe => !!p);
}
