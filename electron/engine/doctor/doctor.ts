// The doctor: a running lab's live state against its plan (checks), then a
// little traffic (probes), as findings with evidence, why and fix; with `fix`,
// the repair lblab knows (the one `up` does, which also undoes recorded
// breaks) and a second look.
import { ApiError, type DoctorOptions, type DoctorReport, type Finding, type NodeStatus, type ServiceStats } from '../../api';
import { helperImage, type DeployDeps } from '../deploy/deps';
import { repairLab } from '../deploy/repair';
import { LABEL } from '../docker/labels';
import { labContext, type LabContext } from '../labs/status';
import { serviceBackendNodes } from '../topology/plan';
import type { LabPlan } from '../topology/plan-types';
import { CHECKS, type CheckContext } from './checks/index';
import { lookAt, type NodeLook } from './look';
import { probeBackends, probeServices, probeTarget, type ServiceProbe } from './probes';
import { flushVipNeighbours, NO_PMTU_DISC, restoreClientPmtu, restoreLinks, restoreServerAnswers, restoreSysctls, sysctlsDrifted } from './restore';

export interface DoctorDeps extends Pick<DeployDeps, 'planLab'> {
  readStats(plan: LabPlan): Promise<ServiceStats[]>;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

async function contextOf(lab: string, deps: Pick<DeployDeps, 'planLab'>): Promise<LabContext & { plan: LabPlan }> {
  const ctx = await labContext(lab, deps);
  if (!ctx.objs.containers.length) throw new ApiError(`no lab named ${lab}`, 'not-found');
  if (!ctx.plan) throw new ApiError(`lab ${lab} has no readable document: redeploy it`, 'conflict');
  return ctx as LabContext & { plan: LabPlan };
}

/** Every planned node's container state and, for the running ones, the look inside (one exec each). */
async function lookAll(ctx: LabContext & { plan: LabPlan }): Promise<{ states: Record<string, NodeStatus['state']>; looks: Record<string, NodeLook> }> {
  const states: Record<string, NodeStatus['state']> = {};
  const looks: Record<string, NodeLook> = {};
  await Promise.all(
    ctx.plan.nodes.map(async (n) => {
      const c = ctx.objs.containers.find((x) => x.Labels?.[LABEL.node] === n.name);
      states[n.name] = (c?.State as NodeStatus['state'] | undefined) ?? 'missing';
      if (c?.State !== 'running') return;
      const look = await lookAt(c.Id);
      if (look) looks[n.name] = look;
    }),
  );
  return { states, looks };
}

/** What the probes saw, added to the findings they explain (or as findings of their own). */
export function withProbes(findings: Finding[], probes: ServiceProbe[], ctx: CheckContext): Finding[] {
  const out = findings.map((f) => ({ ...f, evidence: [...f.evidence] }));
  for (const p of probes) {
    const s = ctx.plan.services.find((x) => x.name === p.service);
    if (!s) continue;
    const answered = Object.entries(p.answered).map(([n, k]) => `${n} ×${k}`).join(', ');
    const line = `${p.client} → ${probeTarget(p, s)}:${s.port}${p.family === 6 ? ' (IPv6)' : ''}, ${p.sent} requests: ${answered ? `answered by ${answered}` : 'none answered'}${p.failed ? `, ${p.failed} failed` : ''}`;
    for (const f of out) if (f.service === p.service && f.severity !== 'info') f.evidence.push(line);
    if (p.family === 6) {
      out.push(...unanswered6(p, s, probes, out, line));
      continue;
    }
    const hidden = out.find((f) => f.kind === 'client-ip-hidden' && f.service === p.service);
    if (hidden && p.sawClientAs.length) hidden.evidence.push(`the servers saw ${p.client} as ${p.sawClientAs.join(', ')}`);
    // a large request through the tunnel unanswered while every small one is, and nothing else wrong with the
    // service (a broken backend the large one was sent to explains it): a path MTU black hole
    const otherwise = out.some((f) => f.service === p.service && f.severity !== 'info' && f.kind !== 'mtu');
    if (p.large && !p.large.code && !p.failed && p.sent && !otherwise) out.push(...largeLost(p, s, ctx, out, answered));
    // the VIP resolved to a server's MAC: arp flux seen from the client's side
    if (p.vipMac) {
      const owner = Object.entries(ctx.looks).find(([, l]) => l.addrs.some((a) => a.address?.toLowerCase() === p.vipMac))?.[0];
      if (owner && owner !== s.balancer) {
        const ev = `${p.client} resolved VIP ${s.vip} to ${p.vipMac}, which is ${owner}'s, not balancer ${s.balancer}'s`;
        const f = out.find((x) => x.kind === 'arp-flux' && x.node === owner);
        if (f) {
          f.evidence.push(ev);
          f.severity = 'error';
        } else {
          out.push({
            kind: 'arp-flux', severity: 'error', node: owner, service: s.name,
            summary: `${owner} answered ARP for VIP ${s.vip}, which only balancer ${s.balancer} may.`,
            evidence: [ev, line],
            why: 'clients on its segment now send VIP traffic straight to that server, past the balancer.',
            fix: `set arp_ignore=1 and arp_announce=2 on ${owner}, then flush the clients' neighbour entry (ip neigh flush ${s.vip}).`,
          });
        }
      }
    }
  }
  return out;
}

/** Nothing answered over IPv6 while the IPv4 VIP answers, and no finding about IPv6 explains it: one of its own. */
function unanswered6(p: ServiceProbe, s: LabPlan['services'][number], probes: ServiceProbe[], found: Finding[], line: string): Finding[] {
  const v4 = probes.find((x) => x.service === p.service && x.family !== 6);
  if (Object.keys(p.answered).length || !p.sent || !v4 || !Object.keys(v4.answered).length) return [];
  if (found.some((f) => f.severity !== 'info' && (f.service === s.name || f.service === null) && /IPv6/.test(f.summary))) return [];
  return [
    {
      kind: 'ipv6-unanswered', severity: 'error', node: s.balancer, service: s.name,
      summary: `service ${s.name} answers over IPv4 (${s.vip}) but not over IPv6 (${p.vip6}).`,
      evidence: [line, `${v4.client} → ${s.vip}:${s.port}: answered by ${Object.entries(v4.answered).map(([n, k]) => `${n} ×${k}`).join(', ')}`],
      why: `the IPv6 path differs from the IPv4 one: the balancer must hold ${p.vip6} and run the service over IPv6, every router on the way forward IPv6, and each backend have its IPv6 address (and in dsr or tunnel the VIP6 on lo).`,
      fix: `\`lblab doctor --fix\` re-plumbs the lab and configures the balancers again; by hand, compare \`ip -6 addr\` and \`ip -6 route\` on ${s.balancer} and the backends with \`lblab status\`.`,
    },
  ];
}

/** The large request lost: evidence for an mtu finding of the service, or one of its own (on a client that sends
 * without DF, else on the balancer that wraps them). */
function largeLost(p: ServiceProbe, s: LabPlan['services'][number], ctx: CheckContext, found: Finding[], answered: string): Finding[] {
  const ev = `${p.client} → ${s.vip}:${s.port}: a ${p.large!.bytes}-byte request got no answer in 3 s, while the small ones were answered (${answered})`;
  const known = found.find((f) => f.kind === 'mtu' && f.service === s.name);
  if (known) {
    known.evidence.push(ev);
    return [];
  }
  const off = ctx.looks[p.client]?.sysctls[NO_PMTU_DISC];
  const noDf = off !== undefined && off !== '0';
  const drops = ctx.stats?.find((x) => x.service === s.name)?.drops.too_big;
  return [
    {
      kind: 'mtu', severity: 'error', node: noDf ? p.client : s.balancer, service: s.name,
      summary: noDf
        ? `${p.client} sends without DF (path MTU discovery off), and its large requests to ${s.name} through the tunnel get no answer while small ones do.`
        : `large requests to ${s.name} through the tunnel get no answer while small ones do.`,
      evidence: [ev, ...(noDf ? [`${p.client}: ${NO_PMTU_DISC} = ${off}`] : []), ...(drops ? [`balancer ${s.balancer} dropped ${drops} packet(s) too big to wrap (drop too_big)`] : [])],
      why: noDf
        ? `the tunnel adds a 20-byte header, so full-size packets no longer fit; without DF the balancer cannot answer ICMP "fragmentation needed" and drops them, again on every retransmission.`
        : `the tunnel adds a 20-byte header, so full-size packets no longer fit; balancer ${s.balancer} answers ICMP "fragmentation needed" so the client sends smaller ones, but that answer is lost or blocked, and the large request's packets are dropped again and again.`,
      fix: noDf
        ? `turn path MTU discovery back on in ${p.client} (sysctl -w ${NO_PMTU_DISC}=0), or \`lblab doctor --fix\`.`
        : `let ICMP "fragmentation needed" from ${s.balancer} reach the clients (nothing on the way may drop ICMP type 3), or give the clients an MTU 20 bytes smaller.`,
    },
  ];
}

/** The report, and the looks it was made from (a fix that follows needs not look again). */
async function examine(lab: string, opts: DoctorOptions, deps: DoctorDeps): Promise<{ report: DoctorReport; looks: Record<string, NodeLook> }> {
  const t0 = Date.now();
  const ctx = await contextOf(lab, deps);
  const { plan } = ctx;
  const only = opts.service ? plan.services.find((s) => s.name === opts.service) : undefined;
  if (opts.service && !only) throw new ApiError(`lab ${lab} has no service ${opts.service} (services: ${plan.services.map((s) => s.name).join(', ') || 'none'})`, 'not-found');
  const services = only ? [only] : plan.services;
  const runs = (n: string) => ctx.objs.containers.some((c) => c.Labels?.[LABEL.node] === n && c.State === 'running');
  // the looks and the probes side by side (neither changes what the other sees); the stats after the
  // probes, so a balancer's drop counters include what the probes' requests met
  const probed = probeServices(plan, runs, services);
  const [{ states, looks }, answers, [probes, stats]] = await Promise.all([
    lookAll(ctx),
    probeBackends(plan, runs, services),
    probed.then(async (p) => [p, await deps.readStats(plan).catch(() => undefined)] as const),
  ]);
  const cc: CheckContext = { plan, states, looks, stats, answers };
  const checked = CHECKS.flatMap((c) => c(cc));
  let findings = withProbes(checked, probes, cc);
  if (only) {
    // its own findings, and those of the nodes its traffic crosses (routers included)
    const nodes = new Set([only.balancer, ...serviceBackendNodes(only), ...plan.nodes.filter((n) => n.kind === 'router').map((n) => n.name)]);
    findings = findings.filter((f) => f.service === only.name || (f.service === null && nodes.has(f.node)));
  }
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const report = {
    lab,
    healthy: !findings.some((f) => f.severity === 'error'),
    findings,
    breaks: ctx.record?.breaks ?? [],
    ms: Date.now() - t0,
    probes,
    answers,
  };
  return { report, looks };
}

export async function runDoctor(lab: string, opts: DoctorOptions, deps: DoctorDeps): Promise<DoctorReport> {
  return (await examine(lab, opts, deps)).report;
}

/** Apply what lblab knows how to fix: planned sysctls back where they drifted, then the repair `up` does
 * (containers started, every node re-plumbed, balancers configured, recorded breaks forgotten). */
export async function fixLab(lab: string, deps: DeployDeps, findingsBefore: Finding[] = [], seen?: Record<string, NodeLook>): Promise<string[]> {
  const ctx = await contextOf(lab, deps);
  const looks = seen ?? (await lookAll(ctx)).looks;
  const drifted = ctx.plan.nodes.filter((n) => looks[n.name] && sysctlsDrifted(n, looks[n.name])).map((n) => n.name);
  const applied: string[] = [];
  if (drifted.length) {
    await restoreSysctls(ctx.plan, drifted, helperImage(deps));
    applied.push(`planned sysctls restored on ${drifted.join(', ')}`);
  }
  if (drifted.length || findingsBefore.some((f) => f.kind === 'arp-flux')) {
    await flushVipNeighbours(ctx.plan);
    applied.push('the VIPs\' neighbour entries flushed on their segments (only the balancer answers ARP for them now)');
  }
  // an interface set down (found): up again, the repair below puts its routes back
  const cutOff = findingsBefore.filter((f) => f.kind === 'not-same-l2').map((f) => f.node);
  if (cutOff.length) {
    await restoreLinks(ctx.plan, cutOff);
    applied.push(`interfaces of ${[...new Set(cutOff)].join(', ')} up again`);
  }
  // a client sending without DF (found): path MTU discovery back on
  const noDf = findingsBefore.filter((f) => f.kind === 'mtu' && ctx.plan.nodes.find((n) => n.name === f.node)?.kind === 'client').map((f) => f.node);
  if (noDf.length) {
    await restoreClientPmtu(ctx.plan, noDf, helperImage(deps));
    applied.push(`path MTU discovery on again on ${[...new Set(noDf)].join(', ')}`);
  }
  // a server answering errors (found, or broken on purpose): lblab's server answers again
  const erring = findingsBefore.filter((f) => f.kind === 'health-mismatch').map((f) => f.node);
  if (erring.length) {
    await restoreServerAnswers(ctx.plan, erring);
    applied.push(`${[...new Set(erring)].join(', ')} answer${erring.length === 1 ? 's' : ''} HTTP 200 again`);
  }
  const breaks = ctx.record?.breaks ?? [];
  await repairLab(ctx, deps);
  applied.push('lab repaired in place: nodes started and re-plumbed, balancers configured');
  if (breaks.length) applied.push(`undone: ${breaks.map((b) => `${b.fault} on ${b.node}`).join(', ')}`);
  return applied;
}

/** The doctor, with `fix`: look, repair, look again. */
export async function doctor(lab: string, opts: DoctorOptions, deps: DeployDeps): Promise<DoctorReport> {
  const { report: first, looks } = await examine(lab, opts, deps);
  if (!opts.fix) return first;
  // nothing to fix: no repair for a lab that is whole
  if (!first.breaks.length && first.findings.every((f) => f.severity === 'info')) return { ...first, fixed: { applied: [], before: first.findings } };
  // the looks just taken: the lab has not changed since
  const applied = await fixLab(lab, deps, first.findings, looks);
  const second = await runDoctor(lab, opts, deps);
  return { ...second, fixed: { applied, before: first.findings } };
}
