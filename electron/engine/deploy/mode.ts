// Switch a service's mode on a running lab: validate the topology supports it,
// re-plan, re-run plumbing on every node whose script changes, reconfigure the
// balancer — no container restart. Labels cannot change on a running container,
// so the live modes are stored in the anchor node's record file
// (/run/lblab/lab.json, see labs/lab-record.ts); status and stats read them there.
import { MODES, oneLine, type Mode, type ServiceStatus } from '../../api';
import { LABEL } from '../docker/labels';
import { EngineError, firstIssue } from '../errors';
import { anchorNode, withModes, writeRecord } from '../labs/lab-record';
import { labContext, serviceStatus } from '../labs/status';
import type { DeployDeps } from './deps';
import { plumb } from './plumb';
import type { ProgressFn } from './progress';

export async function setMode(lab: string, service: string, mode: Mode, deps: DeployDeps, onProgress?: ProgressFn): Promise<ServiceStatus> {
  if (!MODES.includes(mode)) throw new EngineError(`unknown mode ${mode} (modes: ${MODES.join(', ')})`, 'bad-request');
  const ctx = await labContext(lab, deps);
  if (!ctx.objs.containers.length) throw new EngineError(`no lab named ${lab}`, 'not-found');
  if (!ctx.doc || !ctx.plan) throw new EngineError(`lab ${lab} has no readable document (deployed by another lblab version?): redeploy it`);
  const services = Object.keys(ctx.doc.services ?? {});
  if (!services.includes(service))
    throw new EngineError(`lab ${lab} has no service ${service} (services: ${services.join(', ') || 'none'})`, 'not-found');
  const notRunning = ctx.objs.containers.filter((c) => c.State !== 'running').map((c) => c.Labels?.[LABEL.node]);
  if (notRunning.length) throw new EngineError(`lab ${lab}: node ${notRunning[0]} is not running: redeploy with \`lblab up\``, 'conflict');

  const modes = { ...(ctx.record?.modes ?? {}), [service]: mode };
  const next = withModes(ctx.doc, modes);
  const bad = firstIssue(deps.validateLab(next));
  if (bad) throw new EngineError(`service ${service} cannot run in ${mode} mode on this topology: ${bad}`, 'bad-request');
  const oldPlan = ctx.plan;
  const plan = deps.planLab(next);

  // Only nodes whose plumbing differs are touched; the balancers of every service are reconfigured.
  const affected = plan.nodes.filter((n) => {
    const before = oldPlan.nodes.find((o) => o.name === n.name);
    return !before || deps.nodeScript(oldPlan, before) !== deps.nodeScript(plan, n);
  });
  const balancers = [...new Set(plan.services.map((s) => s.balancer))];
  const total = affected.length + balancers.length + 1;
  let done = 0;
  const tick = (step: string) => onProgress?.({ step, done: ++done, total });
  try {
    // plumbing and the balancers at once: neither reads what the other writes, and the
    // mode is not serving until both are done either way (a switch's time is their longest)
    const results = await Promise.allSettled([
      ...affected.map(async (n) => (await plumb(plan, n, deps), tick(`plumb ${n.name}`))),
      ...balancers.map(async (b) => {
        await deps.configureBalancer(plan, b).catch((e) => {
          throw new EngineError(`node ${b}: balancer reconfiguration failed: ${oneLine(e)}`);
        });
        tick(`balancer ${b}`);
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (e) {
    // put the lab back the way it was (best effort: the first error is the one to report)
    await Promise.all(oldPlan.nodes.filter((n) => affected.some((a) => a.name === n.name)).map((n) => plumb(oldPlan, n, deps).catch(() => undefined)));
    for (const b of balancers) await deps.configureBalancer(oldPlan, b).catch(() => undefined);
    throw e;
  }
  const anchor = plan.nodes.find((n) => n.name === anchorNode(ctx.doc!))!;
  await writeRecord(anchor.container, { ...ctx.record, hash: ctx.record?.hash ?? '', modes, deployedAt: ctx.record?.deployedAt ?? Date.now() });
  tick('recorded');
  return serviceStatus(plan.services.find((s) => s.name === service)!);
}
