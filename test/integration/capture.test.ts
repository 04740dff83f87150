// Live captures on a real lab (the two-arm nat example): `lblab capture` and
// the engine's capture API on the balancer's two interfaces while a client
// curls the VIP. Packets must carry the right fields on each side of the
// NAT, --count/--duration end by themselves, --write gives a pcap tshark
// reads, errors are one line, and no tcpdump (nor its wrapper) is left in
// any container however the capture ends: count, Ctrl-C, a killed CLI,
// stopCapture, the last subscriber leaving, `lblab down`.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureEvent, LabEvent, LabStatus, PacketSummary } from '../../electron/api';
import type { LabService } from '../../electron/api/host';
import { readPcap } from '../../electron/engine/capture/pcap-reader';
import { createLabEngine } from '../../electron/engine/lab-engine';
import { lblab, lblabChild, LAB_PREFIX, rewriteLab, ROOT, tmpDir } from '../support/labs';

const run = promisify(execFile);
const LAB = `${LAB_PREFIX}capture`;
const dir = tmpDir();
let st: LabStatus;
let vip = '';
let client1 = '';
let backends: string[] = [];
let lbFront = ''; // lb's interface on the clients' network
let lbBack = '';
let engine: LabService | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const container = (node: string) => st.nodes.find((n) => n.name === node)!.container;
/** Client traffic only: the balancer's own health checks (from its back address) are left out. */
let clientFilter = '';

/** Processes of a capture still alive in the lab's containers (tcpdump, or its sh wrapper). */
async function captureProcesses(): Promise<string[]> {
  const out: string[] = [];
  for (const n of st.nodes) {
    const { stdout } = await run('docker', ['exec', n.container, 'ps', '-eo', 'pid,comm,args']);
    for (const l of stdout.split('\n').slice(1)) if (/\btcpdump\b|lblab-capture/.test(l) && !/\bps -eo\b/.test(l)) out.push(`${n.name}: ${l.trim().slice(0, 120)}`);
  }
  return out;
}

async function expectNoCaptureLeft(withinMs = 5000): Promise<void> {
  const end = Date.now() + withinMs;
  let left = await captureProcesses();
  while (left.length && Date.now() < end) {
    await sleep(250);
    left = await captureProcesses();
  }
  expect(left).toEqual([]);
}

/** Host pids of the tcpdumps running in the lab's balancer (they outlive nothing once it is removed). */
function hostTcpdumpPids(): number[] {
  const out = execFileSync('docker', ['top', container('lb'), '-eo', 'pid,comm'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => /\btcpdump$/.test(l.trim()))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}
const aliveTcpdump = (pid: number) => {
  try {
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim() === 'tcpdump';
  } catch {
    return false;
  }
};

/** `n` HTTP requests from client1 to the VIP. */
async function curl(n: number): Promise<void> {
  await run('docker', ['exec', container('client1'), 'sh', '-c', `for i in $(seq ${n}); do curl -s -m 3 -o /dev/null http://${vip}/; done`]);
}

/** A `lblab capture` child: its output, its exit, and a promise for "capturing on". */
function captureChild(args: string[]) {
  const child = lblabChild(['capture', LAB, ...args]);
  const io = { stdout: '', stderr: '' };
  child.stdout.on('data', (b) => (io.stdout += b));
  child.stderr.on('data', (b) => (io.stderr += b));
  const exited = new Promise<number | null>((r) => child.on('close', (code, sig) => r(code ?? (sig ? -1 : null))));
  const listening = (async () => {
    for (let i = 0; i < 600 && !/capturing on/.test(io.stderr); i++) {
      if (child.exitCode !== null) throw new Error(`lblab capture exited: ${io.stderr}`);
      await sleep(50);
    }
    if (!/capturing on/.test(io.stderr)) throw new Error(`lblab capture did not start: ${io.stderr}`);
  })();
  return { child, io, exited, listening };
}

/** Curl until the child exits (a capture that waits for packets), at most `ms`. */
async function curlUntilExit(c: ReturnType<typeof captureChild>, ms = 30_000): Promise<number | null> {
  let done = false;
  void c.exited.then(() => (done = true));
  const end = Date.now() + ms;
  while (!done && Date.now() < end) await curl(2);
  return Promise.race([c.exited, sleep(5000).then(() => 'timeout' as const)]) as Promise<number | null>;
}

beforeAll(async () => {
  await lblab(['down', LAB]);
  const { file } = rewriteLab(path.join(ROOT, 'labs/nat.lab.yaml'), LAB, dir, 210);
  const up = await lblab(['up', file]);
  expect(up.code, up.stderr).toBe(0);
  const s = await lblab(['status', LAB, '--json']);
  st = JSON.parse(s.stdout) as LabStatus;
  vip = st.services[0].vip;
  backends = st.services[0].backends.map((b) => b.address);
  const lb = st.nodes.find((n) => n.name === 'lb')!;
  lbFront = lb.interfaces.find((i) => i.network === 'front')!.name;
  lbBack = lb.interfaces.find((i) => i.network === 'back')!.name;
  client1 = st.nodes.find((n) => n.name === 'client1')!.interfaces[0].address.split('/')[0];
  const lbBackAddr = lb.interfaces.find((i) => i.network === 'back')!.address.split('/')[0];
  clientFilter = `tcp port 80 and not host ${lbBackAddr}`;
  await curl(1); // the lab answers
});

afterAll(async () => {
  await engine?.close();
  await lblab(['down', LAB]);
});

describe.sequential('lblab capture', () => {
  it('--count 5: tcpdump-like lines of the client traffic, ends by itself, no tcpdump left', async () => {
    const c = captureChild(['lb', '--count', '5', '--filter', `host ${vip}`]);
    await c.listening;
    expect(c.io.stderr).toContain(`capturing on lb:eth0, lb:eth1 (filter: host ${vip})`);
    expect(await curlUntilExit(c)).toBe(0);
    const lines = c.io.stdout.trim().split('\n');
    expect(lines, c.io.stderr).toHaveLength(5);
    const esc = vip.replace(/\./g, '\\.');
    for (const l of lines) expect(l).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} lb:${lbFront} IP (${client1.replace(/\./g, '\\.')}\\.\\d+ > ${esc}\\.80|${esc}\\.80 > ${client1.replace(/\./g, '\\.')}\\.\\d+): `));
    expect(lines[0]).toMatch(/Flags \[S\]/);
    expect(c.io.stderr).toMatch(/5 packets captured \(count reached \(5 packets\)\)/);
    await expectNoCaptureLeft();
  });

  it('--json: decoded packets with Wireshark field names, both sides of the NAT, in time order', async () => {
    const c = captureChild(['lb', '--json', '--count', '16', '--filter', clientFilter]);
    await c.listening;
    expect(await curlUntilExit(c)).toBe(0);
    const rows = c.io.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; ts: number; node: string; iface: string; layers: Record<string, Record<string, unknown>> });
    expect(rows).toHaveLength(16);
    expect(rows.map((r) => r.index)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i].ts).toBeGreaterThanOrEqual(rows[i - 1].ts);
    // front: client → VIP; back: client → a backend (the destination rewritten)
    const syn = (r: (typeof rows)[number]) => r.layers.tcp?.['tcp.flags.syn'] === true && r.layers.tcp?.['tcp.flags.ack'] === false;
    const front = rows.find((r) => r.iface === lbFront && syn(r));
    const back = rows.find((r) => r.iface === lbBack && syn(r));
    expect(front, JSON.stringify(rows.map((r) => r.iface))).toBeDefined();
    expect(back).toBeDefined();
    expect(front!.layers.ip).toMatchObject({ 'ip.src': client1, 'ip.dst': vip, 'ip.proto': 6 });
    expect(front!.layers.tcp['tcp.dstport']).toBe(80);
    expect(back!.layers.ip['ip.src']).toBe(client1);
    expect(backends).toContain(back!.layers.ip['ip.dst']);
    expect(back!.layers.tcp['tcp.dstport']).toBe(80);
    expect(front!.layers.eth['eth.type']).toBe(0x0800);
    expect(rows.every((r) => r.node === 'lb')).toBe(true);
    await expectNoCaptureLeft();
  });

  it('--write: a pcap tshark reads, with as many packets as captured', async () => {
    const file = path.join(dir, 'cap.pcap');
    const c = captureChild(['lb', '--count', '12', '--filter', clientFilter, '--write', file]);
    await c.listening;
    expect(await curlUntilExit(c)).toBe(0);
    expect(c.io.stdout).toBe('');
    expect(c.io.stderr).toMatch(/in one Ethernet pcap/);
    expect(c.io.stderr).toMatch(new RegExp(`12 packets captured, written to ${file.replace(/[.]/g, '\\.')}`));
    const t = await run('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'ip.dst', '-e', 'tcp.dstport']);
    const rows = t.stdout.trim().split('\n');
    expect(rows).toHaveLength(12);
    expect(readPcap(fs.readFileSync(file)).records).toHaveLength(12);
    expect(rows.some((r) => r.split('\t')[1] === vip)).toBe(true);
    await expectNoCaptureLeft();
  });

  it('--duration ends by itself with exit 0', async () => {
    const c = captureChild([`lb:${lbFront}`, '--duration', '1.5']);
    await c.listening;
    expect(await Promise.race([c.exited, sleep(15_000).then(() => 'timeout')])).toBe(0);
    expect(c.io.stderr).toMatch(/captured \(duration reached \(1\.5 s\)\)/);
    await expectNoCaptureLeft();
  });

  it('an invalid filter: tcpdump\'s message in one line, exit 1, nothing left running', async () => {
    const r = await lblab(['capture', LAB, 'lb', '--filter', 'tcp port x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`lblab: capture filter "tcp port x": tcpdump: unknown port 'x'\n`);
    const r2 = await lblab(['capture', LAB, 'lb', '--filter', 'tcp port']);
    expect(r2.stderr).toMatch(/^lblab: capture filter "tcp port": tcpdump: .*syntax error\n$/);
    await expectNoCaptureLeft(1000);
  });

  it('unknown lab, node and interface: one line naming it', async () => {
    const noNode = await lblab(['capture', LAB, 'nosuch']);
    expect(noNode.code).toBe(1);
    expect(noNode.stderr).toBe(`lblab: lab ${LAB} has no node nosuch (nodes: client1, client2, lb, web1, web2, web3)\n`);
    const noIface = await lblab(['capture', LAB, 'lb:eth9']);
    expect(noIface.stderr).toMatch(new RegExp(`^lblab: node lb of lab ${LAB} has no interface eth9 \\(interfaces: eth0 \\((front|back)\\), eth1 \\((front|back)\\)\\)\\n$`));
    const noLab = await lblab(['capture', `${LAB}-none`, 'lb']);
    expect(noLab.stderr).toBe(`lblab: no lab named ${LAB}-none\n`);
    const bad = await lblab(['capture', LAB, 'lb:']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('Ctrl-C stops with exit 130; a killed CLI leaves no tcpdump either', async () => {
    const c = captureChild(['lb']);
    await c.listening;
    expect((await captureProcesses()).some((l) => /tcpdump/.test(l))).toBe(true);
    c.child.kill('SIGINT');
    expect(await c.exited).toBe(130);
    expect(c.io.stderr).toMatch(/captured \(interrupted\)/);
    await expectNoCaptureLeft();

    // no chance to clean up: the wrapper sees its stdin close and kills tcpdump
    const k = captureChild(['lb', 'client1']);
    await k.listening;
    expect((await captureProcesses()).filter((l) => /tcpdump -U/.test(l))).toHaveLength(3);
    k.child.kill('SIGKILL');
    await k.exited;
    await expectNoCaptureLeft();
  });
});

describe.sequential('engine capture API', () => {
  it('streams batched summaries, decodes a packet, exports pcap; stopCapture leaves nothing', async () => {
    engine = createLabEngine();
    const events: LabEvent[] = [];
    const unsub = engine.subscribe((e) => events.push(e));
    const { id, interfaces } = await engine.startCapture(LAB, [{ node: 'lb' }], { filter: clientFilter });
    expect(interfaces.map((i) => i.iface).sort()).toEqual(['eth0', 'eth1']);
    const t0 = Date.now();
    await curl(5);
    const batchesOf = () => events.filter((e): e is Extract<CaptureEvent, { type: 'capture-packets' }> => e.type === 'capture-packets' && e.id === id);
    // until the requests' packets have come as events (≥ 6 per request on each interface), 10 s at most
    const end = Date.now() + 10_000;
    while (batchesOf().flatMap((b) => b.packets).length < 5 * 2 * 6 && Date.now() < end) await sleep(50);
    const secs = (Date.now() - t0) / 1000;
    const batches = batchesOf();
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(secs * 5) + 1);
    const rows: PacketSummary[] = batches.flatMap((b) => b.packets);
    expect(rows.length).toBeGreaterThanOrEqual(5 * 2 * 6); // ≥ 6 packets per request, seen on both interfaces
    expect(rows.map((r) => r.index)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    const first = rows[0];
    expect(first).toMatchObject({ index: 1, node: 'lb', iface: lbFront, protocol: 'TCP', src: client1, dst: vip });
    expect(first.summary).toMatch(/Flags \[S\]/);
    expect(rows.some((r) => r.protocol === 'HTTP' && r.iface === lbBack && backends.includes(r.dst))).toBe(true);

    const p = await engine.capturePacket(id, first.index);
    expect(p.layers.map((l) => l.name)).toEqual(['frame', 'eth', 'ip', 'tcp']);
    expect(p.bytes).toHaveLength(p.caplen * 2);
    const ipDst = p.layers[2].fields.find((f) => f.name === 'ip.dst')!;
    expect(ipDst).toMatchObject({ value: vip, offset: 30, length: 4 });
    expect(Buffer.from(p.bytes, 'hex').subarray(30, 34).join('.')).toBe(vip);

    await engine.stopCapture(id);
    expect(events.at(-1)).toMatchObject({ type: 'capture-end', id, reason: 'stopped' });
    await expectNoCaptureLeft(1000);
    const info = (await engine.listCaptures()).find((c) => c.id === id)!;
    expect(info).toMatchObject({ state: 'ended', lab: LAB, dropped: 0 });
    const file = await engine.capturePcap(id);
    expect(readPcap(Buffer.from(file.base64, 'base64')).records).toHaveLength(info.total);
    const loaded = await engine.loadPcap(file.name, file.base64);
    expect(loaded.total).toBe(info.total);
    expect((await engine.captureSummaries(loaded.id, 1, 3)).map((s) => s.summary)).toEqual(rows.slice(0, 3).map((r) => r.summary));
    unsub();
  });

  it('the last event subscriber leaving mid-capture stops it: tcpdump gone within seconds', async () => {
    const unsub = engine!.subscribe(() => undefined);
    const { id } = await engine!.startCapture(LAB, [{ node: 'lb' }, { node: 'web1' }], {});
    expect((await captureProcesses()).filter((l) => /tcpdump -U/.test(l))).toHaveLength(3);
    unsub();
    await expectNoCaptureLeft(5000);
    expect((await engine!.listCaptures()).find((c) => c.id === id)).toMatchObject({ state: 'ended', endReason: 'the last event subscriber left' });
  });

  it('`lblab down` while capturing (the engine and the CLI): both end, no tcpdump survives', async () => {
    const events: LabEvent[] = [];
    const unsub = engine!.subscribe((e) => events.push(e));
    const { id } = await engine!.startCapture(LAB, [{ node: 'lb' }], {});
    const c = captureChild([`lb:${lbFront}`]);
    await c.listening;
    const pids = hostTcpdumpPids();
    expect(pids).toHaveLength(3);
    expect(pids.every(aliveTcpdump)).toBe(true);
    const down = await lblab(['down', LAB]);
    expect(down.code, down.stderr).toBe(0);
    expect(await Promise.race([c.exited, sleep(15_000).then(() => 'timeout')])).toBe(1);
    expect(c.io.stderr.trim().split('\n').at(-1)).toMatch(/^lblab: capture ended: /);
    const end = Date.now() + 10_000;
    while (!events.some((e) => e.type === 'capture-end' && e.id === id) && Date.now() < end) await sleep(100);
    expect(events.find((e) => e.type === 'capture-end' && e.id === id)).toBeDefined();
    expect(pids.filter(aliveTcpdump)).toEqual([]);
    unsub();
  });
});
