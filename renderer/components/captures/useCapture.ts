// The capture this panel shows: started here, loaded from a pcap file or
// reopened from the engine's list. Its summaries arrive as capture-packets
// events and, for what the events left out (a burst's older packets, a file,
// a reopened capture), as pages fetched when the list shows them. A display
// filter runs in the engine (filterCapture); on a live capture it is applied
// again to each batch, from the first packet it has not seen.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CaptureEvent, CaptureInfo, CaptureInterface, CaptureOptions, CaptureTarget, CapturedPacket, LabEvent } from '../../../electron/api';
import { oneLine, type ApiClient } from '../../api-client';
import { base64ToBytes, bytesToBase64, IndexList, PacketTable, packetView } from '../../lib/capture-data';
import { downloadBlob } from '../../lib/files';

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
  error?: string;
  /** the engine is filtering the whole capture */
  busy: boolean;
}
/** What applying a filter did: nothing to say, or the filter's error (with its position when it does not compile). */
export interface FilterOutcome { error?: string; position?: number }

const isCaptureEvent = (e: LabEvent): e is CaptureEvent => e.type === 'capture-packets' || e.type === 'capture-end';
/** Summaries per captureSummaries call (the API allows 10 000). */
const PAGE = 2000;
/** The first page fetched when a capture opens: it sets the Time column's zero. */
const FIRST_PAGE = 200;

export function useCapture(client: ApiClient) {
  const { api } = client;
  const [cap, setCap] = useState<ShownCapture | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [captures, setCaptures] = useState<CaptureInfo[]>([]);
  const [filter, setFilter] = useState<DisplayFilter>({ applied: '', busy: false });
  const [selected, setSelected] = useState<number | null>(null);
  const [packet, setPacket] = useState<CapturedPacket | null>(null);
  const [packetError, setPacketError] = useState<string | null>(null);
  // the rows live outside React state (100 000 of them); `version` re-renders the list
  const [version, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  const table = useRef(new PacketTable());
  const filtered = useRef<IndexList | null>(null);
  const idRef = useRef<string | null>(null);
  const startingRef = useRef(false);
  const early = useRef<CaptureEvent[]>([]);
  const fetching = useRef(new Set<string>());
  const tried = useRef(new Set<string>());
  const packetTicket = useRef(0);
  // the live display filter: its text, the newest frame it has examined, one query at a time
  const live = useRef({ text: '', examined: 0, gen: 0, inflight: false, again: false });

  const refreshList = useCallback(async () => {
    try {
      setCaptures(await api.listCaptures());
    } catch {
      // the list is a convenience: the capture shown still works
    }
  }, [api]);
  useEffect(() => {
    void refreshList();
  }, [refreshList]);

  /** Apply the live filter to the packets it has not examined yet. */
  const refilter = useCallback(() => {
    const f = live.current;
    const id = idRef.current;
    if (!f.text || !id) return;
    if (f.inflight) {
      f.again = true;
      return;
    }
    f.inflight = true;
    const gen = f.gen;
    api.filterCapture(id, f.text, f.examined + 1).then(
      (r) => {
        if (gen !== f.gen) return;
        f.inflight = false;
        if (r.error) {
          setFilter((x) => ({ ...x, error: r.error }));
          return;
        }
        filtered.current?.push(r.indices);
        filtered.current?.trimBefore(table.current.first);
        f.examined = Math.max(f.examined, r.last);
        bump();
        if (f.again) {
          f.again = false;
          refilter();
        }
      },
      (e) => {
        if (gen !== f.gen) return;
        f.inflight = false;
        setFilter((x) => ({ ...x, error: `Display filter: ${oneLine(e)}` }));
      },
    );
  }, [api, bump]);

  const handle = useCallback(
    (e: CaptureEvent) => {
      const t = table.current;
      if (e.type === 'capture-packets') t.put(e.packets);
      t.setBounds(e.total, e.dropped);
      filtered.current?.trimBefore(t.first);
      tried.current.clear();
      if (e.type === 'capture-packets') setCap((c) => (c && c.id === e.id ? { ...c, total: e.total, dropped: e.dropped } : c));
      else {
        setCap((c) => (c && c.id === e.id ? { ...c, total: e.total, dropped: e.dropped, state: 'ended', endReason: e.reason } : c));
        void refreshList();
      }
      bump();
      refilter();
    },
    [bump, refilter, refreshList],
  );

  useEffect(
    () =>
      client.onEvent((e) => {
        if (!isCaptureEvent(e)) return;
        // events can overtake startCapture's answer: keep them until the id is known
        if (startingRef.current) early.current.push(e);
        else if (e.id === idRef.current) handle(e);
      }),
    [client, handle],
  );

  /** Fetch the summaries of the frames among `indices` the table lacks (the rows the list shows). */
  const ensure = useCallback(
    (indices: number[]) => {
      const id = idRef.current;
      if (!id) return;
      for (const [from, count] of table.current.missing(indices, PAGE)) {
        const key = `${from}+${count}`;
        if (fetching.current.has(key) || tried.current.has(key)) continue;
        fetching.current.add(key);
        api.captureSummaries(id, from, count).then(
          (rows) => {
            fetching.current.delete(key);
            if (idRef.current !== id) return;
            // rows the ring let go come back missing: not asked again until the next event
            tried.current.add(key);
            table.current.put(rows);
            bump();
          },
          (e) => {
            fetching.current.delete(key);
            tried.current.add(key);
            if (idRef.current === id) setError(`Packets unavailable: ${oneLine(e)}`);
          },
        );
      }
    },
    [api, bump],
  );

  /** Run display filter `text` over the whole capture; a filter that does not compile leaves the view as it was. */
  const runFilter = useCallback(
    async (text: string, id = idRef.current): Promise<FilterOutcome> => {
      const f = live.current;
      f.gen++;
      f.inflight = false;
      f.again = false;
      const trimmed = text.trim();
      if (!trimmed) {
        f.text = '';
        filtered.current = null;
        setFilter({ applied: '', busy: false });
        bump();
        return {};
      }
      if (!id) return { error: 'Start or open a capture to filter.' };
      const gen = f.gen;
      setFilter((x) => ({ ...x, busy: true }));
      try {
        const r = await api.filterCapture(id, trimmed, 1);
        if (gen !== f.gen) return {};
        if (r.error) {
          setFilter((x) => ({ ...x, busy: false }));
          return { error: r.error, position: r.position };
        }
        const list = new IndexList();
        list.push(r.indices);
        list.trimBefore(table.current.first);
        filtered.current = list;
        Object.assign(f, { text: trimmed, examined: r.last });
        setFilter({ applied: trimmed, busy: false });
        bump();
        refilter();
        return {};
      } catch (e) {
        if (gen === f.gen) setFilter((x) => ({ ...x, busy: false }));
        return { error: `Display filter: ${oneLine(e)}` };
      }
    },
    [api, bump, refilter],
  );

  /** Whether `text` compiles (the engine checks it against no packet); null: cannot tell. */
  const checkFilter = useCallback(
    async (text: string): Promise<{ error?: string; position?: number } | null> => {
      const id = idRef.current;
      if (!id || !text.trim()) return null;
      try {
        const r = await api.filterCapture(id, text.trim(), Number.MAX_SAFE_INTEGER);
        return { error: r.error, position: r.position };
      } catch {
        return null;
      }
    },
    [api],
  );

  /** Show capture `c` (new or reopened): a fresh table, its first page, the display filter applied again. */
  const show = useCallback(
    (c: ShownCapture) => {
      idRef.current = c.id;
      table.current = new PacketTable();
      table.current.setBounds(c.total, c.dropped);
      filtered.current = null;
      live.current.examined = 0;
      fetching.current.clear();
      tried.current.clear();
      packetTicket.current++;
      setCap(c);
      setSelected(null);
      setPacket(null);
      setPacketError(null);
      bump();
      if (c.total > c.dropped) ensure(Array.from({ length: Math.min(FIRST_PAGE, c.total - c.dropped) }, (_, i) => c.dropped + 1 + i));
      const text = live.current.text;
      if (text) void runFilter(text, c.id);
    },
    [bump, ensure, runFilter],
  );

  const start = useCallback(
    async (lab: string, targets: CaptureTarget[], opts: CaptureOptions) => {
      if (startingRef.current) return;
      setError(null);
      startingRef.current = true;
      early.current = [];
      setStarting(true);
      try {
        const r = await api.startCapture(lab, targets, opts);
        startingRef.current = false;
        show({ id: r.id, name: lab, lab, state: 'running', interfaces: r.interfaces, filter: opts.filter, total: 0, dropped: 0 });
        const queued = early.current.filter((e) => e.id === r.id);
        early.current = [];
        for (const e of queued) handle(e);
        void refreshList();
      } catch (e) {
        startingRef.current = false;
        early.current = [];
        setError(`Capture failed: ${oneLine(e)}`);
      } finally {
        setStarting(false);
      }
    },
    [api, show, handle, refreshList],
  );

  const stop = useCallback(async () => {
    const id = idRef.current;
    if (!id) return;
    try {
      await api.stopCapture(id);
    } catch (e) {
      setError(`Stop failed: ${oneLine(e)}`);
    }
  }, [api]);

  /** Reopen a capture the engine keeps (its list). */
  const open = useCallback(
    (info: CaptureInfo) => {
      setError(null);
      show({ id: info.id, name: info.name, lab: info.lab, state: info.state, interfaces: info.interfaces, filter: info.filter, total: info.total, dropped: info.dropped, endReason: info.endReason });
    },
    [show],
  );

  const load = useCallback(
    async (file: File) => {
      setError(null);
      try {
        const b64 = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
        const r = await api.loadPcap(file.name, b64);
        show({ id: r.id, name: r.interfaces[0]?.node ?? file.name, state: 'loaded', interfaces: r.interfaces, total: r.total, dropped: 0 });
        void refreshList();
      } catch (e) {
        setError(`Cannot open ${file.name}: ${oneLine(e)}`);
      }
    },
    [api, show, refreshList],
  );

  const save = useCallback(async () => {
    const id = idRef.current;
    if (!id) return;
    try {
      const f = await api.capturePcap(id);
      downloadBlob(new Blob([base64ToBytes(f.base64)], { type: 'application/vnd.tcpdump.pcap' }), f.name);
    } catch (e) {
      setError(`Save failed: ${oneLine(e)}`);
    }
  }, [api]);

  /** Forget the capture shown (the engine frees its packets). */
  const discard = useCallback(async () => {
    const id = idRef.current;
    if (!id) return;
    try {
      await api.discardCapture(id);
    } catch (e) {
      setError(`Discard failed: ${oneLine(e)}`);
      return;
    }
    idRef.current = null;
    table.current = new PacketTable();
    filtered.current = null;
    live.current.gen++;
    setCap(null);
    setSelected(null);
    setPacket(null);
    bump();
    void refreshList();
  }, [api, bump, refreshList]);

  const select = useCallback(
    async (index: number | null) => {
      const id = idRef.current;
      const ticket = ++packetTicket.current;
      setSelected(index);
      setPacketError(null);
      if (index === null || !id) {
        setPacket(null);
        return;
      }
      try {
        const p = await api.capturePacket(id, index);
        if (ticket === packetTicket.current) setPacket(p);
      } catch (e) {
        if (ticket === packetTicket.current) {
          setPacket(null);
          setPacketError(oneLine(e));
        }
      }
    },
    [api],
  );

  // a new object each time the rows change, so the list re-renders
  const view = useMemo(() => packetView(table.current, filtered.current), [version]);

  return {
    cap, starting, error, setError, captures, filter, selected, packet, packetError, version, view,
    table: table.current,
    shown: filter.applied ? view.length : table.current.count,
    start, stop, open, load, save, discard, select, ensure, runFilter, checkFilter, refreshList,
  };
}
