// The l7 gateways an l7 service may pick (its `gateway` key), each a different
// network I/O model, all from Debian's packages in the balancer image, and
// what each cannot express from a service's routes and balancing method.
// One rule for both ends: the lab schema refuses the same services the agent
// would, so `lblab up` fails before anything is created. Pure: no Node APIs.
import type { Scheduler } from './vocabulary';

export const GATEWAYS = ['haproxy', 'nginx', 'apache-event', 'apache-worker', 'apache-prefork'] as const;
export type Gateway = (typeof GATEWAYS)[number];
export const DEFAULT_GATEWAY: Gateway = 'haproxy';

/** How each one serves connections: what a comparison across gateways measures. */
export const GATEWAY_MODELS: Record<Gateway, string> = {
  haproxy: 'one event loop per thread',
  nginx: 'event-driven worker processes',
  'apache-event': 'a thread per request in flight, idle keep-alive connections parked on an event loop',
  'apache-worker': 'a thread per connection',
  'apache-prefork': 'a process per connection',
};
/** Event-driven: a connection costs a little memory, not a thread or a process. */
export const EVENT_DRIVEN: readonly Gateway[] = ['haproxy', 'nginx', 'apache-event'];

/** Apache's workers when the service names none (`workers`): enough threads for a few thousand connections. */
export const APACHE_DEFAULT_WORKERS: Record<'apache-event' | 'apache-worker' | 'apache-prefork', number> = {
  'apache-event': 1024,
  'apache-worker': 1024,
  'apache-prefork': 256,
};
export const MAX_WORKERS = 8192;

export const isGateway = (g: string): g is Gateway => (GATEWAYS as readonly string[]).includes(g);

/** nginx reads a request header as the variable $http_<name> (dashes as underscores): only letters, digits and dashes map back. */
const NGINX_HEADER_RE = /^[A-Za-z0-9-]+$/;

export interface GatewayService {
  scheduler: Scheduler;
  routes?: { header?: Record<string, string> }[];
}

/** Why `gateway` cannot serve this service, one line; undefined when it can. */
export function gatewayRefusal(gateway: Gateway, s: GatewayService): string | undefined {
  if (gateway === 'nginx') {
    for (const [i, r] of (s.routes ?? []).entries())
      for (const h of Object.keys(r.header ?? {}))
        if (!NGINX_HEADER_RE.test(h)) return `gateway nginx cannot match header ${h} (route ${i}): nginx sees only headers named with letters, digits and dashes`;
    return undefined;
  }
  if (gateway.startsWith('apache-') && (s.scheduler === 'maglev' || s.scheduler === 'sh'))
    return `gateway ${gateway} cannot balance by ${s.scheduler}: Apache's mod_proxy_balancer has no hash of the client (use rr, wrr or lc)`;
  return undefined;
}
