// The running lab as the window's parts see it: what useLiveLab tracks, how it
// relates to the drawing on the canvas, and its lifecycle (deploy, destroy,
// show its drawing). The toolbar and the dock read it here instead of taking
// it piece by piece as props.
import { createContext, useContext } from 'react';
import type { ApiClient } from '../api-client';
import type { Change } from './drift';
import type { useLiveLab } from './useLiveLab';

export type LiveLab = ReturnType<typeof useLiveLab>;
/** What differs from the running lab, and what Redeploy does about it. */
export interface Drift { changes: Change[]; effect: string }

export interface LiveLabView {
  client: ApiClient;
  /** the tracked lab, whatever the canvas shows */
  live: LiveLab;
  /** the drawing on the canvas is the running lab */
  deployed: boolean;
  /** why the deployed lab is degraded (stopped nodes, plumbing lost); Deploy repairs it */
  degraded?: string;
  /** faults made on purpose the running lab carries, "backend-down on web2, …" */
  broken?: string;
  drift: Drift | null;
  /** why Deploy cannot run now (no nodes, problems, checking) */
  blockedReason?: string;
  /** Deploy or Redeploy, asking first when that changes or repairs a running lab */
  deploy(): void;
  /** Destroy the tracked lab, asking first */
  destroy(): void;
  /** load the running lab's drawing (when another one is on the canvas) */
  showRunning?(): void;
}

export const LiveLabContext = createContext<LiveLabView | null>(null);

export function useLive(): LiveLabView {
  const v = useContext(LiveLabContext);
  if (!v) throw new Error('useLive() needs a LiveLabContext above it');
  return v;
}
