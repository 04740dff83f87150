// What a journey needs from a lab's live status: the service, the client that
// sends, and the interfaces to capture on. Bad input is one line naming what
// is missing or not running.
import { ApiError, type JourneyOptions, type LabStatus, type NodeStatus, type ServiceStatus } from '../../api';
import type { CaptureTarget } from './capture-all';

export interface JourneyPlan {
  service: ServiceStatus;
  /** the VIP the request goes to: the service's vip, or its vip6 (family 6) */
  vip: string;
  client: NodeStatus;
  /** the balancer (or tier member) the request goes through */
  balancer?: NodeStatus;
  /** every running node with its interfaces (name and MAC) */
  targets: CaptureTarget[];
  /** nodes not captured, with their state */
  notCaptured: string[];
}

export function resolveJourney(st: LabStatus, opts: JourneyOptions): JourneyPlan {
  const lab = st.name;
  if (st.state === 'absent') throw new ApiError(`no lab named ${lab}`, 'not-found');
  const running = st.nodes.filter((n) => n.state === 'running');
  if (!running.length) throw new ApiError(`lab ${lab} is not running (no node is up: redeploy it with lblab up)`, 'conflict');

  if (!st.services.length) throw new ApiError(`lab ${lab} has no service to follow a request to`, 'bad-request');
  const service = opts.service ? st.services.find((s) => s.name === opts.service) : st.services[0];
  if (!service) throw new ApiError(`lab ${lab} has no service named ${opts.service} (services: ${st.services.map((s) => s.name).join(', ')})`, 'not-found');

  if (opts.family === 6 && !service.vip6) throw new ApiError(`service ${service.name} of lab ${lab} has no IPv6 VIP (give it vip6 on a network with subnet6) to follow a request over IPv6`, 'bad-request');
  const vip = opts.family === 6 ? service.vip6! : service.vip;

  const clients = st.nodes.filter((n) => n.kind === 'client');
  let client: NodeStatus | undefined;
  if (opts.from) {
    client = st.nodes.find((n) => n.name === opts.from);
    if (!client) throw new ApiError(`lab ${lab} has no node named ${opts.from}${clients.length ? ` (clients: ${clients.map((c) => c.name).join(', ')})` : ''}`, 'not-found');
    if (client.kind !== 'client') throw new ApiError(`node ${opts.from} of lab ${lab} is a ${client.kind}, not a client: a journey starts at a client`, 'bad-request');
  } else {
    if (!clients.length) throw new ApiError(`lab ${lab} has no client to send the request from`, 'bad-request');
    client = clients.find((c) => c.state === 'running') ?? clients[0];
  }
  if (client.state !== 'running') throw new ApiError(`client ${client.name} of lab ${lab} is not running (${client.state})`, 'conflict');
  // a tier goes on while one member runs: the router sends around the others
  const members = service.members ?? [service.balancer];
  const balancer = st.nodes.find((n) => n.name === members.find((m) => st.nodes.find((x) => x.name === m)?.state === 'running')) ?? st.nodes.find((n) => n.name === service.balancer);
  if (balancer && balancer.state !== 'running') throw new ApiError(`balancer ${balancer.name} of lab ${lab} is not running (${balancer.state})`, 'conflict');

  const targets = running.map((n) => ({
    node: n.name,
    container: n.id ?? n.container,
    ifaces: n.interfaces.filter((i) => i.name && i.name !== '?' && i.mac).map((i) => ({ name: i.name, mac: i.mac.toLowerCase() })),
  }));
  const notCaptured = st.nodes.filter((n) => n.state !== 'running').map((n) => `${n.name} (${n.state})`);
  return { service, vip, client, balancer, targets, notCaptured };
}
