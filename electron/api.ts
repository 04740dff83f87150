// The LabApi contract: the one typed interface shared by the Electron preload,
// the renderer, the web server and the CLI. Pure TypeScript + zod: no Node,
// no Electron, no engine imports at runtime (the renderer bundles this file).
import { z } from 'zod';
import { DATAPLANE_MODES, DIRECT_RETURN_MODES, MODES, NAME_RE, PROXY_MODES, SCHEDULERS, isDataplaneMode, isDirectReturnMode, isProxyMode, nameSchema, type DataplaneMode, type Mode, type ProxyMode, type Scheduler } from '../lab-images/balancer/contract/vocabulary';

// ---------------------------------------------------------------- vocabulary
// Modes (which are eBPF, which are proxies, whose servers answer directly), schedulers and the name rule
// are the balancer contract's (pure TS + zod, shared with the balancer agent):
// written once there.
export { MODES, DATAPLANE_MODES, PROXY_MODES, DIRECT_RETURN_MODES, isDataplaneMode, isProxyMode, isDirectReturnMode, SCHEDULERS, NAME_RE, nameSchema };
export type { Mode, DataplaneMode, ProxyMode, Scheduler };
export const NODE_KINDS = ['client', 'balancer', 'server', 'router'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

// ---------------------------------------------------------------- lab document
// The in-memory form of a `*.lab.yaml` file. The engine validates it fully
// (schema + topology checks); these types are what the renderer edits.
export interface Position { x: number; y: number }
export interface LinkDoc { network: string; rate?: string; address?: string }
export interface NodeDoc {
  kind: NodeKind;
  links: LinkDoc[];
  image?: string;
  /** run `image` (not one of lblab's own) with the capabilities lblab grants its nodes (NET_ADMIN, SYS_ADMIN where BPF loads) */
  trust?: boolean;
  position?: Position;
}
export interface NetworkDoc { subnet?: string; position?: Position }
export interface BackendDoc { node: string; weight?: number }
export interface RouteDoc {
  path?: string;
  host?: string;
  header?: Record<string, string>;
  backends: (string | BackendDoc)[];
}
export interface HealthDoc { type?: 'tcp' | 'http'; path?: string; interval?: string }
export interface ServiceDoc {
  balancer: string;
  vip?: string;
  port?: number;
  mode: Mode;
  scheduler?: Scheduler;
  backends: (string | BackendDoc)[];
  routes?: RouteDoc[];
  health?: HealthDoc;
}
export interface LabDoc {
  name: string;
  description?: string;
  /** lab-wide: leave checksum/segmentation offload on (faster; captures show super-packets and unfilled checksums) */
  offload?: boolean;
  networks: Record<string, NetworkDoc>;
  nodes: Record<string, NodeDoc>;
  services?: Record<string, ServiceDoc>;
}

/** One problem found in a lab document. `path` is the field path (e.g. ['nodes','web1','links',0,'network']). */
export interface LabIssue {
  path: (string | number)[];
  message: string;
  /** the node / network / service the issue belongs to, so the UI can mark it */
  node?: string;
  network?: string;
  service?: string;
  /** the element at fault in words, for people: "client1's link to front", "service web, backend web3"; empty when the message says it all */
  where?: string;
}
export interface ValidationReport { ok: boolean; issues: LabIssue[] }
/** Whether a service of a lab document could run in a mode, and if not, the first reason. */
export interface ModeAvailability { mode: Mode; ok: boolean; reason?: string }
export interface ParseResult { doc?: LabDoc; issues: LabIssue[] }

// ---------------------------------------------------------------- runtime state
export interface InterfaceStatus {
  name: string; // eth0, eth1, ... as seen inside the container
  network: string; // lab network name
  mac: string;
  address: string; // CIDR, e.g. 198.18.0.10/24
  rate?: string;
}
export interface NodeStatus {
  name: string;
  kind: NodeKind;
  container: string; // docker container name
  id?: string; // docker container id
  state: 'running' | 'created' | 'exited' | 'restarting' | 'paused' | 'dead' | 'missing';
  interfaces: InterfaceStatus[];
  routes: string[];
}
export interface BackendStatus { node: string; address: string; weight: number }
export interface ServiceStatus {
  name: string;
  balancer: string;
  vip: string;
  port: number;
  mode: Mode;
  scheduler: Scheduler;
  backends: BackendStatus[];
}
export interface NetworkStatus { name: string; subnet: string; docker: string }
export interface LabStatus {
  name: string;
  state: 'running' | 'degraded' | 'absent';
  /** why the lab is degraded, one line naming the nodes and what they lack ("lb, web1 stopped; web2: no VIP 198.18.1.10 on lo");
   * `lblab up` of the same file repairs it in place */
  reason?: string;
  networks: NetworkStatus[];
  nodes: NodeStatus[];
  services: ServiceStatus[];
  /** the document the lab runs (live modes applied): what the drawing is compared with; absent when unreadable */
  doc?: LabDoc;
}
export interface LabSummary { name: string; nodes: number; running: number }

export interface BackendStats {
  node: string;
  address: string;
  weight: number;
  healthy: boolean;
  packets: number;
  bytes: number;
  activeFlows: number;
  snatPorts?: number; // eBPF snat: source ports its flows hold (open or lingering)
}
export interface ServiceStats {
  lab: string;
  service: string;
  mode: Mode;
  scheduler: Scheduler;
  at: number; // ms since epoch
  backends: BackendStats[];
  counters: Record<string, number>; // per-mode counters (e.g. rx, tx, encap, nat_fwd, nat_rev)
  drops: Record<string, number>; // drops by reason
}

export interface DockerInfo { available: boolean; version?: string; message?: string }
export interface AppInfo { version: string; shell: 'electron' | 'web'; docker: DockerInfo }
export interface TemplateInfo { id: string; title: string; mode: Mode | 'multi-tier'; description: string }

// ---------------------------------------------------------------- events
export type LabEvent =
  | { type: 'progress'; lab: string; step: string; done: number; total: number }
  | { type: 'node'; lab: string; node: string; state: NodeStatus['state']; action: string }
  | { type: 'terminal-data'; id: string; data: string }
  | { type: 'terminal-end'; id: string; reason: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | CompareEvent
  | CaptureEvent;

// ---------------------------------------------------------------- comparisons
// One comparison = the same workload through several modes of one service,
// in rotating rounds. The JSON below is shared by the API, `lblab compare
// --json` and the saved files; its keys are fixed (more may be added).

/** What a comparison can measure: a mode of the balancer, or a reference row. */
export const COMPARE_ROWS = [...MODES, 'direct', 'kernel-nat'] as const;
export type CompareRow = (typeof COMPARE_ROWS)[number];
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
  })
  .strict();
export type CompareRequest = z.infer<typeof compareRequestSchema>;
export const comparisonIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'is not a comparison id');

export interface Spread { median: number; min: number; max: number }
export interface LatencyPercentiles { p50: number; p90: number; p99: number }

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
}
export interface CompareRun {
  mode: CompareRow;
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
  balancerCpuSeconds: number;
  /** why this run has no numbers, when it failed */
  error?: string;
}
export interface CompareSummary {
  mode: CompareRow;
  throughputMbps: Spread;
  requestsPerSec: Spread;
  latencyMs: LatencyPercentiles;
  errors: number;
  /** bytes the balancer transmitted ÷ response bytes the clients received */
  balancerResponseShare: number;
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
}
export interface ComparisonInfo { id: string; lab: string; service: string; startedAt: string; complete: boolean; modes: CompareRow[] }
export interface CompareModeAvailability { mode: CompareRow; ok: boolean; reason?: string }

export type CompareEvent =
  | {
      type: 'compare-progress';
      id: string;
      mode: CompareRow;
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

// ---- packet journey
// lblab sends one request from a client to a service's VIP while capturing on
// every interface of the lab, finds that packet at every hop (across rewrites,
// encapsulation and proxies) and says, per hop, which fields changed from the
// hop before. The response is followed too. The JSON is shared by the API and
// `lblab journey --json`; its keys are fixed (more may be added).

export const journeyOptionsSchema = z
  .object({
    /** the service to follow (default: the lab's first) */
    service: nameSchema.optional(),
    /** the client node that sends the request (default: the lab's first running client) */
    from: nameSchema.optional(),
  })
  .strict();
export type JourneyOptions = z.infer<typeof journeyOptionsSchema>;

export type JourneyValue = string | number | null;

export interface JourneyChange {
  /** a Wireshark display-filter field (`ip.dst`), `outer.ip.src` / `outer.ip.dst` for the IPIP header, `encap`, or `tcp.stream` (a proxy's new connection, from and to as `a:p > b:q`) */
  field: string;
  from: JourneyValue;
  to: JourneyValue;
  /** true: what any forwarding hop does (TTL, checksums, MACs at an L3 hop); false: the mode's own rewrite */
  expected: boolean;
  why?: string;
}

export interface JourneyHop {
  node: string;
  iface: string;
  /** out when the frame's source MAC is the capturing interface's own */
  direction: 'in' | 'out';
  /** one line in tcpdump's style */
  summary: string;
  /** what differs from the hop before (none on the first hop) */
  changes: JourneyChange[];
  /** capture time: seconds since the epoch, nanosecond digits */
  ts: string;
  /** microseconds since the request left the client */
  t: number;
  kind?: NodeKind;
  network?: string;
  /** the compared fields as this hop saw them (innermost header; outer.* for IPIP) */
  fields: Record<string, JourneyValue>;
}

export interface JourneyPath { hops: JourneyHop[] }

export interface Journey {
  lab: string;
  service: string;
  mode: Mode;
  vip: string;
  port: number;
  /** the node that sent the request, and from where */
  client: { node: string; address: string; port?: number };
  /** the server node the request reached, when seen */
  backend?: string;
  request: JourneyPath & { url: string; token: string };
  response: JourneyPath & { viaBalancer: boolean; status?: number };
  /** why the journey is incomplete, e.g. `the request got no response (curl: …)` */
  error?: string;
  /** nodes not captured, and why, e.g. `web3 (exited)` */
  notCaptured?: string[];
}
// ---- end packet journey
// ---- live captures
// tcpdump on any interfaces of a running lab's nodes, streamed into the
// engine and decoded there; the renderer gets packet summaries in batches
// and asks for one decoded packet at a time. Timestamps are microseconds
// since the epoch, like DecodedPacket.ts.

/** A node, and one of its interfaces as the container names it (eth0...) or by the lab network it joins; none: all of them. */
export interface CaptureTarget { node: string; iface?: string }
export interface CaptureInterface { node: string; iface: string }
/** Packets a capture's ring keeps unless told otherwise (the oldest go first), and the most any ring keeps. */
export const CAPTURE_RING_DEFAULT = 100_000;
export const CAPTURE_RING_MAX = 1_000_000;
export interface CaptureOptions {
  /** a capture filter in tcpdump's (pcap-filter) syntax */
  filter?: string;
  /** packets kept (the oldest go first; default CAPTURE_RING_DEFAULT, at most CAPTURE_RING_MAX) */
  ringSize?: number;
  /** stop after this many packets (all interfaces together) */
  count?: number;
  /** stop after this many seconds */
  duration?: number;
  /** bytes captured per packet (default tcpdump's, 262144) */
  snaplen?: number;
}
export interface CaptureStart { id: string; interfaces: CaptureInterface[] }

/** One row of the packet list. `index` is the frame number (1-based) in its capture. */
export interface PacketSummary {
  index: number;
  ts: number;
  node: string;
  iface: string;
  len: number;
  /** one line in tcpdump's style */
  summary: string;
  /** the innermost protocol decoded, as Wireshark's Protocol column (TCP, HTTP, ARP...) */
  protocol: string;
  /** innermost IP addresses (MAC addresses for frames without IP) */
  src: string;
  dst: string;
}

export interface CaptureInfo {
  id: string;
  /** the lab captured (none for a loaded file) */
  lab?: string;
  /** the lab or file name */
  name: string;
  interfaces: CaptureInterface[];
  filter?: string;
  state: 'running' | 'ended' | 'loaded';
  /** ms since the epoch */
  startedAt: number;
  /** packets seen (numbered 1..total) */
  total: number;
  /** the oldest packets the ring let go */
  dropped: number;
  endReason?: string;
}

/** A decoded packet of a capture with where it was seen and its bytes as lowercase hex. */
export type CapturedPacket = DecodedPacket & { index: number; node: string; iface: string; bytes: string };

/** A capture as a pcap file, for saving. */
export interface CapturePcap {
  /** a suggested file name */
  name: string;
  base64: string;
  packets: number;
}

export type CaptureEvent =
  | {
      type: 'capture-packets';
      id: string;
      /** the packets new since the last event, in index order (at most 2000: earlier ones of a burst are left to captureSummaries) */
      packets: PacketSummary[];
      total: number;
      dropped: number;
    }
  | { type: 'capture-end'; id: string; reason: string; total: number; dropped: number };

/** A packet as it enters a capture, for a tap (`lblab capture`): where, its decode, and its pcap record. */
export interface TappedPacket {
  index: number;
  node: string;
  iface: string;
  decoded: DecodedPacket;
  /** the packet as a classic pcap record: 16-byte header (microsecond timestamp) and the captured bytes */
  record: Uint8Array;
}
/** What a tapped capture calls: every packet in index order, then its end (after its tcpdumps are gone). */
export interface CaptureTap {
  onPacket(p: TappedPacket): void;
  onEnd(reason: string): void;
}

export const captureIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'is not a capture id');
/** an interface (eth0; Linux allows 15 characters) or a lab network name */
const captureIfaceSchema = z.string().regex(/^[A-Za-z0-9_.@-]{1,32}$/, 'is not an interface name');
const captureTargetSchema = z.object({ node: nameSchema, iface: captureIfaceSchema.optional() }).strict();
export const captureOptionsSchema = z
  .object({
    filter: z
      .string()
      .max(4096)
      .refine((f) => ![...f].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'has control characters')
      .optional(),
    ringSize: z.number().int().min(1).max(CAPTURE_RING_MAX).optional(),
    count: z.number().int().min(1).max(1_000_000_000).optional(),
    duration: z.number().positive().max(7 * 86_400).optional(),
    snaplen: z.number().int().min(64).max(262_144).optional(),
  })
  .strict();

/** Which packets of a capture a display filter keeps (filterCapture). */
export interface CaptureFilterResult {
  /** frame numbers, oldest first, of the matching packets numbered `from` or more still in the ring (none when the filter has an error) */
  indices: number[];
  /** the newest frame number examined: a live capture's next query starts after it */
  last: number;
  /** what is wrong with the filter, one line ending `at position N` */
  error?: string;
  /** 1-based character position of the error in the filter text */
  position?: number;
}
// ---- end live captures

// ---------------------------------------------------------------- the contract
export interface LabApi {
  info(): Promise<AppInfo>;

  // lab files: the same schema and checks as the CLI
  parseLab(yamlText: string): Promise<ParseResult>;
  validateLab(doc: LabDoc): Promise<ValidationReport>;
  formatLab(doc: LabDoc): Promise<string>;
  listTemplates(): Promise<TemplateInfo[]>;
  getTemplate(id: string): Promise<LabDoc>;

  // lifecycle (progress and node events arrive through subscribe)
  listLabs(): Promise<LabSummary[]>;
  deploy(doc: LabDoc): Promise<LabStatus>;
  destroy(lab: string): Promise<void>;
  status(lab: string): Promise<LabStatus>;
  setMode(lab: string, service: string, mode: Mode): Promise<ServiceStatus>;
  stats(lab: string): Promise<ServiceStats[]>;

  // terminals: output arrives as terminal-data / terminal-end events
  openTerminal(lab: string, node: string, cols: number, rows: number): Promise<{ id: string }>;
  terminalInput(id: string, data: string): Promise<void>;
  resizeTerminal(id: string, cols: number, rows: number): Promise<void>;
  closeTerminal(id: string): Promise<void>;

  // comparisons: progress and the live series arrive as compare-* events
  compareModes(lab: string, service: string): Promise<CompareModeAvailability[]>;
  startCompare(req: CompareRequest): Promise<{ id: string }>;
  cancelCompare(id: string): Promise<void>;
  listComparisons(): Promise<ComparisonInfo[]>;
  getComparison(id: string): Promise<Comparison>;
  comparisonCsv(id: string): Promise<string>;

  // the packet journey: one request followed hop by hop (see `---- packet journey`)
  journey(lab: string, opts: JourneyOptions): Promise<Journey>;
  // live captures: packets arrive as capture-packets / capture-end events
  startCapture(lab: string, targets: CaptureTarget[], opts?: CaptureOptions | null): Promise<CaptureStart>;
  stopCapture(id: string): Promise<void>;
  listCaptures(): Promise<CaptureInfo[]>;
  /** summaries of packets `from`..`from+count-1` still in the ring (a page of the packet list) */
  captureSummaries(id: string, from: number, count: number): Promise<PacketSummary[]>;
  capturePacket(id: string, index: number): Promise<CapturedPacket>;
  capturePcap(id: string): Promise<CapturePcap>;
  /** a pcap file opened as a capture (ended at once): its packets through captureSummaries / capturePacket */
  loadPcap(name: string, base64: string): Promise<CaptureStart & { total: number }>;
  /** stop a capture if it runs and forget it (its memory is freed) */
  discardCapture(id: string): Promise<void>;
  // ---- mode availability of a drawing (the topology checks, once per mode)
  /** the modes `service` of `doc` could run in; empty when the schema fails or there is no such service */
  modeAvailability(doc: LabDoc, service: string): Promise<ModeAvailability[]>;
  /** the packets numbered `from` (default 1) or more that a Wireshark display filter keeps; `from` after the newest packet only checks the filter */
  filterCapture(id: string, filter: string, from?: number): Promise<CaptureFilterResult>;
}

/** Every invokable method; events travel separately (IPC 'lblab:event' / WebSocket). */
export type ApiMethod = keyof LabApi;

// ---------------------------------------------------------------- boundary validation
// Argument tuples for each method. The renderer is untrusted: the IPC handler
// and the web server validate every call with these before touching the engine.
// Lab documents are checked here only for shape; the engine does the full check.
const labDocShape = z
  .object({ name: z.string().max(64), networks: z.record(z.string(), z.unknown()), nodes: z.record(z.string(), z.unknown()) })
  .passthrough();
const dim = z.number().int().min(1).max(1000);

export const apiArgs = {
  info: z.tuple([]),
  parseLab: z.tuple([z.string().max(1_000_000)]),
  validateLab: z.tuple([labDocShape]),
  formatLab: z.tuple([labDocShape]),
  listTemplates: z.tuple([]),
  getTemplate: z.tuple([nameSchema]),
  listLabs: z.tuple([]),
  deploy: z.tuple([labDocShape]),
  destroy: z.tuple([nameSchema]),
  status: z.tuple([nameSchema]),
  setMode: z.tuple([nameSchema, nameSchema, z.enum(MODES)]),
  stats: z.tuple([nameSchema]),
  openTerminal: z.tuple([nameSchema, nameSchema, dim, dim]),
  terminalInput: z.tuple([z.string().max(64), z.string().max(65536)]),
  resizeTerminal: z.tuple([z.string().max(64), dim, dim]),
  closeTerminal: z.tuple([z.string().max(64)]),
  compareModes: z.tuple([nameSchema, nameSchema]),
  startCompare: z.tuple([compareRequestSchema]),
  cancelCompare: z.tuple([comparisonIdSchema]),
  listComparisons: z.tuple([]),
  getComparison: z.tuple([comparisonIdSchema]),
  comparisonCsv: z.tuple([comparisonIdSchema]),
  journey: z.tuple([nameSchema, journeyOptionsSchema]),
  startCapture: z.tuple([nameSchema, z.array(captureTargetSchema).min(1).max(64), captureOptionsSchema.nullish()]),
  stopCapture: z.tuple([captureIdSchema]),
  listCaptures: z.tuple([]),
  captureSummaries: z.tuple([captureIdSchema, z.number().int().min(1), z.number().int().min(1).max(10_000)]),
  capturePacket: z.tuple([captureIdSchema, z.number().int().min(1)]),
  capturePcap: z.tuple([captureIdSchema]),
  // base64 of up to 48 MiB (web mode's request limit is lower: see the server)
  loadPcap: z.tuple([z.string().min(1).max(128), z.string().max(64 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64')]),
  discardCapture: z.tuple([captureIdSchema]),
  modeAvailability: z.tuple([labDocShape, nameSchema]),
  filterCapture: z.tuple([captureIdSchema, z.string().max(4096), z.number().int().min(1).optional()]),
} satisfies Record<ApiMethod, z.ZodTypeAny>;

export const API_METHODS = Object.keys(apiArgs) as ApiMethod[];

/** Thrown for bad calls; `message` is one readable line. */
export class ApiError extends Error {
  constructor(message: string, readonly code: 'bad-request' | 'not-found' | 'conflict' | 'engine' = 'engine') {
    super(message);
    this.name = 'ApiError';
  }
}

/** Validate a call from an untrusted side and run it on `impl`. Used by IPC and the web server. */
export async function dispatch(impl: LabApi, method: string, args: unknown): Promise<unknown> {
  if (!Object.prototype.hasOwnProperty.call(apiArgs, method)) throw new ApiError(`unknown API method: ${method}`, 'bad-request');
  const schema = apiArgs[method as ApiMethod];
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ApiError(`${method}: bad argument ${first?.path.join('.') || ''}: ${first?.message ?? 'invalid'}`, 'bad-request');
  }
  const fn = impl[method as ApiMethod] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(impl, parsed.data as unknown[]);
}

/** Channel names shared by preload and main. */
export const IPC = { invoke: 'lblab:invoke', event: 'lblab:event', shell: 'lblab:shell' } as const;

/** What the Electron shell adds on top of LabApi (native dialogs, menus). Absent in web mode. */
export interface ShellApi {
  openLabFile(): Promise<{ path: string; text: string } | null>;
  saveLabFile(text: string, suggestedName: string): Promise<string | null>;
  onMenu(listener: (command: string) => void): () => void;
}

/** What the preload exposes as `window.lblab`. */
export interface PreloadBridge {
  invoke(method: ApiMethod, args: unknown[]): Promise<unknown>;
  onEvent(listener: (e: LabEvent) => void): () => void;
  shell: ShellApi;
}

// ---------------------------------------------------------------- one-line errors
/**
 * Anything thrown, as the one line a person reads: the message's first
 * non-empty line, without the wrappers Electron's IPC and dockerode put in
 * front of it, never a stack, bounded in length. Errors cross every boundary
 * (IPC, HTTP, the CLI's stderr, the UI's notices) through this function.
 */
export function oneLine(e: unknown): string {
  let msg: string;
  if (e instanceof Error) msg = e.message;
  else if (typeof e === 'string') msg = e;
  else if (e && typeof e === 'object' && 'message' in e) msg = String((e as { message: unknown }).message);
  else msg = String(e ?? '');
  msg = msg
    // Electron: "Error invoking remote method 'lblab:invoke': Error: <message>"
    .replace(/^Error invoking remote method '[^']*': (\w*Error: )?/, '')
    // dockerode: "(HTTP code 409) unexpected - <message>"
    .replace(/^\(HTTP code \d+\)\s*[a-z ]*-\s*/i, '');
  const line = (msg.split(/\r?\n/).find((l) => l.trim() !== '') ?? 'unknown error').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

// ---------------------------------------------------------------- the lab service
// What the engine offers the processes that host it (the Electron main
// process, the web server, the CLI): the LabApi, its events, and the
// operations only the CLI exposes. Untrusted callers reach only the LabApi
// methods (dispatch() knows no others); the renderer never holds a LabService.

/** What `up` did: created (fresh), updated (the running lab changed in place), replaced (removed and
 * deployed anew: addresses or images changed), repaired (the same lab was degraded, e.g. after an
 * engine restart: its containers were started and plumbed again, same ids) or unchanged. */
export interface DeployOutcome {
  lab: string;
  action: 'created' | 'updated' | 'replaced' | 'repaired' | 'unchanged';
  ms: number;
  /** milliseconds per deploy step (empty when unchanged) */
  timings: Record<string, number>;
}
/** Docker names of what `down` removed. */
export interface RemovedLab { containers: string[]; networks: string[] }
/** Docker names of what `gc` removed, and the labs it left alone with why. */
export interface GcResult { containers: string[]; networks: string[]; volumes: string[]; kept?: { lab: string; why: string }[] }
export interface GcOptions {
  /** only labs whose name starts with this prefix (test suites sharing an engine with other users) */
  onlyLab?: string;
  /** every lblab object, running labs and deploys in progress included (default: only what no lab record claims) */
  all?: boolean;
}
/** How `up` runs: `signal` interrupts it (what it created is removed, a running lab it changed is put back). */
export interface UpOptions { signal?: AbortSignal }
/** One step of an image build, as the CLI shows it. */
export interface ImageBuildProgress { image: string; step: string; message: string; done: number; total: number }
export interface ImageBuildOptions {
  /** rebuild even when up to date */
  force?: boolean;
  onProgress?: (p: ImageBuildProgress) => void;
  /** once at the end, also after a failure: one timing line per image */
  onSummary?: (lines: string[]) => void;
}
/** Where `exec` streams a command's output, and its input when given. */
export interface ExecStreams { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream }

export interface LabService extends LabApi {
  /** progress, node, terminal and log events; returns the unsubscribe function */
  subscribe(listener: (e: LabEvent) => void): () => void;
  /** end every terminal and stop watching Docker */
  close(): Promise<void>;
  /** read and fully check a lab file; fails with one line naming the file, field and reason */
  loadLabFile(file: string): Promise<LabDoc>;
  /** deploy, saying what changed (deploy() answers with the status instead); progress arrives as events */
  up(doc: LabDoc, opts?: UpOptions): Promise<DeployOutcome>;
  /** destroy, saying what was removed; the lab's terminals end first */
  down(lab: string): Promise<RemovedLab>;
  /** run a command in a node with its output streamed; resolves with the command's exit code */
  exec(lab: string, node: string, cmd: string[], io: ExecStreams): Promise<number>;
  /** build or refresh the lab images (content-hashed: up-to-date images are kept) */
  buildImages(opts?: ImageBuildOptions): Promise<void>;
  /** remove what lblab left behind: objects no lab record claims, half-made labs nobody deploys;
   * with `all`, every lblab object (images are kept) */
  /** a comparison once it has ended (the lab restored, the result saved) */
  compareDone(id: string): Promise<Comparison>;
  gc(opts?: GcOptions): Promise<GcResult>;
  /** a capture whose every packet goes to `tap` as well (the CLI streams them out); `pcapHeader` heads a file of its records */
  tapCapture(lab: string, targets: CaptureTarget[], opts: CaptureOptions | null | undefined, tap: CaptureTap): Promise<CaptureStart & { pcapHeader: Uint8Array }>;
}

// ---- captures
// Decoded packets as the engine hands them to the renderer (the Captures
// panel, the packet journey). Types only: the decoder lives in
// electron/engine/capture/. Field and layer names are Wireshark's
// display-filter names (`ip.src`, `tcp.flags.syn`, ...), so a filter typed in
// the UI reads like one typed in Wireshark.

/** A field's value: numbers for integers, strings for addresses (dotted IPv4, colon MAC), text and bytes (lowercase hex), booleans for flags. */
export type CaptureValue = number | string | boolean;

export interface CaptureField {
  /** Wireshark display-filter name, e.g. `tcp.srcport` */
  name: string;
  value: CaptureValue;
  /** the value as the tree shows it, e.g. `0x0012 (SYN, ACK)` */
  display: string;
  /** where the field lies in the frame, in bytes (length 0: a computed field, e.g. `tcp.len`) */
  offset: number;
  length: number;
}

export interface CaptureLayer {
  /** protocol name: 'frame' | 'sll' | 'eth' | 'vlan' | 'arp' | 'ip' | 'tcp' | 'udp' | 'icmp' | 'http' | 'data' */
  name: string;
  offset: number;
  length: number;
  fields: CaptureField[];
}

/** The packet at a glance: what the packet journey matches hop to hop. IPv4 values are the innermost header's. */
export interface PacketBrief {
  /** the transport seen: 'tcp' | 'udp' | 'icmp' | 'arp', 'ip' for other IPv4 protocols and later fragments, else the link layer ('eth' | 'sll' | 'frame') */
  proto: string;
  ethSrc?: string;
  ethDst?: string;
  vlan?: number;
  src?: string;
  dst?: string;
  ipProto?: number;
  ipId?: number;
  ttl?: number;
  /** the outer header of an IPIP packet */
  outer?: { src: string; dst: string; id: number; ttl: number };
  sport?: number;
  dport?: number;
  /** TCP flags byte (FIN 0x01 ... CWR 0x80) */
  tcpFlags?: number;
  seq?: number;
  ack?: number;
  icmpType?: number;
  icmpCode?: number;
  /** bytes of L4 payload on the wire (TCP segment data, UDP data) */
  payloadLength?: number;
}

export interface DecodedPacket {
  /** frame number in its capture (1-based), when known */
  number?: number;
  /** capture time, microseconds since the epoch */
  ts: number;
  /** bytes captured (≤ len when the capture's snaplen cut the frame) */
  caplen: number;
  /** bytes on the wire */
  len: number;
  /** outermost first; an IPIP packet has two 'ip' layers */
  layers: CaptureLayer[];
  /** one line in tcpdump's style */
  summary: string;
  brief: PacketBrief;
  /** the first thing found truncated or malformed (one line); the layers hold what could be decoded */
  error?: string;
  /** the captured bytes as lowercase hex, when asked for (the hex view) */
  bytes?: string;
}
// ---- end captures
