// Every capture of an engine, by id: live ones started on a lab's
// interfaces and pcap files opened for viewing. Targets are resolved from
// the lab's status (interfaces as the container names them), packets are
// served from each capture's ring, and captures are stopped when their lab
// or node goes away, when asked, and all at once when nobody listens.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ApiError, CAPTURE_RING_MAX, captureOptionsSchema, type CaptureEvent, type CaptureFilterResult, type CaptureInfo, type CaptureInterface, type CaptureOptions, type CapturePcap, type CaptureStart, type CaptureTarget, type CapturedPacket, type LabStatus, type PacketSummary } from '../../api';
import type { CaptureTap } from '../../api/host';
import { compileFilter, DisplayFilterError, type CompiledFilter } from './display-filter';
import { dockerExecStarter, type ExecStarter } from './exec-stream';
import { LiveCapture, type CaptureHooks } from './live-capture';
import { toSummary } from './packet-summary';
import { LINKTYPE, readPcap, PcapFormatError } from './pcap-reader';
import { pcapFileHeader, pcapRecordBytes } from './pcap-writer';
import { PacketRing } from './ring';
import type { SessionTarget } from './session';

export interface CaptureManagerDeps {
  emit(e: CaptureEvent): void;
  /** the lab's live status (nodes, containers, interfaces) */
  status(lab: string): Promise<LabStatus>;
  /** runs tcpdump in a container (default: docker exec) */
  exec?: ExecStarter;
}

/** Ended captures kept for viewing; older ones are forgotten first. */
export const KEEP_ENDED = 16;

/** A pcap file opened as a capture. */
class LoadedCapture {
  readonly state = 'loaded' as const;
  readonly startedAt = Date.now();
  readonly endReason = 'loaded from a file';
  constructor(
    readonly id: string,
    readonly name: string,
    readonly ring: PacketRing,
    readonly truncated: string | undefined,
  ) {}
  get interfaces(): CaptureInterface[] {
    return [{ node: this.name, iface: 'file' }];
  }
  sourceOf(index: number): CaptureInterface | undefined {
    return index >= this.ring.first && index <= this.ring.last ? this.interfaces[0] : undefined;
  }
  async stop(): Promise<void> {}
}

type AnyCapture = LiveCapture | LoadedCapture;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export class CaptureManager {
  private readonly captures = new Map<string, AnyCapture>();
  private seq = 0;

  constructor(private readonly deps: CaptureManagerDeps) {}

  private newId(): string {
    return `cap${++this.seq}-${randomBytes(3).toString('hex')}`;
  }

  private get(id: string): AnyCapture {
    const c = this.captures.get(id);
    if (!c) throw new ApiError(`no capture ${id} (see listCaptures)`, 'not-found');
    return c;
  }

  /** Which (node, interface, container) each target means, in the lab as it runs now. */
  async resolve(lab: string, targets: CaptureTarget[]): Promise<(SessionTarget & CaptureInterface)[]> {
    if (!targets.length) throw new ApiError('capture: name at least one node', 'bad-request');
    const st = await this.deps.status(lab);
    if (st.state === 'absent' || !st.nodes.length) throw new ApiError(`no lab named ${lab}`, 'not-found');
    const out: (SessionTarget & CaptureInterface)[] = [];
    const seen = new Set<string>();
    for (const t of targets) {
      const node = st.nodes.find((n) => n.name === t.node);
      if (!node) throw new ApiError(`lab ${lab} has no node ${t.node} (nodes: ${st.nodes.map((n) => n.name).join(', ')})`, 'not-found');
      if (node.state !== 'running') throw new ApiError(`node ${t.node} of lab ${lab} is not running (${node.state})`, 'conflict');
      const known = node.interfaces.filter((i) => i.name && i.name !== '?');
      const list = known.map((i) => `${i.name} (${i.network})`).join(', ') || 'none';
      if (!known.length) throw new ApiError(`node ${t.node} of lab ${lab} has no interface to capture on (interfaces: ${list})`, 'conflict');
      const picked = t.iface ? known.filter((i) => i.name === t.iface || i.network === t.iface).slice(0, 1) : known;
      if (!picked.length) throw new ApiError(`node ${t.node} of lab ${lab} has no interface ${t.iface} (interfaces: ${list})`, 'not-found');
      for (const i of picked) {
        const key = `${node.name}:${i.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ node: node.name, iface: i.name, container: node.id ?? node.container });
      }
    }
    return out;
  }

  /** Start a capture; resolves once every tcpdump listens. `hooks` adds a per-packet tap (the CLI). */
  async start(lab: string, targets: CaptureTarget[], opts: CaptureOptions = {}, hooks: Omit<CaptureHooks, 'emit'> = {}): Promise<CaptureStart> {
    // the API's callers were checked by dispatch; in-process ones (the CLI) are checked here
    const checked = captureOptionsSchema.safeParse(opts);
    if (!checked.success) {
      const i = checked.error.issues[0];
      throw new ApiError(`capture option ${i?.path.join('.') || ''}: ${i?.message ?? 'invalid'}`, 'bad-request');
    }
    const resolved = await this.resolve(lab, targets);
    const id = this.newId();
    const cap = new LiveCapture(id, lab, resolved, opts, this.deps.exec ?? dockerExecStarter, {
      ...hooks,
      emit: (e) => this.deps.emit(e),
      onEnd: (reason) => {
        this.prune();
        hooks.onEnd?.(reason);
      },
    });
    this.captures.set(id, cap);
    try {
      await cap.start();
    } catch (e) {
      this.captures.delete(id);
      throw new ApiError((e as Error).message.split('\n')[0], 'bad-request');
    }
    return { id, interfaces: cap.interfaces };
  }

  /** Start a capture whose packets also go to `tap`, each with its pcap record (microsecond timestamps). */
  async tap(lab: string, targets: CaptureTarget[], opts: CaptureOptions, tap: CaptureTap): Promise<CaptureStart & { pcapHeader: Uint8Array }> {
    const started = await this.start(lab, targets, opts, {
      onPacket: (p) => tap.onPacket({ index: p.index, node: p.node, iface: p.iface, decoded: p.decoded, record: pcapRecordBytes(p.record) }),
      onEnd: (reason) => tap.onEnd(reason),
    });
    return { ...started, pcapHeader: pcapFileHeader({ linktype: LINKTYPE.ETHERNET, snaplen: opts.snaplen }) };
  }

  async stop(id: string, reason = 'stopped'): Promise<void> {
    await this.get(id).stop(reason);
  }

  list(): CaptureInfo[] {
    return [...this.captures.values()].map((c) => {
      const info: CaptureInfo = {
        id: c.id,
        name: c instanceof LiveCapture ? c.lab : c.name,
        interfaces: c.interfaces,
        state: c.state,
        startedAt: c.startedAt,
        total: c.ring.last,
        dropped: c.ring.dropped,
      };
      if (c instanceof LiveCapture) {
        info.lab = c.lab;
        if (c.opts.filter) info.filter = c.opts.filter;
      }
      if (c.endReason) info.endReason = c.endReason;
      return info;
    });
  }

  summaries(id: string, from: number, count: number): PacketSummary[] {
    const c = this.get(id);
    const out: PacketSummary[] = [];
    for (let n = Math.max(from, c.ring.first); n <= c.ring.last && out.length < count; n++) {
      const src = c.sourceOf(n)!;
      out.push(toSummary(c.ring.decode(n, { fields: false })!, n, src.node, src.iface));
    }
    return out;
  }

  packet(id: string, index: number): CapturedPacket {
    const c = this.get(id);
    const src = c.sourceOf(index);
    const p = src && c.ring.decode(index, { bytes: true });
    if (!src || !p) {
      if (index > c.ring.last) throw new ApiError(`capture ${id} has no packet ${index} (it has ${c.ring.last})`, 'not-found');
      throw new ApiError(`packet ${index} of capture ${id} has left the ring (it keeps the last ${c.ring.capacity}; the oldest now is ${c.ring.first})`, 'not-found');
    }
    return { ...p, index, node: src.node, iface: src.iface, bytes: p.bytes ?? '' };
  }

  pcap(id: string): CapturePcap {
    const c = this.get(id);
    const base = c instanceof LiveCapture ? [c.lab, ...(c.targets.length === 1 ? [c.targets[0].node, c.targets[0].iface] : [])].join('-') : c.name;
    return { name: `${base}-${stamp(c.startedAt)}.pcap`, base64: c.ring.toPcap().toString('base64'), packets: c.ring.size };
  }

  /** The packets numbered `from` or more that display filter `text` keeps; a bad filter answers its error, not a throw. */
  filter(id: string, text: string, from = 1): CaptureFilterResult {
    const c = this.get(id);
    let match: CompiledFilter;
    try {
      match = compileFilter(text);
    } catch (e) {
      if (e instanceof DisplayFilterError) return { indices: [], last: c.ring.last, error: e.message, position: e.position };
      throw e;
    }
    // synchronous: no packet enters the ring while this runs, so `last` is what was examined
    return { indices: c.ring.filter(match, Infinity, from), last: c.ring.last };
  }

  /** Open a pcap file (base64) as an ended capture. */
  load(name: string, base64: string): CaptureStart & { total: number } {
    const bytes = Buffer.from(base64, 'base64');
    let file: ReturnType<typeof readPcap>;
    try {
      file = readPcap(bytes);
    } catch (e) {
      if (e instanceof PcapFormatError) throw new ApiError(`${name}: ${e.message}`, 'bad-request');
      throw e;
    }
    const short = path.basename(name).replace(/\.(pcap|cap|dmp)$/i, '') || 'pcap';
    const ring = new PacketRing({ capacity: Math.min(Math.max(file.records.length, 1), CAPTURE_RING_MAX), linktype: file.header.linktype });
    for (const r of file.records) ring.push(r);
    const id = this.newId();
    const cap = new LoadedCapture(id, short, ring, file.truncated);
    this.captures.set(id, cap);
    this.prune();
    return { id, interfaces: cap.interfaces, total: ring.last };
  }

  async discard(id: string): Promise<void> {
    const c = this.captures.get(id);
    if (!c) return;
    await c.stop('discarded');
    this.captures.delete(id);
  }

  /** Stop the captures on a lab (every node) or on one of its nodes. */
  async nodeGone(lab: string, node: string | undefined, reason: string): Promise<void> {
    const hit = [...this.captures.values()].filter((c): c is LiveCapture => c instanceof LiveCapture && c.state === 'running' && c.lab === lab && (!node || c.targets.some((t) => t.node === node)));
    await Promise.all(hit.map((c) => c.stop(reason)));
  }

  /** Stop every running capture (tcpdumps gone when this resolves). */
  async stopAll(reason: string): Promise<void> {
    await Promise.all([...this.captures.values()].map((c) => (c.state === 'running' ? c.stop(reason) : undefined)));
  }

  get running(): number {
    return [...this.captures.values()].filter((c) => c.state === 'running').length;
  }

  /** The live capture `id` (tests, the CLI). */
  live(id: string): LiveCapture | undefined {
    const c = this.captures.get(id);
    return c instanceof LiveCapture ? c : undefined;
  }

  private prune(): void {
    const over = [...this.captures.values()].filter((c) => c.state !== 'running');
    for (const c of over.slice(0, Math.max(0, over.length - KEEP_ENDED))) this.captures.delete(c.id);
  }
}
