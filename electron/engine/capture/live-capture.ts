// One capture: a tcpdump session per interface, their packets merged by
// time into one numbered ring, and the news sent as capture-packets events
// at most every TICK_MS (one event per tick carries everything new). It ends
// once: on stop, count or duration reached, or when every session has ended
// on its own (the node went away, tcpdump failed); capture-end comes last.
import { CAPTURE_RING_DEFAULT, type CaptureEvent, type CaptureInfo, type CaptureInterface, type CaptureOptions, type DecodedPacket, type PacketSummary } from '../../api';
import type { ExecStarter } from './exec-stream';
import { Interleaver } from './interleave';
import { toSummary } from './packet-summary';
import { LINKTYPE, type PcapRecord } from './pcap-reader';
import { PacketRing } from './ring';
import { CaptureSession, type SessionTarget } from './session';

/** Event cadence: at most 1000 / TICK_MS capture-packets events per second per capture. */
export const TICK_MS = 200;
/** How long a packet waits for earlier ones from slower interfaces (several interfaces only). */
export const HOLD_MS = 300;
/** Summaries per event; a bigger burst sends its newest (the rest: captureSummaries). */
export const MAX_EVENT_PACKETS = 2000;
/** Bytes a capture's ring holds at most: veth interfaces carry GSO frames of up to 64 KiB, so a default ring's packets could be 6 GB. */
export const RING_MAX_BYTES = 512 * 1024 * 1024;

/** A packet as it enters the ring (a tap turns it into the API's TappedPacket). */
export interface RingPacket {
  index: number;
  node: string;
  iface: string;
  record: PcapRecord;
  decoded: DecodedPacket;
}

export interface CaptureHooks {
  emit(e: CaptureEvent): void;
  /** every packet, in index order, as it enters the ring */
  onPacket?(p: RingPacket): void;
  /** after capture-end */
  onEnd?(reason: string): void;
}

type Tagged = PcapRecord & { src: number };

export class LiveCapture {
  state: CaptureInfo['state'] = 'running';
  readonly startedAt = Date.now();
  endReason: string | undefined;
  readonly ring: PacketRing;
  readonly ended: Promise<string>;
  private readonly sessions: CaptureSession[];
  /** the source (interface) of each frame, by ring slot */
  private readonly srcOf: Uint8Array;
  private readonly merge: Interleaver<Tagged>;
  private fresh: PacketSummary[] = [];
  private lastDropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  private resolveEnded!: (reason: string) => void;

  constructor(
    readonly id: string,
    readonly lab: string,
    readonly targets: (SessionTarget & CaptureInterface)[],
    readonly opts: CaptureOptions,
    private readonly exec: ExecStarter,
    private readonly hooks: CaptureHooks,
  ) {
    if (targets.length > 255) throw new Error('a capture takes at most 255 interfaces');
    const capacity = opts.ringSize ?? CAPTURE_RING_DEFAULT;
    this.ring = new PacketRing({ capacity, maxBytes: RING_MAX_BYTES, linktype: LINKTYPE.ETHERNET });
    this.srcOf = new Uint8Array(capacity);
    this.merge = new Interleaver(targets.length > 1 ? HOLD_MS : 0);
    this.ended = new Promise((r) => (this.resolveEnded = r));
    this.sessions = targets.map(
      (t, i) =>
        new CaptureSession(t, { snaplen: opts.snaplen, filter: opts.filter }, exec, (rec, s) => {
          if (s.linktype !== this.ring.linktype) {
            void s.stop(`${s.label}: link type ${s.linktype} differs from the capture's (${this.ring.linktype})`);
            return;
          }
          this.merge.add({ ...rec, src: i }, Date.now());
        }),
    );
  }

  get interfaces(): CaptureInterface[] {
    return this.targets.map((t) => ({ node: t.node, iface: t.iface }));
  }

  /** Start every session; if one cannot start, stop the others and throw its reason (one line). */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.sessions.map((s) => s.start()));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      await Promise.all(this.sessions.map((s) => s.stop('another interface failed to start')));
      this.state = 'ended';
      const why = ((results[failed] as PromiseRejectedResult).reason as Error).message;
      const t = this.targets[failed];
      // before "listening", tcpdump fails on its interface (it names it) or on the filter
      const onFilter = this.opts.filter && !why.startsWith(`tcpdump: ${t.iface}:`) && why.startsWith('tcpdump:');
      this.endReason = onFilter ? `capture filter "${this.opts.filter}": ${why}` : `${t.node}:${t.iface}: ${why}`;
      this.resolveEnded(this.endReason);
      throw new Error(this.endReason);
    }
    for (const s of this.sessions) {
      void s.ended.then(() => {
        if (this.sessions.every((x) => x.settled)) void this.stop(this.sessionsReason());
      });
    }
    this.timer = setInterval(() => this.tick(false), TICK_MS);
    if (this.opts.duration) this.deadline = setTimeout(() => void this.stop(`duration reached (${this.opts.duration} s)`), this.opts.duration * 1000);
  }

  private sessionsReason(): string {
    const reasons = [...new Set(this.sessions.map((s) => s.endReason ?? ''))].filter(Boolean);
    return reasons.join('; ') || 'tcpdump ended';
  }

  get total(): number {
    return this.ring.last;
  }

  /** Move the packets that are ready into the ring and send what is new. */
  private tick(all: boolean): void {
    const ready = this.merge.take(Date.now(), all);
    const limit = this.opts.count;
    for (const rec of ready) {
      if (limit !== undefined && this.total >= limit) break;
      const index = this.ring.push(rec);
      this.srcOf[(index - 1) % this.ring.capacity] = rec.src;
      const t = this.targets[rec.src];
      // the summary needs no field tree (the fast path); a tap may print every field
      const decoded = this.ring.decode(index, { fields: !!this.hooks.onPacket })!;
      this.fresh.push(toSummary(decoded, index, t.node, t.iface));
      if (this.fresh.length > MAX_EVENT_PACKETS * 2) this.fresh = this.fresh.slice(-MAX_EVENT_PACKETS);
      this.hooks.onPacket?.({ index, node: t.node, iface: t.iface, record: rec, decoded });
    }
    this.flush();
    if (limit !== undefined && this.total >= limit && this.state === 'running') void this.stop(`count reached (${limit} packets)`);
  }

  private flush(): void {
    const dropped = this.ring.dropped;
    if (!this.fresh.length && dropped === this.lastDropped) return;
    const packets = this.fresh.length > MAX_EVENT_PACKETS ? this.fresh.slice(-MAX_EVENT_PACKETS) : this.fresh;
    this.fresh = [];
    this.lastDropped = dropped;
    this.hooks.emit({ type: 'capture-packets', id: this.id, packets, total: this.total, dropped });
  }

  /** Stop every session (their tcpdumps are gone when this resolves), send the last packets and capture-end. */
  stop(reason: string): Promise<void> {
    this.ending ??= (async () => {
      if (this.state !== 'running') return;
      clearTimeout(this.deadline);
      await Promise.all(this.sessions.map((s) => s.stop(reason)));
      clearInterval(this.timer);
      this.tick(true);
      this.state = 'ended';
      this.endReason = reason;
      this.hooks.emit({ type: 'capture-end', id: this.id, reason, total: this.total, dropped: this.ring.dropped });
      this.resolveEnded(reason);
      this.hooks.onEnd?.(reason);
    })();
    return this.ending;
  }

  /** Where frame `index` was captured, while the ring holds it. */
  sourceOf(index: number): CaptureInterface | undefined {
    if (index < this.ring.first || index > this.ring.last) return undefined;
    return this.interfaces[this.srcOf[(index - 1) % this.ring.capacity]];
  }

  /** tcpdump pids, for tests and diagnostics */
  get pids(): (number | undefined)[] {
    return this.sessions.map((s) => s.pid);
  }
}
