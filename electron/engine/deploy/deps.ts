// What deployment needs from the other engine parts (topology, images,
// balancer control), gathered behind one interface so tests and benchmarks
// can substitute a part (e.g. a fixed image) without touching Docker logic.
import type { LabDoc, ServiceStats, ValidationReport } from '../../api';
import type { LabPlan, PlannedNode } from '../topology/plan-types';

export type ImageName = 'client' | 'server' | 'balancer' | 'router';

/** Addressing options: subnets already in use on the host, never chosen for a network without one. */
export interface PlanOpts { avoid?: string[] }

export interface DeployDeps {
  validateLab(doc: LabDoc, opts?: PlanOpts): ValidationReport;
  planLab(doc: LabDoc, opts?: PlanOpts): LabPlan;
  nodeScript(plan: LabPlan, node: PlannedNode): string;
  ensureImages(names: ImageName[], onProgress?: (p: { step: string; message?: string; done: number; total: number }) => void): Promise<unknown>;
  /** the docker image to run for a planned node */
  imageFor(node: PlannedNode): string;
  /** Apply the balancer's config; with `ready`, not before it resolves (the work that does not need it may start earlier). */
  configureBalancer(plan: LabPlan, balancerNode: string, opts?: { ready?: Promise<unknown> }): Promise<void>;
  readStats(plan: LabPlan): Promise<ServiceStats[]>;
}

let cached: Promise<DeployDeps> | undefined = undefined;

/** The real parts, loaded once. */
export function defaultDeps(): Promise<DeployDeps> {
  cached ??= (async () => {
    const [topology, images, balancer] = await Promise.all([
      import('../topology/index'),
      import('../images/index'),
      import('../balancer/control'),
    ]);
    return {
      validateLab: (doc, opts) => topology.validateLab(doc, opts),
      planLab: (doc, opts) => topology.planLab(doc, opts),
      nodeScript: (plan, node) => topology.nodeScript(plan, node),
      ensureImages: (names, onProgress) => images.ensureImages(names, onProgress),
      imageFor: (node) => imageForNode(node, (n) => images.imageRef(n)),
      configureBalancer: (plan, b, opts) => balancer.configureBalancer(plan, b, opts),
      readStats: (plan) => balancer.readStats(plan),
    } satisfies DeployDeps;
  })();
  return cached!;
}

/** A node's image: a user-chosen image as is; our own `lblab/<kind>` resolved to its content-hash tag. */
export function imageForNode(node: PlannedNode, imageRef: (name: ImageName) => string): string {
  const m = /^lblab\/(client|server|balancer|router)$/.exec(node.image ?? '');
  if (m) return imageRef(m[1] as ImageName);
  return node.image || imageRef(node.kind);
}

/** Which of our images a plan needs (user-chosen images are not built by us); a lab with a shaped
 * link also needs the router image, which runs the host-side shaping helper (deploy/shaping.ts). */
export function imagesNeeded(plan: LabPlan): ImageName[] {
  const set = new Set<ImageName>();
  for (const n of plan.nodes) {
    const m = /^lblab\/(client|server|balancer|router)(:|$)/.exec(n.image ?? `lblab/${n.kind}`);
    if (m) set.add(m[1] as ImageName);
  }
  // the helper: host-side shaping, and a spread lab's VXLAN capture between hosts (journeys)
  // and a balancer at XDP: NAPI on its host-side peers (deploy/xdp-peers.ts)
  if (plan.nodes.some((n) => n.interfaces.some((i) => i.rate) || n.hook === 'xdp') || plan.networks.some((n) => n.overlay)) set.add('router');
  return [...set];
}

/** The image of the host-side helper (iproute2): our router image, resolved like a router node's. */
export function helperImage(deps: Pick<DeployDeps, 'imageFor'>): string {
  return deps.imageFor({ name: 'helper', kind: 'router', interfaces: [] } as unknown as PlannedNode);
}

/**
 * validateLab and planLab remembered per document: the engine checks and plans
 * the same lab on every deploy, status and stats poll. The results are shared,
 * so no caller may change a plan or a report it was given.
 */
export function withPlanCache(deps: DeployDeps, size = 32): DeployDeps {
  const remember = <T>(f: (doc: LabDoc, opts?: PlanOpts) => T) => {
    const cache = new Map<string, T>();
    return (doc: LabDoc, opts?: PlanOpts): T => {
      const key = JSON.stringify([doc, opts?.avoid ?? []]);
      const hit = cache.get(key);
      if (hit !== undefined) {
        // most recently used last: the oldest entry is the first one dropped
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const value = f(doc, opts); // a document that does not plan throws, every time
      cache.set(key, value);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return value;
    };
  };
  return { ...deps, validateLab: remember(deps.validateLab), planLab: remember(deps.planLab) };
}
