// The running side of a lab: deploy / destroy with progress, node states from
// events and periodic status, per-backend counters polled every second.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LabDoc, LabEvent, LabStatus, Mode, NodeStatus, ServiceStats } from '../../electron/api';
import { oneLine, type ApiClient } from '../api-client';
import type { ToastLevel } from './useToasts';

export interface Progress { step: string; done: number; total: number }
export type NodeStates = Record<string, NodeStatus['state'] | 'deploying'>;
export interface StatSample { at: number; backends: Record<string, { packets: number; bytes: number; pps: number }> }

const HISTORY = 60;

export function useLiveLab(client: ApiClient, notify: (m: string, l?: ToastLevel) => void, docName: string) {
  const { api } = client;
  const [lab, setLab] = useState<string | null>(null);
  const [status, setStatus] = useState<LabStatus | null>(null);
  const [busy, setBusy] = useState<'deploy' | 'destroy' | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [nodeStates, setNodeStates] = useState<NodeStates>({});
  const [stats, setStats] = useState<ServiceStats[]>([]);
  const [history, setHistory] = useState<Record<string, StatSample[]>>({});
  const pendingLab = useRef<string | null>(null);
  const pollError = useRef<string | null>(null);

  const applyStatus = useCallback((s: LabStatus) => {
    setStatus(s);
    setNodeStates(Object.fromEntries(s.nodes.map((n) => [n.name, n.state])));
  }, []);

  // events: progress, node state changes, engine log lines
  useEffect(
    () =>
      client.onEvent((e: LabEvent) => {
        const current = pendingLab.current;
        if (e.type === 'progress' && e.lab === current) setProgress({ step: e.step, done: e.done, total: e.total });
        else if (e.type === 'node' && e.lab === current) setNodeStates((s) => ({ ...s, [e.node]: e.state }));
        else if (e.type === 'log' && e.level !== 'info') notify(e.message, e.level);
      }),
    [client, notify],
  );

  // attach to a lab that is already running under this document's name
  useEffect(() => {
    if (busy || !/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(docName) || lab === docName) return;
    let live = true;
    const t = setTimeout(() => {
      api.status(docName).then(
        (s) => {
          if (!live || s.state === 'absent') return;
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
  }, [api, docName, busy, lab, applyStatus]);

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

  // periodic status while deployed
  useEffect(() => {
    if (!lab || busy) return;
    const iv = setInterval(() => {
      api.status(lab).then(
        (s) => {
          if (s.state === 'absent') {
            notify(`Lab ${lab} is no longer running.`, 'warn');
            setLab(null);
            setStatus(null);
            setNodeStates({});
            return;
          }
          applyStatus(s);
        },
        (e) => notify(`status ${lab}: ${oneLine(e)}`),
      );
    }, 3000);
    return () => clearInterval(iv);
  }, [api, lab, busy, applyStatus, notify]);

  // counters every second while deployed
  useEffect(() => {
    if (!lab || busy) return;
    let live = true;
    // one poll at a time: under load a stats call can outlast the interval, and
    // overlapping calls pile up in the balancer and can answer out of order
    let inflight = false;
    const tick = () => {
      if (inflight) return;
      inflight = true;
      void api
        .stats(lab)
        .then(
        (all) => {
          if (!live) return;
          pollError.current = null;
          setStats(all);
          setHistory((h) => {
            const out: Record<string, StatSample[]> = {};
            for (const s of all) {
              const prev = h[s.service] ?? [];
              const last = prev[prev.length - 1];
              const backends: StatSample['backends'] = {};
              for (const b of s.backends) {
                const lb = last?.backends[b.node];
                const dt = last ? Math.max((s.at - last.at) / 1000, 0.001) : 1;
                backends[b.node] = { packets: b.packets, bytes: b.bytes, pps: lb ? Math.max(0, (b.packets - lb.packets) / dt) : 0 };
              }
              out[s.service] = [...prev, { at: s.at, backends }].slice(-HISTORY);
            }
            return out;
          });
        },
        (e) => {
          const m = `counters: ${oneLine(e)}`;
          if (pollError.current !== m) notify(m, 'warn');
          pollError.current = m;
        },
      )
        .finally(() => {
          inflight = false;
        });
    };
    tick();
    const iv = setInterval(tick, 1000);
    return () => {
      live = false;
      clearInterval(iv);
    };
  }, [api, lab, busy, notify]);

  const deploy = useCallback(
    async (doc: LabDoc) => {
      pendingLab.current = doc.name;
      setBusy('deploy');
      setProgress({ step: 'starting', done: 0, total: 1 });
      setNodeStates(Object.fromEntries(Object.keys(doc.nodes).map((n) => [n, 'deploying' as const])));
      try {
        const s = await api.deploy(doc);
        setLab(doc.name);
        applyStatus(s);
        setHistory({});
        notify(`Lab ${doc.name} is running.`, 'info');
      } catch (e) {
        notify(`Deploy failed: ${oneLine(e)}`);
        setNodeStates({});
        pendingLab.current = lab;
      } finally {
        setBusy(null);
        setProgress(null);
      }
    },
    [api, applyStatus, notify, lab],
  );

  const destroy = useCallback(async () => {
    const name = lab ?? docName;
    pendingLab.current = name;
    setBusy('destroy');
    setProgress({ step: 'removing', done: 0, total: 1 });
    try {
      await api.destroy(name);
      setLab(null);
      setStatus(null);
      setNodeStates({});
      setStats([]);
      setHistory({});
      notify(`Lab ${name} removed.`, 'info');
    } catch (e) {
      notify(`Destroy failed: ${oneLine(e)}`);
    } finally {
      setBusy(null);
      setProgress(null);
    }
  }, [api, lab, docName, notify]);

  const setMode = useCallback(
    async (service: string, mode: Mode) => {
      if (!lab) return;
      try {
        const s = await api.setMode(lab, service, mode);
        notify(`${service}: now in ${s.mode} mode.`, 'info');
        setStatus((st) => (st ? { ...st, services: st.services.map((x) => (x.name === s.name ? s : x)) } : st));
      } catch (e) {
        notify(`Mode switch failed: ${oneLine(e)}`);
      } finally {
        setProgress(null);
      }
    },
    [api, lab, notify],
  );

  return { lab, status, busy, progress, nodeStates, stats, history, deploy, destroy, setMode };
}
