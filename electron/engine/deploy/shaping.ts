// Host-side link shaping: the ingress half of a link's `rate`.
//
// Inside a node the plumbing script puts TBF on the root qdisc of a shaped
// interface (the node's egress; packets the eBPF core redirects out pass it
// too). The node's ingress cannot be shaped inside the node without breaking
// the ingress BPF (balancer core, tunnel decap): an ifb redirect re-injects
// packets that skip tc classification, and police/matchall are missing from
// some kernels. So the ingress is shaped where those packets are still egress:
// the host-side veth peer of the interface. Its ifindex is the interface's
// `iflink`; a short-lived helper container in the host network namespace
// (NET_ADMIN, our router image, which has iproute2) finds the peer by index and
// puts the same TBF on it. This works without the engine being root on the
// host, and on Docker Desktop (the host netns is the VM's). Nothing to undo:
// the host veth goes away with its container; the helper removes itself.
//
// On a Swarm overlay the peer is not in the host netns but in the overlay's
// own namespace, a file `1-<network id, 10 chars>` that dockerd bind-mounts
// under its exec root (`<exec-root>/netns/`), which the API does not give and
// which differs between engines (and may sit in another mount namespace). The
// container's `SandboxKey` (from inspect) is a file in the same directory: the
// helper (host pid namespace, SYS_ADMIN + SYS_PTRACE to enter a namespace seen
// through another process) finds the dockerd whose mountinfo holds that
// sandbox, reads the directory from there, and runs tc through
// `nsenter --net=/proc/<dockerd>/root/<dir>/1-<id>`: the helper's own tc,
// whatever the host has installed, on any engine of the Swarm.
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import type Docker from 'dockerode';
import { oneLine } from '../../api';
import { docker } from '../docker/client';
import { execIn } from '../docker/exec';
import { containerRef, engineOfContainer } from '../docker/placement';
import { LABEL, labLabels } from '../docker/labels';
import { EngineError } from '../errors';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import { tbfArgs } from '../topology/plumbing';

/** The `io.lblab.role` of helper containers (they are not nodes). */
export const HELPER_ROLE = 'helper';

export interface ShapedLink { node: string; address: string; network: string; rate: string; overlay?: true }
/** Where the peer of an overlay link lives: the container's sandbox file name and the overlay's netns file name, both in dockerd's netns directory. */
export interface OverlayPeer { sandbox: string; netns: string }
export interface HostShape extends ShapedLink { ifindex: number; peer?: OverlayPeer }

/** Every interface of the plan that has a rate. */
export function shapedLinks(plan: LabPlan): ShapedLink[] {
  const overlays = new Set(plan.networks.filter((n) => n.overlay).map((n) => n.name));
  return plan.nodes.flatMap((n) =>
    n.interfaces
      .filter((i) => i.rate)
      .map((i) => ({ node: n.name, address: i.address, network: i.network, rate: i.rate!, ...(overlays.has(i.network) ? { overlay: true as const } : {}) })),
  );
}

/** The file name of an overlay's namespace under dockerd's netns directory (libnetwork: `1-` + the network ID, 12 characters in all). */
export const overlayNetnsName = (networkId: string) => `1-${networkId.slice(0, 10)}`;

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Script run inside a node: the host-side peer ifindex (`iflink`) of the interface holding each address, one per line. */
export function peerIndexScript(addresses: string[]): string {
  return [
    'set -e',
    ...addresses.map(
      (a) =>
        `d=$(ip -o -4 addr show | awk -v a=${sq(a)} '{ split($4, p, "/"); if (p[1] == a) { sub(/@.*/, "", $2); print $2; exit } }'); ` +
        `[ -n "$d" ] || { echo ${sq(`no interface holds ${a}`)} >&2; exit 1; }; cat "/sys/class/net/$d/iflink"`,
    ),
  ].join('\n') + '\n';
}

// `sbdir SANDBOX`: "<pid> <dir>" of a process (a dockerd first) whose mount
// namespace holds the sandbox's netns file, <dir> its netns directory there.
const SBDIR = `sbdir() {
  for f in $(grep -lx dockerd /proc/[0-9]*/comm 2>/dev/null) /proc/1/comm; do
    p=\${f#/proc/}; p=\${p%/comm}
    m=$(awk -v s="/$1" ' / - nsfs / && substr($5, length($5) - length(s) + 1) == s { print $5; exit }' "/proc/$p/mountinfo" 2>/dev/null) || continue
    [ -n "$m" ] && { echo "$p \${m%/*}"; return 0; }
  done
  return 1
}`;

/**
 * Script run by the helper in the host netns: TBF on each peer, found by
 * ifindex (an overlay link's in the overlay's namespace). Idempotent (`replace`).
 */
export function hostShapingScript(shapes: HostShape[]): string {
  return hostPeersScript(shapes, (s) => `tc qdisc replace dev "$dev" root ${tbfArgs(s.rate)}`, `${shapes.length} host-side link(s) shaped`);
}

/**
 * Script run by a helper in the host netns: `command(link)` (a shell command
 * on `"$dev"`) for each link's peer, found by ifindex (an overlay link's run
 * in the overlay's namespace). Prints `lblab: <done>` at the end.
 */
export function hostPeersScript<T extends Omit<HostShape, 'rate'>>(shapes: T[], command: (s: T) => string, done: string): string {
  const out = ['set -e', 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"', 'links=$(ip -o link)'];
  if (shapes.some((s) => s.peer)) out.push(SBDIR);
  for (const s of shapes) {
    const what = `node ${s.node} (${s.address}, network ${s.network})`;
    const find = (list: string) => `dev=$(printf '%s\\n' "${list}" | awk -F': ' -v i=${s.ifindex} '$1 == i { sub(/@.*/, "", $2); print $2; exit }')`;
    if (!s.peer) {
      out.push(
        find('$links'),
        `[ -n "$dev" ] || { echo ${sq(`lblab: ${what}: no host interface with index ${s.ifindex} (is the engine's Docker host the one running the lab?)`)} >&2; exit 1; }`,
        command(s),
      );
      continue;
    }
    out.push(
      `where=$(sbdir ${sq(s.peer.sandbox)}) || { echo ${sq(`lblab: ${what}: no dockerd in the engine's pid namespace holds the node's network namespace (${s.peer.sandbox})`)} >&2; exit 1; }`,
      `ns="/proc/\${where%% *}/root\${where#* }/${s.peer.netns}"`,
      `[ -e "$ns" ] || { echo ${sq(`lblab: ${what}: the overlay's namespace ${s.peer.netns} is not next to the node's`)} >&2; exit 1; }`,
      `olinks=$(nsenter --net="$ns" ip -o link)`,
      find('$olinks'),
      `[ -n "$dev" ] || { echo ${sq(`lblab: ${what}: no interface with index ${s.ifindex} in the overlay's namespace ${s.peer.netns}`)} >&2; exit 1; }`,
      `nsenter --net="$ns" ${command(s)}`,
    );
  }
  out.push(`echo "lblab: ${done}"`);
  return out.join('\n') + '\n';
}

/** The host-side peer ifindex of every shaped link of one node. */
export async function peerIndexes<L extends Omit<ShapedLink, 'rate'>>(node: PlannedNode, links: L[]): Promise<(L & { ifindex: number; peer?: OverlayPeer })[]> {
  const r = await execIn(node.container, ['sh', '-e', '-s'], { stdin: peerIndexScript(links.map((l) => l.address)), timeoutMs: 30_000 });
  const idx = r.stdout.trim().split('\n').map(Number);
  if (r.exitCode !== 0 || idx.length !== links.length || idx.some((x) => !Number.isInteger(x) || x <= 0))
    throw new Error(`cannot read the host-side peer of its interfaces: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.exitCode}`}`);
  const shapes = links.map((l, i) => ({ ...l, ifindex: idx[i] }));
  if (!links.some((l) => l.overlay)) return shapes;
  const info = await containerRef(node.container).inspect();
  const sandbox = path.posix.basename(info.NetworkSettings.SandboxKey ?? '');
  if (!sandbox) throw new Error('its container has no network namespace (is it running?)');
  return shapes.map((sh) => {
    if (!sh.overlay) return sh;
    const att = Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress === sh.address);
    if (!att?.NetworkID) throw new Error(`no Docker network of its container holds ${sh.address}`);
    return { ...sh, peer: { sandbox, netns: overlayNetnsName(att.NetworkID) } };
  });
}

/**
 * Run `script` once in a throw-away container in the host network namespace;
 * returns its output, throws on failure. `namespaces`: it also sees the host's
 * processes and may enter a namespace through one (overlay shaping).
 */
export async function runHostHelper(lab: string, image: string, script: string, timeoutMs = 60_000, d: Docker = docker(), namespaces = false): Promise<string> {
  const c: Docker.Container = await d.createContainer({
    name: `lblab-${lab}-shaping-${crypto.randomBytes(3).toString('hex')}`,
    Image: image,
    Cmd: ['sh', '-e', '-c', script],
    Labels: labLabels(lab, { [LABEL.node]: '', [LABEL.role]: HELPER_ROLE }),
    HostConfig: {
      NetworkMode: 'host',
      CapAdd: namespaces ? ['NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE'] : ['NET_ADMIN'],
      CapDrop: ['ALL'],
      AutoRemove: true,
      // setns through /proc/<dockerd>/root needs ptrace-read of dockerd, which docker-default AppArmor denies
      ...(namespaces ? { PidMode: 'host', SecurityOpt: ['apparmor=unconfined'] } : {}),
    },
  });
  try {
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const out: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => out.push(b));
    c.modem.demuxStream(stream, sink, sink);
    const ended = new Promise<void>((resolve) => {
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
    });
    // registered before start, so an auto-removed container cannot be missed
    const waited = c.wait({ condition: 'removed' }) as Promise<{ StatusCode: number }>;
    await c.start();
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      waited,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the host helper timed out after ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    await Promise.race([ended, new Promise((r) => setTimeout(r, 500))]);
    const text = Buffer.concat(out).toString();
    if (res.StatusCode !== 0) throw new Error(text.trim().split('\n').pop() || `the host helper exited with ${res.StatusCode}`);
    return text;
  } finally {
    // normally gone already (AutoRemove); not when start failed or it timed out
    await c.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Shape the ingress of every link with a rate on the host-side veth peer. Run
 * after the containers are started and attached (and plumbed: interfaces hold
 * their addresses). Throws a EngineError naming the node at fault.
 */
export async function shapeHostSide(plan: LabPlan, helperImage: string): Promise<HostShape[]> {
  const links = shapedLinks(plan);
  if (!links.length) return [];
  const shapes = (
    await Promise.all(
      plan.nodes.map(async (n) => {
        const mine = links.filter((l) => l.node === n.name);
        if (!mine.length) return [];
        return peerIndexes(n, mine).catch((e) => {
          throw new EngineError(`node ${n.name}: shaping: ${oneLine(e)}`);
        });
      }),
    )
  ).flat();
  // a lab spread over hosts: one helper per host, for the nodes there (each host's veths are its own)
  const hostOf = (node: string) => plan.nodes.find((n) => n.name === node)?.host;
  const byHost = new Map<string | undefined, HostShape[]>();
  for (const sh of shapes) byHost.set(hostOf(sh.node), [...(byHost.get(hostOf(sh.node)) ?? []), sh]);
  await Promise.all(
    [...byHost].map(([host, list]) =>
      runHostHelper(plan.name, helperImage, hostShapingScript(list), 60_000, engineOfContainer(plan.nodes.find((n) => n.name === list[0].node)!.container), list.some((sh) => sh.peer)).catch((e) => {
        throw new EngineError(`lab ${plan.name}: host-side shaping${host ? ` on host ${host}` : ''} failed: ${oneLine(e)}`);
      }),
    ),
  );
  return shapes;
}
