// What lessons need of the engine: its own API methods (status, mode switch,
// journey, captures, counters, comparison, doctor, faults) and a shell command
// in a node (the requests a check sends). lab-engine.ts wires it.
import type { LabStatus } from '../../api';
import type { LabService } from '../../api/host';
import { execIn } from '../docker/exec';
import { nodeContainer } from '../labs/find-node';

export type LessonApi = Pick<
  LabService,
  | 'status' | 'setMode' | 'journey' | 'tapCapture' | 'stopCapture' | 'discardCapture' | 'stats' | 'doctor' | 'breakLab'
  | 'startCompare' | 'compareDone' | 'getTemplate' | 'up'
>;

export interface LessonPort {
  api: LessonApi;
  /** run `sh -c script` in a node; its stdout (a failing exit code is not an error) */
  sh(lab: string, node: string, script: string, timeoutMs?: number): Promise<string>;
  /** the folder progress is kept in (beside saved comparisons) */
  dataDir?: string;
}

export function enginePort(api: LessonApi, dataDir?: string): LessonPort {
  return {
    api,
    dataDir,
    async sh(lab, node, script, timeoutMs = 60_000) {
      const c = await nodeContainer(lab, node, { running: true });
      return (await execIn(c.Id, ['sh', '-c', script], { timeoutMs })).stdout;
    },
  };
}

/** The lab's first running client node, the one a check sends its requests from. */
export function clientOf(status: LabStatus): string {
  const c = status.nodes.find((n) => n.kind === 'client' && n.state === 'running');
  if (!c) throw new Error(`lab ${status.name} has no running client to send requests from`);
  return c.name;
}
