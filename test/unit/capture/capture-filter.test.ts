// Display filters over a capture's ring (the API's filterCapture): the
// matching frame numbers checked against the frames' own bytes, `from` for a
// live capture's next batch, a bad filter answered with its error and
// position (not thrown), packets gone from the ring, and the call's arguments.
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch, type CaptureEvent, type LabApi, type LabStatus } from '../../../electron/api';
import { CaptureManager } from '../../../electron/engine/capture/capture-manager';
import { pcapFileHeader } from '../../../electron/engine/capture/pcap-writer';
import { httpExchange, pcapRecord, playingStarter } from '../../support/capture-fakes';

const LAB: LabStatus = {
  name: 'demo',
  state: 'running',
  networks: [],
  services: [],
  nodes: [
    {
      name: 'lb', kind: 'balancer', container: 'lblab-demo-lb', id: 'c-lb', state: 'running', routes: [],
      interfaces: [{ name: 'eth0', network: 'front', mac: '02:00:00:00:00:01', address: '198.18.210.2/24' }],
    },
  ],
};

const managers: CaptureManager[] = [];
function manager() {
  const events: CaptureEvent[] = [];
  const m = new CaptureManager({ emit: (e) => events.push(e), status: async () => LAB, exec: playingStarter({ everyMs: 2 }) });
  managers.push(m);
  return { m, events };
}
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stopAll('test over');
});

// three HTTP exchanges from two clients; what each frame is, read from its own bytes
const frames = [
  ...httpExchange('198.18.0.10', '198.18.0.100', 40000),
  ...httpExchange('198.18.0.11', '198.18.0.100', 40001),
  ...httpExchange('198.18.0.10', '198.18.0.100', 40002),
];
const file = Buffer.concat([pcapFileHeader(), ...frames.map((f, i) => pcapRecord(f, 1_700_000_000_000_000 + i * 1000))]).toString('base64');
const dst = (f: Buffer) => [...f.subarray(30, 34)].join('.');
const flags = (f: Buffer) => f[47];
const numbersWhere = (pred: (f: Buffer) => boolean, from = 1) => frames.map((f, i) => (pred(f) ? i + 1 : 0)).filter((n) => n >= from && n > 0);

describe('CaptureManager.filter', () => {
  it('answers the frame numbers a filter keeps, oldest first', () => {
    const { m } = manager();
    const { id, total } = m.load('trace.pcap', file);
    expect(total).toBe(frames.length);
    const syn = m.filter(id, 'ip.dst == 198.18.0.100 && tcp.flags.syn == 1');
    const want = numbersWhere((f) => dst(f) === '198.18.0.100' && (flags(f) & 0x02) !== 0);
    expect(want).toEqual([1, 9, 17]);
    expect(syn).toEqual({ indices: want, last: frames.length });
    expect(m.filter(id, 'ip.src == 198.18.0.11').indices).toEqual(numbersWhere((f) => [...f.subarray(26, 30)].join('.') === '198.18.0.11'));
    // an empty filter keeps everything
    expect(m.filter(id, '  ').indices).toHaveLength(frames.length);
  });

  it('starts at `from` (a live capture asks only about its new packets)', () => {
    const { m } = manager();
    const { id } = m.load('trace.pcap', file);
    expect(m.filter(id, 'tcp.flags.fin == 1', 10).indices).toEqual(numbersWhere((f) => (flags(f) & 0x01) !== 0, 10));
    // after the newest packet: only the filter is checked
    expect(m.filter(id, 'tcp', frames.length + 1)).toEqual({ indices: [], last: frames.length });
    expect(m.filter(id, 'tcp.port ==', frames.length + 1)).toMatchObject({ indices: [], error: 'expected a value after "==" at position 12', position: 12 });
  });

  it('answers a bad filter with its one-line error and position instead of throwing', () => {
    const { m } = manager();
    const { id } = m.load('trace.pcap', file);
    expect(m.filter(id, 'ip.dst == 198.18.0.300')).toEqual({ indices: [], last: frames.length, error: '"198.18.0.300" is not an IPv4 address (ip.dst) at position 11', position: 11 });
    expect(m.filter(id, 'tcp && ip.dstt == 1')).toMatchObject({ error: 'unknown field or protocol "ip.dstt" at position 8', position: 8 });
    expect(() => m.filter('cap9-000000', 'tcp')).toThrow(/^no capture cap9-000000/);
  });

  it('keeps to the packets still in a live capture\'s ring', async () => {
    const { m, events } = manager();
    const { id } = await m.start('demo', [{ node: 'lb' }], { ringSize: 5, count: 12 });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (events.some((e) => e.type === 'capture-end' && e.id === id)) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    expect(m.filter(id, 'tcp')).toEqual({ indices: [8, 9, 10, 11, 12], last: 12 });
    expect(m.filter(id, 'tcp', 11).indices).toEqual([11, 12]);
  });
});

describe('filterCapture arguments', () => {
  const impl = new Proxy({}, { get: () => async () => 'called' }) as unknown as LabApi;
  const call = (args: unknown[]) => dispatch(impl, 'filterCapture', args);

  it('takes a capture id, the filter and an optional first frame number', async () => {
    await expect(call(['cap1-abc123', 'tcp'])).resolves.toBe('called');
    await expect(call(['cap1-abc123', 'tcp', 40])).resolves.toBe('called');
    await expect(call(['cap1-abc123', 'tcp', 0])).rejects.toThrow(/^filterCapture: bad argument 2/);
    await expect(call(['../etc', 'tcp'])).rejects.toThrow(/^filterCapture: bad argument 0: is not a capture id/);
    await expect(call(['cap1-abc123', 'x'.repeat(5000)])).rejects.toThrow(/^filterCapture: bad argument 1/);
  });
});
