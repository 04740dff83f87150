// Remove one lab: its containers first (a network with endpoints cannot be
// removed), then its networks — found by label, never by name. Idempotent.
import type Docker from 'dockerode';
import type { RemovedLab } from '../../api/host';
import { docker } from '../docker/client';
import { labObjects } from './lab-record';

const isGone = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;

export async function removeContainers(list: Docker.ContainerInfo[]): Promise<string[]> {
  await Promise.all(
    list.map((c) =>
      docker()
        .getContainer(c.Id)
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
          await docker().getNetwork(n.Id).remove();
          return;
        } catch (e) {
          if (isGone(e)) return;
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 150));
        }
      }
    }),
  );
  return list.map((n) => n.Name);
}

export async function down(lab: string): Promise<RemovedLab> {
  const objs = await labObjects(lab);
  const containers = await removeContainers(objs.containers);
  // list networks again: a concurrent `up` may have created one meanwhile
  const networks = await removeNetworks((await labObjects(lab)).networks);
  return { containers, networks };
}
