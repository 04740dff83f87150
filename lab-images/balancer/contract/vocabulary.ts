// The words the host and the balancer agree on: balancing modes, schedulers
// and the name rule. Written once here; electron/api.ts re-exports them for
// the whole app (the renderer bundles that file), the agent's config and
// report schemas use them. Pure TypeScript + zod: no Node APIs.
import { z } from 'zod';

export const MODES = ['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7'] as const;
export type Mode = (typeof MODES)[number];
export const SCHEDULERS = ['maglev', 'rr', 'wrr', 'lc', 'sh'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

/** Modes served by the eBPF data plane; the rest are served by HAProxy. */
export const DATAPLANE_MODES = ['dsr', 'tunnel', 'nat', 'snat'] as const satisfies readonly Mode[];
export type DataplaneMode = (typeof DATAPLANE_MODES)[number];
export const isDataplaneMode = (m: string): m is DataplaneMode => (DATAPLANE_MODES as readonly string[]).includes(m);

/** Lab, node, network, service and balancer names: what Docker names and labels accept. */
export const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
export const nameSchema = z.string().regex(NAME_RE, 'must be lowercase letters, digits and dashes (max 32)');
