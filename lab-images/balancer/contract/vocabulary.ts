// The words the host and the balancer agree on: balancing modes, schedulers
// and the name rule. Written once here; electron/api.ts re-exports them for
// the whole app (the renderer bundles that file), the agent's config and
// report schemas use them. Pure TypeScript + zod: no Node APIs.
import { z } from 'zod';

export const MODES = ['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7'] as const;
export type Mode = (typeof MODES)[number];
export const SCHEDULERS = ['maglev', 'rr', 'wrr', 'lc', 'sh'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

/** Modes served by the eBPF data plane: packets rewritten in the kernel. */
export const DATAPLANE_MODES = ['dsr', 'tunnel', 'nat', 'snat'] as const satisfies readonly Mode[];
export type DataplaneMode = (typeof DATAPLANE_MODES)[number];
/** Modes served by HAProxy: connections relayed in user space (counted as sessions, not packets). */
export const PROXY_MODES = ['l4proxy', 'l7'] as const satisfies readonly Mode[];
export type ProxyMode = (typeof PROXY_MODES)[number];
export const isDataplaneMode = (m: string): m is DataplaneMode => (DATAPLANE_MODES as readonly string[]).includes(m);
export const isProxyMode = (m: string): m is ProxyMode => (PROXY_MODES as readonly string[]).includes(m);
/** Data-plane modes whose servers own the VIP (on lo) and answer the clients themselves, past the balancer. */
/** Where a balancer runs the eBPF core: tc (clsact ingress, the default) or XDP (the driver's receive path, before an skb exists). */
export const HOOKS = ['tc', 'xdp'] as const;
export type Hook = (typeof HOOKS)[number];
export const DEFAULT_HOOK: Hook = 'tc';
export const isHook = (h: string): h is Hook => (HOOKS as readonly string[]).includes(h);

export const DIRECT_RETURN_MODES = ['dsr', 'tunnel'] as const satisfies readonly DataplaneMode[];
export const isDirectReturnMode = (m: string): m is (typeof DIRECT_RETURN_MODES)[number] => (DIRECT_RETURN_MODES as readonly string[]).includes(m);

/** Lab, node, network, service and balancer names: what Docker names and labels accept. */
export const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
export const nameSchema = z.string().regex(NAME_RE, 'must be lowercase letters, digits and dashes (max 32)');

// ------------------------------------------------------------------ l7 gateways
// The l7 gateways an l7 service may pick (its `gateway` key), each a different
// network I/O model, all from Debian's packages in the balancer image, and
// what each cannot express from a service's routes and balancing method.
// One rule for both ends: the lab schema refuses the same services the agent
// would, so `lblab up` fails before anything is created.
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
