// Deploy a lab: validate → plan → images → networks → per node, in parallel:
// create (all networks attached) → start → plumbing script; each balancer is
// configured once the nodes it depends on are plumbed; host-side link shaping
// after all plumbing → record. Idempotent by document hash; on any failure
// everything created for the lab is removed and one line naming the node/step
// is thrown.
import { MODES, oneLine, type LabDoc, type Mode } from '../../api';
import { LABEL } from '../docker/labels';
import { EngineError, firstIssue } from '../errors';
import { down } from '../labs/down';
import { anchorNode, docHash, encodeDoc, labObjects, readRecord, withModes, writeRecord, type LabObjects } from '../labs/lab-record';
import { serviceBackendNodes } from '../topology/plan';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import { connectRest, createContainer, createNetwork } from './containers';
import { defaultDeps, helperImage, imagesNeeded, type DeployDeps } from './deps';
import { plumb } from './plumb';
import { progressCounter, type ProgressFn } from './progress';
import { shapedLinks, shapeHostSide } from './shaping';

export interface UpOptions { onProgress?: ProgressFn; deps?: DeployDeps }
export interface UpResult {
  lab: string;
  /** created: fresh deploy; replaced: the lab existed with another document; unchanged: nothing to do */
  action: 'created' | 'replaced' | 'unchanged';
  plan: LabPlan;
  ms: number;
  /** wall time per step, for benchmarks */
  timings: Record<string, number>;
}

/** Is the running lab exactly this document, fully deployed? */
async function upToDate(objs: LabObjects, plan: LabPlan, hash: string, anchor: string): Promise<boolean> {
  if (objs.containers.length !== plan.nodes.length || objs.networks.length !== plan.networks.length) return false;
  for (const n of plan.nodes) {
    const c = objs.containers.find((x) => x.Labels?.[LABEL.node] === n.name);
    if (!c || c.State !== 'running' || c.Labels?.[LABEL.hash] !== hash) return false;
  }
  const rec = await readRecord(plan.nodes.find((n) => n.name === anchor)!.container);
  return rec?.hash === hash;
}

export async function up(doc: LabDoc, opts: UpOptions = {}): Promise<UpResult> {
  const t0 = Date.now();
  const deps = opts.deps ?? (await defaultDeps());
  const bad = firstIssue(deps.validateLab(doc));
  if (bad) throw new EngineError(`lab ${doc?.name ?? '?'}: ${bad}`, 'bad-request');
  const plan = deps.planLab(doc);
  const hash = docHash(doc);
  const anchor = anchorNode(doc);

  const existing = await labObjects(doc.name);
  const exists = existing.containers.length + existing.networks.length > 0;
  if (exists && (await upToDate(existing, plan, hash, anchor))) {
    opts.onProgress?.({ step: 'unchanged', done: 1, total: 1 });
    return { lab: doc.name, action: 'unchanged', plan, ms: Date.now() - t0, timings: {} };
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
  await timed('images', () =>
    deps.ensureImages(imagesNeeded(plan), (p) => opts.onProgress?.({ step: `images: ${p.message ?? p.step}`, done: p.done, total: p.total })),
  ).catch((e) => {
    throw new EngineError(`images: ${oneLine(e)}`);
  });

  // A lab with another document (or a half-finished one from a crashed run) is
  // replaced as a whole: addresses and routes depend on the whole topology.
  // Images come first, so a failed build leaves the running lab alone.
  if (exists) {
    opts.onProgress?.({ step: `removing the previous ${doc.name}`, done: 0, total: 1 });
    await down(doc.name);
  }

  const balancers = balancerNodes(plan);
  const n = plan.nodes.length;
  const shaped = shapedLinks(plan).length > 0;
  const prog = progressCounter(plan.networks.length + n * 4 + balancers.length + (shaped ? 1 : 0) + 1, opts.onProgress);
  try {
    await deployPlan({ doc, plan, hash, anchor, deps, prog, timed, balancers, images, timings });
  } catch (e) {
    prog.start('rolling back');
    await down(doc.name).catch(() => undefined);
    throw e instanceof EngineError ? e : new EngineError(`lab ${doc.name}: ${oneLine(e)}`);
  }
  return { lab: doc.name, action: exists ? 'replaced' : 'created', plan, ms: Date.now() - t0, timings };
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

/** Nodes that run a balancer for at least one service. */
export function balancerNodes(plan: LabPlan): PlannedNode[] {
  const names = new Set(plan.services.map((s) => s.balancer));
  return plan.nodes.filter((n) => names.has(n.name));
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

/** What a balancer must wait for before its config is applied: its own plumbing, its backends' (and
 * the routers', which carry health checks to remote backends), and the configuration of any backend
 * that is itself a balancer (multi-tier: a gateway answers the edge's checks once its proxy runs). */
export function balancerDependencies(plan: LabPlan, balancer: string): { plumbed: string[]; configured: string[] } {
  // every node a balancer's services send to: backends and l7 routes' backends
  const backendNodes = (lb: string) => plan.services.filter((s) => s.balancer === lb).flatMap(serviceBackendNodes);
  const backends = new Set(backendNodes(balancer));
  const plumbed = plan.nodes.filter((n) => n.name === balancer || n.kind === 'router' || backends.has(n.name)).map((n) => n.name);
  const lbs = new Set(plan.services.map((s) => s.balancer));
  // a balancer that (directly or not) waits for us must not be waited for: no deadlock on a cycle
  const waitsFor = (a: string, b: string, seen = new Set<string>()): boolean => {
    if (seen.has(a)) return false;
    seen.add(a);
    const deps = backendNodes(a).filter((x) => lbs.has(x) && x !== a);
    return deps.includes(b) || deps.some((x) => waitsFor(x, b, seen));
  };
  const configured = [...backends].filter((b) => lbs.has(b) && b !== balancer && !waitsFor(b, balancer));
  return { plumbed, configured };
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
  /** the document's hash, stamped on every container */
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
}

/**
 * Every node runs its own pipeline — create → attach → start → plumb — so a
 * node is plumbed while the others are still starting. A balancer starts its
 * configuration as soon as it runs (its interfaces, the hand-over exec) and hands the
 * config over once the nodes it depends on are plumbed. The first failure
 * stops the pipelines at their next step; everything settles before the
 * caller rolls back (nothing is being created behind its back).
 *
 * Timings are the critical path: `containers` ends when the last node is
 * created and attached, `start` when the last one runs, `plumbing` when the
 * last one is plumbed, `balancers`/`shaping` when those finish after that.
 */
async function deployPlan(run: DeployRun): Promise<void> {
  const { doc, plan, hash, anchor, deps, prog, timed, balancers, images, timings } = run;
  await timed('networks', () =>
    settleAll(plan.networks.map(async (net) => (await createNetwork(plan.name, net), prog.tick(`network ${net.name}`)))),
  );
  const labels = { [LABEL.hash]: hash, [LABEL.doc]: encodeDoc(doc) };
  const sysctls = sysctlsForEveryMode(doc, plan, deps);
  const t0 = Date.now();
  const last = { created: t0, started: t0, plumbed: t0 };
  let failure: unknown;
  const step = <T>(f: () => Promise<T>): Promise<T> => {
    if (failure !== undefined) return Promise.reject(new EngineError('aborted: another step failed'));
    return f().catch((e) => {
      failure ??= e;
      throw e;
    });
  };
  // Balancers' requests go first (their configuration is the longest chain after their start),
  // but all nodes start at once: waiting for a balancer to run before starting the others measured
  // 0.2-0.3 s slower at low load (Docker starts containers in parallel well enough) and only helped
  // when the machine was saturated.
  const isBalancer = (n: PlannedNode) => balancers.includes(n);
  const started = new Map<string, Promise<void>>();
  const plumbed = new Map<string, Promise<void>>();
  for (const node of [...plan.nodes].sort((a, b) => Number(isBalancer(b)) - Number(isBalancer(a)))) {
    const run = handled(
      step(async () => {
        const withSysctls = { ...node, sysctls: sysctls.get(node.name) ?? node.sysctls };
        const c = await createContainer({ plan, node: withSysctls, image: images.get(node.name)!, labels });
        prog.tick(`create ${node.name}`);
        await step(() => connectRest(plan, node, c));
        prog.tick(`attach ${node.name}`);
        last.created = Math.max(last.created, Date.now());
        await step(() =>
          c.start().catch((e) => {
            throw new EngineError(`node ${node.name}: start failed: ${oneLine(e)}`);
          }),
        );
        prog.tick(`start ${node.name}`);
        last.started = Math.max(last.started, Date.now());
      }),
    );
    started.set(node.name, run);
    plumbed.set(
      node.name,
      handled(
        run.then(() =>
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
            const readyMark = ready.then(() => void (readyAt = Date.now()));
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
  const balancersDone = settleAll([...configured.values()]).then(() => Date.now());
  const results = await Promise.allSettled([...started.values(), allPlumbed, balancersDone, ...(shaping ? [shaping] : [])]);
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
  await timed('record', () => writeRecord(anchorC, { hash, modes: {}, deployedAt: Date.now() }));
  prog.tick('ready');
}
