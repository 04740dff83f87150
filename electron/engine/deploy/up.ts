// Deploy a lab: validate → pin subnets → plan → images → networks → per node,
// in parallel: create (all networks attached) → start → plumbing script; each
// balancer is configured once the nodes it depends on are plumbed; host-side
// link shaping after all plumbing → record. Idempotent by document hash.
//
// A redeploy keeps the running lab where it can: when every node both
// documents have is created the same way (containerSpecHash) and runs, the new
// networks and nodes are added, changed plumbing re-run and the balancers
// reconfigured; only once the record names the new document are the nodes and
// networks it dropped removed. Otherwise (addresses moved, images changed, the
// lab is not whole) the lab is replaced as a whole, after the images are ready.
//
// The same document on a lab that is there but degraded (stopped containers,
// plumbing lost: what an engine restart leaves, see labs/health.ts) is
// repaired in place (deploy/repair.ts): same containers, started and plumbed
// again, balancers reconfigured with the live modes.
//
// A deploy knows what it created. On a failure, or an interrupt through
// `signal`, it removes exactly that and puts the plumbing and balancer
// configuration of the nodes it kept back: a running lab stays as it was. The
// caller holds the lab's lock (labs/lock.ts), so objects of the lab its record
// does not claim are a crashed run's leftovers: they are removed first.
import type Docker from 'dockerode';
import { MODES, oneLine, type LabDoc, type Mode } from '../../api';
import { docker } from '../docker/client';
import { containerRef, placeContainer, placeNetwork } from '../docker/placement';
import { retryLeftovers } from '../labs/leftovers';
import { checkLabHosts } from './hosts-check';
import { sendImagesToHosts } from './host-images';
import { setVipNeighbours, vipNeighbours } from './vip-neighbours';
import { LABEL } from '../docker/labels';
import { EngineError, firstIssue } from '../errors';
import { down, removeContainers, removeNetworks } from '../labs/down';
import { anchorNode, claimedBy, docHash, encodeDoc, withModes, writeRecord } from '../labs/lab-record';
import { degradedReason, repairable } from '../labs/health';
import { currentProblems, labContext, type LabContext } from '../labs/status';
import { overlaps, parseSubnet } from '../topology/net4';
import { capabilityGrants } from '../topology/plan';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import { grantLine } from '../topology/trust';
import { balancerDependencies, balancerNodes } from './balancer-deps';
import { connectRest, containerSpecHash, createContainer, createNetwork } from './containers';
import { defaultDeps, helperImage, imagesNeeded, type DeployDeps } from './deps';
import { plumb } from './plumb';
import { progressCounter, type ProgressFn } from './progress';
import { repairLab } from './repair';
import { shapedLinks, shapeHostSide } from './shaping';
import { napiForXdp, xdpBalancers } from './xdp-peers';
import { pinSubnets, subnetsInUse } from './subnets';

// moved to balancer-deps.ts; still exported here for the callers that import them from up
export { balancerDependencies, balancerNodes };

export interface UpOptions {
  onProgress?: ProgressFn;
  deps?: DeployDeps;
  /** abort the deploy (Ctrl-C): what it created is removed, a running lab it was changing is put back */
  signal?: AbortSignal;
  /** one line per node that runs a foreign image with capabilities because its lab file trusts it */
  onGrant?: (line: string) => void;
}
export interface UpResult {
  lab: string;
  /** created: fresh deploy; updated: the running lab was changed in place; replaced: it was removed and
   * deployed anew; repaired: the same lab was degraded and was made whole in place; unchanged: nothing to do */
  action: 'created' | 'updated' | 'replaced' | 'repaired' | 'unchanged';
  plan: LabPlan;
  ms: number;
  /** wall time per step, for benchmarks */
  timings: Record<string, number>;
}

/** What a deploy created, by Docker id: all its rollback removes. */
export interface Created { containers: string[]; networks: string[] }

/** Is the lab there exactly this document, fully deployed (its containers may have stopped since)? */
export function sameDeployment(running: LabContext, plan: LabPlan, hash: string): boolean {
  const { objs } = running;
  if (running.record?.hash !== hash) return false;
  if (objs.containers.length !== plan.nodes.length || objs.networks.length !== plan.networks.length) return false;
  return plan.nodes.every((n) => objs.containers.some((c) => c.Labels?.[LABEL.node] === n.name));
}

/**
 * The nodes a redeploy keeps running, or undefined when the lab must be
 * replaced: it is not whole and recorded, its record would move, a node both
 * documents have would be created otherwise, or a network changes subnet (or
 * a new one overlaps one that goes).
 */
export function keptNodes(running: LabContext, doc: LabDoc, plan: LabPlan, specs: Map<string, string>): Set<string> | undefined {
  const before = running.plan;
  if (!running.record || !running.doc || !before) return undefined;
  if (anchorNode(running.doc) !== anchorNode(doc)) return undefined;
  const keep = new Set<string>();
  for (const n of before.nodes) {
    const c = running.objs.containers.find((x) => x.Labels?.[LABEL.node] === n.name);
    if (!c || c.State !== 'running') return undefined;
    if (!plan.nodes.some((x) => x.name === n.name)) continue; // dropped: removed once the new record is written
    const spec = c.Labels?.[LABEL.spec];
    if (!spec || spec !== specs.get(n.name)) return undefined;
    keep.add(n.name);
  }
  const exists = (docker: string) => running.objs.networks.some((d) => d.Name === docker);
  if (!before.networks.every((n) => exists(n.docker))) return undefined;
  const dropped = before.networks.filter((x) => !plan.networks.some((y) => y.name === x.name)).map((x) => parseSubnet(x.subnet)!);
  for (const net of plan.networks) {
    const had = before.networks.find((x) => x.name === net.name);
    if (had ? had.subnet !== net.subnet : dropped.some((d) => overlaps(d, parseSubnet(net.subnet)!))) return undefined;
  }
  return keep;
}

const ABORTED = 'interrupted';

/** `p`, or a rejection as soon as `signal` aborts (the work behind `p` is left to finish on its own). */
function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new EngineError(ABORTED));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function up(doc: LabDoc, opts: UpOptions = {}): Promise<UpResult> {
  const t0 = Date.now();
  const deps = opts.deps ?? (await defaultDeps());
  const { signal } = opts;
  const bad = firstIssue(deps.validateLab(doc));
  if (bad) throw new EngineError(`lab ${doc?.name ?? '?'}: ${bad}`, 'bad-request');
  const lab = doc.name;
  let exists = false;
  const interrupted = (what: string) => new EngineError(`lab ${lab}: interrupted: ${what}`);
  const untouched = () => interrupted(exists ? 'nothing was changed, the running lab is as it was' : 'nothing was created');
  if (signal?.aborted) throw untouched();

  // what runs now, as its record claims it; anything else of the lab is a crashed run's (we hold the lock)
  let running = await labContext(lab, deps);
  const { leftovers } = claimedBy(running.record ? running.doc : undefined, running.objs);
  if (leftovers.containers.length || leftovers.networks.length) {
    opts.onProgress?.({ step: 'removing leftovers of an earlier run', done: 0, total: 1 });
    await removeContainers(leftovers.containers);
    await removeNetworks(leftovers.networks);
    running = await labContext(lab, deps);
  }
  exists = running.objs.containers.length + running.objs.networks.length > 0;
  if (running.objs.unreachable?.length) {
    const u = running.objs.unreachable[0];
    throw new EngineError(`lab ${lab}: host ${u.host} does not answer (${u.problem}); nothing was changed`, 'engine');
  }

  // a lab spread over hosts: every host answers, they are one Swarm, each can run what it holds
  const hosts = doc.hosts ? await checkLabHosts(doc, deps.planLab(doc)) : undefined;
  if (hosts) await retryLeftovers(lab).catch(() => undefined);
  const pinned = pinSubnets(doc, await subnetsInUse(lab, hosts?.map((h) => h.client)), deps);
  const plan = deps.planLab(pinned);
  const clientOf = (host: string | undefined) => hosts?.find((h) => h.name === host)?.client ?? docker();
  for (const n of plan.nodes) placeContainer(n.container, clientOf(n.host));
  for (const g of capabilityGrants(plan)) opts.onGrant?.(grantLine(g, lab));
  for (const w of plan.warnings ?? []) opts.onGrant?.(`lab ${lab}: ${w}`);
  const hash = docHash(pinned);
  const anchor = anchorNode(pinned);
  if (exists && sameDeployment(running, plan, hash)) {
    // whole (nothing to do), or degraded in a way a repair undoes: both keep every container
    const problems = await currentProblems(running);
    if (problems && !degradedReason(problems)) {
      opts.onProgress?.({ step: 'unchanged', done: 1, total: 1 });
      return { lab, action: 'unchanged', plan, ms: Date.now() - t0, timings: {} };
    }
    if (problems && repairable(problems)) {
      if (signal?.aborted) throw untouched();
      const s = Date.now();
      // a failed repair leaves the lab no worse than it found it (degraded), and says why
      await repairLab(running, deps, opts.onProgress);
      return { lab, action: 'repaired', plan, ms: Date.now() - t0, timings: { repair: Date.now() - s } };
    }
  }
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const s = Date.now();
    try {
      return await f();
    } finally {
      timings[name] = Date.now() - s;
    }
  };

  // image refs are fixed before the build: a source edited meanwhile must not change the tag we run
  const images = new Map(plan.nodes.map((n) => [n.name, deps.imageFor(n)]));
  await untilAborted(
    timed('images', () => deps.ensureImages(imagesNeeded(plan), (p) => opts.onProgress?.({ step: `images: ${p.message ?? p.step}`, done: p.done, total: p.total }))),
    signal,
  ).catch((e) => {
    throw signal?.aborted ? untouched() : new EngineError(`images: ${oneLine(e)}`);
  });
  if (hosts && hosts.length > 1) {
    await untilAborted(
      timed('images: hosts', () => sendImagesToHosts(plan, hosts, images, helperImage(deps), (m) => opts.onProgress?.({ step: `images: ${m}`, done: 0, total: 1 }))),
      signal,
    ).catch((e) => {
      throw signal?.aborted ? untouched() : new EngineError(`images: ${oneLine(e)}`);
    });
  }

  const sysctls = sysctlsForEveryMode(pinned, plan, deps);
  const specs = new Map(
    plan.nodes.map((n) => [n.name, containerSpecHash({ plan, node: { ...n, sysctls: sysctls.get(n.name) ?? n.sysctls }, image: images.get(n.name)!, labels: {} })]),
  );
  const keep = exists ? keptNodes(running, pinned, plan, specs) : undefined;
  // Replaced as a whole: addresses and routes depend on the whole topology. Images come first, so
  // a failed build leaves the running lab alone.
  if (exists && !keep) {
    if (signal?.aborted) throw untouched();
    opts.onProgress?.({ step: `removing the previous ${lab}`, done: 0, total: 1 });
    await down(lab);
  }

  const before = keep ? running.plan : undefined;
  const balancers = balancerNodes(plan);
  const newNodes = plan.nodes.filter((n) => !keep?.has(n.name));
  const newNets = plan.networks.filter((n) => !before?.networks.some((b) => b.name === n.name));
  const replumb = plan.nodes.filter((n) => keep?.has(n.name) && deps.nodeScript(before!, before!.nodes.find((b) => b.name === n.name)!) !== deps.nodeScript(plan, n));
  const shaped = shapedLinks(plan).length > 0;
  const prog = progressCounter(newNets.length + newNodes.length * 4 + replumb.length + balancers.length + (shaped ? 1 : 0) + (xdpBalancers(plan).length ? 1 : 0) + 1, opts.onProgress);
  const created: Created = { containers: [], networks: [] };
  const touched = { plumbed: new Set<string>(), configured: new Set<string>() };
  try {
    await deployPlan({ doc: pinned, plan, hash, anchor, deps, prog, timed, balancers, images, timings, sysctls, specs, keep: keep ?? new Set(), newNets, replumb, created, touched, signal, clientOf });
  } catch (e) {
    prog.start('rolling back');
    if (before) await restore(before, touched, deps);
    await removeCreated(created);
    if (signal?.aborted) {
      throw interrupted(
        keep ? 'removed what this deploy had added, the running lab is as it was' : `removed what this deploy had created${exists ? ' (the previous deployment was already removed)' : ''}`,
      );
    }
    throw e instanceof EngineError ? e : new EngineError(`lab ${lab}: ${oneLine(e)}`);
  }
  if (before) {
    // committed: the record names the new document; what it dropped goes
    const gone = running.objs.containers.filter((c) => !plan.nodes.some((n) => n.name === c.Labels?.[LABEL.node]));
    await timed('dropped', async () => {
      await removeContainers(gone);
      await removeNetworks(running.objs.networks.filter((d) => !plan.networks.some((n) => n.docker === d.Name)));
    });
  }
  return { lab, action: keep ? 'updated' : exists ? 'replaced' : 'created', plan, ms: Date.now() - t0, timings };
}

/** Docker's words when the Swarm did not grant an overlay attachment within its 20 s (a loaded manager). */
const ATTACH_TIMEOUT = /attaching to network failed.*deadline exceeded/i;

/** Start a node; on an overlay, a start the Swarm let time out is tried again (twice at most): the
 * container stays created and the attachment is asked for anew. */
async function startNode(c: Docker.Container, plan: LabPlan, node: PlannedNode): Promise<void> {
  const overlay = node.interfaces.some((i) => plan.networks.find((n) => n.name === i.network)?.overlay);
  for (let attempt = 0; ; attempt++) {
    try {
      await c.start();
      return;
    } catch (e) {
      if (!overlay || attempt >= 2 || !ATTACH_TIMEOUT.test(oneLine(e))) throw e;
    }
  }
}

/** Put the nodes a redeploy kept back the way they ran: their plumbing and their balancers' configuration (best effort). */
async function restore(before: LabPlan, touched: { plumbed: Set<string>; configured: Set<string> }, deps: DeployDeps): Promise<void> {
  await Promise.all(before.nodes.filter((n) => touched.plumbed.has(n.name)).map((n) => plumb(before, n, deps).catch(() => undefined)));
  for (const b of balancerNodes(before)) if (touched.configured.has(b.name)) await deps.configureBalancer(before, b.name).catch(() => undefined);
}

/** Remove what a deploy created: containers first (a network with endpoints cannot go). */
async function removeCreated(created: Created): Promise<void> {
  await Promise.all(created.containers.map((id) => containerRef(id).remove({ force: true, v: true }).catch(() => undefined)));
  await removeNetworks(created.networks.map((id) => ({ Id: id, Name: id }) as Docker.NetworkInspectInfo)).catch(() => undefined);
}

/**
 * Sysctls can only be set when a container is created (/proc/sys is read-only
 * inside), yet `lblab mode` must switch modes without a restart. So each node
 * gets the union of its sysctls over every mode its services can run in; the
 * current plan's values win where modes disagree.
 *
 * A node's sysctls are the union of what each service's mode asks of it
 * (topology/plan.ts), so one plan per mode, with every service that can run in
 * it switched at once, gives the same union as one plan per service and mode.
 * A service the combined check names is tried on its own (two services may
 * only conflict together, e.g. two nat gateways for one backend).
 */
export function sysctlsForEveryMode(doc: LabDoc, plan: LabPlan, deps: Pick<DeployDeps, 'validateLab' | 'planLab'>): Map<string, Record<string, string>> {
  const out = new Map(plan.nodes.map((n) => [n.name, { ...n.sysctls }]));
  const add = (p: LabPlan) => {
    for (const n of p.nodes) {
      const acc = out.get(n.name);
      if (acc) for (const [k, v] of Object.entries(n.sysctls ?? {})) if (!(k in acc)) acc[k] = v;
    }
  };
  /** Plan the document with `services` in `mode`; the services the check names when it fails, or 'all'. */
  const tryMode = (services: string[], mode: Mode): string[] | 'all' | undefined => {
    const variant = withModes(doc, Object.fromEntries(services.map((s) => [s, mode])));
    const report = deps.validateLab(variant);
    if (report.ok) {
      try {
        add(deps.planLab(variant));
        return undefined;
      } catch {
        return 'all';
      }
    }
    const named = new Set(report.issues.map((i) => (i.path[0] === 'services' && typeof i.path[1] === 'string' ? i.path[1] : '')));
    const unfit = services.filter((s) => named.has(s));
    return named.has('') || !unfit.length ? 'all' : unfit;
  };
  const services = Object.entries(doc.services ?? {});
  for (const mode of MODES) {
    const switched = services.filter(([, s]) => s.mode !== mode).map(([name]) => name);
    if (!switched.length) continue; // the plan we have
    const unfit = tryMode(switched, mode);
    if (!unfit || switched.length === 1) continue; // planned, or the one service cannot run in this mode
    const alone = unfit === 'all' ? switched : unfit;
    const together = switched.filter((s) => !alone.includes(s));
    if (together.length && tryMode(together, mode)) alone.push(...together);
    for (const s of alone) tryMode([s], mode);
  }
  return out;
}

/**
 * Like Promise.all, but waits for every creation to settle before failing:
 * a rollback that starts while a sibling is still being created would miss
 * it and leave it behind.
 */
async function settleAll<T>(work: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** A promise whose rejection is handled (reported by whoever awaits it), so a failure nobody waits for yet cannot crash the process. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** One deployment under way: what deployPlan works from and reports into. */
interface DeployRun {
  doc: LabDoc;
  plan: LabPlan;
  /** the document's hash, recorded */
  hash: string;
  /** the node that holds the lab record */
  anchor: string;
  deps: DeployDeps;
  prog: ReturnType<typeof progressCounter>;
  /** time a step into `timings` */
  timed: <T>(name: string, f: () => Promise<T>) => Promise<T>;
  balancers: PlannedNode[];
  /** the image of each node, fixed before the build */
  images: Map<string, string>;
  /** wall time per step, for benchmarks */
  timings: Record<string, number>;
  /** create-time sysctls per node (every mode) and the spec hash stamped on each container */
  sysctls: Map<string, Record<string, string>>;
  specs: Map<string, string>;
  /** nodes already running as they should (a redeploy in place): not created, re-plumbed when in `replumb` */
  keep: Set<string>;
  newNets: LabPlan['networks'];
  replumb: PlannedNode[];
  /** filled as objects are created: what a rollback removes */
  created: Created;
  /** kept nodes whose plumbing or balancer configuration this run started to change */
  touched: { plumbed: Set<string>; configured: Set<string> };
  signal?: AbortSignal;
  /** the engine of a host (a lab spread over hosts); the driven engine otherwise */
  clientOf: (host: string | undefined) => Docker;
}

/**
 * Every node runs its own pipeline — create → attach → start → plumb — so a
 * node is plumbed while the others are still starting (a kept node only
 * re-plumbs, when its script changed). A balancer starts its configuration as
 * soon as it runs (its interfaces, the hand-over exec) and hands the config
 * over once the nodes it depends on are plumbed. The first failure, or an
 * abort, stops the pipelines at their next step; everything settles before the
 * caller rolls back (nothing is being created behind its back).
 *
 * Timings are the critical path: `containers` ends when the last node is
 * created and attached, `start` when the last one runs, `plumbing` when the
 * last one is plumbed, `balancers`/`shaping` when those finish after that.
 */
async function deployPlan(run: DeployRun): Promise<void> {
  const { doc, plan, hash, anchor, deps, prog, timed, balancers, images, timings, sysctls, specs, keep, created, touched, signal, clientOf } = run;
  let failure: unknown;
  const step = <T>(f: () => Promise<T>): Promise<T> => {
    if (signal?.aborted) failure ??= new EngineError(ABORTED);
    if (failure !== undefined) return Promise.reject(new EngineError('aborted: another step failed'));
    return f().catch((e) => {
      failure ??= e;
      throw e;
    });
  };
  await timed('networks', () =>
    settleAll(
      run.newNets.map((net) =>
        step(async () => {
          // an overlay is made on the first host (a Swarm manager); a bridge on the host of its nodes
          const client = clientOf(net.overlay ? undefined : net.hosts?.[0]);
          const made = await createNetwork(plan.name, net, client);
          placeNetwork(made.id, client);
          created.networks.push(made.id);
          prog.tick(`network ${net.name}`);
        }),
      ),
    ),
  );
  const labels = { [LABEL.hash]: hash, [LABEL.doc]: encodeDoc(doc) };
  const t0 = Date.now();
  const last = { created: t0, started: t0, plumbed: t0 };
  // Balancers' requests go first (their configuration is the longest chain after their start),
  // but all nodes start at once: waiting for a balancer to run before starting the others measured
  // 0.2-0.3 s slower at low load (Docker starts containers in parallel well enough) and only helped
  // when the machine was saturated.
  const isBalancer = (n: PlannedNode) => balancers.includes(n);
  const started = new Map<string, Promise<void>>();
  const plumbed = new Map<string, Promise<void>>();
  for (const node of [...plan.nodes].sort((a, b) => Number(isBalancer(b)) - Number(isBalancer(a)))) {
    if (keep.has(node.name)) {
      started.set(node.name, Promise.resolve());
      const again = run.replumb.includes(node);
      plumbed.set(
        node.name,
        again
          ? handled(
              step(async () => {
                touched.plumbed.add(node.name);
                await plumb(plan, node, deps);
                prog.tick(`plumb ${node.name}`);
              }),
            )
          : Promise.resolve(),
      );
      continue;
    }
    const pipeline = handled(
      step(async () => {
        const withSysctls = { ...node, sysctls: sysctls.get(node.name) ?? node.sysctls };
        const client = clientOf(node.host);
        const c = await createContainer({ plan, node: withSysctls, image: images.get(node.name)!, labels: { ...labels, [LABEL.spec]: specs.get(node.name)! } }, client);
        placeContainer(c.id, client);
        created.containers.push(c.id);
        prog.tick(`create ${node.name}`);
        await step(() => connectRest(plan, node, c, client));
        prog.tick(`attach ${node.name}`);
        last.created = Math.max(last.created, Date.now());
        await step(() =>
          startNode(c, plan, node).catch((e) => {
            throw new EngineError(`node ${node.name}: start failed: ${oneLine(e)}`);
          }),
        );
        prog.tick(`start ${node.name}`);
        last.started = Math.max(last.started, Date.now());
      }),
    );
    started.set(node.name, pipeline);
    plumbed.set(
      node.name,
      handled(
        pipeline.then(() =>
          step(async () => {
            await plumb(plan, node, deps);
            prog.tick(`plumb ${node.name}`);
            last.plumbed = Math.max(last.plumbed, Date.now());
          }),
        ),
      ),
    );
  }
  const configured = new Map<string, Promise<void>>();
  const applyMs: number[] = [];
  for (const b of balancers) {
    const need = balancerDependencies(plan, b.name);
    const ready = handled(
      (async () => {
        await Promise.all(need.plumbed.map((x) => plumbed.get(x)));
        // configured balancers this one depends on are registered below, before anything settles
        await Promise.all(need.configured.map((x) => configured.get(x)));
      })(),
    );
    configured.set(
      b.name,
      handled(
        started.get(b.name)!.then(() =>
          step(async () => {
            let readyAt = 0;
            const readyMark = ready.then(() => {
              readyAt = Date.now();
              // a kept balancer is about to run another configuration: a rollback puts the old one back
              if (keep.has(b.name)) touched.configured.add(b.name);
            });
            await deps.configureBalancer(plan, b.name, { ready: readyMark }).catch(async (e) => {
              // a dependency that failed is the story, not the configuration that waited for it
              await ready;
              throw new EngineError(`node ${b.name}: balancer configuration failed: ${oneLine(e)}`);
            });
            applyMs.push(Date.now() - readyAt);
            prog.tick(`balancer ${b.name}`);
          }),
        ),
      ),
    );
  }
  const allPlumbed = settleAll([...plumbed.values()]);
  // links with a rate: the plumbing shaped each node's egress; its ingress is shaped on the host-side veth
  const shaping = shapedLinks(plan).length
    ? handled(
        allPlumbed.then(() =>
          step(async () => {
            await shapeHostSide(plan, helperImage(deps));
            prog.tick('shape links');
            return Date.now();
          }),
        ),
      )
    : undefined;
  // a balancer at XDP: its frames sent back out or across (XDP_TX, redirect) need NAPI on the host-side peers
  const xdpPeers = xdpBalancers(plan).length
    ? handled(
        allPlumbed.then(() =>
          step(async () => {
            await napiForXdp(plan, helperImage(deps));
            prog.tick('xdp peers');
          }),
        ),
      )
    : undefined;
  // a VIP on an overlay: its senders learn the balancer's MAC (Docker's overlay does not flood ARP)
  const neighbours = vipNeighbours(plan).length ? handled(allPlumbed.then(() => step(() => setVipNeighbours(plan)))) : undefined;
  const balancersDone = settleAll([...configured.values()]).then(() => Date.now());
  const results = await Promise.allSettled([...started.values(), allPlumbed, balancersDone, ...(shaping ? [shaping] : []), ...(xdpPeers ? [xdpPeers] : []), ...(neighbours ? [neighbours] : [])]);
  if (signal?.aborted) failure ??= new EngineError(ABORTED);
  if (failure !== undefined) throw failure;
  const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
  timings.containers = last.created - t0;
  timings.start = last.started - last.created;
  timings.plumbing = last.plumbed - last.started;
  if (shaping) timings.shaping = Math.max(0, (await shaping) - last.plumbed);
  timings.balancers = Math.max(0, (await balancersDone) - last.plumbed);
  if (applyMs.length) timings['balancers: apply after ready'] = Math.max(...applyMs);
  const anchorC = plan.nodes.find((x) => x.name === anchor)!.container;
  await timed('record', () => writeRecord(anchorC, { hash, modes: {}, deployedAt: Date.now(), doc }));
  prog.tick('ready');
}
