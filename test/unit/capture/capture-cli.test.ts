// `lblab capture` without Docker: target arguments, the text and JSON
// formats, and runCapture over a capture manager whose tcpdump is a
// stand-in (count, --write, --json, Ctrl-C, a failing start).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LabStatus } from '../../../electron/api';
import { formatTime, isoTime, packetJson, packetLine, parseTargets } from '../../../electron/cli/capture-format';
import { runCapture } from '../../../electron/cli/capture-run';
import { UsageError } from '../../../electron/cli/fail';
import { CaptureManager } from '../../../electron/engine/capture/capture-manager';
import { decodePacket } from '../../../electron/engine/capture/decode/index';
import { readPcap } from '../../../electron/engine/capture/pcap-reader';
import { PacketRing } from '../../../electron/engine/capture/ring';
import { playingStarter, tcpFrame } from '../../support/capture-fakes';

describe('capture targets', () => {
  it('reads NODE, NODE:IFACE and NODE:IFACE,IFACE', () => {
    expect(parseTargets(['lb', 'web1:eth0', 'r1:eth0,back'])).toEqual([{ node: 'lb' }, { node: 'web1', iface: 'eth0' }, { node: 'r1', iface: 'eth0' }, { node: 'r1', iface: 'back' }]);
  });
  it('names the bad part in one line', () => {
    expect(() => parseTargets(['LB'])).toThrow(/^capture target LB: "LB" is not a node name/);
    expect(() => parseTargets(['lb:'])).toThrow(/^capture target lb:: "" is not an interface name/);
    expect(() => parseTargets(['lb:eth0,,eth1'])).toThrow(/"" is not an interface name/);
    expect(() => parseTargets(['lb:eth0;ls'])).toThrow(/"eth0;ls" is not an interface name/);
  });
});

describe('capture formats', () => {
  const frame = tcpFrame({ src: '198.18.0.10', dst: '198.18.0.100', sport: 40000, dport: 80, flags: 0x02, seq: 7 });
  const ts = Date.UTC(2026, 10, 28, 12, 0, 1) * 1000 + 42;
  const decoded = decodePacket({ sec: Math.floor(ts / 1e6), nsec: (ts % 1e6) * 1000, len: frame.length, data: frame }, { number: 3 });

  it('prints a tcpdump-like line: local time with microseconds, node:iface, summary', () => {
    const local = new Date(Math.floor(ts / 1000));
    const hh = String(local.getHours()).padStart(2, '0');
    expect(formatTime(ts)).toBe(`${hh}:${String(local.getMinutes()).padStart(2, '0')}:01.000042`);
    expect(packetLine({ index: 3, node: 'lb', iface: 'eth0', decoded })).toBe(`${formatTime(ts)} lb:eth0 IP 198.18.0.10.40000 > 198.18.0.100.80: ${decoded.summary.split(': ').slice(1).join(': ')}`);
    expect(isoTime(ts)).toBe('2026-11-28T12:00:01.000042Z');
  });

  it('prints JSON with each layer\'s fields under Wireshark names; repeated layers become arrays', () => {
    const o = JSON.parse(packetJson({ index: 3, node: 'lb', iface: 'eth0', decoded }));
    expect(o).toMatchObject({ index: 3, ts, node: 'lb', iface: 'eth0', len: 54, caplen: 54 });
    expect(o.layers.ip['ip.src']).toBe('198.18.0.10');
    expect(o.layers.ip['ip.dst']).toBe('198.18.0.100');
    expect(o.layers.tcp['tcp.srcport']).toBe(40000);
    expect(o.layers.tcp['tcp.dstport']).toBe(80);
    expect(o.layers.tcp['tcp.flags.syn']).toBe(true);
    expect(o.layers.eth['eth.type']).toBe(0x0800);
    // an IPIP packet: two ip layers, outermost first
    const inner = frame.subarray(14);
    const outerIp = Buffer.from(frame.subarray(14, 34));
    outerIp[9] = 4;
    outerIp.writeUInt16BE(20 + inner.length, 2);
    outerIp.set([198, 18, 1, 2], 12);
    outerIp.set([198, 18, 1, 11], 16);
    const ipip = Buffer.concat([frame.subarray(0, 14), outerIp, inner]);
    const d2 = decodePacket({ sec: 1, nsec: 0, len: ipip.length, data: ipip });
    const o2 = JSON.parse(packetJson({ index: 1, node: 'lb', iface: 'eth1', decoded: d2 }));
    expect(Array.isArray(o2.layers.ip)).toBe(true);
    expect(o2.layers.ip.map((l: Record<string, unknown>) => l['ip.dst'])).toEqual(['198.18.1.11', '198.18.0.100']);
  });
});

describe('PacketRing byte bound', () => {
  it('lets the oldest frames go when the bytes exceed maxBytes, and keeps the newest', () => {
    const big = tcpFrame({ src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2, flags: 0x10, payload: 'x'.repeat(946) }); // 1000 bytes
    const ring = new PacketRing({ capacity: 100, maxBytes: 3 * 1016 });
    for (let i = 0; i < 10; i++) ring.push({ sec: i, nsec: 0, len: big.length, data: big });
    expect(ring.stats()).toMatchObject({ size: 3, total: 10, dropped: 7, bytes: 3 * 1016 });
    expect(ring.first).toBe(8);
    expect(ring.record(10)!.sec).toBe(9);
    const tiny = new PacketRing({ capacity: 10, maxBytes: 10 });
    tiny.push({ sec: 1, nsec: 0, len: big.length, data: big });
    expect(tiny.size).toBe(1);
  });
});

describe('runCapture', () => {
  const LAB: LabStatus = {
    name: 'demo',
    state: 'running',
    networks: [],
    services: [],
    nodes: [
      {
        name: 'lb',
        kind: 'balancer',
        container: 'c-lb',
        state: 'running',
        routes: [],
        interfaces: [
          { name: 'eth0', network: 'front', mac: '02:00:00:00:00:01', address: '198.18.210.2/24' },
          { name: 'eth1', network: 'back', mac: '02:00:00:00:00:02', address: '198.18.211.2/24' },
        ],
      },
    ],
  };
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function setup() {
    const exec = playingStarter({ everyMs: 3 });
    const captures = new CaptureManager({ emit: () => undefined, status: async () => LAB, exec });
    const out = new PassThrough();
    const err = new PassThrough();
    const text = { out: '', err: '' };
    out.on('data', (b) => (text.out += b));
    err.on('data', (b) => (text.err += b));
    const engine = { tapCapture: captures.tap.bind(captures), stopCapture: (id: string) => captures.stop(id) };
    return { exec, engine, io: { stdout: out, stderr: err }, text };
  }

  it('prints COUNT lines and exits 0 with no tcpdump left', async () => {
    const { exec, engine, io, text } = setup();
    expect(await runCapture(engine, 'demo', ['lb:eth0'], { count: 5 }, io)).toBe(0);
    const lines = text.out.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} lb:eth0 IP 198\.18\.0\.(10|100)\.\d+ > /);
    expect(text.err).toMatch(/capturing on lb:eth0; Ctrl-C stops/);
    expect(text.err).toMatch(/5 packets captured \(count reached \(5 packets\)\)/);
    expect(exec.execs.every((x) => !x.running)).toBe(true);
  });

  it('--write gives a pcap with every packet, --json one object per line, across two interfaces', async () => {
    const { engine, io, text } = setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-cap-'));
    dirs.push(dir);
    const file = path.join(dir, 'out.pcap');
    expect(await runCapture(engine, 'demo', ['lb'], { count: 9, write: file, json: true }, io)).toBe(0);
    const pcap = readPcap(fs.readFileSync(file));
    expect(pcap.header.linktype).toBe(1);
    expect(pcap.records).toHaveLength(9);
    const rows = text.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(rows.map((r) => r.iface))).toEqual(new Set(['eth0', 'eth1']));
    expect(rows.map((r) => r.ts)).toEqual(pcap.records.map((r) => r.sec * 1e6 + r.nsec / 1000));
    expect(text.err).toMatch(/gets the packets of lb:eth0, lb:eth1 in one Ethernet pcap/);
  });

  it('stops on SIGINT and returns 130', async () => {
    const { exec, engine, io, text } = setup();
    const run = runCapture(engine, 'demo', ['lb:eth1'], {}, io);
    await vi.waitFor(() => expect(text.err).toMatch(/capturing on lb:eth1; Ctrl-C stops/));
    process.emit('SIGINT');
    expect(await run).toBe(130);
    expect(exec.execs.every((x) => !x.running)).toBe(true);
  });

  it('fails in one line on a bad filter and leaves no file', async () => {
    const { engine, io } = setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-cap-'));
    dirs.push(dir);
    const file = path.join(dir, 'out.pcap');
    await expect(runCapture(engine, 'demo', ['lb'], { filter: 'tcp port x', write: file }, io)).rejects.toThrow(/^capture filter "tcp port x": tcpdump: unknown port 'x'$/);
    expect(fs.existsSync(file)).toBe(false);
    await expect(runCapture(engine, 'demo', ['lb:'], {}, io)).rejects.toBeInstanceOf(UsageError);
  });
});
