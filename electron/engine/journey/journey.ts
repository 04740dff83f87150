// The packet journey: capture on every interface of the lab, send one request
// from a client to the service's VIP, find it and its response at every hop,
// and say what changed from hop to hop. A lab spread over hosts with overlay
// networks also captures VXLAN on each of those hosts' own network: the hop
// between two hosts, invisible inside the nodes.
import type { Gateway, Journey, JourneyHop, JourneyOptions, LabStatus, NodeKind, NodeStatus, ServiceStatus } from '../../api';
import { agentStatsSchema } from '../balancer/contract';
import { captureDuring, dockerShell, type NodeShell } from './capture-all';
import { diffHops, hopFields } from './diff';
import { tsText, tupleOf, type Frame } from './frame';
import { requestHops, responseHops, synHops, type Hop } from './match';
import { framesOf } from './read';
import { imageRef } from '../images/refs';
import { hostsOf, overlayEngines } from './overlay';
import { resolveJourney } from './resolve';
import { captureUnderlayDuring } from './underlay-capture';
import { underlayFrames, withUnderlay } from './underlay';
import { newToken, sendRequest, type SendResult } from './send';

export interface JourneyDeps {
  /** the lab's live status (deploy/status.ts) */
  status(lab: string): Promise<LabStatus>;
  /** substitute for running scripts in containers (tests) */
  shell?: NodeShell;
  /** the image the hosts' underlay capture runs (tcpdump, iproute2); default: the router image */
  helperImage?: () => string;
}

/** The service's TCP, and the tunnels' packets (IPIP, ip6ip6, IPv4 in IPv6: tcpdump's `tcp port` does not look inside
 * them). */
export const JOURNEY_FILTER = (port: number) => `tcp port ${port} or ip proto 4 or ip6 proto 41 or ip6 proto 4`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** after the response, for the last frames to reach their files */
const SETTLE_MS = 300;

export async function journey(lab: string, opts: JourneyOptions, deps: JourneyDeps): Promise<Journey> {
  const st = await deps.status(lab);
  const plan = resolveJourney(st, opts);
  const { service, client } = plan;
  const token = newToken();
  const gateway = service.mode === 'l7' ? await liveGateway(service, plan.balancer, deps.shell ?? dockerShell) : undefined;
  const inNodes = () =>
    captureDuring(plan.targets, { filter: JOURNEY_FILTER(service.port), shell: deps.shell }, async () => {
      const r = await sendRequest(client.id ?? client.container, { vip: plan.vip, port: service.port, token, protocol: service.protocol }, deps.shell);
      await sleep(SETTLE_MS);
      return r;
    });
  // a lab whose networks span hosts: the hop between them is VXLAN on the hosts' own network
  const engines = overlayEngines(st.doc);
  const under = engines.length
    ? await captureUnderlayDuring(engines, { lab, image: deps.helperImage?.() ?? imageRef('router') }, inNodes)
    : { result: await inNodes(), files: [], skipped: [] };
  const { result: sent, files, skipped } = under.result;
  const j = assemble(framesOf(files), { st, service, ...(plan.vip !== service.vip && { vip: plan.vip }), ...(gateway && { gateway }), client: client.name, sent, underlay: underlayFrames(under.files), hostOf: hostsOf(st.doc) });
  const notCaptured = [...plan.notCaptured, ...skipped, ...under.skipped.map((s) => `${s} (no hop between hosts there)`)];
  if (notCaptured.length) j.notCaptured = notCaptured;
  return j;
}

/** The gateway serving an l7 service now, as the balancer's agent says (a comparison switches it live); else the lab's. */
async function liveGateway(service: ServiceStatus, balancer: NodeStatus | undefined, shell: NodeShell): Promise<Gateway | undefined> {
  if (balancer) {
    const r = await shell(balancer.id ?? balancer.container, 'lbagent stats', [], 10_000).catch(() => undefined);
    let json: unknown;
    try {
      json = r?.exitCode === 0 ? JSON.parse(r.stdout) : undefined;
    } catch {
      json = undefined; // an agent that printed no JSON: the lab's gateway is the best guess
    }
    const stats = agentStatsSchema.safeParse(json);
    const engine = stats.success ? stats.data.services.find((s) => s.name === service.name)?.engine : undefined;
    if (engine && engine !== 'ebpf') return engine;
  }
  return service.gateway;
}

export interface AssembleContext {
  st: LabStatus;
  service: ServiceStatus;
  /** the VIP the request went to, when not the service's IPv4 one (its vip6) */
  vip?: string;
  /** l7: the gateway that relayed the request */
  gateway?: Gateway;
  client: string;
  sent: SendResult;
  /** the hosts' VXLAN frames (underlay.ts), for a lab whose networks span hosts */
  underlay?: Frame[];
  /** the host each node runs on, for a lab spread over hosts */
  hostOf?: (node: string) => string | undefined;
}

/** The journey's JSON from the captured frames. */
export function assemble(frames: Frame[], ctx: AssembleContext): Journey {
  const { st, service, sent } = ctx;
  const kinds = new Map<string, NodeKind>(st.nodes.map((n) => [n.name, n.kind]));
  const networks = new Map(st.nodes.flatMap((n) => n.interfaces.map((i) => [`${n.name}/${i.name}`, i.network] as const)));
  const clientNode = st.nodes.find((n) => n.name === ctx.client);
  const clientAddresses = (clientNode?.interfaces ?? []).flatMap((i) => [i.address, ...(i.address6 ? [i.address6] : [])].map((a) => a.split('/')[0]));
  const vip = ctx.vip ?? service.vip;

  let request = requestHops(frames, sent.token);
  const fromSyn = !request.length;
  if (fromSyn) request = synHops(frames, { node: ctx.client, addresses: clientAddresses }, vip, service.port);
  const response = withUnderlay(fromSyn ? [] : responseHops(frames, request, sent.token), ctx.underlay ?? []);
  request = withUnderlay(request, ctx.underlay ?? []);
  const t0 = request[0]?.frame.ts ?? response[0]?.frame.ts ?? 0n;
  const diffCtx = { mode: service.mode, gateway: ctx.gateway, kindOf: (n: string) => kinds.get(n) };

  const where = (f: Frame): Pick<JourneyHop, 'kind' | 'network' | 'host' | 'underlay'> => {
    if (f.underlay) return { host: f.node, underlay: true };
    const host = ctx.hostOf?.(f.node);
    return { kind: kinds.get(f.node), network: networks.get(`${f.node}/${f.iface}`), ...(host ? { host } : {}) };
  };
  const hopsOf = (hops: Hop[]): JourneyHop[] =>
    hops.map((h, i) => ({
      node: h.frame.node,
      iface: h.frame.iface,
      direction: h.direction,
      summary: h.frame.packet.summary,
      changes: diffHops(hops[i - 1], h, diffCtx),
      ts: tsText(h.frame.ts),
      t: Number(h.frame.ts - t0) / 1000,
      ...where(h.frame),
      fields: hopFields(h.frame.packet),
    }));

  const first = request[0] ? tupleOf(request[0].frame.packet) : undefined;
  const j: Journey = {
    lab: st.name,
    service: service.name,
    mode: service.mode,
    ...(ctx.gateway && { gateway: ctx.gateway }),
    vip,
    ...(vip.includes(':') && { family: 6 as const }),
    port: service.port,
    client: { node: ctx.client, address: first?.src ?? clientAddresses[0] ?? '', ...((first?.sport ?? sent.localPort) ? { port: first?.sport ?? sent.localPort } : {}) },
    request: { url: sent.url, token: sent.token, hops: hopsOf(request) },
    response: { hops: hopsOf(response), viaBalancer: response.some((h) => kinds.get(h.frame.node) === 'balancer') },
  };
  const backend = [...request].reverse().find((h) => kinds.get(h.frame.node) === 'server');
  if (backend) j.backend = backend.frame.node;
  // a tier: the member ECMP picked is the one whose interfaces saw the request
  const member = service.members && request.find((h) => service.members!.includes(h.frame.node));
  if (member) j.member = member.frame.node;
  if (sent.status !== undefined) j.response.status = sent.status;
  if (sent.error) j.error = sent.error;
  else if (!request.length) j.error = 'the request was not seen on any interface';
  else if (!response.length) j.error = 'the response was not seen on any interface';
  return j;
}
