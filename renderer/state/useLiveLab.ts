// The running side of a lab: deploy / destroy with progress, node states from
// events and periodic status, per-backend counters polled every second. The
// tracked lab stays tracked whatever the canvas shows; deploy and destroy stop
// the polls and wait for the calls in flight before they touch the lab, so no
// poll races a teardown.
import { useCallback, useEffect, useRef, useState } from 'react';
import { isProxyMode, type LabDoc, type LabEvent, type LabStatus, type Mode, type NodeStatus, type ServiceStats } from '../../electron/api';
import { oneLine, type ApiClient } from '../api-client';
import type { Notify } from './useToasts';
import { sameSaid, say, type Said } from '../i18n/said';

export interface Progress { step: string; done: number; total: number }
export type NodeStates = Record<string, NodeStatus['state'] | 'deploying'>;
/** Per backend: the totals and the per-second rate of the service's main count (packets; sessions for proxies). */
export interface StatSample { at: number; backends: Record<string, { packets: number; bytes: number; sessions: number; rate: number }> }

const HISTORY = 60;
/** How long deploy / destroy wait for polls in flight before going ahead anyway. */
const SETTLE_MS = 15_000;

/** Proxies (HAProxy) count connections, not packets: the contract says which modes are proxies. */
export { isProxyMode };
export const sessionsOf = (s: ServiceStats, node: string) => s.counters[`sessions.${node}`] ?? 0;

export function useLiveLab(client: ApiClient, notify: Notify, docName: string) {
  const { api } = client;
  const [lab, setLab] = useState<string | null>(null);
  const [status, setStatus] = useState<LabStatus | null>(null);
  const [busy, setBusy] = useState<'deploy' | 'destroy' | null>(null);
  const [switching, setSwitching] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [nodeStates, setNodeStates] = useState<NodeStates>({});
  const [stats, setStats] = useState<ServiceStats[]>([]);
  const [history, setHistory] = useState<Record<string, StatSample[]>>({});
  /** counts successful deploys: terminals reconnect when it moves */
  const [deploys, setDeploys] = useState(0);
  const pendingLab = useRef<string | null>(null);
  const pollError = useRef<Said | null>(null);
  /** set the moment a deploy or destroy starts, before React re-renders: no poll may start after it */
  const pollsOff = useRef(false);
  const inflight = useRef(new Set<Promise<unknown>>());

  /** A poll's call, counted so a teardown can wait for it. */
  const polled = useCallback(<T,>(p: Promise<T>): Promise<T> => {
    inflight.current.add(p);
    const done = () => inflight.current.delete(p);
    p.then(done, done);
    return p;
  }, []);
  const stopPolls = useCallback(async () => {
    pollsOff.current = true;
    const pending = [...inflight.current];
    if (pending.length) await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, SETTLE_MS))]);
  }, []);

  const applyStatus = useCallback((s: LabStatus) => {
    setStatus(s);
    setNodeStates(Object.fromEntries(s.nodes.map((n) => [n.name, n.state])));
  }, []);
  const forget = useCallback(() => {
    setLab(null);
    setStatus(null);
    setNodeStates({});
    setStats([]);
    setHistory({});
  }, []);

  // events: progress, node state changes, engine log lines
  useEffect(
    () =>
      client.onEvent((e: LabEvent) => {
        const current = pendingLab.current;
        if (e.type === 'progress' && e.lab === current) setProgress({ step: e.step, done: e.done, total: e.total });
        else if (e.type === 'node' && e.lab === current) setNodeStates((s) => ({ ...s, [e.node]: e.state }));
        else if (e.type === 'log' && e.level !== 'info' && e.message.trim()) notify(e.message, e.level);
      }),
    [client, notify],
  );

  // attach to a lab that is already running under this document's name
  useEffect(() => {
    if (busy || !/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(docName) || lab === docName) return;
    let live = true;
    const t = setTimeout(() => {
      if (pollsOff.current) return;
      polled(api.status(docName)).then(
        (s) => {
          if (!live || pollsOff.current || s.state === 'absent') return;
          pendingLab.current = docName;
          setLab(docName);
          applyStatus(s);
        },
        () => undefined, // not deployed / engine down: the banner covers the latter
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, docName, busy, lab, applyStatus, polled]);

  // while deploying, node badges also follow the status (events can be missed while the
  // event socket reconnects: the browser drops it when Docker changes the host's network)
  useEffect(() => {
    if (busy !== 'deploy') return;
    const name = pendingLab.current;
    if (!name) return;
    const iv = setInterval(() => {
      api.status(name).then(
        (s) => {
          if (s.state === 'absent') return;
          setNodeStates((cur) => {
            const next = { ...cur };
            for (const n of s.nodes) if (n.state !== 'missing') next[n.name] = n.state;
            return next;
          });
        },
        () => undefined,
      );
    }, 2500);
    return () => clearInterval(iv);
  }, [api, busy]);

  // periodic status while a lab is tracked
  useEffect(() => {
    if (!lab || busy || switching) return;
    let live = true;
    const iv = setInterval(() => {
      if (pollsOff.current) return;
      polled(api.status(lab)).then(
        (s) => {
          if (!live || pollsOff.current) return;
          if (s.state === 'absent') {
            notify(say('app.live.noLongerRunning', { lab }), 'warn');
            forget();
            return;
          }
          applyStatus(s);
        },
        (e) => live && !pollsOff.current && notify(`status ${lab}: ${oneLine(e)}`),
      );
    }, 3000);
    return () => {
      live = false;
      clearInterval(iv);
    };
  }, [api, lab, busy, switching, applyStatus, notify, forget, polled]);

  // counters every second while a lab is tracked
  useEffect(() => {
    if (!lab || busy || switching) return;
    let live = true;
    // one poll at a time: under load a stats call can outlast the interval, and
    // overlapping calls pile up in the balancer and can answer out of order
    let asking = false;
    const tick = () => {
      if (asking || pollsOff.current) return;
      asking = true;
      void polled(api.stats(lab))
        .then(
          (all) => {
            if (!live || pollsOff.current) return;
            pollError.current = null;
            setStats(all);
            setHistory((h) => nextHistory(h, all));
          },
          (e) => {
            if (!live || pollsOff.current) return; // a lab going away answers with errors: not news
            const m = say('app.live.counters', { why: oneLine(e).replace(/:\s*$/, '') || say('app.live.noAnswer') });
            // the same failure again is not news
            if (!pollError.current || !sameSaid(pollError.current, m)) notify(m, 'warn');
            pollError.current = m;
          },
        )
        .finally(() => {
          asking = false;
        });
    };
    tick();
    const iv = setInterval(tick, 1000);
    return () => {
      live = false;
      clearInterval(iv);
    };
  }, [api, lab, busy, switching, notify, polled]);

  const deploy = useCallback(
    async (doc: LabDoc) => {
      pendingLab.current = doc.name;
      setBusy('deploy');
      setProgress({ step: 'starting', done: 0, total: 1 });
      setNodeStates(Object.fromEntries(Object.keys(doc.nodes).map((n) => [n, 'deploying' as const])));
      try {
        await stopPolls();
        const s = await api.deploy(doc);
        setLab(doc.name);
        applyStatus(s);
        setStats([]);
        setHistory({});
        setDeploys((n) => n + 1);
        notify(say('app.live.isRunning', { lab: doc.name }), 'success');
        return true;
      } catch (e) {
        notify(say('app.live.deployFailed', { why: oneLine(e) }));
        setNodeStates({});
        pendingLab.current = lab;
        return false;
      } finally {
        pollsOff.current = false;
        setBusy(null);
        setProgress(null);
      }
    },
    [api, applyStatus, notify, lab, stopPolls],
  );

  const destroy = useCallback(async () => {
    const name = lab ?? docName;
    pendingLab.current = name;
    setBusy('destroy');
    setProgress({ step: 'removing', done: 0, total: 1 });
    try {
      await stopPolls();
      await api.destroy(name);
      forget();
      notify(say('canvas.labRemoved', { lab: name }), 'success');
    } catch (e) {
      notify(say('app.live.destroyFailed', { why: oneLine(e) }));
    } finally {
      pollsOff.current = false;
      setBusy(null);
      setProgress(null);
    }
  }, [api, lab, docName, notify, stopPolls, forget]);

  /** Read the lab's status now: after a change made on it (a fault made or undone) the 3 s poll would show it late. */
  const refresh = useCallback(async () => {
    if (!lab || pollsOff.current) return;
    try {
      const s = await polled(api.status(lab));
      if (!pollsOff.current && s.state !== 'absent') applyStatus(s);
    } catch {
      // the periodic poll says what is wrong
    }
  }, [api, lab, applyStatus, polled]);

  /** Switch live; resolves null when done, else why it was refused or failed. */
  const setMode = useCallback(
    async (service: string, mode: Mode): Promise<string | null> => {
      if (!lab) return 'no lab is running';
      setSwitching(service);
      try {
        // the balancer is reconfigured under the switch: counters wait until it is done
        await stopPolls();
        const s = await api.setMode(lab, service, mode);
        notify(say('app.live.nowInMode', { service, mode: s.mode }), 'success');
        setStatus((st) => {
          if (!st) return st;
          const svc = st.doc?.services?.[service];
          const doc = st.doc && svc ? { ...st.doc, services: { ...st.doc.services, [service]: { ...svc, mode: s.mode } } } : st.doc;
          return { ...st, services: st.services.map((x) => (x.name === s.name ? s : x)), ...(doc && { doc }) };
        });
        return null;
      } catch (e) {
        return oneLine(e);
      } finally {
        pollsOff.current = false;
        setSwitching(null);
        setProgress(null);
      }
    },
    [api, lab, notify, stopPolls],
  );

  return { lab, status, busy, switching, progress, nodeStates, stats, history, deploys, deploy, destroy, setMode, refresh };
}

function nextHistory(h: Record<string, StatSample[]>, all: ServiceStats[]): Record<string, StatSample[]> {
  const out: Record<string, StatSample[]> = {};
  for (const s of all) {
    const prev = h[s.service] ?? [];
    const last = prev[prev.length - 1];
    const proxy = isProxyMode(s.mode);
    const backends: StatSample['backends'] = {};
    for (const b of s.backends) {
      const sessions = sessionsOf(s, b.node);
      const lb = last?.backends[b.node];
      const dt = last ? Math.max((s.at - last.at) / 1000, 0.001) : 1;
      const count = proxy ? sessions : b.packets;
      const before = proxy ? lb?.sessions : lb?.packets;
      backends[b.node] = { packets: b.packets, bytes: b.bytes, sessions, rate: before !== undefined ? Math.max(0, (count - before) / dt) : 0 };
    }
    out[s.service] = [...prev, { at: s.at, backends }].slice(-HISTORY);
  }
  return out;
}
