// Hand-made decoded frames for the journey's matching and diff tests: the
// layers and fields a decoder gives (Wireshark names, offsets), over raw bytes
// that hold the TCP payload where the tcp layer says it starts.
import type { DecodedField, DecodedLayer, Frame } from '../../../electron/engine/journey/frame';

export interface Ip { src: string; dst: string; ttl?: number; checksum?: number }
export interface PacketSpec {
  node: string;
  iface?: string;
  /** the capturing interface's MAC */
  mac: string;
  /** nanoseconds (small numbers are fine) */
  ts: bigint | number;
  eth: { src: string; dst: string };
  outer?: Ip;
  ip: Ip;
  tcp: { srcport: number; dstport: number; checksum?: number; seq?: number; syn?: boolean; ack?: boolean };
  payload?: string;
}

const f = (name: string, value: DecodedField['value'], offset: number, length: number): DecodedField => ({ name, value, offset, length });

function ipLayer(ip: Ip, off: number, total: number, proto: number): DecodedLayer {
  return {
    name: 'ip',
    offset: off,
    length: 20,
    fields: [
      f('ip.len', total, off + 2, 2),
      f('ip.ttl', ip.ttl ?? 64, off + 8, 1),
      f('ip.proto', proto, off + 9, 1),
      f('ip.checksum', ip.checksum ?? 0x1234, off + 10, 2),
      f('ip.src', ip.src, off + 12, 4),
      f('ip.dst', ip.dst, off + 16, 4),
    ],
  };
}

export function frame(s: PacketSpec): Frame {
  const payload = Buffer.from(s.payload ?? '');
  const ipOff = 14;
  const innerOff = s.outer ? ipOff + 20 : ipOff;
  const tcpOff = innerOff + 20;
  const raw = Buffer.concat([Buffer.alloc(tcpOff + 20), payload]);
  const layers: DecodedLayer[] = [{ name: 'eth', offset: 0, length: 14, fields: [f('eth.dst', s.eth.dst, 0, 6), f('eth.src', s.eth.src, 6, 6)] }];
  if (s.outer) layers.push(ipLayer(s.outer, ipOff, 40 + 20 + payload.length, 4));
  layers.push(ipLayer(s.ip, innerOff, 40 + payload.length, 6));
  layers.push({
    name: 'tcp',
    offset: tcpOff,
    length: 20,
    fields: [
      f('tcp.srcport', s.tcp.srcport, tcpOff, 2),
      f('tcp.dstport', s.tcp.dstport, tcpOff + 2, 2),
      f('tcp.seq_raw', s.tcp.seq ?? 1000, tcpOff + 4, 4),
      f('tcp.flags.syn', !!s.tcp.syn, tcpOff + 13, 1),
      f('tcp.flags.ack', s.tcp.ack ?? !s.tcp.syn, tcpOff + 13, 1),
      f('tcp.checksum', s.tcp.checksum ?? 0xabcd, tcpOff + 16, 2),
      f('tcp.len', payload.length, tcpOff, 0),
    ],
  });
  const summary = `IP ${s.ip.src}.${s.tcp.srcport} > ${s.ip.dst}.${s.tcp.dstport}: tcp ${payload.length}`;
  return { node: s.node, iface: s.iface ?? 'eth0', mac: s.mac, ts: BigInt(s.ts), raw, packet: { layers, summary } };
}

/** MACs and addresses of the compare lab (client1 on front, lb and r1 on both, web1..3 on back). */
export const MAC = {
  client1: '02:42:c6:12:ec:04',
  lbFront: '02:42:c6:12:ec:02',
  lbBack: '02:42:c6:12:ed:02',
  r1Front: '02:42:c6:12:ec:03',
  r1Back: '02:42:c6:12:ed:03',
  web1: '02:42:c6:12:ed:04',
};
export const IP = { client1: '198.18.236.4', vip: '198.18.236.254', lbBack: '198.18.237.2', web1: '198.18.237.4' };
export const TOKEN = 'lblab-journey-4f1c9a';
export const REQUEST = `GET / HTTP/1.1\r\nHost: ${IP.vip}\r\nX-Lblab-Journey: ${TOKEN}\r\n\r\n`;
export const RESPONSE = 'HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n';
