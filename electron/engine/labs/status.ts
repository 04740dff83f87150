// A lab's live state from Docker: per node the container state, interfaces
// (named inside the container by matching MAC: never by attach order) and
// routes; services from the stored document with the live modes. One exec per
// running node, which on the anchor node also reads the lab record. What that
// exec shows also says whether the lab is whole (labs/health.ts): a lab whose
// containers stopped or lost their plumbing (an engine restart) is degraded,
// with the reason.
import type Docker from 'dockerode';
import type { HostStatus, InterfaceStatus, LabDoc, LabStatus, LabSummary, NodeKind, NodeStatus, ServiceStatus } from '../../api';
import { DEFAULT_GATEWAY } from '../../api';
import type { DeployDeps } from '../deploy/deps';
import { docker } from '../docker/client';
import { execIn } from '../docker/exec';
import { LABEL, labFilter } from '../docker/labels';
import type { LabPlan, PlannedService } from '../topology/plan-types';
import { degradedReason, labProblems, stateProblems, type IpAddr, type LabProblems, type NodeLook } from './health';
import { nodeHost } from '../topology/hosts';
import { anchorNode, docOf, labObjects, type LabObjects, parseRecord, readRecord, readStoppedRecord, RECORD_PATH, withModes, type LabRecord } from './lab-record';

interface LiveNode {
  /** undefined when the node cannot run `ip` */
  net?: { addrs: IpAddr[]; routes: string[] };
  record?: LabRecord;
}

/** `ip -j addr` and `ip route` in one exec, and with `record` the lab record file too. */
async function liveNode(container: string, record: boolean): Promise<LiveNode> {
  // the exit code stays ip route's: the record is an extra section, read whatever it holds
  const script = `ip -j addr; echo @@; ip route${record ? `; rc=$?; echo @@; cat ${RECORD_PATH} 2>/dev/null; exit $rc` : ''}`;
  const r = await execIn(container, ['sh', '-c', script], { timeoutMs: 10_000 }).catch(() => undefined);
  if (!r) return {};
  const [a, rt = '', rec] = r.stdout.split('@@\n');
  const out: LiveNode = { record: rec === undefined ? undefined : parseRecord(rec) };
  if (r.exitCode !== 0) return out;
  try {
    out.net = { addrs: JSON.parse(a) as IpAddr[], routes: rt.split('\n').map((l) => l.trim()).filter(Boolean) };
  } catch {
    // not JSON: `ip -j` unsupported, the node's interfaces stay unnamed
  }
  return out;
}

function interfacesOf(c: Docker.ContainerInfo | undefined, live: IpAddr[] | undefined, plan: LabPlan | undefined, nodeName: string): InterfaceStatus[] {
  if (!c) return [];
  const byDocker = new Map((plan?.networks ?? []).map((n) => [n.docker, n.name]));
  const planned = plan?.nodes.find((n) => n.name === nodeName)?.interfaces ?? [];
  const out: InterfaceStatus[] = [];
  for (const [dockerNet, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
    const network = byDocker.get(dockerNet) ?? dockerNet;
    const mac = (ep.MacAddress ?? '').toLowerCase();
    const inside = live?.find((i) => i.address?.toLowerCase() === mac);
    const v4 = inside?.addr_info?.find((x) => x.family === 'inet' && x.local === ep.IPAddress);
    out.push({
      name: inside?.ifname ?? '?',
      network,
      mac,
      address: `${ep.IPAddress}/${v4?.prefixlen ?? ep.IPPrefixLen}`,
      ...(ep.GlobalIPv6Address && { address6: `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` }),
      rate: planned.find((p) => p.network === network)?.rate,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export function serviceStatus(s: PlannedService): ServiceStatus {
  return {
    name: s.name,
    balancer: s.balancer,
    ...(s.members && { members: [...s.members] }),
    vip: s.vip,
    ...(s.vip6 && { vip6: s.vip6 }),
    port: s.port,
    ...(s.protocol && s.protocol !== 'http' && { protocol: s.protocol }),
    mode: s.mode,
    scheduler: s.scheduler,
    backends: s.backends.map((b) => ({ node: b.node, address: b.address, ...(s.vip6 && b.address6 && { address6: b.address6 }), weight: b.weight })),
    ...(s.mode === 'l7' && { gateway: s.gateway ?? DEFAULT_GATEWAY }),
  };
}

export interface LabContext {
  objs: Awaited<ReturnType<typeof labObjects>>;
  doc?: LabDoc;
  record?: LabRecord;
  /** the plan for the live modes (undefined if the document is unreadable) */
  plan?: LabPlan;
}

/** The plan for the live modes; undefined when the document no longer plans (another lblab version). */
function livePlan(deps: Pick<DeployDeps, 'planLab'>, doc: LabDoc, record: LabRecord | undefined): LabPlan | undefined {
  try {
    return deps.planLab(withModes(doc, record?.modes));
  } catch {
    return undefined;
  }
}

/** Everything known about a deployed lab: objects, document, record, live plan. The document is
 * the record's (the latest deployed) when it holds one, else the containers' label. The anchor is
 * found through any label: a redeploy in place never moves it. */
export async function labContext(lab: string, deps: Pick<DeployDeps, 'planLab'>): Promise<LabContext> {
  const objs = await labObjects(lab);
  const labelled = docOf(objs);
  if (!labelled) return { objs };
  const anchor = objs.containers.find((c) => c.Labels?.[LABEL.node] === anchorNode(labelled));
  const record = !anchor ? undefined : anchor.State === 'running' ? await readRecord(anchor.Id) : await readStoppedRecord(anchor.Id);
  const doc = record?.doc ?? labelled;
  return { objs, doc, record, plan: livePlan(deps, doc, record) };
}

export async function status(lab: string, deps: Pick<DeployDeps, 'planLab'>): Promise<LabStatus> {
  const objs = await labObjects(lab);
  if (!objs.containers.length && !objs.networks.length) return { name: lab, state: 'absent', networks: [], nodes: [], services: [] };
  const labelled = docOf(objs);
  const anchor = labelled && anchorNode(labelled);
  const away = new Set((objs.unreachable ?? []).map((u) => u.host));

  const present = objs.containers.map((c) => c.Labels?.[LABEL.node]).filter((n): n is string => !!n);
  const containerOf = (name: string) => objs.containers.find((x) => x.Labels?.[LABEL.node] === name);
  const live = new Map(
    await Promise.all(
      present.map(async (name) => {
        const c = containerOf(name);
        return [name, c?.State === 'running' ? await liveNode(c.Id, name === anchor) : undefined] as const;
      }),
    ),
  );
  const anchorC = anchor ? containerOf(anchor) : undefined;
  const record = !anchorC ? undefined : anchorC.State === 'running' ? live.get(anchor!)?.record : await readStoppedRecord(anchorC.Id);
  const doc = record?.doc ?? labelled;
  const plan = doc ? livePlan(deps, doc, record) : undefined;
  // the document's nodes (a missing one shows), then containers it does not name
  const names = doc ? Object.keys(doc.nodes) : [];
  for (const n of present) if (!names.includes(n)) names.push(n);
  const nodes = names.map((name): NodeStatus => {
    const c = containerOf(name);
    const net = live.get(name)?.net;
    const host = doc?.hosts ? nodeHost(doc, name) : c?.Labels?.[LABEL.host];
    return {
      name,
      kind: (doc?.nodes[name]?.kind ?? c?.Labels?.[LABEL.role] ?? 'client') as NodeKind,
      container: c ? c.Names[0].replace(/^\//, '') : `lblab-${lab}-${name}`,
      id: c?.Id,
      state: (c?.State as NodeStatus['state']) ?? (host && away.has(host) ? 'unreachable' : 'missing'),
      interfaces: interfacesOf(c, net?.addrs, plan, name),
      routes: net?.routes ?? [],
      ...(host && { host }),
    };
  });
  const networks = (plan?.networks ?? []).map((n) => ({ name: n.name, subnet: n.subnet, docker: n.docker }));
  for (const n of objs.networks) {
    if (!networks.some((x) => x.docker === n.Name))
      networks.push({ name: n.Labels?.[LABEL.network] ?? n.Name, subnet: n.IPAM?.Config?.[0]?.Subnet ?? '', docker: n.Name });
  }
  const looks = new Map(nodes.map((n): [string, NodeLook] => [n.name, { state: n.state, ...live.get(n.name)?.net }]));
  // the anchor ran the exec but has no record: a deploy that has not finished (or a record lost)
  const anchorLive = anchor ? live.get(anchor) : undefined;
  const noRecord = anchor && anchorLive?.net && !record ? anchor : undefined;
  const problems: LabProblems = plan
    ? labProblems(plan, looks, objs.networks.map((n) => n.Name), noRecord, [...away])
    : { nodes: [], networks: [] };
  // containers the plan does not name (or every one, without a plan): judged by their state alone
  for (const n of nodes) {
    if (plan?.nodes.some((p) => p.name === n.name)) continue;
    problems.nodes.push({ name: n.name, problems: stateProblems(n.state) });
  }
  if (record?.breaks?.length) problems.breaks = brokenOnPurpose(record);
  const reason = nodes.length ? degradedReason(problems) : 'no containers';
  return {
    name: lab,
    state: reason ? 'degraded' : 'running',
    ...(reason && { reason }),
    networks,
    nodes,
    services: (plan?.services ?? []).map(serviceStatus),
    ...(doc?.hosts && { hosts: hostStatuses(doc, objs) }),
    ...(doc && { doc: withModes(doc, record?.modes) }),
    ...(record?.breaks?.length && { breaks: record.breaks }),
  };
}

/** Each host of a spread lab and whether it answered the listing. */
function hostStatuses(doc: LabDoc, objs: LabObjects): HostStatus[] {
  return Object.entries(doc.hosts ?? {}).map(([name, engine]) => {
    const u = objs.unreachable?.find((x) => x.host === name);
    return { name, engine, reachable: !u, ...(u && { problem: u.problem }) };
  });
}

/** Every lab on this engine, by label. */
export async function listLabs(): Promise<LabSummary[]> {
  const list = await docker().listContainers({ all: true, filters: JSON.stringify(labFilter()) });
  const labs = new Map<string, LabSummary>();
  for (const c of list) {
    const lab = c.Labels?.[LABEL.lab];
    if (!lab) continue;
    const s = labs.get(lab) ?? { name: lab, nodes: 0, running: 0 };
    s.nodes++;
    if (c.State === 'running') s.running++;
    labs.set(lab, s);
  }
  return [...labs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What a deployed lab lacks now (labs/health.ts), looked at as status does: one exec per running node.
 * Undefined when its document does not plan (nothing to compare with). */
export async function currentProblems(ctx: LabContext): Promise<LabProblems | undefined> {
  const { plan, doc } = ctx;
  if (!plan || !doc) return undefined;
  const looks = new Map(
    await Promise.all(
      plan.nodes.map(async (n): Promise<[string, NodeLook]> => {
        const c = ctx.objs.containers.find((x) => x.Labels?.[LABEL.node] === n.name);
        const state = (c?.State as NodeStatus['state'] | undefined) ?? 'missing';
        return [n.name, { state, ...(c && state === 'running' ? (await liveNode(c.Id, false)).net : undefined) }];
      }),
    ),
  );
  const problems = labProblems(plan, looks, ctx.objs.networks.map((n) => n.Name), ctx.record ? undefined : anchorNode(doc), (ctx.objs.unreachable ?? []).map((u) => u.host));
  return ctx.record?.breaks?.length ? { ...problems, breaks: brokenOnPurpose(ctx.record) } : problems;
}

/** The record's faults made on purpose, as status says them. */
const brokenOnPurpose = (r: LabRecord) => (r.breaks ?? []).map((b) => `${b.fault} on ${b.node}`);
