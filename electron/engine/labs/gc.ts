// Remove what lblab left behind, lab by lab, each under its lock (a lab being
// deployed, removed or switched by a live lblab is left alone):
//  - a lab whose record is readable keeps what its document names; any other
//    object of it (a crashed redeploy's node, a stray helper) goes;
//  - a half-made lab goes whole: no record while its anchor runs or is gone,
//    or a stale lock left by a deploy that died;
//  - a stopped lab (its anchor exited, no stale lock) is kept: `lblab down`
//    removes it;
//  - objects without a lab name go.
// With `all`: every container, network and volume labelled
// io.lblab.managed=true, running labs and deploys in progress included.
// On a remote engine, lab locks whose owner is gone go too (all of them with `all`).
// Images are kept either way: they are the expensive part and the next deploy
// reuses them. Exec sessions (terminals, captures) end with their containers.
import type Docker from 'dockerode';
import { NAME_RE } from '../../api';
import type { GcOptions, GcResult } from '../../api/host';
import { docker, engineIsRemote } from '../docker/client';
import { LABEL, labFilter } from '../docker/labels';
import { labHosts, type LabHost } from '../docker/placement';
import { forgetLeftovers, leftHostsOf, labsWithLeftovers, leftoversLine, recordLeftovers, retryLeftovers, type LeftoversRetry } from './leftovers';
import { EngineError } from '../errors';
import { removeContainers, removeNetworks } from './down';
import { anchorNode, claimedBy, docOf, labObjects, readRecord, type LabObjects } from './lab-record';
import { takeLabLock } from './lock';

type Labelled = { Labels?: Record<string, string> | null };

export async function gc(opts: GcOptions = {}): Promise<GcResult> {
  const filters = JSON.stringify(labFilter());
  const labOf = (o: Labelled) => o.Labels?.[LABEL.lab] ?? '';
  const inScope = (o: Labelled) => opts.onlyLab === undefined || labOf(o).startsWith(opts.onlyLab);
  const containers = (await docker().listContainers({ all: true, filters })).filter(inScope);
  const networks = (await docker().listNetworks({ filters })).filter(inScope);
  const volumes = ((await docker().listVolumes({ filters })).Volumes ?? []).filter(inScope);
  const out: GcResult = { containers: [], networks: [], volumes: [], kept: [] };
  const remove = async (objs: LabObjects) => {
    out.containers.push(...(await removeContainers(objs.containers)));
    out.networks.push(...(await removeNetworks(objs.networks)));
  };

  const removedWhole = new Set<string>();
  if (opts.all) {
    // a lab spread over hosts: its objects on the other engines too (found through its documents)
    const labs = [...new Set(containers.map(labOf))].filter((l) => NAME_RE.test(l));
    for (const lab of labs) {
      const objs = await labObjects(lab).catch(() => undefined);
      for (const c of objs?.containers ?? []) if (!containers.some((x) => x.Id === c.Id)) containers.push(c);
      for (const n of objs?.networks ?? []) if (!networks.some((x) => x.Id === n.Id)) networks.push(n);
      if (objs?.unreachable?.length) await recordUnreachable(lab, objs);
    }
    await remove({ containers, networks });
  } else {
    const labs = [...new Set([...containers, ...networks].map(labOf))].sort();
    for (const lab of labs) {
      if (!NAME_RE.test(lab)) {
        // no lab (or not a name lblab gives): no record can claim it
        await remove({ containers: containers.filter((c) => labOf(c) === lab), networks: networks.filter((n) => labOf(n) === lab) });
        removedWhole.add(lab);
        continue;
      }
      const verdict = await collectLab(lab, remove);
      if (verdict === 'removed') removedWhole.add(lab);
      else out.kept!.push({ lab, why: verdict });
    }
  }
  // what `down` could not remove on a host that did not answer (labs/leftovers.ts)
  for (const lab of (await labsWithLeftovers()).filter((l) => opts.onlyLab === undefined || l.startsWith(opts.onlyLab))) {
    const r = await retryLeftovers(lab).catch((e) => ({ removed: { containers: [], networks: [] }, still: [], problems: [(e as Error).message] }) as unknown as LeftoversRetry);
    if (!r) continue;
    out.containers.push(...r.removed.containers);
    out.networks.push(...r.removed.networks);
    if (!r.still.length && !r.problems.length) continue;
    const why = [leftoversLine(r.still), ...r.problems].filter(Boolean).join('; ');
    // --all removes every lblab object it can reach, and forgets what it cannot (a host that is gone for good)
    if (opts.all) await forgetLeftovers(lab);
    out.kept!.push({ lab, why: opts.all ? `${why} (record dropped by --all: remove it on that host by hand)` : why });
  }
  const vols = volumes.filter((v) => opts.all || removedWhole.has(labOf(v)));
  await Promise.all(vols.map((v) => docker().getVolume(v.Name).remove().catch(() => undefined)));
  out.volumes = vols.map((v) => v.Name);
  // a remote engine's lab locks (labs/engine-lock.ts): those whose owner is gone, or every one with `all`
  if (engineIsRemote()) out.containers.push(...(await (await import('./engine-lock')).removeEngineLocks({ all: opts.all, onlyLab: opts.onlyLab })));
  return out;
}

/** One lab, under its lock: 'removed' when it went whole, else why it stays. */
async function collectLab(lab: string, remove: (objs: LabObjects) => Promise<void>): Promise<'removed' | string> {
  let lock;
  try {
    lock = await takeLabLock(lab, 'gc');
  } catch (e) {
    if (e instanceof EngineError && e.code === 'conflict') return e.message.replace(/^lab \S+ is /, '');
    throw e;
  }
  try {
    const objs = await labObjects(lab); // again, under the lock
    const labelled = docOf(objs);
    const anchor = labelled && objs.containers.find((c) => c.Labels?.[LABEL.node] === anchorNode(labelled));
    const record = anchor?.State === 'running' ? await readRecord(anchor.Id) : undefined;
    if (record) {
      const { leftovers } = claimedBy(record.doc ?? labelled, objs);
      await remove(leftovers);
      return stateOf(objs.containers.filter((c) => !leftovers.containers.includes(c)));
    }
    if (anchor && anchor.State !== 'running' && !lock.brokeStale) return 'stopped (lblab down removes it)';
    await remove(objs);
    return 'removed';
  } finally {
    await lock.release();
  }
}

/** A lab gc --all removes while one of its hosts does not answer: what that host holds is recorded for the next gc. */
async function recordUnreachable(lab: string, objs: LabObjects): Promise<void> {
  const doc = docOf(objs);
  if (!doc) return;
  let hosts: LabHost[] = [];
  try {
    hosts = labHosts(doc);
  } catch {
    // an engine that no longer resolves: the record keeps the engine as the file wrote it
  }
  await recordLeftovers(lab, leftHostsOf(lab, doc, hosts, (objs.unreachable ?? []).map((u) => u.host)));
}

function stateOf(containers: Docker.ContainerInfo[]): string {
  const down = containers.filter((c) => c.State !== 'running').length;
  return down ? `deployed, ${down} of ${containers.length} nodes not running` : 'running';
}
