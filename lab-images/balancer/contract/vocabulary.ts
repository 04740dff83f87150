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
export const DIRECT_RETURN_MODES = ['dsr', 'tunnel'] as const satisfies readonly DataplaneMode[];
export const isDirectReturnMode = (m: string): m is (typeof DIRECT_RETURN_MODES)[number] => (DIRECT_RETURN_MODES as readonly string[]).includes(m);

/** Lab, node, network, service and balancer names: what Docker names and labels accept. */
export const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
export const nameSchema = z.string().regex(NAME_RE, 'must be lowercase letters, digits and dashes (max 32)');

// The l7 gateways a service may pick (and what each cannot express) belong to the same vocabulary.
export * from './gateways';
