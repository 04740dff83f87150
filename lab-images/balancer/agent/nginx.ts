// nginx.conf for the l7 services whose gateway is nginx: event-driven worker
// processes. The same routes as HAProxy's (first match wins, the service's own
// pool by default): one `map` per service turns Host, the headers the routes
// name and the path into the pool's upstream name, tried in route order. The
// balancing method maps to nginx's upstream methods; down or drained backends
// are written `down` (a health change rewrites and reloads: nginx has no
// runtime API in Debian's build). Per-backend counters come from the access
// log, connection counts from stub_status on a unix socket. A WebSocket
// upgrade is routed like any request and then relayed as a tunnel (HTTP/1.1
// upstream, Upgrade and Connection passed on).
import type { ServiceConfig } from '../contract/config';
import { isOut, pools, reEscape, servicesOf, type GatewayRenderOptions } from './gateway-common';

export const nginxPaths = (dir = '/run/lblab') => ({
  conf: `${dir}/nginx.conf`,
  pid: `${dir}/nginx.pid`,
  accessLog: `${dir}/nginx-access.log`,
  errorLog: `${dir}/nginx-error.log`,
  status: `${dir}/nginx-status.sock`,
});

const BALANCE: Record<ServiceConfig['scheduler'], string[]> = {
  rr: [],
  wrr: [], // the weights make it weighted
  lc: ['least_conn;'],
  sh: ['hash $remote_addr consistent;'],
  // as in HAProxy: a consistent hash of the client's address and port
  maglev: ['hash $remote_addr:$remote_port consistent;'],
};

const headerVar = (h: string) => `$http_${h.toLowerCase().replace(/-/g, '_')}`;

/** The map from request to pool: key fields `$host|$http_host|<headers…>|$uri`, one regex per route. */
function routeMap(s: ServiceConfig): string[] {
  const headers = [...new Set(s.routes.flatMap((r) => Object.keys(r.header ?? {}).map((h) => h.toLowerCase())))];
  const key = ['$host', '$http_host', ...headers.map(headerVar), '$uri'].join('|');
  const any = '[^|]*';
  const out = [`map "${key}" $lb_pool_${s.name.replace(/-/g, '_')} {`];
  s.routes.forEach((r, i) => {
    // $host is lowercased without the port; a route naming a port compares the whole Host header
    const host = r.host === undefined || r.host.includes(':') ? any : reEscape(r.host.toLowerCase());
    const hostPort = r.host !== undefined && r.host.includes(':') ? `(?i:${reEscape(r.host)})` : any;
    const lower = Object.fromEntries(Object.entries(r.header ?? {}).map(([h, v]) => [h.toLowerCase(), v]));
    const hs = headers.map((h) => (lower[h] !== undefined ? reEscape(lower[h]) : any));
    const path = r.path === undefined ? '.*' : `${reEscape(r.path)}.*`;
    out.push(`    "~^${[host, hostPort, ...hs, path].join('\\|')}$" be_${s.name}_r${i};`);
  });
  out.push(`    default be_${s.name};`, '}');
  return out;
}

function serviceBlocks(s: ServiceConfig, o: GatewayRenderOptions): string[] {
  const out: string[] = [];
  for (const p of pools(s)) {
    out.push(`upstream ${p.name} {`, ...BALANCE[s.scheduler].map((l) => `    ${l}`));
    for (const b of p.backends) out.push(`    server ${b.address}:${s.port} weight=${Math.max(1, b.weight)} max_fails=0${isOut(s, b, o.healthy) ? ' down' : ''};`);
    out.push('}');
  }
  out.push(...routeMap(s));
  const pool = `$lb_pool_${s.name.replace(/-/g, '_')}`;
  out.push('server {', `    listen ${s.vip}:${s.port} backlog=4096;`);
  if (s.vip6) out.push(`    listen [${s.vip6}]:${s.port} backlog=4096;`);
  for (const b of s.alsoBind) if (b !== `${s.vip}:${s.port}`) out.push(`    listen ${b} backlog=4096;`);
  out.push(
    `    set $lb_service ${s.name};`,
    '    location / {',
    `        proxy_pass http://${pool};`,
    // what HAProxy does: the Host as sent, the client in X-Forwarded-For, a dead server retried elsewhere
    '        proxy_set_header Host $http_host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    // an Upgrade (WebSocket) passes through and the connection stays a tunnel; a plain request gets Connection: close as before
    '        proxy_http_version 1.1;',
    '        proxy_set_header Upgrade $http_upgrade;',
    '        proxy_set_header Connection $lb_connection;',
    '        proxy_next_upstream error timeout;',
    '        proxy_next_upstream_tries 3;',
    '        add_header X-Lblab-Backend $lb_node always;',
    `        add_header X-Lblab-Service ${s.name} always;`,
    '    }',
    '}',
  );
  return out;
}

/** The node behind the address nginx last sent to ($upstream_addr lists every try: the last one answered). */
function nodeMap(services: ServiceConfig[]): string[] {
  const seen = new Map<string, string>();
  for (const s of services) for (const p of pools(s)) for (const b of p.backends) seen.set(`${b.address}:${s.port}`, b.node);
  return ['map $upstream_addr $lb_node {', ...[...seen].map(([a, n]) => `    "~(^|[ ,])${reEscape(a)}$" ${n};`), '    default -;', '}'];
}

/** The whole nginx.conf for the services of gateway nginx (none: undefined). */
export function nginxConfig(all: ServiceConfig[], o: GatewayRenderOptions = {}): string | undefined {
  const services = servicesOf('nginx', all);
  if (!services.length) return undefined;
  const p = nginxPaths(o.dir);
  return [
    '# generated by lbagent: do not edit, `lbagent apply` rewrites it',
    'user www-data;',
    'worker_processes auto;',
    `pid ${p.pid};`,
    `error_log ${p.errorLog} warn;`,
    // every proxied connection holds two descriptors: a client's and a server's
    'events { worker_connections 16384; }',
    'http {',
    '    keepalive_timeout 60s;',
    '    keepalive_requests 1000000;',
    '    proxy_connect_timeout 2s;',
    '    proxy_read_timeout 60s;',
    '    proxy_send_timeout 60s;',
    '    client_header_timeout 10s;',
    "    log_format lblab '$lb_service $lb_node $status $request_length $bytes_sent';",
    `    access_log ${p.accessLog} lblab buffer=64k flush=1s;`,
    // what the Connection header to a server says: upgrade when the client asked for one, close otherwise
    "    map $http_upgrade $lb_connection { default upgrade; '' close; }",
    ...nodeMap(services).map((l) => `    ${l}`),
    ...services.flatMap((s) => serviceBlocks(s, o)).map((l) => `    ${l}`),
    `    server { listen unix:${p.status}; access_log off; location / { stub_status; } }`,
    '}',
    '',
  ].join('\n');
}
