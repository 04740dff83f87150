// Which engine holds each object of a lab. A lab without `hosts` lives on the
// engine lblab drives (client.ts); a lab with `hosts` spreads its nodes over
// several engines, joined in one Docker Swarm (docs/scale-out.md). Every
// container access goes through `containerRef`, which knows the engine of
// each container a lab placed or a listing found, so exec, archive, capture
// and terminal code stays the same for one engine or several.
import type Docker from 'dockerode';
import type { LabDoc } from '../../api';
import { EngineError } from '../errors';
import { clientFor, docker, engineTarget } from './client';
import { resolveEngine, type EngineTarget } from './engine-target';

export interface LabHost {
  /** the lab file's name for it (`hosts:` key) */
  name: string;
  /** as written: `default`, a URL or a context name */
  engine: string;
  target: EngineTarget;
  client: Docker;
}

/** container id or name → the engine that holds it; anything not here is on the driven engine */
const containers = new Map<string, Docker>();
/** network id → the engine to manage it through (an overlay: a manager) */
const networks = new Map<string, Docker>();

/** The engine a host name of the lab file stands for. */
export function resolveHostEngine(engine: string): EngineTarget {
  return engine === 'default' ? engineTarget() : resolveEngine(engine);
}

/** The lab's hosts, resolved, in the file's order; a lab without hosts has the driven engine as its one host. */
export function labHosts(doc: Pick<LabDoc, 'hosts'> | undefined): LabHost[] {
  const entries = Object.entries(doc?.hosts ?? { default: 'default' });
  const out: LabHost[] = [];
  for (const [name, engine] of entries) {
    let target: EngineTarget;
    try {
      target = resolveHostEngine(engine);
    } catch (e) {
      throw new EngineError(`host ${name}: ${(e as Error).message}`, 'bad-request');
    }
    const twin = out.find((h) => h.target.host === target.host);
    if (twin) throw new EngineError(`hosts ${twin.name} and ${name} are the same engine (${target.host}); give each host its own engine`, 'bad-request');
    out.push({ name, engine, target, client: clientFor(target) });
  }
  return out;
}

/** Whether a lab spans engines (a `hosts` map naming more than the driven engine). */
export function isMultiHost(doc: Pick<LabDoc, 'hosts'> | undefined): boolean {
  return Object.keys(doc?.hosts ?? {}).length > 1;
}

/** Remember where a container is (by name and, once known, by id). */
export function placeContainer(ref: string, client: Docker): void {
  if (client === docker()) containers.delete(ref);
  else containers.set(ref, client);
}

/** Remember where a network is managed. */
export function placeNetwork(id: string, client: Docker): void {
  if (client === docker()) networks.delete(id);
  else networks.set(id, client);
}

/** The engine that holds a container (the driven engine unless placed elsewhere). */
export function engineOfContainer(ref: string): Docker {
  return containers.get(ref) ?? docker();
}

/** A container handle on the engine that holds it. */
export function containerRef(ref: string): Docker.Container {
  return engineOfContainer(ref).getContainer(ref);
}

/** A network handle on the engine that manages it. */
export function networkRef(id: string): Docker.Network {
  return (networks.get(id) ?? docker()).getNetwork(id);
}
