// Remove one lab: its containers first (a network with endpoints cannot be
// removed), then its networks — found by label, never by name, on every
// engine the lab spans. Idempotent. A host that does not answer keeps its
// objects: they are recorded (labs/leftovers.ts) and retried by gc, down and up.
import type Docker from 'dockerode';
import type { LabDoc } from '../../api';
import type { RemovedLab } from '../../api/host';
import { LABEL } from '../docker/labels';
import { containerRef, labHosts, networkRef } from '../docker/placement';
import { nodeHost } from '../topology/hosts';
import { docOf, labObjects } from './lab-record';
import { leftHostsOf, leftoversLine, recordLeftovers, retryLeftovers } from './leftovers';

const isGone = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;

export async function removeContainers(list: Docker.ContainerInfo[]): Promise<string[]> {
  await Promise.all(
    list.map((c) =>
      containerRef(c.Id)
        .remove({ force: true, v: true })
        .catch((e) => {
          // 409 "removal already in progress": another process (or a parallel gc) is on it
          if (!isGone(e) && (e as { statusCode?: number }).statusCode !== 409) throw e;
        }),
    ),
  );
  return list.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, ''));
}

export async function removeNetworks(list: Docker.NetworkInspectInfo[]): Promise<string[]> {
  await Promise.all(
    list.map(async (n) => {
      // an endpoint of a container removed a moment ago can linger briefly
      for (let attempt = 0; ; attempt++) {
        try {
          await networkRef(n.Id).remove();
          return;
        } catch (e) {
          if (isGone(e)) return;
          if (attempt >= 20) throw await staleEndpoint(n, e);
          await new Promise((r) => setTimeout(r, 150));
        }
      }
    }),
  );
  return list.map((n) => n.Name);
}

/** The engine may keep counting an endpoint after its container is gone (a known Docker
 * engine race, moby/moby#17217): nothing lblab can disconnect, but say what clears it. */
async function staleEndpoint(n: Docker.NetworkInspectInfo, e: unknown): Promise<unknown> {
  if (!/active endpoints/.test((e as Error).message ?? '')) return e;
  const now = await networkRef(n.Id).inspect().catch(() => undefined) as Docker.NetworkInspectInfo | undefined;
  if (!now || Object.keys(now.Containers ?? {}).length) return e;
  return new Error(`network ${n.Name}: the Docker engine still counts an endpoint though no container is attached (a known engine bug); restart the Docker engine, then run lblab gc`);
}

const OVERLAY_GONE_MS = 20_000;

async function overlaysGone(lab: string, doc: LabDoc | undefined): Promise<void> {
  const until = Date.now() + OVERLAY_GONE_MS;
  while (Date.now() < until) {
    const left = await labObjects(lab, doc).catch(() => undefined);
    if (!left || !left.networks.some((n) => n.Scope === 'swarm')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function down(lab: string): Promise<RemovedLab> {
  const earlier = await retryLeftovers(lab).catch(() => undefined);
  const objs = await labObjects(lab);
  const containers = [...(earlier?.removed.containers ?? []), ...(await removeContainers(objs.containers))];
  // list networks again: a concurrent `up` may have created one meanwhile (on every host the lab had)
  const doc = docOf(objs);
  const again = await labObjects(lab, doc);
  const unreachable = new Set([...(objs.unreachable ?? []), ...(again.unreachable ?? [])].map((u) => u.host));
  // an overlay with an endpoint on an unreachable host cannot go yet: it stays with that host's record
  const usedByAway = (n: Docker.NetworkInspectInfo) => {
    const net = n.Labels?.[LABEL.network] ?? '';
    return !doc || Object.keys(doc.nodes).some((node) => unreachable.has(nodeHost(doc, node)) && doc.nodes[node].links.some((l) => l.network === net));
  };
  const removable = again.networks.filter((n) => !(unreachable.size && n.Scope === 'swarm' && usedByAway(n)));
  const networks = [...(earlier?.removed.networks ?? []), ...(await removeNetworks(removable))];
  // an overlay is removed from the Swarm at once, but each engine drops its own copy a moment later:
  // `down` returns once no engine lists it (a redeploy right after would find the name taken)
  if (removable.some((n) => n.Scope === 'swarm')) await overlaysGone(lab, doc);
  if (!unreachable.size || !doc) return { containers, networks };
  const left = leftHostsOf(lab, doc, labHosts(doc), [...unreachable]);
  await recordLeftovers(lab, left);
  return { containers, networks, left: leftoversLine(left) };
}
