// Writing a node's network sysctls from outside. Lab containers see /proc/sys
// read-only (Docker's default; the values they need are set when they are
// created), so a short-lived helper joins the node's network namespace with
// /proc/sys left writable (Docker's `systempaths=unconfined`) and NET_ADMIN
// only: net.* sysctls belong to the network namespace, so that writes the node's.
import crypto from 'node:crypto';
import { HELPER_ROLE } from '../deploy/shaping';
import { LABEL, labLabels } from '../docker/labels';
import { engineOfContainer } from '../docker/placement';

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script that writes each value (names like net.ipv4.conf.all.rp_filter; `*` for every interface). */
export function sysctlScript(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => {
      if (!/^net\.[a-z0-9_.*-]+$/i.test(k)) throw new Error(`not a network sysctl: ${k}`);
      return `for f in /proc/sys/${k.replace(/\./g, '/')}; do [ -f "$f" ] && echo ${sq(v)} > "$f"; done; true`;
    })
    .join('\n');
}

/** Write network sysctls in a node's namespace; throws one line on failure. */
export async function writeSysctls(lab: string, container: string, image: string, values: Record<string, string>): Promise<void> {
  if (!Object.keys(values).length) return;
  const d = engineOfContainer(container);
  const target = await d.getContainer(container).inspect();
  // a stopped node gets its created sysctls back when it starts: a fresh namespace
  if (!target.State.Running) return;
  const c = await d.createContainer({
    name: `lblab-${lab}-sysctl-${crypto.randomBytes(3).toString('hex')}`,
    Image: image,
    Cmd: ['sh', '-e', '-c', sysctlScript(values)],
    Labels: labLabels(lab, { [LABEL.node]: '', [LABEL.role]: HELPER_ROLE }),
    HostConfig: { NetworkMode: `container:${target.Id}`, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], MaskedPaths: [], ReadonlyPaths: [] },
  });
  try {
    await c.start();
    const res = (await c.wait()) as { StatusCode: number };
    if (res.StatusCode !== 0) {
      const logs = (await c.logs({ stdout: true, stderr: true })).toString();
      throw new Error(`cannot write sysctls in ${container}: ${logs.trim().split('\n').pop() ?? `exit ${res.StatusCode}`}`);
    }
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}
