// A packet journey for the fake LabApi (UI work without Docker). The request
// and its response are simulated as the frames the captures would hold on
// the lab's topology: real Ethernet/IPv4/TCP bytes with real checksums,
// forwarded through routers (TTL, MACs), rewritten by the balancer as its
// mode does (MAC only, IPIP, NAT, SNAT, a proxy's own connection), and the
// response going back directly (dsr, tunnel) or through the balancer. The
// engine's own decoder and journey assembly then turn them into the Journey.
import type { Journey, JourneyOptions, LabStatus, Mode, NodeStatus, ServiceStatus } from '../../electron/api';
import { ApiError, isProxyMode } from '../../electron/api';
import { decodePacket } from '../../electron/engine/capture/decode/index';
import type { Frame } from '../../electron/engine/journey/frame';
import { assemble } from '../../electron/engine/journey/journey';
import { TOKEN_HEADER } from '../../electron/engine/journey/send';
import { eth, ipv4, tcp, TCP } from '../support/capture-frames';

interface Iface { node: string; kind: NodeStatus['kind']; name: string; network: string; addr: string; mac: string }
/** One network crossed: the frame leaves `out` and arrives at `in`. */
interface Crossing { out: Iface; in: Iface }

interface Ip { src: string; dst: string; ttl: number; id: number }
interface Packet {
  src: string;
  dst: string;
  outer?: Ip;
  ip: Ip;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  payload: Buffer;
}

/** Docker's MAC for an address (02:42 + the IPv4 octets): unique per interface. */
const macOf = (addr: string) => `02:42:${addr.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`;

function interfaces(st: LabStatus): Iface[] {
  return st.nodes.flatMap((n) =>
    n.interfaces.map((i) => {
      const addr = i.address.split('/')[0];
      return { node: n.name, kind: n.kind, name: i.name, network: i.network, addr, mac: macOf(addr) };
    }),
  );
}

/** The shortest way from one node to another over the lab's networks, through routers only. */
function route(ifaces: Iface[], from: string, to: string): Crossing[] {
  const prev = new Map<string, Crossing | null>([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const node = queue.shift() as string;
    if (node === to) break;
    for (const out of ifaces.filter((i) => i.node === node)) {
      for (const next of ifaces.filter((i) => i.network === out.network && i.node !== node)) {
        if (prev.has(next.node) || (next.node !== to && next.kind !== 'router')) continue;
        prev.set(next.node, { out, in: next });
        queue.push(next.node);
      }
    }
  }
  if (!prev.has(to)) throw new ApiError(`no way from ${from} to ${to} over the lab's networks`, 'conflict');
  const path: Crossing[] = [];
  for (let c = prev.get(to); c; c = prev.get(c.out.node)) path.unshift(c);
  return path;
}

/** Microseconds a node takes to forward, per mode for the balancer (roughly what a real lab shows). */
const BALANCER_US: Record<Mode, number> = { dsr: 4.7, tunnel: 3.9, nat: 4.2, snat: 1.7, l4proxy: 1829, l7: 426 };
const ROUTER_US = 3.6;
const LINK_US = 9.5;
const SERVER_US = 142;

function bytesOf(p: Packet, ethSrc: string, ethDst: string): Buffer {
  const seg = tcp({ sport: p.sport, dport: p.dport, seq: p.seq, ack: p.ack, flags: TCP.PSH | TCP.ACK, win: 502, payload: p.payload }, p.ip.src, p.ip.dst);
  const inner = ipv4({ src: p.ip.src, dst: p.ip.dst, proto: 6, ttl: p.ip.ttl, id: p.ip.id, df: true, payload: seg });
  const l3 = p.outer ? ipv4({ src: p.outer.src, dst: p.outer.dst, proto: 4, ttl: p.outer.ttl, id: p.outer.id, payload: inner }) : inner;
  return eth(ethDst, ethSrc, 0x0800, l3);
}

export interface FakeJourneyOptions {
  /** the capture time of the request's first frame, in ns (default: now) */
  t0?: bigint;
  /** the client's port (default: one per call) */
  clientPort?: number;
}

let calls = 0;

/** The journey the real engine would report for this lab, on frames made up from its topology. */
export function simulateJourney(st: LabStatus, opts: JourneyOptions, o: FakeJourneyOptions = {}): Journey {
  if (st.state === 'absent') throw new ApiError(`no lab named ${st.name}`, 'not-found');
  if (!st.services.length) throw new ApiError(`lab ${st.name} has no service to follow a request to`, 'bad-request');
  const service = opts.service ? st.services.find((s) => s.name === opts.service) : st.services[0];
  if (!service) throw new ApiError(`lab ${st.name} has no service named ${opts.service}`, 'not-found');
  const client = st.nodes.find((n) => (opts.from ? n.name === opts.from : n.kind === 'client'));
  if (!client) throw new ApiError(`lab ${st.name} has no client${opts.from ? ` named ${opts.from}` : ''}`, 'not-found');
  if (client.kind !== 'client') throw new ApiError(`node ${client.name} of lab ${st.name} is a ${client.kind}, not a client: a journey starts at a client`, 'bad-request');
  if (!service.backends.length) throw new ApiError(`service ${service.name} has no backend`, 'conflict');

  calls++;
  const cport = o.clientPort ?? 32768 + ((calls * 7919) % 28000);
  const backend = service.backends[cport % service.backends.length].node;
  const ifaces = interfaces(st);
  const frames: Frame[] = [];
  let ts = o.t0 ?? BigInt(Date.now()) * 1_000_000n;
  const at = (us: number) => (ts += BigInt(Math.round(us * 1000)));
  const record = (i: Iface, bytes: Buffer) =>
    frames.push({ node: i.node, iface: i.name, mac: i.mac, ts, raw: bytes, packet: decodePacket({ sec: Number(ts / 1_000_000_000n), nsec: Number(ts % 1_000_000_000n), len: bytes.length, data: bytes }, { fields: true }) });

  /** Send `p` along the crossings; `atNode` changes it where a node forwards it. */
  const travel = (p: Packet, path: Crossing[], atNode: (node: Iface, out: Iface, p: Packet) => Packet): Packet => {
    let cur = p;
    path.forEach((c, k) => {
      if (k > 0) cur = atNode(path[k - 1].in, c.out, cur);
      record(c.out, bytesOf(cur, c.out.mac, c.in.mac));
      at(LINK_US);
      record(c.in, bytesOf(cur, c.out.mac, c.in.mac));
    });
    return cur;
  };
  const forward = (node: Iface, _out: Iface, p: Packet): Packet => {
    at(ROUTER_US);
    // a router decrements the TTL of the header it routes on: the outer one of an IPIP packet
    return p.outer ? { ...p, outer: { ...p.outer, ttl: p.outer.ttl - 1 } } : { ...p, ip: { ...p.ip, ttl: p.ip.ttl - 1 } };
  };

  const mode = service.mode;
  const lbName = service.balancer;
  const clientIface = ifaces.find((i) => i.node === client.name) as Iface;
  const toLb = route(ifaces, client.name, lbName);
  const lbToServer = route(ifaces, lbName, backend);
  const serverIface = lbToServer[lbToServer.length - 1].in;
  const lbOut = lbToServer[0].out;
  const token = `lblab-fake${String(calls).padStart(12, '0')}`;
  const url = `http://${service.vip}:${service.port}/`;
  const get = `GET / HTTP/1.1\r\nHost: ${service.vip}\r\nUser-Agent: curl/8.14.1\r\nAccept: */*\r\n${TOKEN_HEADER}: ${token}\r\n\r\n`;
  const natPort = 19000 + (cport % 1000);
  const proxyPort = 47000 + (cport % 1000);
  const proxied = isProxyMode(mode);

  // the request: client → balancer → server
  const request: Packet = { src: clientIface.addr, dst: service.vip, ip: { src: clientIface.addr, dst: service.vip, ttl: 64, id: 0x3f21 }, sport: cport, dport: service.port, seq: 1971893834, ack: 671582696, payload: Buffer.from(get, 'latin1') };
  const atLb = travel(request, toLb, forward);
  at(BALANCER_US[mode]);
  const rewritten = ((): Packet => {
    const p = atLb;
    switch (mode) {
      case 'dsr':
        return p;
      case 'tunnel':
        return { ...p, outer: { src: lbOut.addr, dst: serverIface.addr, ttl: 64, id: 0x0bad } };
      case 'nat':
        return { ...p, ip: { ...p.ip, dst: serverIface.addr } };
      case 'snat':
        return { ...p, ip: { ...p.ip, src: lbOut.addr, dst: serverIface.addr }, sport: natPort };
      default: {
        const body = mode === 'l7' ? get.replace('\r\n\r\n', `\r\nX-Forwarded-For: ${clientIface.addr}\r\n\r\n`) : get;
        return { ...p, ip: { src: lbOut.addr, dst: serverIface.addr, ttl: 64, id: 0x51d0 }, sport: proxyPort, dport: service.port, seq: 2109410986, ack: 2310773684, payload: Buffer.from(body, 'latin1') };
      }
    }
  })();
  const atServer = travel(rewritten, lbToServer, forward);
  at(SERVER_US);

  // the response: straight back to the client (dsr, tunnel: the server holds the VIP), else through the balancer
  const answer = `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello ${backend}`.slice(0, 200);
  const reply: Packet = {
    src: atServer.ip.dst,
    dst: atServer.ip.src,
    ip: { src: atServer.ip.dst, dst: atServer.ip.src, ttl: 64, id: 0x7c02 },
    sport: atServer.dport,
    dport: atServer.sport,
    seq: atServer.ack,
    ack: atServer.seq + atServer.payload.length,
    payload: Buffer.from(answer, 'latin1'),
  };
  if (mode === 'dsr' || mode === 'tunnel') {
    travel(reply, route(ifaces, backend, client.name), forward);
  } else {
    const back = travel(reply, route(ifaces, backend, lbName), forward);
    at(BALANCER_US[mode]);
    const out: Packet = proxied
      ? { ...back, ip: { src: service.vip, dst: clientIface.addr, ttl: 64, id: 0x2a11 }, sport: service.port, dport: cport, seq: 671582696, ack: request.seq + request.payload.length }
      : mode === 'snat'
        ? { ...back, ip: { ...back.ip, src: service.vip, dst: clientIface.addr }, sport: service.port, dport: cport }
        : { ...back, ip: { ...back.ip, src: service.vip } };
    travel(out, route(ifaces, lbName, client.name), forward);
  }

  return assemble(frames, { st, service: service as ServiceStatus, client: client.name, sent: { url, token, status: 200, localPort: cport } });
}

/** The fake API's journey: the simulated one, after a pause like the real capture's (shortened). */
export async function fakeJourney(st: LabStatus, opts: JourneyOptions, delayMs = 1200): Promise<Journey> {
  const j = simulateJourney(st, opts);
  await new Promise((r) => setTimeout(r, delayMs));
  return j;
}
