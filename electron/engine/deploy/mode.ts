// Switch a service's mode on a running lab: validate the topology supports it,
// re-plan, re-run plumbing on every node whose script changes, reconfigure the
// balancer — no container restart. All at once, in one exec per node: each
// balancer's exec starts with the plumbing and hands its config over the moment
// the nodes it sends to are plumbed (a switch serves again in well under a second). Labels cannot change on a running container,
// so the live modes are stored in the anchor node's record file
// (/run/lblab/lab.json, see labs/lab-record.ts); status and stats read them there.
import { MODES, oneLine, type Mode, type ServiceStatus } from '../../api';
import { LABEL } from '../docker/labels';
import { EngineError, firstIssue } from '../errors';
import { anchorNode, withModes, writeRecord } from '../labs/lab-record';
import { labContext, serviceStatus } from '../labs/status';
import type { DeployDeps } from './deps';
import { plumb } from './plumb';
import { membersOf } from '../topology/plan-types';
import { balancerDependencies } from './balancer-deps';
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
  const balancers = [...new Set(plan.services.flatMap(membersOf))];
  const total = affected.length + balancers.length + 1;
  let done = 0;
  const tick = (step: string) => onProgress?.({ step, done: ++done, total });
  onProgress?.({ step: 'planned', done, total }); // the lab read and the switch planned: the rest runs at once
  const anchor = plan.nodes.find((n) => n.name === anchorNode(ctx.doc!))!;
  const record = { ...ctx.record, hash: ctx.record?.hash ?? '', modes, deployedAt: ctx.record?.deployedAt ?? Date.now() };
  // What a balancer hands over its new config after: the nodes it sends to plumbed for the new
  // mode (no request goes to a backend that is not ready for it) and any balancer among its
  // backends configured. Its exec starts at once, so the hand-over follows the plumbing at once.
  const plumbed = new Map(affected.map((n) => [n.name, (async () => (await plumb(plan, n, deps), tick(`plumb ${n.name}`)))()]));
  const configured = new Map<string, Promise<void>>();
  const configure = (b: string): Promise<void> => {
    const known = configured.get(b);
    if (known) return known;
    const dep = balancerDependencies(plan, b); // (never a balancer that waits for b: no cycle)
    const ready = Promise.all([...dep.plumbed.flatMap((n) => plumbed.get(n) ?? []), ...dep.configured.filter((n) => balancers.includes(n)).map(configure)]);
    const p = deps.configureBalancer(plan, b, { ready }).then(
      () => tick(`balancer ${b}`),
      (e: unknown) => {
        throw e instanceof EngineError ? e : new EngineError(`node ${b}: balancer reconfiguration failed: ${oneLine(e)}`);
      },
    );
    configured.set(b, p);
    return p;
  };
  for (const b of balancers) void configure(b);
  // the record (the anchor's file) beside them: put back below if the switch fails
  const recorded = writeRecord(anchor.container, record).then(() => tick('recorded'));
  const results = await Promise.allSettled([...plumbed.values(), ...configured.values(), recorded]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // put the lab back the way it was (best effort: the first error is the one to report)
    await Promise.all(oldPlan.nodes.filter((n) => plumbed.has(n.name)).map((n) => plumb(oldPlan, n, deps).catch(() => undefined)));
    for (const b of balancers) await deps.configureBalancer(oldPlan, b).catch(() => undefined);
    if (ctx.record) await writeRecord(anchor.container, ctx.record).catch(() => undefined);
    throw failed.reason instanceof EngineError ? failed.reason : new EngineError(oneLine(failed.reason));
  }
  return serviceStatus(plan.services.find((s) => s.name === service)!);
}
