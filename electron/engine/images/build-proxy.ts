// Puts the apt proxy (apt-proxy.ts) where build containers can reach it: on
// the Docker bridge gateway of a local engine. Anything unusual (remote
// engine, Docker Desktop, the host behind its own proxy, a firewall between
// containers and the host, a Debian mirror on a private address) means no
// proxy: the builds then download from the mirror directly, exactly as without it.
import { docker, engineIsRemote } from '../docker/client';
import { LABEL } from '../docker/labels';
import { hostMirrors, publicAddress, type Mirror } from './apt-mirrors';
import { defaultAptCacheDir, startAptProxy, type AptProxy } from './apt-proxy';

/** The host's own apt caches (.debs that ensure-docker.sh / .ci/run just installed). */
export const HOST_ARCHIVES = ['/var/cache/apt/archives', '/var/cache/lblab/debs'];

async function bridgeGateway(): Promise<string | undefined> {
  try {
    const net = await docker().getNetwork('bridge').inspect();
    const cfg = (net as { IPAM?: { Config?: { Gateway?: string }[] } }).IPAM?.Config ?? [];
    return cfg.map((c) => c.Gateway).find((g): g is string => !!g && !g.includes(':'));
  } catch {
    return undefined;
  }
}

/** Whether one of the host's mirrors is on a private address: the proxy would refuse it (it never
 * forwards to the host's own networks), so the builds had better reach it directly. */
async function privateMirror(mirrors: Mirror[]): Promise<boolean> {
  for (const m of mirrors) {
    const r = await publicAddress(new URL(`http://${m.host}`).hostname).catch(() => undefined); // unresolvable now: the build will say
    if (r && 'refusal' in r) return true;
  }
  return false;
}

/** Start the proxy on the bridge gateway, or undefined when that cannot work here. */
export async function startBuildProxy(): Promise<AptProxy | undefined> {
  if (process.env.LBLAB_APT_PROXY === '0' || process.platform !== 'linux') return undefined;
  // A remote engine's builds cannot reach a proxy on this machine (its bridge gateway is on the remote host).
  if (engineIsRemote()) return undefined;
  // A host that reaches the mirror through its own proxy: leave its network alone.
  if (process.env.http_proxy || process.env.HTTP_PROXY) return undefined;
  const gw = await bridgeGateway();
  if (!gw) return undefined;
  // Listening fails (EADDRNOTAVAIL) when the gateway is not this machine's
  // address: a remote engine or a VM (Docker Desktop). (os.networkInterfaces()
  // is no help here: it leaves out docker0 while no container is attached.)
  // A mirror on the LAN (or a cache such as apt-cacher-ng on this machine): no proxy, as before it.
  const mirrors = hostMirrors();
  if (await privateMirror(mirrors)) return undefined;
  try {
    return await startAptProxy({ host: gw, cacheDir: defaultAptCacheDir(), hostArchives: HOST_ARCHIVES, mirrors });
  } catch {
    return undefined;
  }
}

/** Whether a container started like a build step can open a connection to the proxy. */
export async function reachableFromContainers(proxy: AptProxy, image: string, timeoutMs = 20_000): Promise<boolean> {
  const u = new URL(proxy.url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let container: Awaited<ReturnType<ReturnType<typeof docker>['createContainer']>> | undefined;
  try {
    container = await docker().createContainer({
      Image: image,
      Cmd: ['bash', '-c', `exec 3<>/dev/tcp/${host}/${u.port}`],
      Labels: { [LABEL.managed]: 'true', [LABEL.role]: 'build-probe' },
      NetworkDisabled: false,
    });
    await container.start();
    const timeout = new Promise<{ StatusCode: number }>((r) => setTimeout(() => r({ StatusCode: -1 }), timeoutMs).unref());
    const res = (await Promise.race([container.wait(), timeout])) as { StatusCode: number };
    return res.StatusCode === 0;
  } catch {
    return false;
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}
