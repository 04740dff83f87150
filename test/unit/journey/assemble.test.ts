// From capture files to the journey's JSON without Docker: real frame bytes
// (IPIP, TCP, HTTP) written as nanosecond pcap files per interface, read and
// decoded by the capture modules, matched and diffed.
import { describe, expect, it } from 'vitest';
import type { LabStatus, Mode, ServiceStatus } from '../../../electron/api';
import { writePcap } from '../../../electron/engine/capture/pcap-writer';
import type { CapturedFile } from '../../../electron/engine/journey/capture-all';
import { assemble } from '../../../electron/engine/journey/journey';
import { framesOf } from '../../../electron/engine/journey/read';
import { eth, ipv4, tcp, TCP } from '../../support/capture-frames';
import { IP, MAC, REQUEST, RESPONSE, TOKEN } from './packets';

const T0 = 1_795_839_470;
const node = (name: string, kind: 'client' | 'balancer' | 'router' | 'server', ifaces: [string, string, string, string][]) => ({
  name,
  kind,
  container: `lblab-t-${name}`,
  state: 'running' as const,
  interfaces: ifaces.map(([n, network, mac, address]) => ({ name: n, network, mac, address })),
  routes: [],
});
const status = (mode: Mode): { st: LabStatus; service: ServiceStatus } => {
  const service: ServiceStatus = { name: 'web', balancer: 'lb', vip: IP.vip, port: 80, mode, scheduler: 'maglev', backends: [{ node: 'web1', address: IP.web1, weight: 1 }] };
  const st: LabStatus = {
    name: 't',
    state: 'running',
    networks: [],
    nodes: [
      node('client1', 'client', [['eth0', 'front', MAC.client1, `${IP.client1}/24`]]),
      node('lb', 'balancer', [['eth0', 'back', MAC.lbBack, `${IP.lbBack}/24`], ['eth1', 'front', MAC.lbFront, '198.18.236.2/24']]),
      node('r1', 'router', [['eth0', 'back', MAC.r1Back, '198.18.237.3/24'], ['eth1', 'front', MAC.r1Front, '198.18.236.3/24']]),
      node('web1', 'server', [['eth0', 'back', MAC.web1, `${IP.web1}/24`]]),
    ],
    services: [service],
  };
  return { st, service };
};

const CPORT = 40274;
const request = (ethSrc: string, ethDst: string) => eth(ethDst, ethSrc, 0x0800, ipv4({ src: IP.client1, dst: IP.vip, proto: 6, payload: tcp({ sport: CPORT, dport: 80, seq: 498166331, ack: 191004751, flags: TCP.PSH | TCP.ACK, payload: Buffer.from(REQUEST) }, IP.client1, IP.vip) }));
const wrapped = (inner: Buffer) => eth(MAC.web1, MAC.lbBack, 0x0800, ipv4({ src: IP.lbBack, dst: IP.web1, proto: 4, payload: inner.subarray(14) }));
const response = (ethSrc: string, ethDst: string, ttl: number) => eth(ethDst, ethSrc, 0x0800, ipv4({ src: IP.vip, dst: IP.client1, proto: 6, ttl, payload: tcp({ sport: 80, dport: CPORT, seq: 191004751, ack: 498166452, flags: TCP.PSH | TCP.ACK, payload: Buffer.from(RESPONSE) }, IP.vip, IP.client1) }));
const synAck = eth(MAC.r1Back, MAC.web1, 0x0800, ipv4({ src: IP.vip, dst: IP.client1, proto: 6, payload: tcp({ sport: 80, dport: CPORT, seq: 191004750, flags: TCP.SYN | TCP.ACK }, IP.vip, IP.client1) }));

/** One file per interface: [node, iface, mac, [ns offset, frame]...] */
function files(spec: [string, string, string, [number, Buffer][]][]): CapturedFile[] {
  return spec.map(([n, iface, mac, frames]) => ({
    node: n,
    iface,
    mac,
    pcap: writePcap(frames.map(([ns, data]) => ({ sec: T0, nsec: ns, len: data.length, data })), { nanos: true }),
  }));
}

/** A tunnel-mode run as the six captures saw it (the balancer's in and out at the same nanosecond). */
function tunnelRun(): CapturedFile[] {
  const req = request(MAC.client1, MAC.lbFront);
  return files([
    ['client1', 'eth0', MAC.client1, [[1000, req], [399_600, response(MAC.r1Front, MAC.client1, 63)]]],
    ['lb', 'eth1', MAC.lbFront, [[40_000, req]]],
    ['lb', 'eth0', MAC.lbBack, [[40_000, wrapped(request(MAC.lbBack, MAC.web1))]]],
    ['web1', 'eth0', MAC.web1, [[50, synAck], [72_500, wrapped(request(MAC.lbBack, MAC.web1))], [281_400, response(MAC.web1, MAC.r1Back, 64)]]],
    ['r1', 'eth0', MAC.r1Back, [[314_200, response(MAC.web1, MAC.r1Back, 64)]]],
    ['r1', 'eth1', MAC.r1Front, [[340_800, response(MAC.r1Front, MAC.client1, 63)]]],
  ]);
}

describe('a journey from capture files', () => {
  const { st, service } = status('tunnel');
  const j = assemble(framesOf(tunnelRun()), { st, service, client: 'client1', sent: { url: `http://${IP.vip}:80/`, token: TOKEN, status: 200, localPort: CPORT } });

  it('has the documented keys', () => {
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['lab', 'service', 'mode', 'request', 'response']));
    expect(Object.keys(j.request)).toContain('hops');
    expect(Object.keys(j.response)).toEqual(expect.arrayContaining(['hops', 'viaBalancer']));
    for (const h of [...j.request.hops, ...j.response.hops]) expect(Object.keys(h)).toEqual(expect.arrayContaining(['node', 'iface', 'direction', 'summary', 'changes']));
    expect(j).toMatchObject({ lab: 't', service: 'web', mode: 'tunnel', backend: 'web1', client: { node: 'client1', address: IP.client1, port: CPORT } });
    expect(j.error).toBeUndefined();
  });

  it('follows the request into the tunnel, the balancer’s out hop after its in hop at the same nanosecond', () => {
    expect(j.request.hops.map((h) => `${h.node}/${h.iface}/${h.direction}`)).toEqual(['client1/eth0/out', 'lb/eth1/in', 'lb/eth0/out', 'web1/eth0/in']);
    const lbOut = j.request.hops[2];
    expect(lbOut.changes.filter((c) => !c.expected).map((c) => [c.field, c.from, c.to])).toEqual([
      ['encap', null, 'ipip'],
      ['outer.ip.src', null, IP.lbBack],
      ['outer.ip.dst', null, IP.web1],
    ]);
    expect(lbOut.fields).toMatchObject({ encap: 'ipip', 'outer.ip.src': IP.lbBack, 'ip.dst': IP.vip, 'tcp.dstport': 80 });
    expect(lbOut.summary).toContain(`IP ${IP.lbBack} > ${IP.web1}: IP ${IP.client1}.${CPORT} > ${IP.vip}.80`);
    expect(lbOut.ts).toBe(`${T0}.000040000`);
    expect(j.request.hops.map((h) => h.t)).toEqual([0, 39, 39, 71.5]);
  });

  it('follows the response around the balancer', () => {
    expect(j.response.hops.map((h) => `${h.node}/${h.iface}/${h.direction}`)).toEqual(['web1/eth0/out', 'r1/eth0/in', 'r1/eth1/out', 'client1/eth0/in']);
    expect(j.response.viaBalancer).toBe(false);
    expect(j.response.status).toBe(200);
    const r1 = j.response.hops[2].changes;
    expect(r1.every((c) => c.expected)).toBe(true);
    expect(r1.find((c) => c.field === 'ip.ttl')).toMatchObject({ from: 64, to: 63 });
  });

  it('a failed request keeps the hops seen and says why', () => {
    const req = request(MAC.client1, MAC.lbFront);
    const f = files([
      ['client1', 'eth0', MAC.client1, [[1000, req]]],
      ['lb', 'eth1', MAC.lbFront, [[40_000, req]]],
    ]);
    const failed = assemble(framesOf(f), { st, service, client: 'client1', sent: { url: '', token: TOKEN, error: 'the request got no response (curl: (28) Operation timed out)' } });
    expect(failed.error).toBe('the request got no response (curl: (28) Operation timed out)');
    expect(failed.request.hops.map((h) => h.node)).toEqual(['client1', 'lb']);
    expect(failed.response).toMatchObject({ hops: [], viaBalancer: false });
  });

  it('with no data sent, the SYN is followed instead', () => {
    const syn = (s: string, d: string) => eth(d, s, 0x0800, ipv4({ src: IP.client1, dst: IP.vip, proto: 6, payload: tcp({ sport: CPORT, dport: 80, seq: 77, flags: TCP.SYN }, IP.client1, IP.vip) }));
    const f = files([
      ['client1', 'eth0', MAC.client1, [[1000, syn(MAC.client1, MAC.lbFront)]]],
      ['lb', 'eth1', MAC.lbFront, [[2000, syn(MAC.client1, MAC.lbFront)]]],
      ['lb', 'eth0', MAC.lbBack, [[3000, syn(MAC.lbBack, MAC.web1)]]],
    ]);
    const { st: dsrSt, service: dsr } = status('dsr');
    const r = assemble(framesOf(f), { st: dsrSt, service: dsr, client: 'client1', sent: { url: '', token: TOKEN, error: 'the request got no response (curl: (7) Failed to connect)' } });
    expect(r.request.hops.map((h) => `${h.node}/${h.iface}/${h.direction}`)).toEqual(['client1/eth0/out', 'lb/eth1/in', 'lb/eth0/out']);
    expect(r.request.hops[2].changes.filter((c) => !c.expected).map((c) => c.field)).toEqual(['eth.dst']);
  });
});
