// Put a deployed lab back together in place: what an engine restart does to a
// lab (its containers stop; started again, each has a fresh network namespace
// without routes, VIPs, decap filters, and the host-side veths lose their
// shaping) is undone without creating anything. Stopped containers are started
// (same ids), every node is plumbed again, links re-shaped, and every balancer
// gets its config again, built from the live plan (the record's modes): its
// agent restarted with a saved config for interfaces and neighbours that may
// have changed. The lab record stays as it is.
import type Docker from 'dockerode';
import { oneLine } from '../../api';
import { containerRef } from '../docker/placement';
import { LABEL } from '../docker/labels';
import { EngineError } from '../errors';
import { balancerOrder, degradedReason } from '../labs/health';
import { currentProblems, labContext, type LabContext } from '../labs/status';
import { clearBreaks } from '../doctor/breaks';
import { restoreBrokenSysctls } from '../doctor/restore';
import type { LabPlan } from '../topology/plan-types';
import { balancerDependencies, balancerNodes } from './balancer-deps';
import { helperImage, type DeployDeps } from './deps';
import { plumb } from './plumb';
import type { ProgressFn } from './progress';
import { shapedLinks, shapeHostSide } from './shaping';
import { napiForXdp, xdpBalancers } from './xdp-peers';
import { setVipNeighbours } from './vip-neighbours';

/** Start a stopped (or unpause a paused) container; a running one is left alone. */
async function wake(c: Docker.ContainerInfo): Promise<void> {
  const ct = containerRef(c.Id);
  if (c.State === 'paused') await ct.unpause();
  else if (c.State !== 'running') await ct.start();
}

/** Repair `running` (its record's hash is the document's; every node and network exists): throws one line when it stays degraded. */
export async function repairLab(running: LabContext, deps: DeployDeps, onProgress?: ProgressFn): Promise<void> {
  const plan: LabPlan | undefined = running.plan;
  if (!plan) throw new EngineError(`lab ${running.doc?.name ?? '?'}: cannot repair: its document does not plan`);
  const lab = plan.name;
  const balancers = balancerNodes(plan);
  const shaped = shapedLinks(plan).length > 0;
  const xdp = xdpBalancers(plan).length > 0;
  const total = plan.nodes.length * 2 + balancers.length + (shaped ? 1 : 0) + (xdp ? 1 : 0) + 1;
  let done = 0;
  const tick = (step: string) => onProgress?.({ step, done: ++done, total });
  const fail = (node: string, what: string) => (e: unknown) => {
    throw new EngineError(`lab ${lab}: node ${node}: ${what}: ${oneLine(e)}`);
  };

  // faults made on purpose: their sysctls back first (the plumbing cannot write /proc/sys), then forgotten
  await restoreBrokenSysctls(plan, running.record?.breaks, helperImage(deps)).catch(fail(lab, 'sysctls'));
  await clearBreaks(running).catch(fail(lab, 'lab record'));
  await Promise.all(
    plan.nodes.map(async (n) => {
      const c = running.objs.containers.find((x) => x.Labels?.[LABEL.node] === n.name);
      if (!c) throw new EngineError(`lab ${lab}: node ${n.name} has no container: redeploy it`);
      await wake(c).catch(fail(n.name, 'start failed'));
      tick(`start ${n.name}`);
      // a fresh namespace, or plumbing gone: the script is idempotent, a whole node is unchanged by it
      await plumb(plan, n, deps);
      tick(`plumb ${n.name}`);
    }),
  );
  await setVipNeighbours(plan).catch(fail(plan.services[0]?.balancer ?? lab, 'VIP neighbour entries'));
  if (shaped) {
    await shapeHostSide(plan, helperImage(deps));
    tick('shape links');
  }
  // a restarted container has new host-side veths: NAPI on them again
  if (xdp) {
    await napiForXdp(plan, helperImage(deps));
    tick('xdp peers');
  }
  // every node is plumbed: only a balancer another one sends to must be configured before it
  const order = balancerOrder(
    balancers.map((b) => b.name),
    (b) => balancerDependencies(plan, b).configured,
  );
  for (const b of order) {
    await deps.configureBalancer(plan, b).catch(fail(b, 'balancer configuration failed'));
    tick(`balancer ${b}`);
  }
  const after = await currentProblems(await labContext(lab, deps));
  const still = after && degradedReason(after);
  if (still) throw new EngineError(`lab ${lab}: still degraded after a repair: ${still}`);
  tick('repaired');
}
