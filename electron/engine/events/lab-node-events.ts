// Node events of every engine the app's labs use, merged into one stream: the
// engine lblab drives, plus each other host of a lab spread over several
// engines (one `docker events` per engine). Which engines those are is read
// from the deployed labs' documents (their containers' labels on the driven
// engine), again every few seconds and when a node is created there. An
// engine whose stream drops has its nodes reported `unreachable` until it
// answers again; then each of its nodes is reported in the state it is in.
import type Docker from 'dockerode';
import type { LabDoc } from '../../api';
import { clientFor, docker, engineTarget } from '../docker/client';
import { resolveHostEngine } from '../docker/placement';
import { LABEL, labFilter } from '../docker/labels';
import { decodeDoc } from '../labs/lab-record';
import { nodeHost } from '../topology/hosts';
import { watchEngineNodeEvents, watchNodeEvents, type EventWatch, type NodeEvent } from './node-events';

/** One engine other than the driven one, and the lab nodes placed on it. */
export interface RemoteHost {
  /** the engine's address (Docker's host URL): one watch per engine */
  key: string;
  /** the lab file's name of the host, for messages (the first lab's that names it) */
  name: string;
  engine: string;
  nodes: { lab: string; node: string }[];
}

/** The engines other than `drivenKey` that deployed spread labs use, from their documents. */
export function remoteHosts(docs: LabDoc[], drivenKey: string, resolve: (engine: string) => string): RemoteHost[] {
  const out = new Map<string, RemoteHost>();
  for (const doc of docs) {
    for (const [name, engine] of Object.entries(doc.hosts ?? {})) {
      let key: string;
      try {
        key = resolve(engine);
      } catch {
        continue; // a context removed since: nothing to watch there
      }
      if (key === drivenKey) continue;
      const h = out.get(key) ?? { key, name, engine, nodes: [] };
      h.nodes.push(...Object.keys(doc.nodes).filter((n) => nodeHost(doc, n) === name).map((node) => ({ lab: doc.name, node })));
      out.set(key, h);
    }
  }
  return [...out.values()];
}

/** The documents of the labs deployed on the driven engine (one per lab). */
async function deployedDocs(): Promise<LabDoc[]> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify(labFilter()) });
  const docs = new Map<string, LabDoc>();
  for (const c of list) {
    const lab = c.Labels?.[LABEL.lab];
    if (!lab || docs.has(lab)) continue;
    const d = decodeDoc(c.Labels?.[LABEL.doc]);
    if (d?.hosts) docs.set(lab, d);
  }
  return [...docs.values()];
}

/** Each node's state on `client` now, for `nodes` (absent ones: missing). */
async function statesOn(client: Docker, nodes: RemoteHost['nodes']): Promise<NodeEvent[]> {
  const list = await client.listContainers({ all: true, filters: JSON.stringify(labFilter()) });
  return nodes.map(({ lab, node }) => {
    const c = list.find((x) => x.Labels?.[LABEL.lab] === lab && x.Labels?.[LABEL.node] === node);
    return { type: 'node', lab, node, state: (c?.State as NodeEvent['state']) ?? 'missing', action: 'engine-back' };
  });
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

export interface LabEventsOptions {
  /** how often the set of engines is read again and each remote engine is probed */
  refreshMs?: number;
}

/** Watch node events on every engine the deployed labs use until closed. */
export function watchLabNodeEvents(onEvent: (e: NodeEvent) => void, onError?: (message: string) => void, opts: LabEventsOptions = {}): EventWatch {
  const refreshMs = opts.refreshMs ?? 10_000;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Timeout | undefined;
  const remotes = new Map<string, { host: RemoteHost; client: Docker; watch: ReturnType<typeof watchEngineNodeEvents>; down: boolean }>();

  const driven = watchNodeEvents((e) => {
    onEvent(e);
    // a node made here may belong to a new spread lab: look for its other engines soon
    if (e.action === 'create') {
      if (soon) clearTimeout(soon);
      soon = setTimeout(() => void refresh(), 1000);
    }
  }, onError);

  const add = (host: RemoteHost) => {
    const client = clientFor(resolveHostEngine(host.engine));
    const entry = { host, client, down: false, watch: undefined as unknown as ReturnType<typeof watchEngineNodeEvents> };
    entry.watch = watchEngineNodeEvents(client, onEvent, {
      onLost: (message) => {
        entry.down = true;
        onError?.(`host ${entry.host.name} (${entry.host.engine}): ${message}`);
        for (const { lab, node } of entry.host.nodes) onEvent({ type: 'node', lab, node, state: 'unreachable', action: 'engine-lost' });
      },
      onConnected: () => {
        if (!entry.down) return;
        entry.down = false;
        // events missed meanwhile: say where each node is now
        void statesOn(client, entry.host.nodes).then((list) => list.forEach(onEvent), () => undefined);
      },
    });
    remotes.set(host.key, entry);
  };

  async function refresh(): Promise<void> {
    if (closed) return;
    try {
      const hosts = remoteHosts(await deployedDocs(), engineTarget().host, (engine) => resolveHostEngine(engine).host);
      if (closed) return;
      for (const h of hosts) {
        const known = remotes.get(h.key);
        if (known) known.host = h;
        else add(h);
      }
      for (const [key, r] of remotes) {
        if (hosts.some((h) => h.key === key)) continue;
        r.watch.close();
        remotes.delete(key);
      }
      // a host that went silent without closing the connection: probe it
      await Promise.all(
        [...remotes.values()].filter((r) => !r.down).map((r) => within(r.client.ping(), 5000).catch(() => r.watch.drop())),
      );
    } catch {
      // the driven engine is away: its own watch says so
    } finally {
      if (!closed) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void refresh(), refreshMs);
      }
    }
  }
  void refresh();

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (soon) clearTimeout(soon);
      driven.close();
      for (const r of remotes.values()) r.watch.close();
      remotes.clear();
    },
  };
}
