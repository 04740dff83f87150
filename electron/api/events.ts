// What the engine pushes to its subscribers, apart from call results: deploy
// progress, node state changes, terminal output, log lines, comparison and
// capture updates. Events travel separately from calls (IPC 'lblab:event' /
// the WebSocket).
import type { CaptureEvent } from './capture';
import type { CompareEvent } from './compare';
import type { NodeStatus } from './lab';
import type { TerminalEvent } from './terminals';

export type LabEvent =
  | { type: 'progress'; lab: string; step: string; done: number; total: number }
  | { type: 'node'; lab: string; node: string; state: NodeStatus['state']; action: string }
  | TerminalEvent
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | CompareEvent
  | CaptureEvent;
