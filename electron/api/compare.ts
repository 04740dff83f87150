// Comparisons: the same workload through several modes of one service, in
// rotating rounds. The JSON below is shared by the API, `lblab compare
// --json` and the saved files; its keys are fixed (more may be added).
import { z } from 'zod';
import { GATEWAYS, HOOKS, MAX_WORKERS, type Gateway, type Hook } from '../../lab-images/balancer/contract/vocabulary';
import { MODES, nameSchema } from '../../lab-images/balancer/contract/vocabulary';

/** What a comparison can measure: a mode of the balancer, or a reference row. */
export const COMPARE_ROWS = [...MODES, 'direct', 'kernel-nat'] as const;
export type CompareRow = (typeof COMPARE_ROWS)[number];
/** The largest tier size a comparison across member counts takes. */
export const MAX_TIER_MEMBERS = 16;
/** Objects the lab servers serve (a path starting with / is also accepted). */
export const COMPARE_OBJECTS = ['1k', '100k', '1m', '10m'] as const;

export const compareRequestSchema = z
  .object({
    lab: nameSchema,
    service: nameSchema.optional(),
    modes: z.array(z.enum(COMPARE_ROWS)).min(1).max(COMPARE_ROWS.length).optional(),
    /** 1k | 100k | 1m | 10m, or a path on the servers such as /index.html */
    object: z
      .string()
      .max(256)
      .refine((o) => (COMPARE_OBJECTS as readonly string[]).includes(o) || /^\/[A-Za-z0-9._~/-]*$/.test(o), 'is not one of 1k, 100k, 1m, 10m or a /path')
      .optional(),
    connections: z.number().int().min(1).max(10000).optional(),
    /** seconds measured per run */
    duration: z.number().min(1).max(600).optional(),
    /** seconds of load before each measured run, not counted */
    warmup: z.number().min(0).max(600).optional(),
    repeat: z.number().int().min(1).max(100).optional(),
    /** l7 gateways to compare (the service runs in l7 through each in turn) instead of modes */
    gateways: z.array(z.enum(GATEWAYS)).min(1).max(GATEWAYS.length).optional(),
    /** false: every request on a new connection (default true: keep-alive) */
    keepAlive: z.boolean().optional(),
    /** Apache's worker limit while compared (threads; processes for apache-prefork) */
    workers: z.number().int().min(1).max(MAX_WORKERS).optional(),
    /** a tier of balancers: run the service through its first N members for each N given (`[1, 2, 3]`) */
    members: z.array(z.number().int().min(1).max(MAX_TIER_MEMBERS)).min(1).max(MAX_TIER_MEMBERS).optional(),
    /** 6: the load goes to the service's IPv6 VIP (vip6; direct: the servers' IPv6 addresses); default 4 */
    family: z.union([z.literal(4), z.literal(6)]).optional(),
    /** run each eBPF mode with the balancer's core at each of these hooks (`['tc', 'xdp']`) */
    hooks: z.array(z.enum(HOOKS)).min(1).max(HOOKS.length).optional(),
  })
  .strict();
/** `/delay/MS` on the lab servers answers after MS ms, within this range (lab-images/server/nginx.conf). */
export const MAX_DELAY_MS = 10000;

/** Why a `/delay/MS` object cannot be asked for, one line; undefined for any other object. */
export function delayRefusal(object: string): string | undefined {
  const m = /^\/delay\/(.*)$/.exec(object);
  if (!m) return undefined;
  if (!/^\d{1,6}$/.test(m[1]) || Number(m[1]) > MAX_DELAY_MS) return `delay ${JSON.stringify(m[1])} is out of range: /delay/MS takes 0 to ${MAX_DELAY_MS} ms`;
  return undefined;
}
export type CompareRequest = z.infer<typeof compareRequestSchema>;
export const comparisonIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'is not a comparison id');

export interface Spread { median: number; min: number; max: number }
export interface LatencyPercentiles { p50: number; p90: number; p99: number }

/** A host of a lab spread over several engines, as a comparison saw it. */
export interface CompareHost {
  name: string;
  engine: string;
  nodes: string[];
  /** average ping round trip from a node on this host to one on the first host, over a lab network (absent on the first host) */
  rttMs?: number;
  /** the nodes that ping ran between */
  rttPath?: string;
}

export interface CompareEnvironment {
  kernel: string;
  docker: string;
  cpuModel: string;
  cpus: number;
  loadBefore: number[];
  loadAfter: number[];
  /** link rates as the lab file gives them, by `node:network` */
  linkRates: Record<string, string>;
  /** `ethtool -k` offloads of the balancer's interfaces: iface → feature → on/off */
  offloads: Record<string, Record<string, string>>;
  /** the lab's `offload` setting when it ran (absent: the document was unreadable, or saved before the setting existed) */
  offload?: boolean;
  /** a lab spread over hosts: each host, its nodes and its distance from the first host */
  hosts?: CompareHost[];
}
/** Whether a comparison ran with checksum/segmentation offload: the lab's setting, else what the balancer's
 * interfaces had (tx-checksumming); undefined when neither is known. Throughput differs several-fold. */
export function offloadOf(e: Pick<CompareEnvironment, 'offload' | 'offloads'> | undefined): boolean | undefined {
  if (typeof e?.offload === 'boolean') return e.offload;
  const tx = Object.values(e?.offloads ?? {}).map((f) => f['tx-checksumming']).filter(Boolean);
  return tx.length ? tx.every((v) => v === 'on') : undefined;
}
export interface CompareWorkload {
  modes: CompareRow[];
  object: string;
  connections: number;
  duration: number;
  warmup: number;
  repeat: number;
  /** the client nodes that ran wrk, all at once */
  clients: string[];
  /** a comparison across l7 gateways: each one, in order */
  gateways?: Gateway[];
  /** false: a new connection per request */
  keepAlive?: boolean;
  /** Apache's worker limit during the comparison */
  workers?: number;
  /** a comparison across tier sizes: each run goes through the tier's first N members, for each N */
  members?: number[];
  /** 6: the load went over IPv6, to the service's vip6 */
  family?: 6;
  /** a comparison across hooks: every mode ran with the balancer's eBPF core at each, in order */
  hooks?: Hook[];
}
/** A run of a comparison across tier sizes: how many members carried it and what each member's CPU did. */
export interface MemberFigures {
  /** the router's route to the VIP went through this many members (the tier's first ones) */
  members: number;
  /** every member of the tier → CPUs it used during the run (CPU seconds ÷ seconds; its cgroup's usage) */
  memberCpu: Record<string, number>;
}
/** What a gateway cost during a run: its processes as the balancer's /proc saw them, and the clients that waited. */
export interface GatewayFigures {
  gateway: Gateway;
  /** resident memory of all its processes (their sum: pages they share count once per process), at its peak */
  gatewayMemoryBytes: number;
  gatewayProcesses: number;
  gatewayThreads: number;
  /** voluntary + involuntary context switches of its processes during the run */
  gatewayContextSwitches: number;
  /** connections waiting in its listen queue for a free worker, at the peak */
  waitedForWorker: number;
  /** requests that failed: non-2xx plus socket errors and timeouts (wrk) */
  failedRequests: number;
}
/** The balancer's eBPF program during a run, from the kernel's run-time statistics of the program itself: its own
 * time, not the stack around it (the driver, the veth, the redirect's target); summed over the members of a tier. */
export interface ProgramFigures {
  /** seconds spent in the program (softirq time no cgroup is charged for) */
  cpuSeconds: number;
  /** times it ran: one per packet it saw, both directions on every interface it is attached to */
  packets: number;
  /** cpuSeconds ÷ packets, in ns */
  nsPerPacket: number;
}
/** A run of a comparison across gateways carries its gateway's figures; a summary row, its runs' medians. */
export interface CompareRun extends Partial<GatewayFigures>, Partial<MemberFigures> {
  mode: CompareRow;
  /** a comparison across hooks: where the balancer's eBPF core ran */
  hook?: Hook;
  repetition: number;
  throughputMbps: number;
  requestsPerSec: number;
  latencyMs: LatencyPercentiles;
  /** non-2xx responses plus socket errors */
  errors: number;
  /** backend node → fraction of the requests it served */
  backendShares: Record<string, number>;
  /** balancer interface → bytes received / transmitted during the run */
  balancerBytes: Record<string, { rx: number; tx: number }>;
  /** response bytes the clients received during the run */
  responseBytes: number;
  /** CPU seconds of the balancer's container (its cgroup): its agent and proxies, not its eBPF program, which runs in
   * softirq outside any cgroup (see `program`) */
  balancerCpuSeconds: number;
  /** the balancer's eBPF program, when one was attached (absent: no eBPF mode, or a balancer that cannot tell) */
  program?: ProgramFigures;
  /** why this run has no numbers, when it failed */
  error?: string;
}
export interface CompareSummary extends Partial<GatewayFigures>, Partial<MemberFigures> {
  mode: CompareRow;
  /** a comparison across hooks: where the balancer's eBPF core ran */
  hook?: Hook;
  /** a comparison across hooks: the balancer's eBPF program, medians of the runs that measured it: CPUs it used
   * (its CPU seconds ÷ the measured seconds), ns per packet, packets */
  program?: { cpu: number; nsPerPacket: number; packets: number };
  throughputMbps: Spread;
  requestsPerSec: Spread;
  latencyMs: LatencyPercentiles;
  errors: number;
  /** bytes the balancer transmitted ÷ response bytes the clients received */
  balancerResponseShare: number;
  /** gatewayMemoryBytes ÷ connections */
  memoryPerConnectionBytes?: number;
  /** a comparison across tier sizes: requests/s ÷ the smallest tier's (the median of per-round ratios) */
  scale?: number;
}
export interface Comparison {
  id: string;
  lab: string;
  service: string;
  /** false when cancelled or cut short by a failure */
  complete: boolean;
  startedAt: string;
  finishedAt?: string;
  error?: string;
  environment: CompareEnvironment;
  workload: CompareWorkload;
  summary: CompareSummary[];
  runs: CompareRun[];
  /** a comparison across gateways or tier sizes: which I/O model held and why, or how the tier scaled; one sentence */
  verdict?: string;
}
export interface ComparisonInfo { id: string; lab: string; service: string; startedAt: string; complete: boolean; modes: CompareRow[] }
export interface CompareModeAvailability { mode: CompareRow; ok: boolean; reason?: string }

export type CompareEvent =
  | {
      type: 'compare-progress';
      id: string;
      mode: CompareRow;
      /** a comparison across gateways: the gateway of this run */
      gateway?: Gateway;
      /** a comparison across tier sizes: the members of this run */
      members?: number;
      /** a comparison across hooks: the hook of this run */
      hook?: Hook;
      repetition: number;
      /** runs done and in all */
      done: number;
      total: number;
      phase: 'switching' | 'warmup' | 'measuring' | 'restoring';
      secondsLeft: number;
    }
  | {
      type: 'compare-sample';
      id: string;
      mode: CompareRow;
      gateway?: Gateway;
      hook?: Hook;
      repetition: number;
      /** seconds since this run's measurement began */
      t: number;
      throughputMbps: number;
      requestsPerSec: number;
      /** bytes per second through the balancer's interfaces (sum) */
      balancerRxBps: number;
      balancerTxBps: number;
    }
  | { type: 'compare-end'; id: string; complete: boolean; error?: string };

/** Comparisons (Docker needed to start one): progress and the live series arrive as compare-* events. Saved ones are
 * read back from the data folder. */
export interface CompareMethods {
  /** What `service` of a running lab could be compared in: each mode and reference row, with why not when it cannot.
   * Fails not-found (no such lab or service), conflict (the lab is not running) or bad-request (the lab has no service,
   * or several and none was named). */
  compareModes(lab: string, service: string): Promise<CompareModeAvailability[]>;
  /** Start a comparison; its id at once, the results through events and getComparison. Fails bad-request (a field of
   * the request), not-found (no such lab or service), conflict (the lab is not running or is already being compared). */
  startCompare(req: CompareRequest): Promise<{ id: string }>;
  /** Stop a running comparison; resolves once its lab is put back and what it measured is saved (an ended one: nothing
   * to do). Fails not-found when there is no comparison `id`. */
  cancelCompare(id: string): Promise<void>;
  /** The saved comparisons and the running ones, newest first. */
  listComparisons(): Promise<ComparisonInfo[]>;
  /** A comparison in full: a running one as measured so far. Fails not-found (no comparison `id`) or engine (its file is
   * not a saved comparison). */
  getComparison(id: string): Promise<Comparison>;
  /** A comparison as CSV: a header row, then one row per run. Fails as getComparison. */
  comparisonCsv(id: string): Promise<string>;
}

export const compareArgs = {
  compareModes: z.tuple([nameSchema, nameSchema]),
  startCompare: z.tuple([compareRequestSchema]),
  cancelCompare: z.tuple([comparisonIdSchema]),
  listComparisons: z.tuple([]),
  getComparison: z.tuple([comparisonIdSchema]),
  comparisonCsv: z.tuple([comparisonIdSchema]),
} satisfies Record<keyof CompareMethods, z.ZodTypeAny>;
