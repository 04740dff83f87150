// Putting a node's planned network sysctls back (what the lab's containers
// were created with): the plumbing cannot, /proc/sys being read-only inside
// them, so a repair restores them through the sysctl helper first.
import type { LabBreak } from '../../api';
import { execIn } from '../docker/exec';
import { contains, ipToInt, parseSubnet } from '../topology/net4';
import type { LabPlan, PlannedNode } from '../topology/plan-types';
import { effective, type NodeLook } from './look';
import { writeSysctls } from './sysctl';

/** Faults that change sysctls (the rest the plumbing undoes). */
export const SYSCTL_FAULTS = new Set<string>(['arp-flux', 'rp-filter']);

/** What a node's planned sysctls are, every interface's rp_filter included (the plumbing sets those too). */
export function plannedSysctls(n: PlannedNode): Record<string, string> {
  const out: Record<string, string> = { ...n.sysctls };
  const rp = n.sysctls['net.ipv4.conf.all.rp_filter'];
  if (rp !== undefined) out['net.ipv4.conf.*.rp_filter'] = rp;
  return out;
}

/** Whether a node's live sysctls differ from its plan where it matters (the value the kernel applies). */
export function sysctlsDrifted(n: PlannedNode, look: NodeLook): boolean {
  for (const [k, v] of Object.entries(n.sysctls)) {
    const m = /^net\.ipv4\.conf\.all\.(arp_ignore|arp_announce|rp_filter)$/.exec(k);
    if (m) {
      const key = m[1] as 'arp_ignore' | 'arp_announce' | 'rp_filter';
      const devs = look.addrs.map((a) => a.ifname).filter((d) => d !== 'lo');
      // rp_filter: the plan wants it off everywhere; arp: at least the planned value
      if (key === 'rp_filter' ? devs.some((d) => effective(look, key, d) !== Number(v)) : devs.some((d) => effective(look, key, d) < Number(v))) return true;
    } else if (look.sysctls[k] !== undefined && look.sysctls[k] !== v) return true;
  }
  return false;
}

/** Restore the planned sysctls of these nodes. */
export async function restoreSysctls(plan: LabPlan, nodes: string[], image: string): Promise<void> {
  await Promise.all(
    [...new Set(nodes)].map(async (name) => {
      const n = plan.nodes.find((x) => x.name === name);
      if (n) await writeSysctls(plan.name, n.container, image, plannedSysctls(n));
    }),
  );
}

/** Forget what the nodes on each VIP's segment learnt the VIP's MAC to be (a server that answered ARP for it may
 * have won): their next packet asks again, and only the balancer answers. Best effort: a stopped node has forgotten. */
export async function flushVipNeighbours(plan: LabPlan): Promise<void> {
  await Promise.all(
    plan.nodes.map(async (n) => {
      const vips = plan.services
        .filter((s) => s.balancer !== n.name && !n.loopbackVips.includes(s.vip))
        .filter((s) => n.interfaces.some((i) => contains(parseSubnet(`${i.address}/${i.prefixLen}`)!, ipToInt(s.vip))))
        .map((s) => s.vip);
      if (vips.length) await execIn(n.container, ['sh', '-c', vips.map((v) => `ip neigh flush to ${v}`).join('; ')], { timeoutMs: 10_000 }).catch(() => undefined);
    }),
  );
}

/** What breaking a server's answers (health-mismatch) does by hand, and its undo: nginx answers 503 instead of 200
 * (the page naming the server stays, so the probes still see who answered), reloaded without dropping its port. */
/** `nginx -s reload` only signals: until the new workers take over, the old ones still answer. Done means the server
 * answers with the new code (a local request, within 5 s), so what follows sees the fault, or the fault gone. */
const answersWith = (code: number): string =>
  `for i in $(seq 50); do [ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' http://127.0.0.1/)" = ${code} ] && exit 0; sleep 0.1; done; exit 0`;
export const SERVER_ERRORS_ON = `sed -i 's/return 200 /return 503 /' /etc/nginx/nginx.conf && nginx -s reload && ${answersWith(503)}`;
export const SERVER_ERRORS_OFF = `grep -q 'return 503 ' /etc/nginx/nginx.conf || exit 0; sed -i 's/return 503 /return 200 /' /etc/nginx/nginx.conf && nginx -s reload && ${answersWith(200)}`;

/** Make these servers answer 200 again (a running node only; best effort on a foreign image). */
export async function restoreServerAnswers(plan: LabPlan, nodes: string[]): Promise<void> {
  await Promise.all(
    [...new Set(nodes)].map(async (name) => {
      const n = plan.nodes.find((x) => x.name === name);
      if (n) await execIn(n.container, ['sh', '-c', SERVER_ERRORS_OFF], { timeoutMs: 10_000 }).catch(() => undefined);
    }),
  );
}

/** Path MTU discovery off on a client: its packets go without DF, so a balancer that must wrap a full-size one
 * cannot answer "fragmentation needed" and drops it. The lab plans none; a fix writes it back with the sysctl helper. */
export const NO_PMTU_DISC = 'net.ipv4.ip_no_pmtu_disc';


/** Path MTU discovery back on for these clients. */
export async function restoreClientPmtu(plan: LabPlan, nodes: string[], image: string): Promise<void> {
  await Promise.all(
    [...new Set(nodes)].map(async (name) => {
      const n = plan.nodes.find((x) => x.name === name);
      if (n?.kind === 'client') await writeSysctls(plan.name, n.container, image, { [NO_PMTU_DISC]: '0' });
    }),
  );
}

/** The shell lines that set the interface holding each address down (not-same-l2 by hand) or up again. */
export const linkState = (addresses: string[], state: 'up' | 'down') =>
  addresses.map((a) => `d=$(ip -o -4 addr show | awk '$4 ~ /^${a.replace(/\./g, '\\.')}\\// {print $2; exit}'); [ -n "$d" ] && ip link set dev "$d" ${state}`).join('; ') + '; true';

/** Bring every planned interface of these nodes up (the plumbing, run next, puts their routes back). */
export async function restoreLinks(plan: LabPlan, nodes: string[]): Promise<void> {
  await Promise.all(
    [...new Set(nodes)].map(async (name) => {
      const n = plan.nodes.find((x) => x.name === name);
      if (n) await execIn(n.container, ['sh', '-c', linkState(n.interfaces.map((i) => i.address), 'up')], { timeoutMs: 10_000 }).catch(() => undefined);
    }),
  );
}

/** Restore the sysctls recorded breaks changed (before a repair re-plumbs), and forget ARP answers an arp-flux gave. */
export async function restoreBrokenSysctls(plan: LabPlan, breaks: LabBreak[] | undefined, image: string): Promise<void> {
  await restoreSysctls(plan, (breaks ?? []).filter((b) => SYSCTL_FAULTS.has(b.fault)).map((b) => b.node), image);
  if (breaks?.some((b) => b.fault === 'arp-flux')) await flushVipNeighbours(plan);
  await restoreServerAnswers(plan, (breaks ?? []).filter((b) => b.fault === 'health-mismatch').map((b) => b.node));
  await restoreLinks(plan, (breaks ?? []).filter((b) => b.fault === 'not-same-l2').map((b) => b.node));
}
