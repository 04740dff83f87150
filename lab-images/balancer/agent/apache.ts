// httpd.conf for the l7 services whose gateway is one of Apache's MPMs: event
// (threads, idle keep-alive connections parked on an event loop), worker (a
// thread per connection) or prefork (a process per connection). One Apache
// instance per MPM (an instance runs one). Routes are mod_rewrite conditions
// proxying to a mod_proxy_balancer pool ([P]), first match wins; down or
// drained members are disabled (+D) and a health change rewrites the file and
// restarts Apache gracefully. Per-backend counters come from the access log
// (the member's route is its node), worker counts from mod_status. A WebSocket
// upgrade is routed like any request, then mod_proxy_http relays the upgraded
// connection as a tunnel (the members' upgrade=websocket), holding its worker.
import type { ServiceConfig } from '../contract/config';
import { APACHE_DEFAULT_WORKERS, type Gateway } from '../contract/vocabulary';
import { isOut, pools, reEscape, servicesOf, type GatewayRenderOptions } from './gateway-common';

export type ApacheGateway = Extract<Gateway, `apache-${string}`>;
export const APACHE_GATEWAYS: readonly ApacheGateway[] = ['apache-event', 'apache-worker', 'apache-prefork'];
const MODULES = '/usr/lib/apache2/modules';
/** mod_status listens here (loopback, one port per MPM) for the agent's counters. */
export const APACHE_STATUS_PORT: Record<ApacheGateway, number> = { 'apache-event': 61081, 'apache-worker': 61082, 'apache-prefork': 61083 };

export const apachePaths = (gw: ApacheGateway, dir = '/run/lblab') => ({
  conf: `${dir}/${gw}.conf`,
  pid: `${dir}/${gw}.pid`,
  runtime: `${dir}/${gw}`,
  accessLog: `${dir}/${gw}-access.log`,
  errorLog: `${dir}/${gw}-error.log`,
});

const LBMETHOD: Partial<Record<ServiceConfig['scheduler'], string>> = { rr: 'byrequests', wrr: 'byrequests', lc: 'bybusyness' };

/** The MPM's sizing: `workers` threads (event, worker) or processes (prefork) at most. */
function mpmLines(gw: ApacheGateway, workers: number): string[] {
  if (gw === 'apache-prefork')
    // every worker started at once and kept: Apache's own ramp-up (a few more per second) would be measured instead of the model
    return [`LoadModule mpm_prefork_module ${MODULES}/mod_mpm_prefork.so`, `StartServers ${workers}`, `MinSpareServers ${workers}`, `MaxSpareServers ${workers}`, `ServerLimit ${workers}`, `MaxRequestWorkers ${workers}`, 'MaxConnectionsPerChild 0'];
  const perChild = Math.min(64, workers);
  const children = Math.ceil(workers / perChild);
  const mpm = gw === 'apache-event' ? 'event' : 'worker';
  return [
    `LoadModule mpm_${mpm}_module ${MODULES}/mod_mpm_${mpm}.so`,
    `ServerLimit ${children}`, `StartServers ${children}`, `ThreadsPerChild ${perChild}`, `ThreadLimit ${perChild}`,
    `MaxRequestWorkers ${children * perChild}`, `MinSpareThreads ${children * perChild}`, `MaxSpareThreads ${children * perChild}`, 'MaxConnectionsPerChild 0',
  ];
}

function conditions(r: ServiceConfig['routes'][number]): string[] {
  const out: string[] = [];
  if (r.host !== undefined) {
    // like HAProxy: the name part of Host unless the route names a port, case-insensitive
    const port = r.host.includes(':') ? '' : '(:[0-9]+)?';
    out.push(`    RewriteCond %{HTTP_HOST} ^${reEscape(r.host)}${port}$ [NC]`);
  }
  for (const [h, v] of Object.entries(r.header ?? {})) out.push(`    RewriteCond %{HTTP:${h}} =${v}`);
  return out;
}

/** The service's VIPs as Apache writes them: IPv4, and the IPv6 one in brackets (dual-stack). */
const vipBinds = (s: ServiceConfig) => [`${s.vip}:${s.port}`, ...(s.vip6 ? [`[${s.vip6}]:${s.port}`] : [])];

function virtualHost(s: ServiceConfig, o: GatewayRenderOptions): string[] {
  const binds = [...vipBinds(s), ...s.alsoBind.filter((b) => b !== `${s.vip}:${s.port}`)];
  // a named virtual host: one without a name makes Apache look its address up in the DNS at every start
  const out = [`<VirtualHost ${binds.join(' ')}>`, `    ServerName ${s.name}`, '    ProxyPreserveHost On', '    RewriteEngine On'];
  s.routes.forEach((r, i) => {
    out.push(...conditions(r));
    const path = r.path === undefined ? '^' : `^${reEscape(r.path)}`;
    out.push(`    RewriteRule ${path} balancer://be_${s.name}_r${i}%{REQUEST_URI} [P,L,E=LB_SERVICE:${s.name}]`);
  });
  out.push(`    RewriteRule ^ balancer://be_${s.name}%{REQUEST_URI} [P,L,E=LB_SERVICE:${s.name}]`);
  out.push('    Header always set X-Lblab-Backend "%{BALANCER_WORKER_ROUTE}e"', `    Header always set X-Lblab-Service ${s.name}`);
  for (const p of pools(s)) {
    out.push(`    <Proxy balancer://${p.name}>`);
    for (const b of p.backends)
      out.push(`        BalancerMember http://${b.address}:${s.port} route=${b.node} loadfactor=${Math.min(100, Math.max(1, b.weight))} connectiontimeout=2 retry=0 upgrade=websocket${isOut(s, b, o.healthy) ? ' status=+D' : ''}`);
    out.push(`        ProxySet lbmethod=${LBMETHOD[s.scheduler] ?? 'byrequests'}`, '    </Proxy>');
  }
  out.push('</VirtualHost>');
  return out;
}

/** The whole config of one Apache MPM for the services that picked it (none: undefined). */
export function apacheConfig(gw: ApacheGateway, all: ServiceConfig[], o: GatewayRenderOptions = {}): string | undefined {
  const services = servicesOf(gw, all);
  if (!services.length) return undefined;
  const p = apachePaths(gw, o.dir);
  // one instance serves every service of this MPM: the largest limit asked for
  const workers = Math.max(...services.map((s) => s.workers ?? APACHE_DEFAULT_WORKERS[gw]));
  const listens = [...new Set(services.flatMap((s) => [...vipBinds(s), ...s.alsoBind]))];
  const mod = (m: string) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`;
  return [
    '# generated by lbagent: do not edit, `lbagent apply` rewrites it',
    // a name in /etc/hosts: Apache resolves it at start, and a lab's DNS may not answer (seconds of timeouts)
    'ServerName localhost',
    `PidFile ${p.pid}`,
    `DefaultRuntimeDir ${p.runtime}`,
    `ErrorLog ${p.errorLog}`,
    'LogLevel warn',
    'User www-data',
    'Group www-data',
    ...mpmLines(gw, workers),
    ...['authz_core', 'authz_host', 'proxy', 'proxy_http', 'proxy_balancer', 'slotmem_shm', 'lbmethod_byrequests', 'lbmethod_bybusyness', 'rewrite', 'headers', 'status'].map(mod),
    'Timeout 60',
    'KeepAlive On',
    'MaxKeepAliveRequests 0',
    'KeepAliveTimeout 60',
    'ListenBacklog 4096',
    'ProxyTimeout 60',
    ...listens.map((l) => `Listen ${l}`),
    `Listen 127.0.0.1:${APACHE_STATUS_PORT[gw]}`,
    'LogFormat "%{LB_SERVICE}e %{BALANCER_WORKER_ROUTE}e %>s %I %O" lblab',
    `CustomLog ${p.accessLog} lblab env=LB_SERVICE`,
    ...services.flatMap((s) => virtualHost(s, o)),
    `<VirtualHost 127.0.0.1:${APACHE_STATUS_PORT[gw]}>`,
    '    ServerName localhost',
    '    <Location /server-status>',
    '        SetHandler server-status',
    '        Require ip 127.0.0.1',
    '    </Location>',
    '</VirtualHost>',
    '',
  ].join('\n');
}
