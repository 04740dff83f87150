// Faults made on purpose: each one what a user could do by hand in a terminal,
// reversible, and recorded with the lab (the record's `breaks`) so that status
// says so and `up` repairs it. Undoing one puts back what the plan says.
import { FAULTS, type Fault, type LabBreak } from '../../api';
import { helperImage, type DeployDeps } from '../deploy/deps';
import { plumb } from '../deploy/plumb';
import { containerRef } from '../docker/placement';
import { execIn } from '../docker/exec';
import { LABEL } from '../docker/labels';
import { EngineError } from '../errors';
import { anchorNode, writeRecord } from '../labs/lab-record';
import { labContext, type LabContext } from '../labs/status';
import { serviceBackendNodes } from '../topology/plan';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import { flushVipNeighbours, linkState, restoreLinks, restoreServerAnswers, restoreSysctls, SERVER_ERRORS_ON, SYSCTL_FAULTS } from './restore';
import { writeSysctls } from './sysctl';

/** Why `fault` cannot be made on `node` in the lab's live modes; undefined when it can. */
export function notApplicable(plan: LabPlan, fault: Fault, node: string): string | undefined {
  const n = plan.nodes.find((x) => x.name === node);
  if (!n) return `lab ${plan.name} has no node ${node} (nodes: ${plan.nodes.map((x) => x.name).join(', ')})`;
  const backendIn = (modes: string[]) => plan.services.filter((s) => modes.includes(s.mode) && [...s.backends, ...s.routes.flatMap((r) => r.backends)].some((b) => b.node === node));
  const need = (ok: boolean, what: string) => (ok ? undefined : `${fault} applies to ${what}; ${node} is not one in the lab's current modes`);
  switch (fault) {
    case 'vip-missing':
      // a tier's members hold the VIP on lo too, but the fault and its check are a backend's
      return need(n.loopbackVips.length > 0 && backendIn(['dsr', 'tunnel']).length > 0, 'a dsr or tunnel backend (it holds the VIP on lo)');
    case 'arp-flux':
      return need(backendIn(['dsr']).length > 0, 'a dsr backend');
    case 'return-path':
      return need(backendIn(['nat']).length > 0 && n.routes.some((r) => r.dst === 'default'), 'a nat backend');
    case 'decap-missing':
      return need(n.tunnelDecap, 'a tunnel backend');
    case 'rp-filter':
      return need(n.sysctls['net.ipv4.conf.all.rp_filter'] === '0', 'a router or a tunnel backend (where the lab turns reverse-path filtering off)');
    case 'backend-down':
      return need(backendIn([...new Set(plan.services.map((s) => s.mode))]).length > 0, 'a backend');
    case 'health-mismatch':
      // the fault edits lblab's own server (nginx); a tcp health check is what it fools
      return need(n.image === 'lblab/server' && plan.services.some((s) => s.health.type === 'tcp' && (s.protocol ?? 'http') === 'http' && serviceBackendNodes(s).includes(node)), 'a backend on lblab\'s server image whose HTTP service checks health over tcp');
    case 'not-same-l2':
      return need(backendIn(['dsr']).length > 0, 'a dsr backend');
  }
}

/** The addresses a node is a dsr backend at (on the segment it shares with the balancer). */
function dsrBackendAddresses(plan: LabPlan, node: string): string[] {
  return [...new Set(plan.services.filter((s) => s.mode === 'dsr').flatMap((s) => [...s.backends, ...s.routes.flatMap((r) => r.backends)]).filter((b) => b.node === node).map((b) => b.address))];
}

/** Another next hop on the node's network: a router there, else the network's own gateway (the Docker bridge). */
function wrongGateway(plan: LabPlan, n: PlannedNode): string {
  const via = n.routes.find((r) => r.dst === 'default')?.via;
  const net = n.interfaces[0]?.network;
  const router = plan.nodes.find((x) => x.kind === 'router' && x.name !== n.name)?.interfaces.find((i) => i.network === net)?.address;
  return router && router !== via ? router : (plan.networks.find((x) => x.name === net)?.gateway ?? '');
}

async function sh(n: PlannedNode, script: string): Promise<void> {
  const r = await execIn(n.container, ['sh', '-c', script], { timeoutMs: 20_000 });
  if (r.exitCode !== 0) throw new EngineError(`node ${n.name}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.exitCode}`}`);
}

/** Make the fault on the node (what a user would type). */
async function make(plan: LabPlan, fault: Fault, n: PlannedNode, image: string): Promise<void> {
  switch (fault) {
    case 'vip-missing':
      return sh(n, n.loopbackVips.map((v) => `ip addr del ${v}/32 dev lo`).join('; '));
    case 'arp-flux':
      return writeSysctls(plan.name, n.container, image, { 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.all.arp_announce': '0' });
    case 'return-path':
      return sh(n, `ip route replace default via ${wrongGateway(plan, n)}`);
    case 'decap-missing':
      return sh(n, 'for d in $(ls /sys/class/net); do tc filter del dev "$d" ingress 2>/dev/null; done; ip link set tunl0 down 2>/dev/null; true');
    case 'rp-filter':
      return writeSysctls(plan.name, n.container, image, { 'net.ipv4.conf.all.rp_filter': '1' });
    case 'backend-down':
      // the server process is the container's main process: stopping it stops the container
      await containerRef(n.container).stop({ t: 2 });
      return;
    case 'health-mismatch':
      return sh(n, SERVER_ERRORS_ON);
    case 'not-same-l2':
      // its interface on the segment it shares with a dsr balancer, down: it is off that segment
      return sh(n, linkState(dsrBackendAddresses(plan, n.name), 'down'));
  }
}

/** Put back what the fault took: the planned sysctls, the plumbing, a stopped backend started (its balancers told). */
async function undo(ctx: LabContext, plan: LabPlan, b: LabBreak, deps: DeployDeps): Promise<void> {
  const n = plan.nodes.find((x) => x.name === b.node);
  if (!n) return;
  if (SYSCTL_FAULTS.has(b.fault)) {
    await restoreSysctls(plan, [n.name], helperImage(deps));
    // what a server answered for the VIP meanwhile stays in its neighbours' caches until they ask again
    if (b.fault === 'arp-flux') await flushVipNeighbours(plan);
    return;
  }
  if (b.fault === 'health-mismatch') return restoreServerAnswers(plan, [n.name]);
  if (b.fault === 'not-same-l2') await restoreLinks(plan, [n.name]);
  if (b.fault === 'backend-down') {
    const c = ctx.objs.containers.find((x) => x.Labels?.[LABEL.node] === n.name);
    if (c && c.State !== 'running') await containerRef(c.Id).start();
    await plumb(plan, n, deps);
    // a fresh namespace: new MACs for the balancers that send to it
    const lbs = plan.services.filter((s) => serviceBackendNodes(s).includes(n.name)).map((s) => s.balancer);
    for (const lb of [...new Set(lbs)]) await deps.configureBalancer(plan, lb);
    return;
  }
  await plumb(plan, n, deps);
}

async function contextOf(lab: string, deps: DeployDeps): Promise<LabContext & { plan: LabPlan }> {
  const ctx = await labContext(lab, deps);
  if (!ctx.objs.containers.length) throw new EngineError(`no lab named ${lab}`, 'not-found');
  if (!ctx.plan || !ctx.doc) throw new EngineError(`lab ${lab} has no readable document: redeploy it`, 'conflict');
  return ctx as LabContext & { plan: LabPlan };
}

async function record(ctx: LabContext, breaks: LabBreak[]): Promise<void> {
  const anchor = ctx.plan!.nodes.find((n) => n.name === anchorNode(ctx.doc!))!;
  const rec = ctx.record ?? { hash: '', modes: {}, deployedAt: Date.now() };
  await writeRecord(anchor.container, { ...rec, breaks: breaks.length ? breaks : undefined });
}

export async function breakLab(lab: string, fault: Fault, node: string, deps: DeployDeps): Promise<LabBreak> {
  if (!FAULTS.includes(fault)) throw new EngineError(`unknown fault ${fault} (faults: ${FAULTS.join(', ')})`, 'bad-request');
  const ctx = await contextOf(lab, deps);
  const bad = notApplicable(ctx.plan, fault, node);
  if (bad) throw new EngineError(bad, bad.startsWith('lab ') ? 'not-found' : 'bad-request');
  const c = ctx.objs.containers.find((x) => x.Labels?.[LABEL.node] === node);
  if (c?.State !== 'running') throw new EngineError(`node ${node} of lab ${lab} is not running (${c?.State ?? 'missing'})`, 'conflict');
  const b: LabBreak = { fault, node, at: Date.now() };
  // recorded first: a fault half made is still one to undo
  const breaks = [...(ctx.record?.breaks ?? []).filter((x) => !(x.fault === fault && x.node === node)), b];
  await record(ctx, breaks);
  await make(ctx.plan, fault, ctx.plan.nodes.find((x) => x.name === node)!, helperImage(deps));
  return b;
}

export async function undoBreaks(lab: string, fault: Fault | undefined, node: string | undefined, deps: DeployDeps): Promise<LabBreak[]> {
  const ctx = await contextOf(lab, deps);
  const all = ctx.record?.breaks ?? [];
  const chosen = fault ? all.filter((b) => b.fault === fault && b.node === node) : all;
  if (fault && !chosen.length) throw new EngineError(`lab ${lab} has no recorded ${fault} on ${node} (recorded: ${all.map((b) => `${b.fault} on ${b.node}`).join(', ') || 'none'})`, 'not-found');
  for (const b of chosen) await undo(ctx, ctx.plan, b, deps);
  await record(ctx, all.filter((b) => !chosen.includes(b)));
  return chosen;
}

/** Forget every recorded break (after a repair put the whole lab back). */
export async function clearBreaks(ctx: LabContext): Promise<void> {
  if (ctx.record?.breaks?.length && ctx.plan && ctx.doc) await record(ctx, []);
}
