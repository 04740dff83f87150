// Container lifecycle of lblab nodes as LabEvents, from `docker events`
// filtered by the io.lblab.managed label.
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

/**
 * Watch node events until closed. If the engine connection drops, reconnect
 * after a pause (the app outlives dockerd restarts).
 */
export function watchNodeEvents(onEvent: (e: NodeEvent) => void, onError?: (message: string) => void): EventWatch {
  let closed = false;
  let stream: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reported = false; // report a lost engine once, not every retry
  const connect = async () => {
    if (closed) return;
    try {
      const s = (await docker().getEvents({
        filters: JSON.stringify({ type: ['container'], label: labFilter().label }),
      })) as NodeJS.ReadableStream;
      if (closed) {
        (s as unknown as { destroy?: () => void }).destroy?.();
        return;
      }
      stream = s;
      reported = false;
      const split = new NdjsonSplitter();
      s.on('data', (chunk: Buffer) => {
        for (const raw of split.push(chunk)) {
          const ev = toNodeEvent(raw);
          if (ev) onEvent(ev);
        }
      });
      const again = () => {
        if (!closed && stream === s) timer = setTimeout(connect, 2000);
      };
      s.on('end', again);
      s.on('error', again);
    } catch (e) {
      if (!reported) onError?.(`docker events: ${(e as Error).message}`);
      reported = true;
      if (!closed) timer = setTimeout(connect, 2000);
    }
  };
  void connect();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      (stream as unknown as { destroy?: () => void })?.destroy?.();
    },
  };
}
