// The lab file schema (`*.lab.yaml`), one zod schema for every boundary:
// the CLI, the web server and the UI all parse lab documents with it.
// Shape only: references between names (links → networks, services →
// nodes) and topology rules live in validate.ts, so each message can name
// the node / network / service at fault.
import { z } from 'zod';
import { GATEWAYS, HOOKS, MAX_WORKERS, MODES, NAME_RE, NODE_KINDS, PROTOCOL_PORTS, PROTOCOLS, SCHEDULERS, UNDERLAYS } from '../../api';
import type { LabDoc } from '../../api';
// l7 route and health-check values: the balancer agent's own rule, so a lab it would refuse fails here, before anything is created
import { isIPv6, parseSubnet6 } from './net6';
import { MAX_MAX_FLOWS, MAX_SNAT_ADDRS, MIN_MAX_FLOWS, headerNameSchema, headerValueSchema, hostSchema, httpPathSchema, routeHasMatch } from '../balancer/contract';

/** tc rates we accept: a positive number and a unit, e.g. 500kbit, 100mbit, 1gbit, 1.5gbit. */
export const RATE_RE = /^(\d+(\.\d+)?)(bit|kbit|mbit|gbit)$/;
/** Health-check intervals: 250ms, 1s. */
export const DURATION_RE = /^(\d+)(ms|s)$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;

// IPv6: the shape here (no zone id); ranges, sizes and collisions in addressing6.ts, each with its own message
const ipv6 = z.string({ error: 'must be an IPv6 address (string)' }).refine((v) => v === 'auto' || isIPv6(v), 'must be an IPv6 address like fd00:4c42:0:1::10, or auto');
const cidr6 = z.string({ error: 'must be a subnet (string)' }).refine((v) => v === 'auto' || (v.includes('/') && !!parseSubnet6(v)), 'must be an IPv6 subnet like fd00:4c42:0:1::/64, or auto');

const name = z.string({ error: 'must be a name (string)' }).regex(NAME_RE, 'must be lowercase letters, digits and dashes (max 32), not starting or ending with a dash');
const ipv4 = z.string({ error: 'must be an IPv4 address (string)' }).regex(IPV4_RE, 'must be an IPv4 address like 198.18.0.10');
const cidr = z.string({ error: 'must be a subnet (string)' }).regex(CIDR_RE, 'must be an IPv4 subnet like 198.18.1.0/24');

export const positionSchema = z.strictObject({ x: z.number().finite(), y: z.number().finite() });

export const rateSchema = z
  .string({ error: 'must be a rate like 100mbit' })
  .regex(RATE_RE, 'must be a rate like 500kbit, 100mbit or 1gbit')
  .refine((r) => rateToBits(r) >= 8000, 'must be at least 8kbit');

export const linkSchema = z.strictObject({
  network: name,
  rate: rateSchema.optional(),
  address: ipv4.optional(),
});

export const nodeSchema = z.strictObject({
  kind: z.enum(NODE_KINDS, { error: `must be one of ${NODE_KINDS.join(', ')}` }),
  links: z.array(linkSchema, { error: 'must be a list of links like [{ network: front }]' }),
  image: z.string().min(1).max(200).optional(),
  // an image that is not lblab's own gets the node's capabilities only with trust: true (trust.ts)
  trust: z.boolean({ error: 'must be true or false' }).optional(),
  host: name.optional(),
  // the engine's CPU quota (NanoCpus): a member of a tier limited so that it, not the client, is the bottleneck
  cpus: z.number({ error: 'must be a number of CPUs like 0.5' }).min(0.01, 'must be from 0.01 to 64 CPUs').max(64, 'must be from 0.01 to 64 CPUs').optional(),
  // a balancer: where its eBPF core runs (tc clsact ingress by default, or XDP); validate.ts checks the node and its modes
  hook: z.enum(HOOKS, { error: `must be one of ${HOOKS.join(', ')}` }).optional(),
  position: positionSchema.optional(),
});

/** An engine as Docker names one: `default` (the engine lblab runs with), a URL (unix://, tcp://, ssh://, npipe://) or a context name. */
export const ENGINE_RE = /^(default|(unix|npipe|tcp|ssh):\/\/\S+|[a-zA-Z0-9][a-zA-Z0-9_.+-]*)$/;
export const engineRefSchema = z
  .string({ error: 'must be an engine: default, a Docker URL (ssh://user@host, tcp://host:2376) or a Docker context name' })
  .max(300)
  .regex(ENGINE_RE, 'must be default, a Docker URL (ssh://user@host, tcp://host:2376, unix:///path) or a Docker context name');

/** A link's MTU: at least IPv6's minimum (1 280), at most a jumbo frame; a path MTU lesson's narrow link. */
export const mtuSchema = z
  .number({ error: 'must be a whole number of bytes from 1280 to 9000' })
  .int('must be a whole number of bytes from 1280 to 9000')
  .min(1280, 'must be from 1280 (IPv6\'s minimum) to 9000')
  .max(9000, 'must be from 1280 (IPv6\'s minimum) to 9000');

export const networkSchema = z.strictObject({
  subnet: cidr.optional(),
  subnet6: cidr6.optional(),
  mtu: mtuSchema.optional(),
  position: positionSchema.optional(),
});

/** Weights are small integers so schedulers (Maglev table fill, wrr) stay exact; 0 drains a backend. */
export const weightSchema = z.number({ error: 'must be a whole number from 0 to 100' }).int('must be a whole number from 0 to 100').min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100');
export const backendObjectSchema = z.strictObject({ node: name, weight: weightSchema.optional() });
/** A backend is a node name or `{ node, weight }`. The node may be a server, or a balancer that
 * runs its own service (multi-tier: an L4 tier in front of L7 gateways). */
export const backendSchema = z.union([name, backendObjectSchema], { error: 'must be a node name or { node, weight }' });

export const routeSchema = z
  .strictObject({
    path: httpPathSchema.optional(),
    host: hostSchema.optional(),
    header: z.record(headerNameSchema, headerValueSchema).optional(),
    backends: z.array(backendSchema).min(1, 'must list at least one backend'),
  })
  .refine(routeHasMatch, 'a route needs path, host or header to match on');

export const healthSchema = z.strictObject({
  type: z.enum(['tcp', 'http'], { error: 'must be tcp or http' }).optional(),
  path: httpPathSchema.optional(),
  interval: z
    .string()
    .regex(DURATION_RE, 'must be a duration like 500ms or 1s')
    // the agent checks at most every 1 s (down after 2 failures): a dead backend leaves the table within ~3 s
    .refine((d) => durationMs(d) >= 100 && durationMs(d) <= 1000, 'must be between 100ms and 1s')
    .optional(),
});

export const serviceSchema = z.strictObject({
  // one balancer, or a tier: several behind a router that spreads flows over them (ECMP)
  balancer: z.union([name, z.array(name).min(1, 'must list at least one balancer')], { error: 'must be a balancer name or a list of them like [lb1, lb2]' }),
  vip: ipv4.optional(),
  vip6: ipv6.optional(),
  port: z.number({ error: 'must be a port number' }).int('must be a whole number').min(1, 'must be from 1 to 65535').max(65535, 'must be from 1 to 65535').optional(),
  protocol: z.enum(PROTOCOLS, { error: `must be one of ${PROTOCOLS.join(', ')}` }).optional(),
  mode: z.enum(MODES, { error: `must be one of ${MODES.join(', ')}` }),
  // tunnel: ipv6 wraps the IPv4 VIP's packets in IPv6 toward the servers (addressing6.ts checks the way)
  underlay: z.enum(UNDERLAYS, { error: `must be one of ${UNDERLAYS.join(', ')}` }).optional(),
  scheduler: z.enum(SCHEDULERS, { error: `must be one of ${SCHEDULERS.join(', ')}` }).optional(),
  backends: z.array(backendSchema, { error: 'must be a list of backends' }).min(1, 'must list at least one backend'),
  routes: z.array(routeSchema).optional(),
  health: healthSchema.optional(),
  // snat: how many source addresses the balancer uses toward the backends (LVS FULLNAT's local address list);
  // each adds 58 976 ports per backend. Dormant in the other modes (a live switch to snat uses them).
  snatAddresses: z
    .number({ error: 'must be a number of addresses' })
    .int('must be a whole number')
    .min(1, `must be from 1 to ${MAX_SNAT_ADDRS}`)
    .max(MAX_SNAT_ADDRS, `must be from 1 to ${MAX_SNAT_ADDRS}`)
    .optional(),
  // eBPF modes: concurrent flows its balancer's flow table holds (default 10^6; nat and snat take 2 entries a flow,
  // every mode is given room for 2). A balancer's eBPF services share one table, sized for the largest they ask.
  maxFlows: z
    .number({ error: 'must be a number of flows' })
    .int('must be a whole number')
    .min(MIN_MAX_FLOWS, `must be from ${MIN_MAX_FLOWS} to ${MAX_MAX_FLOWS}`)
    .max(MAX_MAX_FLOWS, `must be from ${MIN_MAX_FLOWS} to ${MAX_MAX_FLOWS}`)
    .optional(),
  gateway: z.enum(GATEWAYS, { error: `must be one of ${GATEWAYS.join(', ')}` }).optional(),
  workers: z.number({ error: `must be a number of workers` }).int('must be a whole number').min(1, `must be from 1 to ${MAX_WORKERS}`).max(MAX_WORKERS, `must be from 1 to ${MAX_WORKERS}`).optional(),
});

export const labSchema = z.strictObject({
  name,
  description: z.string().max(2000).optional(),
  // throughput experiments: veths keep tx checksum/segmentation offload (plumbing.ts); default off for exact captures
  offload: z.boolean({ error: 'must be true or false' }).optional(),
  hosts: z
    .record(z.string(), engineRefSchema, { error: 'must be a map of hosts (name: engine)' })
    .refine((h) => Object.keys(h).length > 0, 'must name at least one host')
    .optional(),
  networks: z.record(z.string(), networkSchema, { error: 'must be a map of networks (name: { subnet })' }),
  nodes: z.record(z.string(), nodeSchema, { error: 'must be a map of nodes (name: { kind, links })' }),
  services: z.record(z.string(), serviceSchema, { error: 'must be a map of services' }).optional(),
});

// Compile-time guard: the schema's output must stay assignable to api.ts's LabDoc and back.
type SchemaOut = z.infer<typeof labSchema>;
const _toDoc = (d: SchemaOut): LabDoc => d;
const _fromDoc = (d: LabDoc): SchemaOut => d;
void _toDoc;
void _fromDoc;

export const DEFAULT_PORT = 80;
export const DEFAULT_PORTS = PROTOCOL_PORTS;
export const DEFAULT_PROTOCOL = 'http' as const;
export const DEFAULT_SCHEDULER = 'maglev' as const;
export const DEFAULT_WEIGHT = 1;
export const DEFAULT_HEALTH = { type: 'tcp' as const, path: '/', intervalMs: 500 };

/** A service's protocol and port, defaults applied. */
export const serviceProtocol = (sd: { protocol?: keyof typeof DEFAULT_PORTS }) => sd.protocol ?? DEFAULT_PROTOCOL;
export const servicePort = (sd: { protocol?: keyof typeof DEFAULT_PORTS; port?: number }) => sd.port ?? DEFAULT_PORTS[serviceProtocol(sd)];

/** "100mbit" → 100_000_000 (bits per second). */
export function rateToBits(rate: string): number {
  const m = RATE_RE.exec(rate);
  if (!m) return NaN;
  const mult = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 }[m[3] as 'bit'];
  return Number(m[1]) * mult;
}

/** "500ms" → 500, "2s" → 2000. */
export function durationMs(d: string): number {
  const m = DURATION_RE.exec(d);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}
