// What `lbagent stats` and `lbagent health` print. Pure zod: the engine parses
// the agent's output with the same schemas (the container is a boundary).
import { z } from 'zod';
import { GATEWAYS, MODES, SCHEDULERS } from './vocabulary';

const count = z.number().nonnegative();

/** Why the eBPF data plane drops a packet: the keys of an eBPF service's
 * `drops` (HAProxy's services report their own). In the order of the core's
 * enum lb_drop (../core/abi.h, where each is explained): the agent reads
 * lb_drops index i as reason i (../agent/dataplane-abi.ts DROP_NAMES), so
 * new reasons go at the end. */
export const DATAPLANE_DROP_REASONS = [
  'no_backend', 'truncated', 'bad_ip', 'frag', 'fib_fail', 'adjust_fail', 'snat_ports',
  'bad_service', 'rewrite_fail', 'too_big', 'icmp_fail', 'map_full', 'no_neighbour', 'redirect_fail',
  'ext_header', // IPv6 to a VIP with an extension header the data plane does not walk (AH, ESP, ...), or too long a chain
] as const;
export type DataplaneDropReason = (typeof DATAPLANE_DROP_REASONS)[number];

export const backendStatsSchema = z.object({
  node: z.string(),
  address: z.string(),
  weight: z.number(),
  healthy: z.boolean(),
  packets: count, // eBPF modes; proxies count no packets and report 0
  bytes: count, // eBPF: bytes forwarded to it; proxies: bytes in + out on its server connections
  activeFlows: count, // eBPF: conntrack entries; proxies: open server connections
  sessions: count.optional(), // proxies: connections/requests handed to it in total
  snatPorts: count.optional(), // eBPF snat: source ports its flows hold (open or lingering), as of the last sweep
  newFlowsPerSec: z.number().nonnegative().optional(), // eBPF: flows scheduled to it a second, over the last ~10 s
  snatCapacity: count.optional(), // eBPF snat: new flows a second its ports x addresses sustain (÷ the servers' TIME_WAIT)
});

/** eBPF: the balancer's flow table (shared by its eBPF services): sized for maxFlows flows (entries: 2 a flow),
 * its memory as the kernel counts it, the entries the last sweep found, and those its LRU evicted to make room. */
/** bytes: lb_flows' memory (the kernel's figure); bytes6: the IPv6 table's beside it (at its minimum on a balancer
 * without an IPv6 service) */
export const flowTableStatsSchema = z.object({ maxFlows: count, entries: count, bytes: count, bytes6: count.optional(), live: count, evicted: count });

export const serviceStatsSchema = z.object({
  name: z.string(),
  mode: z.enum(MODES),
  scheduler: z.enum(SCHEDULERS),
  vip: z.string(),
  port: z.number(),
  /** what serves it: the eBPF data plane, or the l7 gateway (HAProxy for l4proxy) */
  engine: z.enum(['ebpf', ...GATEWAYS]),
  backends: z.array(backendStatsSchema),
  counters: z.record(z.string(), count),
  drops: z.record(z.string(), count),
  flowTable: flowTableStatsSchema.optional(),
});

export const agentStatsSchema = z.object({
  at: z.number(),
  balancer: z.string(),
  services: z.array(serviceStatsSchema),
});

export const backendHealthSchema = z.object({
  service: z.string(),
  node: z.string(),
  address: z.string(),
  healthy: z.boolean(),
  since: z.number(),
  checks: z.number(),
  lastError: z.string().optional(),
});

export const agentHealthSchema = z.object({
  at: z.number(),
  balancer: z.string(),
  configured: z.boolean(),
  backends: z.array(backendHealthSchema),
});

export type AgentStats = z.infer<typeof agentStatsSchema>;
export type AgentServiceStats = z.infer<typeof serviceStatsSchema>;
export type AgentBackendStats = z.infer<typeof backendStatsSchema>;
export type AgentHealth = z.infer<typeof agentHealthSchema>;
export type FlowTableStats = z.infer<typeof flowTableStatsSchema>;

/** The agent's run directory in the balancer container, and the file there that names the process
 * holding the eBPF program's run-time statistics on (a comparison's sampler reads its fdinfo). */
export const AGENT_RUN_DIR = '/run/lblab';
export const PROG_STATS_PID_FILE = 'prog-stats.pid';
/** The longest the agent holds those statistics on at a time (a comparison that runs longer asks again): a lost
 * "off" ends by itself. */
export const PROG_STATS_MAX_SECONDS = 3600;
