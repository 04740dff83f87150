// A made-up packet journey for the fake LabApi (UI work without Docker):
// client → balancer → first backend and back, with each mode's signature.
import { ApiError, type Journey, type JourneyChange, type JourneyHop, type JourneyOptions, type LabStatus, type Mode } from '../../electron/api';

const REWRITES: Record<Mode, (a: { client: string; vip: string; lb: string; server: string }) => JourneyChange[]> = {
  dsr: () => [
    { field: 'eth.src', from: '02:00:00:00:00:0a', to: '02:00:00:00:00:02', expected: true, why: 'a frame leaving the balancer carries its own MAC as source' },
    { field: 'eth.dst', from: '02:00:00:00:00:02', to: '02:00:00:00:00:0b', expected: false, why: 'dsr: only the destination MAC is rewritten' },
  ],
  tunnel: (a) => [
    { field: 'encap', from: null, to: 'ipip', expected: false },
    { field: 'outer.ip.src', from: null, to: a.lb, expected: false },
    { field: 'outer.ip.dst', from: null, to: a.server, expected: false },
  ],
  nat: (a) => [{ field: 'ip.dst', from: a.vip, to: a.server, expected: false }],
  snat: (a) => [
    { field: 'ip.src', from: a.client, to: a.lb, expected: false },
    { field: 'ip.dst', from: a.vip, to: a.server, expected: false },
    { field: 'tcp.srcport', from: 40000, to: 12345, expected: false },
  ],
  l4proxy: (a) => [{ field: 'tcp.stream', from: `${a.client}:40000 > ${a.vip}:80`, to: `${a.lb}:50000 > ${a.server}:80`, expected: false }],
  l7: (a) => [{ field: 'tcp.stream', from: `${a.client}:40000 > ${a.vip}:80`, to: `${a.lb}:50000 > ${a.server}:80`, expected: false }],
};

export function fakeJourney(st: LabStatus, opts: JourneyOptions): Journey {
  if (st.state === 'absent') throw new ApiError(`no lab named ${st.name}`, 'not-found');
  const service = opts.service ? st.services.find((s) => s.name === opts.service) : st.services[0];
  if (!service) throw new ApiError(`lab ${st.name} has no service${opts.service ? ` named ${opts.service}` : ''}`, 'not-found');
  const client = st.nodes.find((n) => (opts.from ? n.name === opts.from : n.kind === 'client'));
  if (!client) throw new ApiError(`lab ${st.name} has no client${opts.from ? ` named ${opts.from}` : ''}`, 'not-found');
  const lb = st.nodes.find((n) => n.name === service.balancer);
  const server = st.nodes.find((n) => n.name === service.backends[0]?.node);
  const addr = (n: typeof lb) => n?.interfaces[0]?.address.split('/')[0] ?? '0.0.0.0';
  const a = { client: addr(client), vip: service.vip, lb: addr(lb), server: service.backends[0]?.address ?? '0.0.0.0' };
  let t = 0;
  const hop = (node: string, direction: 'in' | 'out', changes: JourneyChange[] = []): JourneyHop => ({
    node,
    iface: 'eth0',
    direction,
    summary: `IP ${a.client}.40000 > ${a.vip}.80: Flags [P.], length 90: HTTP: GET / HTTP/1.1`,
    changes,
    ts: `1795839470.${String(72793643 + (t += 5)).padStart(9, '0')}`,
    t,
    fields: {},
  });
  const viaBalancer = !['dsr', 'tunnel'].includes(service.mode);
  const lbName = lb?.name ?? service.balancer;
  const serverName = server?.name ?? 'server';
  return {
    lab: st.name,
    service: service.name,
    mode: service.mode,
    vip: service.vip,
    port: service.port,
    client: { node: client.name, address: a.client, port: 40000 },
    backend: serverName,
    request: { url: `http://${service.vip}:${service.port}/`, token: 'lblab-fake', hops: [hop(client.name, 'out'), hop(lbName, 'in'), hop(lbName, 'out', REWRITES[service.mode](a)), hop(serverName, 'in')] },
    response: {
      hops: viaBalancer ? [hop(serverName, 'out'), hop(lbName, 'in'), hop(lbName, 'out'), hop(client.name, 'in')] : [hop(serverName, 'out'), hop(client.name, 'in')],
      viaBalancer,
      status: 200,
    },
  };
}
