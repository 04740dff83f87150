// The capture the Captures panel shows, as an external store (read with
// useSyncExternalStore): started here, loaded from a pcap file or reopened
// from the engine's list. Its summaries arrive as capture-packets events and,
// for what the events left out (a burst's older packets, a file, a reopened
// capture), as pages fetched when the list shows them. A display filter runs
// in the engine (filterCapture); on a live capture it is applied again to each
// batch, from the first packet it has not seen. The rows (100 000 of them)
// live in a PacketTable, outside React state: each change of them publishes a
// new `view`, which is what the list re-renders on.
import type { CaptureEvent, CaptureInfo, CaptureInterface, CaptureOptions, CaptureTarget, CapturedPacket, LabApi, LabEvent } from '../../../electron/api';
import { oneLine } from '../../api-client';
import { base64ToBytes, bytesToBase64, IndexList, PacketTable, packetView, type PacketView } from '../../lib/capture-data';
import { downloadBlob } from '../../lib/files';
import { asIs, say, type Said } from '../../i18n/said';

export interface ShownCapture {
  id: string;
  /** the lab or file name */
  name: string;
  lab?: string;
  state: CaptureInfo['state'];
  interfaces: CaptureInterface[];
  /** the capture filter it runs with */
  filter?: string;
  total: number;
  dropped: number;
  endReason?: string;
}

export interface DisplayFilter {
  /** the filter applied ('' for none) */
  applied: string;
  /** why the applied filter could not be brought up to date (a live batch failed) */
  error?: Said;
  /** the engine is filtering the whole capture */
  busy: boolean;
}
/** What applying a filter did: nothing to say, or the filter's error (with its position when it does not compile). */
export interface FilterOutcome { error?: Said; position?: number }

/** One snapshot of the store: a new object on every change, the same one in between. */
export interface CaptureState {
  cap: ShownCapture | null;
  starting: boolean;
  /** put into words when drawn: a language switched live redraws it */
  error: Said | null;
  /** the captures the engine keeps */
  captures: CaptureInfo[];
  filter: DisplayFilter;
  selected: number | null;
  packet: CapturedPacket | null;
  packetError: string | null;
  /** the rows the list shows: a new object whenever rows arrive, go or are filtered */
  view: PacketView;
  /** the rows held (read through `view`'s frame numbers) */
  table: PacketTable;
  /** how many rows the list shows */
  shown: number;
}

const isCaptureEvent = (e: LabEvent): e is CaptureEvent => e.type === 'capture-packets' || e.type === 'capture-end';
/** Summaries per captureSummaries call (the API allows 10 000). */
const PAGE = 2000;
/** The first page fetched when a capture opens: it sets the Time column's zero. */
const FIRST_PAGE = 200;

export class CaptureStore {
  private table = new PacketTable();
  private filtered: IndexList | null = null;
  /** the capture shown */
  private id: string | null = null;
  /** a start is in flight: its events wait in `early` until its id is known */
  private startingNow = false;
  private early: CaptureEvent[] = [];
  private readonly fetching = new Set<string>();
  private readonly tried = new Set<string>();
  private packetTicket = 0;
  /** the live display filter: its text, the newest frame it has examined, one query at a time */
  private readonly live = { text: '', examined: 0, gen: 0, inflight: false, again: false };
  private readonly listeners = new Set<() => void>();
  private state: CaptureState;

  constructor(private readonly api: LabApi) {
    this.state = {
      cap: null,
      starting: false,
      error: null,
      captures: [],
      filter: { applied: '', busy: false },
      selected: null,
      packet: null,
      packetError: null,
      view: packetView(this.table, null),
      table: this.table,
      shown: 0,
    };
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
  getSnapshot = (): CaptureState => this.state;

  private set(patch: Partial<CaptureState>): void {
    const s = { ...this.state, ...patch };
    s.shown = s.filter.applied ? s.view.length : s.table.count;
    this.state = s;
    for (const l of this.listeners) l();
  }
  /** The rows changed: a new view (with any other change that goes with it). */
  private rowsChanged(patch: Partial<CaptureState> = {}): void {
    this.set({ ...patch, table: this.table, view: packetView(this.table, this.filtered) });
  }
  private setFilter(f: (x: DisplayFilter) => DisplayFilter): void {
    this.set({ filter: f(this.state.filter) });
  }

  dismissError = () => this.set({ error: null });

  refreshList = async () => {
    try {
      this.set({ captures: await this.api.listCaptures() });
    } catch {
      // the list is a convenience: the capture shown still works
    }
  };

  /** Every event of the client; the capture's own are kept. */
  onEvent = (e: LabEvent) => {
    if (!isCaptureEvent(e)) return;
    // events can overtake startCapture's answer: keep them until the id is known
    if (this.startingNow) this.early.push(e);
    else if (e.id === this.id) this.handle(e);
  };

  private handle(e: CaptureEvent): void {
    const t = this.table;
    if (e.type === 'capture-packets') t.put(e.packets);
    t.setBounds(e.total, e.dropped);
    this.filtered?.trimBefore(t.first);
    this.tried.clear();
    const c = this.state.cap;
    const mine = c && c.id === e.id;
    if (e.type === 'capture-packets') this.rowsChanged(mine ? { cap: { ...c, total: e.total, dropped: e.dropped } } : {});
    else {
      this.rowsChanged(mine ? { cap: { ...c, total: e.total, dropped: e.dropped, state: 'ended', endReason: e.reason } } : {});
      void this.refreshList();
    }
    this.refilter();
  }

  /** Apply the live filter to the packets it has not examined yet. */
  private refilter(): void {
    const f = this.live;
    const id = this.id;
    if (!f.text || !id) return;
    if (f.inflight) {
      f.again = true;
      return;
    }
    f.inflight = true;
    const gen = f.gen;
    this.api.filterCapture(id, f.text, f.examined + 1).then(
      (r) => {
        if (gen !== f.gen) return;
        f.inflight = false;
        const why = r.error;
        if (why) {
          this.setFilter((x) => ({ ...x, error: asIs(why) }));
          return;
        }
        this.filtered?.push(r.indices);
        this.filtered?.trimBefore(this.table.first);
        f.examined = Math.max(f.examined, r.last);
        this.rowsChanged();
        if (f.again) {
          f.again = false;
          this.refilter();
        }
      },
      (e) => {
        if (gen !== f.gen) return;
        f.inflight = false;
        this.setFilter((x) => ({ ...x, error: say('captures.errDisplayFilter', { why: oneLine(e) }) }));
      },
    );
  }

  /** Fetch the summaries of the frames among `indices` the table lacks (the rows the list shows). */
  ensure = (indices: number[]) => {
    const id = this.id;
    if (!id) return;
    for (const [from, count] of this.table.missing(indices, PAGE)) {
      const key = `${from}+${count}`;
      if (this.fetching.has(key) || this.tried.has(key)) continue;
      this.fetching.add(key);
      this.api.captureSummaries(id, from, count).then(
        (rows) => {
          this.fetching.delete(key);
          if (this.id !== id) return;
          // rows the ring let go come back missing: not asked again until the next event
          this.tried.add(key);
          this.table.put(rows);
          this.rowsChanged();
        },
        (e) => {
          this.fetching.delete(key);
          this.tried.add(key);
          if (this.id === id) this.set({ error: say('captures.errPackets', { why: oneLine(e) }) });
        },
      );
    }
  };

  /** Run display filter `text` over the whole capture; a filter that does not compile leaves the view as it was. */
  runFilter = async (text: string, id = this.id): Promise<FilterOutcome> => {
    const f = this.live;
    f.gen++;
    f.inflight = false;
    f.again = false;
    const trimmed = text.trim();
    if (!trimmed) {
      f.text = '';
      this.filtered = null;
      this.rowsChanged({ filter: { applied: '', busy: false } });
      return {};
    }
    if (!id) return { error: say('captures.errNoCapture') };
    const gen = f.gen;
    this.setFilter((x) => ({ ...x, busy: true }));
    try {
      const r = await this.api.filterCapture(id, trimmed, 1);
      if (gen !== f.gen) return {};
      if (r.error) {
        this.setFilter((x) => ({ ...x, busy: false }));
        return { error: asIs(r.error), position: r.position };
      }
      const list = new IndexList();
      list.push(r.indices);
      list.trimBefore(this.table.first);
      this.filtered = list;
      Object.assign(f, { text: trimmed, examined: r.last });
      this.rowsChanged({ filter: { applied: trimmed, busy: false } });
      this.refilter();
      return {};
    } catch (e) {
      if (gen === f.gen) this.setFilter((x) => ({ ...x, busy: false }));
      return { error: say('captures.errDisplayFilter', { why: oneLine(e) }) };
    }
  };

  /** Whether `text` compiles (the engine checks it against no packet); null: cannot tell. */
  checkFilter = async (text: string): Promise<FilterOutcome | null> => {
    const id = this.id;
    if (!id || !text.trim()) return null;
    try {
      const r = await this.api.filterCapture(id, text.trim(), Number.MAX_SAFE_INTEGER);
      return r.error === undefined ? {} : { error: asIs(r.error), position: r.position };
    } catch {
      return null;
    }
  };

  /** Show capture `c` (new or reopened): a fresh table, its first page, the display filter applied again. */
  private show(c: ShownCapture): void {
    this.id = c.id;
    this.table = new PacketTable();
    this.table.setBounds(c.total, c.dropped);
    this.filtered = null;
    this.live.examined = 0;
    this.fetching.clear();
    this.tried.clear();
    this.packetTicket++;
    this.rowsChanged({ cap: c, selected: null, packet: null, packetError: null });
    if (c.total > c.dropped) this.ensure(Array.from({ length: Math.min(FIRST_PAGE, c.total - c.dropped) }, (_, i) => c.dropped + 1 + i));
    const text = this.live.text;
    if (text) void this.runFilter(text, c.id);
  }

  /** Run `f` on the capture shown; its failure becomes the panel's error. False when there was none or it failed. */
  private async onShown(what: Said, f: (id: string) => Promise<unknown>): Promise<boolean> {
    const id = this.id;
    if (!id) return false;
    try {
      await f(id);
      return true;
    } catch (e) {
      this.set({ error: say('captures.errAction', { action: what, why: oneLine(e) }) });
      return false;
    }
  }

  start = async (lab: string, targets: CaptureTarget[], opts: CaptureOptions) => {
    if (this.startingNow) return;
    this.startingNow = true;
    this.early = [];
    this.set({ error: null, starting: true });
    try {
      const r = await this.api.startCapture(lab, targets, opts);
      this.startingNow = false;
      this.show({ id: r.id, name: lab, lab, state: 'running', interfaces: r.interfaces, filter: opts.filter, total: 0, dropped: 0 });
      const queued = this.early.filter((e) => e.id === r.id);
      this.early = [];
      for (const e of queued) this.handle(e);
      void this.refreshList();
    } catch (e) {
      this.startingNow = false;
      this.early = [];
      this.set({ error: say('captures.errCapture', { why: oneLine(e) }) });
    } finally {
      this.set({ starting: false });
    }
  };

  stop = async () => {
    await this.onShown(say('captures.actionStop'), (id) => this.api.stopCapture(id));
  };

  /** Reopen a capture the engine keeps (its list). */
  open = (info: CaptureInfo) => {
    this.set({ error: null });
    this.show({ id: info.id, name: info.name, lab: info.lab, state: info.state, interfaces: info.interfaces, filter: info.filter, total: info.total, dropped: info.dropped, endReason: info.endReason });
  };

  load = async (file: File) => {
    this.set({ error: null });
    try {
      const b64 = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
      const r = await this.api.loadPcap(file.name, b64);
      this.show({ id: r.id, name: r.interfaces[0]?.node ?? file.name, state: 'loaded', interfaces: r.interfaces, total: r.total, dropped: 0 });
      void this.refreshList();
    } catch (e) {
      this.set({ error: say('captures.errOpen', { file: file.name, why: oneLine(e) }) });
    }
  };

  save = async () => {
    await this.onShown(say('captures.actionSave'), async (id) => {
      const f = await this.api.capturePcap(id);
      downloadBlob(new Blob([base64ToBytes(f.base64)], { type: 'application/vnd.tcpdump.pcap' }), f.name);
    });
  };

  /** Forget the capture shown (the engine frees its packets). */
  discard = async () => {
    if (!(await this.onShown(say('captures.actionDiscard'), (id) => this.api.discardCapture(id)))) return;
    this.id = null;
    this.table = new PacketTable();
    this.filtered = null;
    this.live.gen++;
    this.rowsChanged({ cap: null, selected: null, packet: null });
    void this.refreshList();
  };

  select = async (index: number | null) => {
    const id = this.id;
    const ticket = ++this.packetTicket;
    this.set({ selected: index, packetError: null });
    if (index === null || !id) {
      this.set({ packet: null });
      return;
    }
    try {
      const p = await this.api.capturePacket(id, index);
      if (ticket === this.packetTicket) this.set({ packet: p });
    } catch (e) {
      if (ticket === this.packetTicket) this.set({ packet: null, packetError: oneLine(e) });
    }
  };
}
