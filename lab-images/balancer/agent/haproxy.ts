// haproxy.cfg for the proxy modes. l4proxy: a `mode tcp` frontend on VIP:port
// (two TCP connections, nothing rewritten in packets). l7: `mode http` with
// ACLs on path prefix, Host and headers, first match wins, the service's own
// backends as default. Health is decided by the agent's checker (one source of
// truth for every mode): down servers are written `disabled` here and toggled
// at runtime through the admin socket, so counters survive health flaps.
import type { BackendConfig, RouteConfig, ServiceConfig } from '../contract/config';
import { isProxyMode } from '../contract/vocabulary';

export const HAPROXY_SOCKET = '/run/lblab/haproxy.sock';

export const BALANCE: Record<ServiceConfig['scheduler'], string[]> = {
  rr: ['balance roundrobin'],
  wrr: ['balance roundrobin'], // weights on the server lines make it weighted
  lc: ['balance leastconn'],
  sh: ['balance source'],
  // Maglev in the data plane hashes the whole flow; the closest HAProxy has is a
  // consistent hash of client address and port (`balance source` alone would
  // pin every connection of one client to one server).
  maglev: ['tcp-request content set-var(txn.lb_cport) src_port', 'balance hash src,concat(:,txn.lb_cport)', 'hash-type consistent'],
};

export const frontendName = (svc: string) => `fe_${svc}`;
/** Backend section name: the service's default pool, or route i's pool. */
export const backendName = (svc: string, route?: number) => (route === undefined ? `be_${svc}` : `be_${svc}_r${route}`);

/** Parse a backend section name back to its service (undefined if not ours). */
export function serviceOfBackend(px: string, services: string[]): string | undefined {
  if (!px.startsWith('be_')) return undefined;
  const rest = px.slice(3);
  if (services.includes(rest)) return rest;
  const m = /^(.*)_r\d+$/.exec(rest);
  return m && services.includes(m[1]) ? m[1] : undefined;
}

export interface HaproxyOptions {
  socket?: string;
  /** service/node → false when the agent's checker has it down */
  healthy?: (service: string, node: string) => boolean;
}

function serverLines(svc: ServiceConfig, backends: BackendConfig[], healthy: HaproxyOptions['healthy']): string[] {
  return backends.map((b) => {
    const down = healthy && !healthy(svc.name, b.node) ? ' disabled' : '';
    return `    server ${b.node} ${b.address}:${svc.port} weight ${b.weight}${down}`;
  });
}

function routeConditions(r: RouteConfig, i: number): { acls: string[]; names: string[] } {
  const acls: string[] = [];
  const names: string[] = [];
  if (r.path !== undefined) {
    acls.push(`    acl r${i}_path path_beg ${r.path}`);
    names.push(`r${i}_path`);
  }
  if (r.host !== undefined) {
    // a Host header may carry a port: compare the name part unless the route names a port
    const fetch = r.host.includes(':') ? 'req.hdr(host)' : 'req.hdr(host),field(1,:)';
    acls.push(`    acl r${i}_host ${fetch} -m str -i ${r.host}`);
    names.push(`r${i}_host`);
  }
  Object.entries(r.header ?? {}).forEach(([h, v], j) => {
    acls.push(`    acl r${i}_h${j} hdr(${h}) -m str ${v}`);
    names.push(`r${i}_h${j}`);
  });
  return { acls, names };
}

function serviceSections(svc: ServiceConfig, opts: HaproxyOptions): string[] {
  const http = svc.mode === 'l7';
  const mode = http ? 'http' : 'tcp';
  const out: string[] = [];
  out.push(`frontend ${frontendName(svc.name)}`, `    mode ${mode}`, `    bind ${svc.vip}:${svc.port}`);
  // dual-stack: the IPv6 VIP too (HAProxy splits address and port at the last colon)
  if (svc.vip6) out.push(`    bind ${svc.vip6}:${svc.port}`);
  for (const b of svc.alsoBind ?? []) if (b !== `${svc.vip}:${svc.port}`) out.push(`    bind ${b}`);
  if (http) {
    out.push('    option forwardfor', '    option http-server-close');
    svc.routes.forEach((r, i) => {
      const { acls, names } = routeConditions(r, i);
      out.push(...acls, `    use_backend ${backendName(svc.name, i)} if ${names.join(' ')}`);
    });
  }
  out.push(`    default_backend ${backendName(svc.name)}`, '');
  const pools: [string, BackendConfig[]][] = [[backendName(svc.name), svc.backends], ...svc.routes.map((r, i): [string, BackendConfig[]] => [backendName(svc.name, i), r.backends])];
  for (const [name, backends] of pools) {
    out.push(`backend ${name}`, `    mode ${mode}`, ...BALANCE[svc.scheduler].map((l) => `    ${l}`));
    // a connection refused by a server that died between checks is retried elsewhere
    out.push('    retries 2', '    option redispatch');
    if (http) out.push('    http-response set-header X-Lblab-Backend %[srv_name]', `    http-response set-header X-Lblab-Service ${svc.name}`);
    out.push(...serverLines(svc, backends, opts.healthy), '');
  }
  return out;
}

/** HAProxy serves every l4proxy service and the l7 ones whose gateway is haproxy (the default). */
export const servedByHaproxy = (s: ServiceConfig) => isProxyMode(s.mode) && (s.mode === 'l4proxy' || (s.gateway ?? 'haproxy') === 'haproxy');

/** The whole haproxy.cfg for the services HAProxy serves (l4proxy, l7 with the haproxy gateway) of one config. */
export function haproxyConfig(services: ServiceConfig[], opts: HaproxyOptions = {}): string {
  const proxied = services.filter(servedByHaproxy);
  const lines = [
    '# generated by lbagent: do not edit, `lbagent apply` rewrites it',
    'global',
    `    stats socket ${opts.socket ?? HAPROXY_SOCKET} mode 600 level admin`,
    // no global maxconn: HAProxy derives it from the container's file limit (a fixed value can exceed it)
    '',
    'defaults',
    '    timeout connect 2s',
    '    timeout client 60s',
    '    timeout server 60s',
    '    timeout http-request 10s',
    // an upgraded connection (WebSocket through l7) is a tunnel: kept open while idle up to this
    '    timeout tunnel 1h',
    '',
  ];
  for (const s of proxied) lines.push(...serviceSections(s, opts));
  return lines.join('\n') + '\n';
}

/** Every (backend section, server) pair a node appears in, for runtime state changes. */
export function serverRefs(svc: ServiceConfig, node: string): string[] {
  const refs: string[] = [];
  if (svc.backends.some((b) => b.node === node)) refs.push(`${backendName(svc.name)}/${node}`);
  svc.routes.forEach((r, i) => {
    if (r.backends.some((b) => b.node === node)) refs.push(`${backendName(svc.name, i)}/${node}`);
  });
  return refs;
}
