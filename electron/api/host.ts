// The lab service: what the engine offers the processes that host it (the
// Electron main process, the web server, the CLI): the LabApi, its events,
// and the operations only the CLI exposes. Untrusted callers reach only the
// LabApi methods (dispatch() knows no others). Host-only: it speaks in Node
// streams, so the renderer never imports this module (eslint refuses it), and
// electron/api.ts does not re-export it.
import type { LabApi } from '../api';
import type { CaptureOptions, CaptureStart, CaptureTarget } from './capture';
import type { Comparison } from './compare';
import type { LabDoc } from './document';
import type { LabEvent } from './events';
import type { DecodedPacket } from './packets';

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
export interface RemovedLab {
  containers: string[];
  networks: string[];
  /** a lab spread over hosts: what could not be removed where, in one line (recorded; `lblab gc` retries it) */
  left?: string;
}
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
  /** a comparison once it has ended (the lab restored, the result saved) */
  compareDone(id: string): Promise<Comparison>;
  /** remove what lblab left behind: objects no lab record claims, half-made labs nobody deploys;
   * with `all`, every lblab object (images are kept) */
  gc(opts?: GcOptions): Promise<GcResult>;
  /** a capture whose every packet goes to `tap` as well (the CLI streams them out); `pcapHeader` heads a file of its records */
  tapCapture(lab: string, targets: CaptureTarget[], opts: CaptureOptions | null | undefined, tap: CaptureTap): Promise<CaptureStart & { pcapHeader: Uint8Array }>;
}
