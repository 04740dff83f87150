// Remove everything lblab left behind: every container, network and volume
// labelled io.lblab.managed=true (containers first). Images are kept: they are
// the expensive part and are reused by the next deploy. Exec sessions (stale
// terminals, captures) live inside containers and end with them.
import type { GcOptions, GcResult } from '../../api';
import { docker } from '../docker/client';
import { LABEL, labFilter } from '../docker/labels';
import { removeContainers, removeNetworks } from './down';

export async function gc(opts: GcOptions = {}): Promise<GcResult> {
  const filters = JSON.stringify(labFilter());
  const mine = (labels: Record<string, string> | undefined | null) =>
    opts.onlyLab === undefined || (labels?.[LABEL.lab] ?? '').startsWith(opts.onlyLab);
  const containers = await removeContainers((await docker().listContainers({ all: true, filters })).filter((c) => mine(c.Labels)));
  const networks = await removeNetworks((await docker().listNetworks({ filters })).filter((n) => mine(n.Labels)));
  const vols = ((await docker().listVolumes({ filters })).Volumes ?? []).filter((v) => mine(v.Labels));
  await Promise.all(vols.map((v) => docker().getVolume(v.Name).remove().catch(() => undefined)));
  return { containers, networks, volumes: vols.map((v) => v.Name) };
}
