// Run a node's plumbing script (topology/plumbing.ts) in it: at deploy, and
// again on every node whose script changes with a live mode switch.
import { oneLine } from '../../api';
import { execIn } from '../docker/exec';
import { EngineError } from '../errors';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import type { DeployDeps } from './deps';

/** Run a node's plumbing script with `sh -e`; one line naming the node on failure. */
export async function plumb(plan: LabPlan, node: PlannedNode, deps: Pick<DeployDeps, 'nodeScript'>): Promise<void> {
  const script = deps.nodeScript(plan, node);
  const r = await execIn(node.container, ['sh', '-e', '-s'], { stdin: script, timeoutMs: 60_000 }).catch((e) => {
    throw new EngineError(`node ${node.name}: plumbing could not run: ${oneLine(e)}`);
  });
  if (r.exitCode !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    throw new EngineError(`node ${node.name}: plumbing failed (exit ${r.exitCode}): ${why}`);
  }
}
