// Container lifecycle of lblab nodes as LabEvents, from `docker events`
// filtered by the io.lblab.managed label.
import type Docker from 'dockerode';
import type { LabEvent, NodeStatus } from '../../api';
import { docker } from '../docker/client';
import { LABEL, labFilter } from '../docker/labels';
import { NdjsonSplitter } from './ndjson';

export type NodeEvent = Extract<LabEvent, { type: 'node' }>;

/** Docker container actions that change a node's state, and the state they lead to. */
const STATE_AFTER: Record<string, NodeStatus['state']> = {
  create: 'created',
  start: 'running',
  restart: 'running',
  unpause: 'running',
  pause: 'paused',
  die: 'exited',
  stop: 'exited',
  kill: 'exited',
  oom: 'exited',
  destroy: 'missing',
};

interface DockerEvent {
  Type?: string;
  Action?: string;
  status?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** One docker event → a node event, or undefined for anything else (exec_*, attach, networks...). */
export function toNodeEvent(raw: unknown): NodeEvent | undefined {
  const e = raw as DockerEvent;
  if (e?.Type !== 'container') return undefined;
  const action = (e.Action ?? e.status ?? '').split(':')[0];
  const state = STATE_AFTER[action];
  const attrs = e.Actor?.Attributes ?? {};
  if (!state || attrs[LABEL.managed] !== 'true' || !attrs[LABEL.lab] || !attrs[LABEL.node]) return undefined;
  return { type: 'node', lab: attrs[LABEL.lab], node: attrs[LABEL.node], state, action };
}

export interface EventWatch { close(): void }

export interface EngineWatchHooks {
  /** the stream is up (first time and after every reconnect) */
  onConnected?: () => void;
  /** the stream is gone (the engine stopped answering or ended it); reconnecting */
  onLost?: (message: string) => void;
}

/**
 * Watch one engine's node events until closed. If the connection drops,
 * reconnect after a pause (the app outlives dockerd restarts).
 */
export function watchEngineNodeEvents(client: Docker, onEvent: (e: NodeEvent) => void, hooks: EngineWatchHooks = {}): EventWatch & { drop(): void } {
  let closed = false;
  let stream: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lost = false; // report a lost engine once, not every retry
  const destroy = (s: NodeJS.ReadableStream | undefined) => (s as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  const lose = (message: string) => {
    if (!lost) hooks.onLost?.(message);
    lost = true;
    if (!closed) timer = setTimeout(connect, 2000);
  };
  const connect = async () => {
    if (closed) return;
    try {
      const s = (await client.getEvents({
        filters: JSON.stringify({ type: ['container'], label: labFilter().label }),
      })) as NodeJS.ReadableStream;
      if (closed) return destroy(s);
      stream = s;
      lost = false;
      hooks.onConnected?.();
      const split = new NdjsonSplitter();
      s.on('data', (chunk: Buffer) => {
        for (const raw of split.push(chunk)) {
          const ev = toNodeEvent(raw);
          if (ev) onEvent(ev);
        }
      });
      const again = (e?: Error) => {
        if (closed || stream !== s) return;
        stream = undefined;
        lose(`docker events: ${e?.message ?? 'the engine ended the stream'}`);
      };
      s.on('end', () => again());
      s.on('close', () => again());
      s.on('error', again);
    } catch (e) {
      lose(`docker events: ${(e as Error).message}`);
    }
  };
  void connect();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      destroy(stream);
    },
    /** end the stream as if the engine had dropped it (a failed health probe) */
    drop() {
      const s = stream;
      if (!s) return;
      stream = undefined;
      destroy(s);
      lose('docker events: the engine does not answer');
    },
  };
}

/** Watch the driven engine's node events until closed, reconnecting when it drops. */
export function watchNodeEvents(onEvent: (e: NodeEvent) => void, onError?: (message: string) => void): EventWatch {
  return watchEngineNodeEvents(docker(), onEvent, { onLost: onError });
}
