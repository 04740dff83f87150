// Live captures: tcpdump on any interfaces of a running lab's nodes,
// streamed into the engine and decoded there; the renderer gets packet
// summaries in batches and asks for one decoded packet at a time. A pcap file
// can be opened as a capture too. Timestamps are microseconds since the
// epoch, like DecodedPacket.ts.
import { z } from 'zod';
import { nameSchema } from '../../lab-images/balancer/contract/vocabulary';
import type { DecodedPacket } from './packets';

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

/** Captures, kept in the engine's memory until discarded: packets arrive as capture-packets events, then one
 * capture-end. Every call on an `id` fails not-found when there is no such capture. */
export interface CaptureMethods {
  /** Start tcpdump on the targets' interfaces (all of a node's when none is named); resolves once every tcpdump
   * listens, with the capture's id and the interfaces it covers. Fails not-found (no such lab, node or interface),
   * conflict (a node is not running or has no interface), bad-request (no target, a bad option, or a capture filter
   * tcpdump refuses) or engine (Docker). */
  startCapture(lab: string, targets: CaptureTarget[], opts?: CaptureOptions | null): Promise<CaptureStart>;
  /** Stop a capture's tcpdumps; its packets stay readable until discarded. */
  stopCapture(id: string): Promise<void>;
  /** Every capture held: running, ended and loaded ones. */
  listCaptures(): Promise<CaptureInfo[]>;
  /** Summaries of packets `from`..`from+count-1` still in the ring (a page of the packet list; the ones gone are left out). */
  captureSummaries(id: string, from: number, count: number): Promise<PacketSummary[]>;
  /** One packet decoded in full, with its bytes. Fails not-found also when there is no such packet or it has left the
   * ring. */
  capturePacket(id: string, index: number): Promise<CapturedPacket>;
  /** The packets still in the ring as a pcap file (base64) with a suggested name. */
  capturePcap(id: string): Promise<CapturePcap>;
  /** Open a pcap file (base64) as a capture, ended at once: its id and packet count; its packets are read through
   * captureSummaries / capturePacket. Fails bad-request when the bytes are not a pcap file lblab reads. */
  loadPcap(name: string, base64: string): Promise<CaptureStart & { total: number }>;
  /** Stop a capture if it runs and forget it (its memory is freed); an unknown id is no error. */
  discardCapture(id: string): Promise<void>;
  /** The packets numbered `from` (default 1) or more that a Wireshark display filter keeps; `from` after the newest
   * packet only checks the filter. A filter with an error is answered in `error` and `position`, not thrown. */
  filterCapture(id: string, filter: string, from?: number): Promise<CaptureFilterResult>;
}

export const captureArgs = {
  startCapture: z.tuple([nameSchema, z.array(captureTargetSchema).min(1).max(64), captureOptionsSchema.nullish()]),
  stopCapture: z.tuple([captureIdSchema]),
  listCaptures: z.tuple([]),
  captureSummaries: z.tuple([captureIdSchema, z.number().int().min(1), z.number().int().min(1).max(10_000)]),
  capturePacket: z.tuple([captureIdSchema, z.number().int().min(1)]),
  capturePcap: z.tuple([captureIdSchema]),
  // base64 of up to 48 MiB (web mode's request limit is lower: see the server)
  loadPcap: z.tuple([z.string().min(1).max(128), z.string().max(64 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64')]),
  discardCapture: z.tuple([captureIdSchema]),
  filterCapture: z.tuple([captureIdSchema, z.string().max(4096), z.number().int().min(1).optional()]),
} satisfies Record<keyof CaptureMethods, z.ZodTypeAny>;
