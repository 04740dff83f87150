// Lab documents: the in-memory form of a `*.lab.yaml` file, the problems
// found in one, the templates, and the calls that parse, check and format
// them with the same schema and checks as the CLI. The engine validates a
// document fully (schema + topology checks); these types are what the
// renderer edits.
import { z } from 'zod';
import { nameSchema, type Mode, type Scheduler } from '../../lab-images/balancer/contract/vocabulary';
import type { Gateway, Hook } from '../../lab-images/balancer/contract/vocabulary';

export const NODE_KINDS = ['client', 'balancer', 'server', 'router'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];
/** What a service speaks: HTTP (nginx on the servers), a plain TCP service (etcd), or WebSocket (websocketd). */
export const PROTOCOLS = ['http', 'tcp', 'websocket'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
/** Each protocol's default port: nginx keeps 80 on the servers, so etcd and websocketd listen beside it. */
export const PROTOCOL_PORTS = { http: 80, tcp: 2379, websocket: 8080 } as const satisfies Record<Protocol, number>;

/** What a tunnel service's packets cross to its backends: IPv4 (IPIP), or IPv6 ("4in6": the IPv4 VIP's packets
 * inside an outer IPv6 header, to the servers' IPv6 addresses). */
export const UNDERLAYS = ['ipv4', 'ipv6'] as const;
export type Underlay = (typeof UNDERLAYS)[number];

export interface Position { x: number; y: number }
export interface LinkDoc { network: string; rate?: string; address?: string }
export interface NodeDoc {
  kind: NodeKind;
  links: LinkDoc[];
  image?: string;
  /** run `image` (not one of lblab's own) with the capabilities lblab grants its nodes (NET_ADMIN, SYS_ADMIN where BPF loads) */
  trust?: boolean;
  /** the lab's host (a key of `hosts`) this node runs on; absent: the first host */
  host?: string;
  /** the engine's CPU quota for the node's container, in CPUs (0.2 = a fifth of one CPU) */
  cpus?: number;
  /** a balancer: where its eBPF core runs, tc (default) or xdp */
  hook?: Hook;
  position?: Position;
}
/** `subnet6`: the network is dual-stack; `auto` takes a free /64 of fd00:4c42::/48, else a ULA subnet (fd00::/8) */
export interface NetworkDoc { subnet?: string; subnet6?: string; mtu?: number; position?: Position }
export interface BackendDoc { node: string; weight?: number }
export interface RouteDoc {
  path?: string;
  host?: string;
  header?: Record<string, string>;
  backends: (string | BackendDoc)[];
}
export interface HealthDoc { type?: 'tcp' | 'http'; path?: string; interval?: string }
export interface ServiceDoc {
  /** one balancer, or a tier of balancers behind a router that spreads flows over them (ECMP) */
  balancer: string | string[];
  vip?: string;
  /** dual-stack: an IPv6 VIP served in the same mode beside `vip`; `auto` mirrors the IPv4 VIP in its network's subnet6 */
  vip6?: string;
  /** tunnel: the network the tunnel crosses to the backends; `ipv6` wraps the IPv4 VIP's packets in IPv6
   * ("4in6") toward the servers' IPv6 addresses (dual-stack networks on the way). Default ipv4 */
  underlay?: Underlay;
  port?: number;
  /** default http */
  protocol?: Protocol;
  mode: Mode;
  scheduler?: Scheduler;
  backends: (string | BackendDoc)[];
  routes?: RouteDoc[];
  health?: HealthDoc;
  /** snat: how many source addresses the balancer uses toward the backends (1–16; each adds 58 976 ports per backend) */
  snatAddresses?: number;
  /** eBPF modes: concurrent flows the balancer's flow table holds (default 10^6; a balancer's eBPF services share
   * one table, sized for the largest they ask; about 320 bytes a flow, preallocated) */
  maxFlows?: number;
  /** l7: the gateway that serves it (default haproxy) */
  gateway?: Gateway;
  /** l7 on Apache: at most this many workers (threads; processes for apache-prefork) */
  workers?: number;
}
/** The balancers of a service: its one balancer, or the members of its tier, in file order. */
export function balancersOf(s: Pick<ServiceDoc, 'balancer'>): string[] {
  return Array.isArray(s.balancer) ? s.balancer : [s.balancer];
}
/** A tier: the service names its balancers as a list (even of one), so a router in front spreads flows over them. */
export const isTier = (s: Pick<ServiceDoc, 'balancer'>): boolean => Array.isArray(s.balancer);

export interface LabDoc {
  name: string;
  description?: string;
  /** lab-wide: leave checksum/segmentation offload on (faster; captures show super-packets and unfilled checksums) */
  offload?: boolean;
  /** a lab spread over several Docker engines (one Swarm): host name → engine (`default`, a Docker URL or a context name) */
  hosts?: Record<string, string>;
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
export interface TemplateInfo { id: string; title: string; mode: Mode | 'multi-tier'; description: string }

/** Lab files, templates and drawings: pure checks, no Docker. */
export interface LabDocumentMethods {
  /** Parse the text of a `*.lab.yaml` file and check it fully; the document when it passes the schema, and every issue
   * found (YAML syntax errors and duplicate keys with their line). Problems are answered, not thrown. */
  parseLab(yamlText: string): Promise<ParseResult>;
  /** Check a document with the lab schema and the topology and mode rules; every issue with its field path.
   * Problems are answered, not thrown. */
  validateLab(doc: LabDoc): Promise<ValidationReport>;
  /** The document as `*.lab.yaml` text, in the fields' usual order (one line per node and network). */
  formatLab(doc: LabDoc): Promise<string>;
  /** The bundled example labs, without their documents. */
  listTemplates(): Promise<TemplateInfo[]>;
  /** A bundled example lab's document. Fails not-found when there is no template `id`. */
  getTemplate(id: string): Promise<LabDoc>;
  /** The modes `service` of `doc` could run in, each with the first reason when it cannot (the topology checks, once per
   * mode); empty when the schema fails or there is no such service. */
  modeAvailability(doc: LabDoc, service: string): Promise<ModeAvailability[]>;
}

/** A lab document checked only for shape at the boundary; the engine does the full check. */
export const labDocShape = z
  .object({ name: z.string().max(64), networks: z.record(z.string(), z.unknown()), nodes: z.record(z.string(), z.unknown()) })
  .passthrough();

export const labDocumentArgs = {
  parseLab: z.tuple([z.string().max(1_000_000)]),
  validateLab: z.tuple([labDocShape]),
  formatLab: z.tuple([labDocShape]),
  listTemplates: z.tuple([]),
  getTemplate: z.tuple([nameSchema]),
  modeAvailability: z.tuple([labDocShape, nameSchema]),
} satisfies Record<keyof LabDocumentMethods, z.ZodTypeAny>;
