// Is a deployed lab whole? What a Docker engine restart (or any container
// stop/start) leaves behind: containers stopped — no restart policy — and, once
// started again, a fresh network namespace each, without the routes, VIPs,
// tunnel decap filters and balancer state the plumbing had put there. The lab
// record survives (it is a file on the container's own filesystem: lab
// containers get no tmpfs on /run), so only a look inside each node tells.
//
// The look is the `ip -j addr` / `ip route` exec status already runs on every
// running node, so checking costs no extra exec. Plumbing ends by putting a
// sentinel on lo (PLUMBED_MARKER, topology/plumbing.ts; removed when it starts): an address lives in
// the network namespace, so it dies exactly when the plumbing does, and it also
// stands for what addresses and routes cannot show (tc decap filters, tunl0,
// rp_filter per interface). The planned VIPs and routes are checked too, to
// name what is missing.
import type { NodeStatus } from '../../api';
import { membersOf, type LabPlan, type PlannedNode } from '../topology/plan-types';
import { PLUMBED_MARKER } from '../topology/plumbing';

export interface IpAddr { ifname: string; address?: string; addr_info?: { family: string; local: string; prefixlen: number; label?: string }[] }

/** What is known of one node: its container state and, when running and `ip` answered, its addresses and routes. */
export interface NodeLook {
  state: NodeStatus['state'];
  addrs?: IpAddr[];
  routes?: string[];
}

const STOPPED = new Set<NodeStatus['state']>(['exited', 'created', 'dead']);

/** `ip route` prints a /32 destination without its length. */
const routeDst = (dst: string) => dst.replace(/\/32$/, '');

/** What a container's state alone says is wrong: nothing when it runs. */
export function stateProblems(state: NodeStatus['state']): string[] {
  if (state === 'running') return [];
  return [STOPPED.has(state) ? 'stopped' : state];
}

/** What a node lacks, each as a short phrase; empty when it is whole (or cannot be looked into). */
export function nodeProblems(plan: LabPlan, node: PlannedNode, look: NodeLook): string[] {
  if (look.state !== 'running') return stateProblems(look.state);
  if (!look.addrs) return []; // no usable `ip -j`: nothing to judge by
  const has = (dev: string | undefined, addr: string) =>
    look.addrs!.some((l) => (dev === undefined || l.ifname === dev) && (l.addr_info ?? []).some((a) => a.family === 'inet' && a.local === addr));
  const out: string[] = [];
  for (const v of node.loopbackVips) if (!has('lo', v)) out.push(`no VIP ${v} on lo`);
  for (const s of plan.services) if (membersOf(s).includes(node.name) && !has(undefined, s.vip)) out.push(`no VIP ${s.vip}`);
  const routes = (look.routes ?? []).map((l) => l.split(/\s+/));
  for (const r of node.routes) {
    const dst = routeDst(r.dst);
    if (!routes.some((w) => w[0] === dst && w[1] === 'via' && w[2] === r.via)) out.push(`no route to ${r.dst} via ${r.via}`);
  }
  if (!out.length && !has('lo', PLUMBED_MARKER)) out.push('not plumbed');
  return out;
}

/** Problems of a whole lab, by node (document order) and missing networks. */
export interface LabProblems {
  nodes: { name: string; problems: string[] }[];
  /** planned networks Docker does not have */
  networks: string[];
  /** the anchor node runs but holds no lab record */
  noRecord?: string;
  /** a lab spread over hosts: hosts that did not answer, with the nodes they hold */
  unreachable?: { host: string; nodes: string[] }[];
  /** faults made on purpose and recorded (`lblab break`), e.g. "arp-flux on web2" */
  breaks?: string[];
}

/** What each planned node and network lacks, from the look at each node (absent = no container) and the Docker networks there are. */
export function labProblems(plan: LabPlan, looks: Map<string, NodeLook>, dockerNetworks: string[], noRecord?: string, unreachableHosts: string[] = []): LabProblems {
  const away = (host: string | undefined) => !!host && unreachableHosts.includes(host);
  const unreachable = unreachableHosts.map((host) => ({ host, nodes: plan.nodes.filter((n) => n.host === host).map((n) => n.name) }));
  return {
    nodes: plan.nodes.map((n) => ({ name: n.name, problems: away(n.host) ? ['unreachable'] : nodeProblems(plan, n, looks.get(n.name) ?? { state: 'missing' }) })),
    // a bridge of a host that does not answer is not listed: it is unknown, not missing
    networks: plan.networks.filter((n) => !dockerNetworks.includes(n.docker) && !(n.hosts?.length && !n.overlay && n.hosts.every(away))).map((n) => n.name),
    ...(noRecord && { noRecord }),
    ...(unreachable.length && { unreachable }),
  };
}

/** One line saying why a lab is degraded ("lb, web1 stopped; web2: no VIP 198.19.224.10 on lo"); undefined when it is whole. */
export function degradedReason(p: LabProblems): string | undefined {
  const parts: string[] = [];
  if (p.breaks?.length) parts.push(`broken on purpose: ${p.breaks.join(', ')}`);
  for (const u of p.unreachable ?? []) parts.push(`host ${u.host} unreachable${u.nodes.length ? ` (${u.nodes.join(', ')} unknown)` : ''}`);
  const byProblem = new Map<string, string[]>();
  for (const n of p.nodes) {
    if (n.problems[0] === 'unreachable') continue; // said with its host
    if (n.problems.length === 1 && ['stopped', 'missing', 'not plumbed', 'paused', 'restarting'].includes(n.problems[0])) {
      byProblem.set(n.problems[0], [...(byProblem.get(n.problems[0]) ?? []), n.name]);
    }
  }
  for (const [problem, names] of byProblem) parts.push(`${names.join(', ')} ${problem}`);
  for (const n of p.nodes) {
    if (!n.problems.length || n.problems[0] === 'unreachable' || byProblem.get(n.problems[0])?.includes(n.name)) continue;
    const shown = n.problems.slice(0, 2).join(', ');
    parts.push(`${n.name}: ${shown}${n.problems.length > 2 ? ` (+${n.problems.length - 2} more)` : ''}`);
  }
  if (p.networks.length) parts.push(`network${p.networks.length > 1 ? 's' : ''} ${p.networks.join(', ')} missing`);
  if (p.noRecord) parts.push(`${p.noRecord} holds no lab record (deploy unfinished?)`);
  return parts.length ? parts.join('; ') : undefined;
}

/** Whether `up` can repair in place what is wrong: only nodes stopped or unplumbed, nothing missing. */
export function repairable(p: LabProblems): boolean {
  return !p.networks.length && !p.noRecord && !p.unreachable?.length && p.nodes.every((n) => !n.problems.includes('missing'));
}

/**
 * The order to configure balancers in after a repair: one that another balancer
 * sends to (a multi-tier gateway) before that one, so the edge's health checks
 * find it serving. `dependsOn(b)` lists the balancers b waits for.
 */
export function balancerOrder(balancers: string[], dependsOn: (b: string) => string[]): string[] {
  const out: string[] = [];
  const visiting = new Set<string>();
  const visit = (b: string) => {
    if (out.includes(b) || visiting.has(b)) return; // a cycle is broken where it is found
    visiting.add(b);
    for (const d of dependsOn(b)) if (balancers.includes(d)) visit(d);
    visiting.delete(b);
    out.push(b);
  };
  for (const b of balancers) visit(b);
  return out;
}
