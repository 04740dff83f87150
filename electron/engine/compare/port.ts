// The few engine operations a comparison needs. The runner is written against
// this interface only, so it runs on fakes in unit tests and is wired to the
// real engine in a few lines (engine-port.ts).
import type { LabStatus, Mode } from '../../api';

export interface PortExecResult { exitCode: number; stdout: string; stderr: string }

export interface PortExecOptions {
  /** give up waiting (rejects with an AbortError); the command itself is stopped by the runner */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** output as it arrives (it is also collected) */
  onStdout?: (text: string) => void;
}

export interface ComparePort {
  /** the lab's live state (state 'absent' when there is no such lab) */
  status(lab: string): Promise<LabStatus>;
  /** switch a service's mode live */
  setMode(lab: string, service: string, mode: Mode): Promise<unknown>;
  /** run a command in a node */
  exec(lab: string, node: string, cmd: string[], opts?: PortExecOptions): Promise<PortExecResult>;
  /** per mode: undefined when the service can run in it on this lab's topology, else the first issue's message */
  checkModes(lab: string, service: string, modes: readonly Mode[]): Promise<Partial<Record<Mode, string>>>;
  dockerVersion(): Promise<string>;
  /** NAPI on (GRO) or back off on the host-side peers of a balancer's interfaces: what its core needs at XDP */
  setPeerNapi?(lab: string, node: string, on: boolean): Promise<void>;
}

export class AbortedError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

export const isAbort = (e: unknown) => (e as Error)?.name === 'AbortError';

/** Settle with `p`, or reject with an AbortError as soon as `signal` fires. */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new AbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
