// One request and its response through the compare lab in each mode, as the
// captures on every interface saw them (values from a real run), plus noise:
// the handshake, a health check, ACKs. Timestamps in nanoseconds.
import type { Mode } from '../../../electron/api';
import type { Frame } from '../../../electron/engine/journey/frame';
import { frame, IP, MAC, REQUEST, RESPONSE, type PacketSpec } from './packets';

const C = { node: 'client1', mac: MAC.client1 };
const LB_FRONT = { node: 'lb', iface: 'eth1', mac: MAC.lbFront };
const LB_BACK = { node: 'lb', iface: 'eth0', mac: MAC.lbBack };
const R1_FRONT = { node: 'r1', iface: 'eth1', mac: MAC.r1Front };
const R1_BACK = { node: 'r1', iface: 'eth0', mac: MAC.r1Back };
const WEB1 = { node: 'web1', mac: MAC.web1 };

type Pkt = Omit<PacketSpec, 'node' | 'mac' | 'ts' | 'iface'>;
/** The same packet seen at several places, `dt` ns apart. */
const seen = (t0: number, p: Pkt, ...where: { node: string; mac: string; iface?: string }[]): Frame[] => where.map((w, i) => frame({ ...p, ...w, ts: t0 + i * 5000 }));

const CPORT = 42074;
const clientToVip: Pkt = {
  eth: { src: MAC.client1, dst: MAC.lbFront },
  ip: { src: IP.client1, dst: IP.vip, ttl: 64, checksum: 0x762e },
  tcp: { srcport: CPORT, dstport: 80, checksum: 0x167d, seq: 5000 },
  payload: REQUEST,
};
/** the handshake's SYN from the client, seen by the client and the balancer only */
const syn = (t: number, seq = 4999): Frame[] =>
  seen(t, { ...clientToVip, payload: '', tcp: { ...clientToVip.tcp, seq, syn: true } }, C, LB_FRONT);
/** a health check's answer on another connection: must never be taken for the response */
const healthCheck = (t: number): Frame[] =>
  seen(t, { eth: { src: MAC.web1, dst: MAC.lbBack }, ip: { src: IP.web1, dst: IP.lbBack }, tcp: { srcport: 80, dstport: 33333, seq: 77 }, payload: RESPONSE }, WEB1, LB_BACK);

/** Frames of one mode's run: request at 1_000_000 ns, response at 2_000_000 ns. */
export function scenario(mode: Mode): Frame[] {
  const out: Frame[] = [...syn(900_000), ...healthCheck(950_000)];
  const req = 1_000_000;
  const resp = 2_000_000;
  // client → balancer: the same in every mode
  out.push(...seen(req, clientToVip, C, LB_FRONT));
  const atLb = req + 20_000;
  // the server's answer back to the client through r1 (dsr, tunnel: the server holds the VIP)
  const directBack = (): Frame[] => [
    ...seen(resp, { eth: { src: MAC.web1, dst: MAC.r1Back }, ip: { src: IP.vip, dst: IP.client1, ttl: 64, checksum: 0xa09a }, tcp: { srcport: 80, dstport: CPORT, checksum: 0x5265, seq: 9000 }, payload: RESPONSE }, WEB1, R1_BACK),
    ...seen(resp + 20_000, { eth: { src: MAC.r1Front, dst: MAC.client1 }, ip: { src: IP.vip, dst: IP.client1, ttl: 63, checksum: 0xa19a }, tcp: { srcport: 80, dstport: CPORT, checksum: 0x5265, seq: 9000 }, payload: RESPONSE }, R1_FRONT, C),
  ];
  switch (mode) {
    case 'dsr':
      out.push(...seen(atLb, { ...clientToVip, eth: { src: MAC.lbBack, dst: MAC.web1 } }, LB_BACK, WEB1), ...directBack());
      break;
    case 'tunnel':
      out.push(...seen(atLb, { ...clientToVip, eth: { src: MAC.lbBack, dst: MAC.web1 }, outer: { src: IP.lbBack, dst: IP.web1, checksum: 0x28d0 } }, LB_BACK, WEB1), ...directBack());
      break;
    case 'nat': {
      const toWeb: Pkt = { ...clientToVip, eth: { src: MAC.lbBack, dst: MAC.web1 }, ip: { src: IP.client1, dst: IP.web1, checksum: 0xb5a8 }, tcp: { ...clientToVip.tcp, checksum: 0xacde } };
      const back: Pkt = { eth: { src: MAC.web1, dst: MAC.lbBack }, ip: { src: IP.web1, dst: IP.client1, checksum: 0x83e3 }, tcp: { srcport: 80, dstport: CPORT, checksum: 0x281a, seq: 9000 }, payload: RESPONSE };
      out.push(...seen(atLb, toWeb, LB_BACK, WEB1), ...seen(resp, back, WEB1, LB_BACK));
      out.push(...seen(resp + 20_000, { ...back, eth: { src: MAC.lbFront, dst: MAC.client1 }, ip: { src: IP.vip, dst: IP.client1, checksum: 0x83e9 }, tcp: { ...back.tcp, checksum: 0x2820 } }, LB_FRONT, C));
      break;
    }
    case 'snat': {
      const toWeb: Pkt = { ...clientToVip, eth: { src: MAC.lbBack, dst: MAC.web1 }, ip: { src: IP.lbBack, dst: IP.web1, checksum: 0xf38a }, tcp: { ...clientToVip.tcp, srcport: 18364, checksum: 0x2224 } };
      const back: Pkt = { eth: { src: MAC.web1, dst: MAC.lbBack }, ip: { src: IP.web1, dst: IP.lbBack, checksum: 0x0dc0 }, tcp: { srcport: 80, dstport: 18364, checksum: 0x883d, seq: 9000 }, payload: RESPONSE };
      out.push(...seen(atLb, toWeb, LB_BACK, WEB1), ...seen(resp, back, WEB1, LB_BACK));
      out.push(...seen(resp + 20_000, { ...back, eth: { src: MAC.lbFront, dst: MAC.client1 }, ip: { src: IP.vip, dst: IP.client1, checksum: 0x0ec6 }, tcp: { ...back.tcp, dstport: CPORT, checksum: 0xf444 } }, LB_FRONT, C));
      break;
    }
    case 'l4proxy':
    case 'l7': {
      // the proxy's own connection: its own port and initial sequence number
      const toWeb: Pkt = { ...clientToVip, eth: { src: MAC.lbBack, dst: MAC.web1 }, ip: { src: IP.lbBack, dst: IP.web1, checksum: 0xb102 }, tcp: { srcport: 53494, dstport: 80, checksum: 0xbab6, seq: 123456 } };
      const back: Pkt = { eth: { src: MAC.web1, dst: MAC.lbBack }, ip: { src: IP.web1, dst: IP.lbBack, checksum: 0x4e46 }, tcp: { srcport: 80, dstport: 53494, checksum: 0x24d4, seq: 654321 }, payload: RESPONSE };
      out.push(...seen(atLb + 2_000_000, toWeb, LB_BACK, WEB1), ...seen(resp + 2_000_000, back, WEB1, LB_BACK));
      out.push(...seen(resp + 2_100_000, { eth: { src: MAC.lbFront, dst: MAC.client1 }, ip: { src: IP.vip, dst: IP.client1, checksum: 0x000f }, tcp: { srcport: 80, dstport: CPORT, checksum: 0x7a47, seq: 9000 }, payload: RESPONSE }, LB_FRONT, C));
      break;
    }
  }
  // captures arrive per interface, not in time order
  return out.reverse();
}

export const KINDS: Record<string, 'client' | 'balancer' | 'router' | 'server'> = { client1: 'client', lb: 'balancer', r1: 'router', web1: 'server' };
