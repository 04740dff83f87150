// The agent's configuration: what the engine pipes to `lbagent apply`.
// One zod schema validates it at both ends (the engine builds it, the agent
// re-checks it because stdin is a boundary). Pure: no Node imports.
import { z } from 'zod';
import { headerNameSchema, headerValueSchema, hostSchema, httpPathSchema, routeHasMatch } from './l7-values';
import { DEFAULT_MAX_FLOWS, MAX_MAX_FLOWS, MIN_MAX_FLOWS } from './flow-table';
import { MAX_SERVICES, MAX_SNAT_ADDRS } from './limits';
import { DEFAULT_GATEWAY, DEFAULT_HOOK, GATEWAYS, HOOKS, MAX_WORKERS, gatewayRefusal, MODES, SCHEDULERS, isDataplaneMode, isProxyMode, nameSchema as name } from './vocabulary';

const ipv4 = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'must be an IPv4 address')
  .refine((s) => s.split('.').every((o) => Number(o) <= 255), 'must be an IPv4 address');
const cidr = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be IPv4/prefix')
  .refine((s) => {
    const [a, p] = s.split('/');
    return a.split('.').every((o) => Number(o) <= 255) && Number(p) <= 32;
  }, 'must be IPv4/prefix');
const ipv6 = z.ipv6({ message: 'must be an IPv6 address' });
const cidr6 = z.cidrv6({ message: 'must be IPv6/prefix' });
// Empty MAC = unknown next hop (the data plane may resolve it with bpf_redirect_neigh).
const mac = z.string().regex(/^([0-9a-f]{2}(:[0-9a-f]{2}){5})?$/, 'must be a lowercase MAC aa:bb:cc:dd:ee:ff or empty');
const ifname = z.string().regex(/^[A-Za-z0-9_.@-]{1,15}$/, 'must be a Linux interface name');
export const backendSchema = z.object({
  node: name,
  address: ipv4,
  /** the backend's IPv6 address in a dual-stack lab: where the service's vip6 traffic goes */
  address6: ipv6.optional(),
  /** MAC of the L2 next hop toward this backend (the backend itself on a shared network, else the router) */
  mac: mac.default(''),
  weight: z.number().int().min(0).max(256).default(1),
});

export const routeSchema = z
  .object({
    // route and health values end up inside haproxy.cfg: l7-values.ts says what they may hold (the lab schema checks the same)
    path: httpPathSchema.optional(),
    host: hostSchema.optional(),
    header: z.record(headerNameSchema, headerValueSchema).optional(),
    backends: z.array(backendSchema).min(1, 'a route needs at least one backend'),
  })
  .refine(routeHasMatch, {
    message: 'a route needs a path, host or header to match',
  });

export const healthSchema = z.object({
  type: z.enum(['tcp', 'http']).default('tcp'),
  path: httpPathSchema.default('/'),
  // ≤ 1 s so that 2 failed checks take a dead backend out within 3 s
  intervalMs: z.number().int().min(100).max(1000).default(500),
  timeoutMs: z.number().int().min(50).max(1000).default(400),
  fall: z.number().int().min(1).max(10).default(2),
  rise: z.number().int().min(1).max(10).default(2),
});

export const serviceSchema = z
  .object({
    name,
    vip: ipv4,
    /** dual-stack: the IPv6 VIP served in the same mode beside vip (every backend then has address6) */
    vip6: ipv6.optional(),
    port: z.number().int().min(1).max(65535),
    proto: z.enum(['tcp', 'udp']).default('tcp'),
    mode: z.enum(MODES),
    scheduler: z.enum(SCHEDULERS).default('maglev'),
    backends: z.array(backendSchema).min(1, 'a service needs at least one backend'),
    routes: z.array(routeSchema).default([]),
    health: healthSchema.default(() => healthSchema.parse({})),
    snatAddress: ipv4.optional(),
    /** snat: every source address of the service (snatAddress first); none: snatAddress alone */
    /** snat with vip6: the IPv6 source address toward the backends (NAT66) */
    snatAddress6: ipv6.optional(),
    /** tunnel: ipv6 carries the IPv4 VIP's packets to the backends in IPv6 ("4in6", to their address6) */
    underlay: z.enum(['ipv4', 'ipv6']).optional(),
    snatAddresses: z.array(ipv4).min(1).max(MAX_SNAT_ADDRS, `at most ${MAX_SNAT_ADDRS} snat addresses`).optional(),
    // l4proxy/l7 also answer these ip:port (the VIP of a lower tier that hands
    // its traffic to this node with dsr or tunnel: that VIP sits on our lo)
    alsoBind: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/, 'must be ip:port')).default([]),
    // l7 only: which gateway serves it, and (Apache) its worker limit: threads, or processes for prefork
    gateway: z.enum(GATEWAYS).default(DEFAULT_GATEWAY),
    workers: z.number().int().min(1).max(MAX_WORKERS).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'snat' && !s.snatAddress) ctx.addIssue({ code: 'custom', path: ['snatAddress'], message: 'snat mode needs snatAddress' });
    if (s.vip6 && s.mode === 'snat' && !s.snatAddress6) ctx.addIssue({ code: 'custom', path: ['snatAddress6'], message: 'snat mode with vip6 needs snatAddress6' });
    if (s.vip6) s.backends.forEach((b, i) => {
      if (!b.address6) ctx.addIssue({ code: 'custom', path: ['backends', i, 'address6'], message: `backend ${b.node} needs address6 to serve vip6` });
    });
    if (s.underlay === 'ipv6' && s.mode !== 'tunnel') ctx.addIssue({ code: 'custom', path: ['underlay'], message: `underlay ipv6 is for tunnel mode (mode is ${s.mode})` });
    if (s.underlay === 'ipv6') s.backends.forEach((b, i) => {
      if (!b.address6) ctx.addIssue({ code: 'custom', path: ['backends', i, 'address6'], message: `backend ${b.node} needs address6 for underlay ipv6` });
    });
    if (s.snatAddresses && s.snatAddresses[0] !== s.snatAddress) ctx.addIssue({ code: 'custom', path: ['snatAddresses'], message: 'snatAddresses must start with snatAddress' });
    if (s.snatAddresses && new Set(s.snatAddresses).size !== s.snatAddresses.length) ctx.addIssue({ code: 'custom', path: ['snatAddresses'], message: 'snatAddresses lists an address twice' });
    if (s.routes.length > 0 && s.mode !== 'l7') ctx.addIssue({ code: 'custom', path: ['routes'], message: `routes are only for l7 (mode is ${s.mode})` });
    if (s.gateway !== DEFAULT_GATEWAY && s.mode !== 'l7') ctx.addIssue({ code: 'custom', path: ['gateway'], message: `gateway ${s.gateway} serves l7 only (mode is ${s.mode})` });
    const refused = s.mode === 'l7' ? gatewayRefusal(s.gateway, s) : undefined;
    if (refused) ctx.addIssue({ code: 'custom', path: ['gateway'], message: refused });
    if (s.proto === 'udp' && isProxyMode(s.mode)) ctx.addIssue({ code: 'custom', path: ['proto'], message: `${s.mode} serves tcp only` });
    const seen = new Set<string>();
    s.backends.forEach((b, i) => {
      if (seen.has(b.node)) ctx.addIssue({ code: 'custom', path: ['backends', i, 'node'], message: `backend ${b.node} listed twice` });
      seen.add(b.node);
    });
  });

/** How long the eBPF data plane keeps an idle flow, by its state, in seconds
 * (like IPVS's and conntrack's timeouts): then the flow is forgotten and, in
 * snat, its source port given back. A packet after that is scheduled afresh.
 * The core's own defaults (core/flow.h TO_*_DEF) are these in ticks;
 * test/unit/balancer/flow-lifetimes.test.ts fails when they differ. */
export const DEFAULT_FLOW_TIMEOUTS = { tcpSyn: 20, tcpEstablished: 300, tcpFin: 30, tcpClosed: 3, udp: 30 } as const;
const seconds = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);
export const flowTimeoutsSchema = z.object({
  /** TCP, only the client's SYN seen */
  tcpSyn: seconds(3600, DEFAULT_FLOW_TIMEOUTS.tcpSyn),
  tcpEstablished: seconds(7 * 86400, DEFAULT_FLOW_TIMEOUTS.tcpEstablished),
  /** TCP, FIN seen one way (half-closed) */
  tcpFin: seconds(3600, DEFAULT_FLOW_TIMEOUTS.tcpFin),
  /** TCP, FIN both ways or RST: the linger before its entries (and snat port) are given back */
  tcpClosed: seconds(600, DEFAULT_FLOW_TIMEOUTS.tcpClosed),
  udp: seconds(3600, DEFAULT_FLOW_TIMEOUTS.udp),
});

export const interfaceSchema = z.object({
  name: ifname,
  network: name,
  address: cidr,
  /** dual-stack networks: the interface's IPv6 address/prefix */
  address6: cidr6.optional(),
  mac,
});

export const agentConfigSchema = z
  .object({
    version: z.literal(1),
    balancer: name,
    interfaces: z.array(interfaceSchema),
    services: z.array(serviceSchema),
    flowTimeouts: flowTimeoutsSchema.default(() => flowTimeoutsSchema.parse({})),
    /** concurrent flows the eBPF flow table holds (2 entries a flow, every mode): the largest its services ask */
    maxFlows: z.number().int().min(MIN_MAX_FLOWS).max(MAX_MAX_FLOWS).default(DEFAULT_MAX_FLOWS),
    /** where the eBPF core runs: tc clsact ingress, or XDP (native) on every interface */
    hook: z.enum(HOOKS).default(DEFAULT_HOOK),
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    const listeners = new Set<string>();
    c.services.forEach((s, i) => {
      if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `service ${s.name} listed twice` });
      names.add(s.name);
      for (const key of [`${s.vip}:${s.port}/${s.proto}`, ...(s.vip6 ? [`[${s.vip6}]:${s.port}/${s.proto}`] : [])]) {
        if (listeners.has(key)) ctx.addIssue({ code: 'custom', path: ['services', i, 'port'], message: `${key} is used by two services` });
        listeners.add(key);
      }
    });
    const ifs = new Set<string>();
    c.interfaces.forEach((f, i) => {
      if (ifs.has(f.name)) ctx.addIssue({ code: 'custom', path: ['interfaces', i, 'name'], message: `interface ${f.name} listed twice` });
      ifs.add(f.name);
    });
    // the data plane has MAX_SERVICES service slots, id 0 unused
    const dp = c.services.filter((s) => isDataplaneMode(s.mode)).length;
    const most = MAX_SERVICES - 1;
    if (dp > most) ctx.addIssue({ code: 'custom', path: ['services'], message: `at most ${most} eBPF-mode services per balancer (got ${dp})` });
    if (dp > 0 && c.interfaces.length === 0)
      ctx.addIssue({ code: 'custom', path: ['interfaces'], message: 'eBPF modes need at least one interface to attach to' });
  });

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type BackendConfig = z.output<typeof backendSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type HealthConfig = z.output<typeof healthSchema>;
export type FlowTimeouts = z.output<typeof flowTimeoutsSchema>;

/** One line per problem, `field.path: message`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`);
}

export type ParsedConfig = { ok: true; config: AgentConfig } | { ok: false; errors: string[] };

/** Parse JSON text into a validated config; never throws. */
export function parseAgentConfig(text: string): ParsedConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`config is not JSON: ${(e as Error).message}`] };
  }
  const r = agentConfigSchema.safeParse(raw);
  return r.success ? { ok: true, config: r.data } : { ok: false, errors: formatIssues(r.error) };
}
