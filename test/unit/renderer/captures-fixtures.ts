// Shared data for the Captures panel tests: packet summaries, a running lab's
// status, and real packets (frames decoded by the engine's decoder).
import type { CapturedPacket, LabStatus, PacketSummary } from '../../../electron/api';
import { decodePacket } from '../../../electron/engine/capture/index';
import { tcpFrame, type TcpFrame } from '../../support/capture-fakes';

export const T0 = 1_700_000_000_123_456;

/** Summary of frame `i`: 1.5 ms apart, alternating lb / web1. */
export const summary = (i: number, extra: Partial<PacketSummary> = {}): PacketSummary => ({
  index: i,
  ts: T0 + (i - 1) * 1500,
  node: i % 2 ? 'lb' : 'web1',
  iface: 'eth0',
  len: 54 + (i % 7),
  summary: `IP 198.18.0.10.${40000 + i} > 198.18.0.100.80: Flags [S], seq ${i}`,
  protocol: i % 5 ? 'TCP' : 'HTTP',
  src: `198.18.0.${10 + (i % 3)}`,
  dst: '198.18.0.100',
  ...extra,
});
export const summaries = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => summary(from + k));

export const STATUS: LabStatus = {
  name: 'demo',
  state: 'running',
  networks: [],
  services: [],
  nodes: [
    { name: 'client1', kind: 'client', container: 'c1', state: 'running', routes: [], interfaces: [{ name: 'eth0', network: 'front', mac: '', address: '198.18.0.10/24' }] },
    {
      name: 'lb', kind: 'balancer', container: 'c2', state: 'running', routes: [],
      interfaces: [{ name: 'eth0', network: 'front', mac: '', address: '198.18.0.2/24' }, { name: 'eth1', network: 'back', mac: '', address: '198.18.1.2/24' }],
    },
    { name: 'web1', kind: 'server', container: 'c3', state: 'running', routes: [], interfaces: [{ name: 'eth0', network: 'back', mac: '', address: '198.18.1.11/24' }] },
  ],
};

/** A TCP frame as capturePacket answers it: decoded by the engine, with its bytes. */
export function capturedTcp(index: number, f: TcpFrame, where = { node: 'lb', iface: 'eth0' }): { frame: Buffer; packet: CapturedPacket } {
  const frame = tcpFrame(f);
  const p = decodePacket({ sec: 1_700_000_000, nsec: index * 1000, len: frame.length, data: frame }, { number: index, bytes: true });
  return { frame, packet: { ...p, index, ...where, bytes: p.bytes ?? '' } };
}
