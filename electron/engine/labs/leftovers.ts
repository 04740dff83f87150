// What `down` could not remove because a host of the lab did not answer.
// It is written down on the engine lblab drives (the lab's first host), as a
// never-started container `lblab-leftovers-<lab>` from the tiny lock image,
// whose label lists each host left behind and its engine: nothing is
// forgotten when the process ends. `lblab gc`, `down` and `up` of the same
// lab retry it; once every listed host has answered and its objects of the
// lab are gone, the marker goes too.
import type Docker from 'dockerode';
import { NAME_RE } from '../../api';
import { clientFor, docker, engineFailure, within } from '../docker/client';
import { resolveEngine } from '../docker/engine-target';
import type { LabDoc } from '../../api';
import { containerName, LABEL, labFilter } from '../docker/labels';
import type { LabHost } from '../docker/placement';
import { nodeHost } from '../topology/hosts';
import { EngineError } from '../errors';
import { ensureLockImage, LOCK_IMAGE } from './engine-lock';

export interface LeftHost {
  host: string;
  /** the engine's address as resolved when it was left (a URL: contexts may change meanwhile) */
  engine: string;
  /** what is known to be there: node containers and networks of the lab */
  containers: string[];
  networks: string[];
}

export const leftoversName = (lab: string) => `lblab-leftovers-${lab}`;

/** What each unreachable host of a lab keeps, as its document places nodes and networks there. */
export function leftHostsOf(lab: string, doc: LabDoc, hosts: LabHost[], away: string[]): LeftHost[] {
  return away.map((host) => {
    const nodes = Object.keys(doc.nodes).filter((n) => nodeHost(doc, n) === host);
    const networks = Object.keys(doc.networks).filter((net) => nodes.some((n) => doc.nodes[n].links.some((l) => l.network === net)));
    return { host, engine: hosts.find((h) => h.name === host)?.target.host ?? doc.hosts?.[host] ?? '', containers: nodes.map((n) => containerName(lab, n)), networks };
  });
}
const HOSTS_LABEL = `${LABEL.leftovers}.hosts`;

export function parseLeftHosts(text: string | undefined): LeftHost[] {
  try {
    const v = JSON.parse(text ?? '') as LeftHost[];
    return Array.isArray(v) ? v.filter((h) => typeof h?.host === 'string' && typeof h.engine === 'string') : [];
  } catch {
    return [];
  }
}

/** One line: what is left where. */
export function leftoversLine(hosts: LeftHost[]): string {
  return hosts
    .map((h) => {
      const parts = [h.containers.length ? `${h.containers.length} container${h.containers.length === 1 ? '' : 's'}` : '', h.networks.length ? `network${h.networks.length === 1 ? '' : 's'} ${h.networks.join(', ')}` : ''].filter(Boolean);
      return `left on ${h.host}: ${parts.join(', ') || 'objects of the lab'}`;
    })
    .join('; ');
}

async function markerOf(lab: string): Promise<Docker.ContainerInfo | undefined> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.leftovers}=${lab}`] }) });
  return list[0];
}

/** Write (or extend) the lab's leftovers marker. */
export async function recordLeftovers(lab: string, hosts: LeftHost[]): Promise<void> {
  if (!hosts.length) return;
  const old = await markerOf(lab);
  const merged = [...parseLeftHosts(old?.Labels?.[HOSTS_LABEL]).filter((o) => !hosts.some((h) => h.host === o.host)), ...hosts];
  if (old) await docker().getContainer(old.Id).remove({ force: true }).catch(() => undefined);
  await ensureLockImage();
  await docker().createContainer({
    name: leftoversName(lab),
    Image: LOCK_IMAGE,
    Cmd: ['/lock'],
    Labels: { [LABEL.leftovers]: lab, [HOSTS_LABEL]: JSON.stringify(merged) },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  });
}

/** The hosts still recorded as holding leftovers of a lab. */
export async function leftoversOf(lab: string): Promise<LeftHost[]> {
  return parseLeftHosts((await markerOf(lab))?.Labels?.[HOSTS_LABEL]);
}

export interface LeftoversRetry {
  lab: string;
  removed: { containers: string[]; networks: string[] };
  /** hosts still holding something (did not answer, or refused a removal) */
  still: LeftHost[];
  problems: string[];
}

/**
 * Try again to remove a lab's objects on the hosts its marker lists. Objects
 * are found by the lab's label on each engine (never by name). Containers go
 * first; a network still in use on another host is left for the next retry.
 */
export async function retryLeftovers(lab: string, opts: { timeoutMs?: number } = {}): Promise<LeftoversRetry | undefined> {
  if (!NAME_RE.test(lab)) throw new EngineError(`not a lab name: ${JSON.stringify(lab).slice(0, 60)}`, 'bad-request');
  const marker = await markerOf(lab);
  if (!marker) return undefined;
  const out: LeftoversRetry = { lab, removed: { containers: [], networks: [] }, still: [], problems: [] };
  const filters = JSON.stringify(labFilter(lab));
  for (const h of parseLeftHosts(marker.Labels?.[HOSTS_LABEL])) {
    let target;
    try {
      target = resolveEngine(h.engine);
    } catch (e) {
      out.still.push(h);
      out.problems.push(`host ${h.host}: ${(e as Error).message}`);
      continue;
    }
    const d = clientFor(target);
    try {
      const ms = opts.timeoutMs ?? 10_000;
      const containers = await within(d.listContainers({ all: true, filters }), ms, `listing host ${h.host}`);
      await Promise.all(containers.map((c) => d.getContainer(c.Id).remove({ force: true, v: true })));
      out.removed.containers.push(...containers.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, '')));
      const networks = await within(d.listNetworks({ filters }), ms, `listing host ${h.host}`);
      for (const n of networks) {
        // an overlay is swarm-scoped: the first host (a manager) removes it; here it only has to be unused
        if (n.Scope === 'swarm') continue;
        await d.getNetwork(n.Id).remove();
        out.removed.networks.push(n.Name);
      }
    } catch (e) {
      out.still.push(h);
      out.problems.push(`host ${h.host}: ${engineFailure(target, e)}`);
    }
  }
  // overlays of the lab the first host still manages: removable once no host has an endpoint on them
  for (const n of await docker().listNetworks({ filters })) {
    if (n.Scope !== 'swarm') continue;
    try {
      await docker().getNetwork(n.Id).remove();
      out.removed.networks.push(n.Name);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) out.problems.push(`network ${n.Labels?.[LABEL.network] ?? n.Name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  await docker().getContainer(marker.Id).remove({ force: true }).catch(() => undefined);
  if (out.still.length) await recordLeftovers(lab, out.still);
  return out;
}

/** Drop a lab's record of leftovers (`gc --all`: every lblab object goes, records included). */
export async function forgetLeftovers(lab: string): Promise<void> {
  const m = await markerOf(lab);
  if (m) await docker().getContainer(m.Id).remove({ force: true }).catch(() => undefined);
}

/** Every lab with a leftovers marker on the driven engine. */
export async function labsWithLeftovers(): Promise<string[]> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [LABEL.leftovers] }) });
  return [...new Set(list.map((c) => c.Labels?.[LABEL.leftovers] ?? '').filter((l) => NAME_RE.test(l)))].sort();
}
