// Captures over a tcpdump stand-in: targets resolved from the lab status
// (and the one-line errors when they are wrong), the ring's drop count,
// events batched per tick, interleaving by time, count / duration / stop,
// pcap out and in, and the API's argument checks.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiArgs, dispatch, type CaptureEvent, type LabApi, type LabEvent, type LabStatus, type PacketSummary } from '../../../electron/api';
import { CaptureManager } from '../../../electron/engine/capture/capture-manager';
import type { ExecStarter } from '../../../electron/engine/capture/exec-stream';
import { HOLD_MS, TICK_MS } from '../../../electron/engine/capture/live-capture';
import { readPcap } from '../../../electron/engine/capture/pcap-reader';
import { PID_TAG } from '../../../electron/engine/capture/tcpdump-command';
import { FakeExec, httpExchange, pcapHeader, pcapRecord, playingStarter } from '../../support/capture-fakes';

const LAB: LabStatus = {
  name: 'demo',
  state: 'running',
  networks: [],
  services: [],
  nodes: [
    {
      name: 'lb',
      kind: 'balancer',
      container: 'lblab-demo-lb',
      id: 'c-lb',
      state: 'running',
      routes: [],
      interfaces: [
        { name: 'eth0', network: 'front', mac: '02:00:00:00:00:01', address: '198.18.210.2/24' },
        { name: 'eth1', network: 'back', mac: '02:00:00:00:00:02', address: '198.18.211.2/24' },
      ],
    },
    { name: 'web1', kind: 'server', container: 'lblab-demo-web1', id: 'c-web1', state: 'exited', routes: [], interfaces: [] },
  ],
};

/** A fake clock for the timing tests (setImmediate stays real: the fake tcpdumps answer through it). */
const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
const managers: CaptureManager[] = [];

function manager(exec: ExecStarter = playingStarter({ everyMs: 5 })) {
  const events: CaptureEvent[] = [];
  const m = new CaptureManager({
    emit: (e) => events.push(e),
    status: async (lab) => (lab === 'demo' ? LAB : { name: lab, state: 'absent', networks: [], nodes: [], services: [] }),
    exec,
  });
  managers.push(m);
  return { m, events };
}

afterEach(async () => {
  for (const m of managers.splice(0)) await m.stopAll('test over');
  vi.useRealTimers();
});

const ended = (events: CaptureEvent[], id: string) =>
  new Promise<Extract<CaptureEvent, { type: 'capture-end' }>>((resolve) => {
    const check = () => {
      const e = events.find((x) => x.type === 'capture-end' && x.id === id);
      if (e) resolve(e as Extract<CaptureEvent, { type: 'capture-end' }>);
      return !!e;
    };
    if (check()) return;
    const poll = setInterval(() => check() && clearInterval(poll), 10);
  });
const packetsOf = (events: CaptureEvent[], id: string): PacketSummary[] =>
  events.flatMap((e) => (e.type === 'capture-packets' && e.id === id ? e.packets : []));

describe('CaptureManager: targets', () => {
  it('takes every interface of a node when none is named, and an interface by its lab network', async () => {
    const { m } = manager();
    expect(await m.resolve('demo', [{ node: 'lb' }])).toEqual([
      { node: 'lb', iface: 'eth0', container: 'c-lb' },
      { node: 'lb', iface: 'eth1', container: 'c-lb' },
    ]);
    expect(await m.resolve('demo', [{ node: 'lb', iface: 'back' }, { node: 'lb', iface: 'eth1' }])).toEqual([{ node: 'lb', iface: 'eth1', container: 'c-lb' }]);
  });

  it('names what is wrong in one line: lab, node (with the nodes), interface (with the interfaces), a stopped node', async () => {
    const { m } = manager();
    await expect(m.start('nolab', [{ node: 'lb' }])).rejects.toThrow(/^no lab named nolab$/);
    await expect(m.start('demo', [{ node: 'lb2' }])).rejects.toThrow(/^lab demo has no node lb2 \(nodes: lb, web1\)$/);
    await expect(m.start('demo', [{ node: 'lb', iface: 'eth7' }])).rejects.toThrow(/^node lb of lab demo has no interface eth7 \(interfaces: eth0 \(front\), eth1 \(back\)\)$/);
    await expect(m.start('demo', [{ node: 'web1' }])).rejects.toThrow(/^node web1 of lab demo is not running \(exited\)$/);
    expect(m.list()).toEqual([]);
  });

  it('reports an invalid filter with tcpdump\'s message in one line, and leaves nothing running', async () => {
    const exec = playingStarter();
    const { m } = manager(exec);
    const err = await m.start('demo', [{ node: 'lb' }], { filter: 'tcp port x' }).catch((e: Error) => e);
    expect((err as Error).message).toBe('capture filter "tcp port x": tcpdump: unknown port \'x\'');
    expect(exec.execs).toHaveLength(2);
    expect(exec.execs.every((x) => !x.running)).toBe(true);
    expect(m.list()).toEqual([]);
  });

  it('stops the interfaces that started when another one cannot', async () => {
    const base = playingStarter({ everyMs: 20 });
    const failing: ExecStarter = async (container, argv) => {
      if (!argv.includes('eth1')) return base(container, argv);
      const x = new FakeExec(container, argv);
      setImmediate(() => {
        x.err(`${PID_TAG} 5\ntcpdump: eth1: That device is not up\n`);
        x.exit(1);
      });
      return x;
    };
    const { m } = manager(failing);
    await expect(m.start('demo', [{ node: 'lb' }], { filter: 'tcp' })).rejects.toThrow(/^lb:eth1: tcpdump: eth1: That device is not up$/);
    expect(base.execs).toHaveLength(1);
    expect(base.execs[0].running).toBe(false);
  });
});

describe('CaptureManager: packets', () => {
  it('keeps the last ringSize packets and counts the ones it let go', async () => {
    const { m, events } = manager(playingStarter({ everyMs: 2 }));
    const { id } = await m.start('demo', [{ node: 'lb', iface: 'eth0' }], { ringSize: 5, count: 12 });
    const end = await ended(events, id);
    expect(end).toMatchObject({ reason: 'count reached (12 packets)', total: 12, dropped: 7 });
    const info = m.list().find((c) => c.id === id)!;
    expect(info).toMatchObject({ state: 'ended', total: 12, dropped: 7, lab: 'demo', interfaces: [{ node: 'lb', iface: 'eth0' }] });
    expect(() => m.packet(id, 7)).toThrow(/^packet 7 of capture .* has left the ring \(it keeps the last 5; the oldest now is 8\)$/);
    expect(() => m.packet(id, 13)).toThrow(/has no packet 13 \(it has 12\)/);
    const p = m.packet(id, 12);
    expect(p).toMatchObject({ index: 12, node: 'lb', iface: 'eth0', number: 12 });
    expect(p.bytes).toMatch(/^[0-9a-f]+$/);
    expect(p.bytes.length).toBe(p.caplen * 2);
    expect(m.summaries(id, 1, 100).map((s) => s.index)).toEqual([8, 9, 10, 11, 12]);
    // the events carried all 12, in order, and the drop count
    expect(packetsOf(events, id).map((s) => s.index)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const last = events.filter((e) => e.type === 'capture-packets').pop()!;
    expect(last).toMatchObject({ total: 12, dropped: 7 });
  });

  it('sends at most one capture-packets event per tick, with every packet once, in order', async () => {
    fakeClock();
    const { m, events } = manager(playingStarter({ everyMs: 1 }));
    const { id } = await m.start('demo', [{ node: 'lb', iface: 'eth0' }]);
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(1200);
    await m.stop(id);
    const secs = (Date.now() - t0) / 1000;
    const batches = events.filter((e) => e.type === 'capture-packets');
    expect(batches.length).toBeGreaterThanOrEqual(3);
    // at most 1000/TICK_MS per second, plus the final flush at stop
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(secs * (1000 / TICK_MS)) + 1);
    const idx = packetsOf(events, id).map((s) => s.index);
    expect(idx.length).toBeGreaterThan(100);
    expect(idx).toEqual(Array.from({ length: idx.length }, (_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'capture-end', id, reason: 'stopped', total: idx.length });
    // summaries describe the packets: the HTTP exchange to the VIP
    const syn = packetsOf(events, id)[0];
    expect(syn).toMatchObject({ node: 'lb', iface: 'eth0', protocol: 'TCP', src: '198.18.0.10', dst: '198.18.0.100', len: 54 });
    expect(syn.summary).toMatch(/^IP 198\.18\.0\.10\.40000 > 198\.18\.0\.100\.80: Flags \[S\]/);
    expect(packetsOf(events, id).some((s) => s.protocol === 'HTTP')).toBe(true);
  });

  it('interleaves two interfaces by timestamp, each packet with its node and interface', async () => {
    fakeClock();
    const T0 = Date.now() * 1000;
    const frames = httpExchange('198.18.0.10', '198.18.0.100', 41000);
    // eth0 gets the even frames at once; eth1 the odd ones 250 ms later (a slower stream), after the first tick
    const starter: ExecStarter = async (container, argv) => {
      const x = new FakeExec(container, argv);
      const mine = x.iface === 'eth0' ? 0 : 1;
      setImmediate(() => {
        x.err(`${PID_TAG} ${10 + mine}\ntcpdump: listening on ${x.iface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`);
        x.out(pcapHeader());
        setTimeout(
          () => frames.forEach((f, i) => i % 2 === mine && x.out(pcapRecord(f, T0 + i * 1000))),
          mine ? TICK_MS + 50 : 0,
        );
      });
      return x;
    };
    const { m, events } = manager(starter);
    const { id, interfaces } = await m.start('demo', [{ node: 'lb' }]);
    expect(interfaces).toEqual([
      { node: 'lb', iface: 'eth0' },
      { node: 'lb', iface: 'eth1' },
    ]);
    expect(HOLD_MS).toBeGreaterThan(TICK_MS + 50);
    await vi.advanceTimersByTimeAsync(HOLD_MS + 600);
    await m.stop(id);
    const got = packetsOf(events, id);
    expect(got.map((p) => p.ts)).toEqual(frames.map((_, i) => T0 + i * 1000));
    expect(got.map((p) => p.iface)).toEqual(frames.map((_, i) => (i % 2 ? 'eth1' : 'eth0')));
    expect(m.packet(id, 2)).toMatchObject({ iface: 'eth1', node: 'lb' });
  });

  it('ends by duration, and when every tcpdump has ended on its own', async () => {
    fakeClock();
    const { m, events } = manager();
    const a = await m.start('demo', [{ node: 'lb', iface: 'eth0' }], { duration: 0.3 });
    await vi.advanceTimersByTimeAsync(299);
    expect(events.some((e) => e.type === 'capture-end')).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers(); // the stop it began may still await
    expect(await ended(events, a.id)).toMatchObject({ reason: 'duration reached (0.3 s)' });

    const exec = playingStarter({ everyMs: 5 });
    const { m: m2, events: ev2 } = manager(exec);
    const b = await m2.start('demo', [{ node: 'lb', iface: 'eth0' }]);
    exec.execs[0].exit(null);
    expect(await ended(ev2, b.id)).toMatchObject({ reason: 'lb:eth0: the node went away' });
  });

  it('stops the captures of a lab or a node that goes away, and all of them at once', async () => {
    const exec = playingStarter({ everyMs: 5 });
    const { m, events } = manager(exec);
    const a = await m.start('demo', [{ node: 'lb', iface: 'eth0' }]);
    const b = await m.start('demo', [{ node: 'lb', iface: 'eth1' }]);
    await m.nodeGone('demo', 'web1', 'node web1 stopped'); // not captured: nothing happens
    expect(m.running).toBe(2);
    await m.nodeGone('demo', undefined, 'lab demo removed');
    expect(m.running).toBe(0);
    expect(events.filter((e) => e.type === 'capture-end').map((e) => (e as { reason: string }).reason)).toEqual(['lab demo removed', 'lab demo removed']);
    expect(exec.execs.every((x) => !x.running)).toBe(true);
    const c = await m.start('demo', [{ node: 'lb' }]);
    await m.stopAll('the last event subscriber left');
    expect(m.list().find((x) => x.id === c.id)).toMatchObject({ state: 'ended', endReason: 'the last event subscriber left' });
    expect(exec.execs.every((x) => !x.running && x.stdinClosed)).toBe(true);
    void a;
    void b;
  });

  it('exports the ring as pcap and opens a pcap file as a capture with the same packets', async () => {
    const { m, events } = manager(playingStarter({ everyMs: 2 }));
    const { id } = await m.start('demo', [{ node: 'lb', iface: 'eth0' }], { count: 10 });
    await ended(events, id);
    const file = m.pcap(id);
    expect(file.name).toMatch(/^demo-lb-eth0-\d{8}-\d{6}\.pcap$/);
    expect(file.packets).toBe(10);
    expect(readPcap(Buffer.from(file.base64, 'base64')).records).toHaveLength(10);
    const loaded = m.load('trace.pcap', file.base64);
    expect(loaded).toEqual({ id: expect.any(String), interfaces: [{ node: 'trace', iface: 'file' }], total: 10 });
    const orig = m.summaries(id, 1, 10);
    const again = m.summaries(loaded.id, 1, 10);
    expect(again.map((s) => [s.ts, s.summary])).toEqual(orig.map((s) => [s.ts, s.summary]));
    expect(m.packet(loaded.id, 4).layers.map((l) => l.name)).toEqual(m.packet(id, 4).layers.map((l) => l.name));
    expect(m.list().find((c) => c.id === loaded.id)).toMatchObject({ state: 'loaded', name: 'trace', total: 10 });
    expect(() => m.load('junk.pcap', Buffer.from('not a pcap file, no').toString('base64'))).toThrow(/^junk\.pcap: not a pcap file/);
    await m.discard(loaded.id);
    expect(() => m.packet(loaded.id, 1)).toThrow(/^no capture/);
  });
});

describe('capture API arguments', () => {
  const impl = new Proxy({}, { get: () => async () => 'called' }) as unknown as LabApi;
  const call = (m: string, args: unknown[]) => dispatch(impl, m, args);

  it('accepts targets and options, with or without options', async () => {
    await expect(call('startCapture', ['demo', [{ node: 'lb', iface: 'eth0' }, { node: 'web1' }], { filter: 'tcp port 80', count: 5, duration: 2.5, snaplen: 128, ringSize: 10 }])).resolves.toBe('called');
    await expect(call('startCapture', ['demo', [{ node: 'lb' }]])).resolves.toBe('called');
    await expect(call('startCapture', ['demo', [{ node: 'lb' }], null])).resolves.toBe('called');
  });

  it('rejects bad targets and options in one line', async () => {
    const bad: [unknown[], RegExp][] = [
      [['demo', []], /startCapture: bad argument 1/],
      [['demo', [{ node: 'LB!' }]], /bad argument 1\.0\.node/],
      [['demo', [{ node: 'lb', iface: 'eth0; rm -rf /' }]], /bad argument 1\.0\.iface: is not an interface name/],
      [['demo', [{ node: 'lb', extra: 1 }]], /bad argument 1\.0/],
      [['demo', [{ node: 'lb' }], { filter: 'tcp\nport 80' }], /filter: has control characters/],
      [['demo', [{ node: 'lb' }], { count: 0 }], /count/],
      [['demo', [{ node: 'lb' }], { ringSize: 2_000_000 }], /ringSize/],
      [['demo', [{ node: 'lb' }], { snaplen: 10 }], /snaplen/],
      [['demo', [{ node: 'lb' }], { duration: -1 }], /duration/],
      [['demo', [{ node: 'lb' }], { colour: 'red' }], /bad argument 2/],
    ];
    for (const [args, re] of bad) {
      const e = (await call('startCapture', args).catch((x: Error) => x)) as Error;
      expect(e.message, JSON.stringify(args)).toMatch(re);
      expect(e.message).not.toContain('\n');
    }
    await expect(call('capturePacket', ['cap1', 0])).rejects.toThrow(/bad argument 1/);
    await expect(call('capturePacket', ['../etc', 1])).rejects.toThrow(/is not a capture id/);
    await expect(call('loadPcap', ['x.pcap', 'not base64!'])).rejects.toThrow(/is not base64/);
    await expect(call('captureSummaries', ['cap1', 1, 100_000])).rejects.toThrow(/bad argument 2/);
  });

  it('has a schema for every capture method', () => {
    for (const m of ['startCapture', 'stopCapture', 'listCaptures', 'captureSummaries', 'capturePacket', 'capturePcap', 'loadPcap', 'discardCapture']) expect(apiArgs).toHaveProperty(m);
  });
});

// the LabEvent union carries the capture events
const _typecheck: LabEvent[] = [
  { type: 'capture-packets', id: 'x', packets: [], total: 0, dropped: 0 },
  { type: 'capture-end', id: 'x', reason: 'stopped', total: 0, dropped: 0 },
];
void _typecheck;

describe('CaptureManager: options from in-process callers', () => {
  it('checks them like the API does, in one line', async () => {
    const { m } = manager();
    await expect(m.start('demo', [{ node: 'lb' }], { snaplen: 10 })).rejects.toThrow(/^capture option snaplen: /);
    await expect(m.start('demo', [{ node: 'lb' }], { count: 1.5 })).rejects.toThrow(/^capture option count: /);
    expect(m.list()).toEqual([]);
  });
});
