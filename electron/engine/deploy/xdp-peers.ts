// The host side of a balancer whose eBPF core runs at XDP.
//
// At XDP the core sends a frame back out of its interface (XDP_TX) or to
// another of the balancer's interfaces (redirect) without an skb: the veth
// hands it to its peer's receive ring, and the peer takes it only if it runs
// NAPI, else the frame is dropped (counted in the veth's xdp_tx errors /
// redirect failures). A veth runs NAPI when it has an XDP program or, since
// Linux 5.13, when GRO is on. The peers of a lab container's interfaces are
// the host-side veths of Docker's bridges, off by default: GRO is turned on
// there, by the same throw-away host-netns helper that shapes links
// (shaping.ts), so nothing runs on the host afterwards and nothing needs
// undoing (the veth goes with its container). The balancer's own veths need
// nothing: the XDP program on them is what gives them NAPI.
//
// A queue on those peers too. With XDP on the balancer's veth, a frame sent
// to it by its host-side peer goes into the balancer veth's receive ring (256
// frames) instead of the CPU's backlog; a burst from the servers fills it, and
// a peer without a qdisc (Docker's veths have none: noqueue) drops what does
// not fit — nat at XDP lost 5–9 % of the responses' packets that way, and its
// TCP retransmits became failed requests and a p99 of hundreds of ms. Since
// Linux 6.16 a veth with a qdisc stops its queue when the peer's ring is full
// and the qdisc holds the frames (backpressure, as on a real NIC) instead.
// So a peer that has no qdisc gets a pfifo of 1000 packets while the core runs
// at XDP: the queue a frame meets at tc too (the CPU's backlog,
// netdev_max_backlog), and built into every kernel with qdiscs (fq_codel is a
// module some kernels lack). A shaped link's qdisc is already one and stays.
import { oneLine } from '../../api';
import { engineOfContainer } from '../docker/placement';
import { EngineError } from '../errors';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import { hostPeersScript, peerIndexes, runHostHelper } from './shaping';

/** The balancers of a plan whose core runs at XDP. */
export const xdpBalancers = (plan: LabPlan): PlannedNode[] => plan.nodes.filter((n) => n.kind === 'balancer' && n.hook === 'xdp');

/** The handle of the queue put on a host-side peer for XDP: only a qdisc of ours is taken off again. */
export const XDP_PEER_QDISC_HANDLE = '4c42:';

/** The peer's queue: a pfifo where it has none (noqueue), or, off, ours removed (Docker's noqueue again). */
function peerQdisc(on: boolean): string {
  return on
    ? `if tc qdisc show dev "$0" root | grep -q "^qdisc noqueue "; then tc qdisc replace dev "$0" root handle ${XDP_PEER_QDISC_HANDLE} pfifo limit 1000; fi`
    : `if tc qdisc show dev "$0" root | grep -q "^qdisc [a-z_]* ${XDP_PEER_QDISC_HANDLE} "; then tc qdisc del dev "$0" root; fi`;
}

/**
 * GRO on (NAPI, what XDP_TX and redirects need) and a queue (backpressure instead of drops), or both off again
 * (Docker's default), for the host-side peers of `node`'s interfaces: one `sh -c` per peer, so that an overlay's
 * nsenter prefix covers all of it.
 */
export function peerGroScript(on: boolean) {
  return (s: { node: string; address: string }) =>
    `sh -c 'ethtool -K "$0" gro ${on ? 'on' : 'off'} >/dev/null && ${peerQdisc(on)}' "$dev" || { echo ${`'lblab: node ${s.node} (${s.address}): GRO or the queue cannot be turned ${on ? 'on' : 'off'} on its host-side peer'`} >&2; exit 1; }`;
}

/**
 * Turn NAPI on (`on`) or back off on the host-side peers of one balancer's
 * interfaces. Throws an EngineError naming the node.
 */
export async function setPeerNapi(plan: LabPlan, node: PlannedNode, on: boolean, helperImage: string): Promise<void> {
  const overlays = new Set(plan.networks.filter((n) => n.overlay).map((n) => n.name));
  const links = node.interfaces.map((i) => ({ node: node.name, address: i.address, network: i.network, ...(overlays.has(i.network) ? { overlay: true as const } : {}) }));
  if (!links.length) return;
  try {
    const peers = await peerIndexes(node, links);
    const script = hostPeersScript(peers, peerGroScript(on), `GRO ${on ? 'on' : 'off'} on ${peers.length} host-side peer(s) of ${node.name}`);
    await runHostHelper(plan.name, helperImage, script, 60_000, engineOfContainer(node.container), peers.some((p) => p.peer));
  } catch (e) {
    throw new EngineError(`node ${node.name}: hook xdp: the host side of its links: ${oneLine(e)}`);
  }
}

/** Every XDP balancer of the plan: NAPI on its peers (deploy and repair, after the plumbing). */
export async function napiForXdp(plan: LabPlan, helperImage: string): Promise<void> {
  await Promise.all(xdpBalancers(plan).map((n) => setPeerNapi(plan, n, true, helperImage)));
}
