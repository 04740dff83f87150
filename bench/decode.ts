// Capture decoding speed and memory, in one run:
//   1. a full 100 000-packet PacketRing: RSS and heap (target ≤ 100 MB), then
//      1 000 000 packets streamed through it (memory must stay bounded);
//   2. a 1 000 000-packet pcap (TCP with and without data, HTTP, UDP, ICMP,
//      IPIP; ~550 bytes per frame on average) read in 1 MiB chunks by our
//      streaming reader and decoded: reader alone, the fast path (summary,
//      brief, layers: the packet list), the full field tree (target
//      ≥ 500 000 packets/s) and a display filter decoding only the layers it
//      reads (as Wireshark primes its tree) against the same filter over the
//      full tree; then `tshark -r FILE -T fields -e frame.number` on the same
//      file, and the ratios.
//   npm run bench:decode            (BENCH_PACKETS=1000000 by default)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CAPTURE_RING_DEFAULT } from '../electron/api';
import { decodePacket } from '../electron/engine/capture/decode/index';
import { compileFilter } from '../electron/engine/capture/display-filter';
import { PcapReader, type PcapRecord } from '../electron/engine/capture/pcap-reader';
import { pcapFileHeader, writeRecordHeader } from '../electron/engine/capture/pcap-writer';
import { PacketRing } from '../electron/engine/capture/ring';
import { A, CRAFTED, HTTP_200, M, TCP, eth, icmp, ipv4, tcp, tcpOpt, udp } from '../test/support/capture-frames';

const PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
// a filter a user types while following one client's connection
const FILTER = 'ip.src == 198.18.0.10 && tcp.dstport == 80 && tcp.flags.syn == 0';
const RING = CAPTURE_RING_DEFAULT;
const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

// ---------------------------------------------------------------- the traffic mix (20 frames, repeated)
const ts = [tcpOpt.nop(), tcpOpt.nop(), tcpOpt.ts(1000, 2000)];
const tcpFrame = (flags: number, bytes: number, options = ts): Buffer =>
  eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 6, df: true, payload: tcp({ sport: 40000, dport: 80, seq: 1, ack: 1, flags, options, payload: Buffer.alloc(bytes, 0x61) }, A.client, A.vip) }));
const ipipFrame = (bytes: number): Buffer =>
  eth(M.server, M.lb, 0x0800, ipv4({ src: A.lb, dst: A.server, proto: 4, payload: ipv4({ src: A.client, dst: A.vip, proto: 6, payload: tcp({ sport: 40000, dport: 80, seq: 1, ack: 1, flags: TCP.ACK, options: ts, payload: Buffer.alloc(bytes, 0x62) }, A.client, A.vip) }) }));
const udpFrame = (bytes: number): Buffer => eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 17, payload: udp(40000, 53, Buffer.alloc(bytes, 0x63), A.client, A.vip) }));
const MIX: Buffer[] = [
  ...Array(5).fill(tcpFrame(TCP.ACK, 1448)), ...Array(5).fill(tcpFrame(TCP.ACK, 0)),
  CRAFTED.tcpSyn, CRAFTED.httpGet,
  eth(M.client, M.lb, 0x0800, ipv4({ src: A.vip, dst: A.client, proto: 6, payload: tcp({ sport: 80, dport: 40000, flags: TCP.PSH | TCP.ACK, options: ts, payload: Buffer.from(HTTP_200 + 'x'.repeat(150)) }, A.vip, A.client) })),
  udpFrame(38), udpFrame(38), udpFrame(470),
  eth(M.lb, M.client, 0x0800, ipv4({ src: A.client, dst: A.vip, proto: 1, payload: icmp(8, 0, Buffer.from([0, 1, 0, 1]), Buffer.alloc(56)) })),
  CRAFTED.icmpPortUnreachable, ipipFrame(1428), ipipFrame(0),
];
const avgSize = MIX.reduce((n, f) => n + f.length, 0) / MIX.length;

/** Packet i of the stream: a template with its IP id and source port varied. */
function packet(i: number, into: Buffer, at: number): number {
  const t = MIX[i % MIX.length];
  const rec: PcapRecord = { sec: 1_700_000_000 + Math.floor(i / 10_000), nsec: (i % 10_000) * 100_000, len: t.length, data: t };
  writeRecordHeader(into, at, rec, false);
  t.copy(into, at + 16);
  into.writeUInt16BE(i & 0xffff, at + 16 + 18); // ip.id
  into.writeUInt16BE(1024 + (i % 50_000), at + 16 + 34); // source port (TCP/UDP), ICMP checksum bytes otherwise
  return 16 + t.length;
}

function* stream(n: number): Generator<PcapRecord> {
  const b = Buffer.alloc(2048);
  for (let i = 0; i < n; i++) {
    const len = packet(i, b, 0) - 16;
    yield { sec: b.readUInt32LE(0), nsec: b.readUInt32LE(4) * 1000, len, data: b.subarray(16, 16 + len) };
  }
}

const mem = () => {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / MB, heap: m.heapUsed / MB, buffers: m.arrayBuffers / MB };
};
const f1 = (x: number) => x.toFixed(1);

// ---------------------------------------------------------------- 1. memory
function memory(): string[] {
  // the baseline after the same traffic went by unstored: V8's young generation grows under this
  // allocation rate and stays committed, which is the process's, not the ring's
  let sink = 0;
  for (const r of stream(RING)) sink += decodePacket(r, { fields: false }).summary.length + r.len;
  const before = mem();
  const ring = new PacketRing({ capacity: RING });
  for (const r of stream(RING)) ring.push(r);
  const full = mem();
  for (const r of stream(PACKETS)) ring.push(r);
  const after = mem();
  const held = ring.stats();
  const row = (what: string, m: ReturnType<typeof mem>) =>
    `  ${what.padEnd(22)} RSS ${f1(m.rss)} MB (ring +${f1(m.rss - before.rss)}), heap ${f1(m.heap)} MB (+${f1(m.heap - before.heap)}), buffers ${f1(m.buffers)} MB (+${f1(m.buffers - before.buffers)})`;
  return [
    `ring of ${RING.toLocaleString()} packets: ${f1(held.bytes / MB)} MB of records (${f1(avgSize)} B/frame on average); process before it: RSS ${f1(before.rss)} MB${gc ? '' : '  [run with --expose-gc for exact numbers]'} (sink ${sink % 10})`,
    row('full ring', full),
    row(`+${PACKETS.toLocaleString()} streamed`, after),
    `  target ≤ 100 MB for a full ring: ${full.rss - before.rss <= 100 ? 'met' : 'MISSED'}; after streaming ${after.rss - full.rss <= 10 ? 'bounded' : 'GREW'} (dropped ${held.dropped.toLocaleString()}, ${ring.streams?.count.toLocaleString()} TCP streams numbered)`,
  ];
}

// ---------------------------------------------------------------- 2. decode speed
function writeFile(file: string): number {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, pcapFileHeader({ snaplen: 262_144 }));
  const chunk = Buffer.alloc(4 * MB);
  let at = 0;
  let bytes = 24;
  for (let i = 0; i < PACKETS; i++) {
    if (at > chunk.length - 2048) {
      fs.writeSync(fd, chunk, 0, at);
      bytes += at;
      at = 0;
    }
    at += packet(i, chunk, at);
  }
  fs.writeSync(fd, chunk, 0, at);
  fs.closeSync(fd);
  return bytes + at;
}

interface Timing { s: number; cpu: number; n: number }

/** Read the file in 1 MiB chunks through PcapReader, calling `each` per record; wall and CPU seconds. */
function pass(file: string, each: (r: PcapRecord) => void): Timing {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(MB);
  const reader = new PcapReader();
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let got; (got = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) {
    for (const r of reader.push(buf.subarray(0, got))) {
      each(r);
      n++;
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  fs.closeSync(fd);
  return { s, cpu: (c.user + c.system) / 1e6, n };
}

/** tshark over the file, wall and CPU seconds (bash's `time`: this host is shared, CPU time is the fairer measure). */
function tshark(file: string): Timing | string {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%3U %3S'; time (tshark -r '${file}' -T fields -e frame.number > /dev/null)`], { encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const times = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr ?? '');
  if (r.status !== 0 || !times) return (r.stderr || r.error?.message || 'failed').trim().split('\n').pop() ?? 'failed';
  return { s, cpu: Number(times[1]) + Number(times[2]), n: PACKETS };
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bench-decode-'));
  const file = path.join(dir, 'mix.pcap');
  try {
    const memLines = memory();
    const size = writeFile(file);
    let sink = 0;
    pass(file, (r) => (sink += decodePacket(r, { fields: false }).summary.length)); // warm-up (JIT, page cache)
    const rows: [string, Timing][] = [
      ['reader only', pass(file, (r) => (sink += r.data.length))],
      ['reader + decode, fast path (list: summary, brief, layers)', pass(file, (r) => (sink += decodePacket(r, { fields: false }).summary.length))],
      ['reader + decode, full field tree', pass(file, (r) => (sink += decodePacket(r).layers.length))],
    ];
    const match = compileFilter(FILTER);
    let keptFull = 0;
    let keptPrimed = 0;
    rows.push(
      ['display filter over the full tree', pass(file, (r) => (keptFull += match(decodePacket(r)) ? 1 : 0))],
      ['display filter, only the fields it reads', pass(file, (r) => (keptPrimed += match(decodePacket(r, { fields: match.fields })) ? 1 : 0))],
    );
    if (keptFull !== keptPrimed || keptFull === 0) throw new Error(`the filter kept ${keptFull} packets over the full tree and ${keptPrimed} primed`);
    const ts = tshark(file);
    if (typeof ts !== 'string') rows.push(['tshark -r FILE -T fields -e frame.number', ts]);

    console.log(`\ncapture decoding: ${PACKETS.toLocaleString()} packets, ${f1(size / MB)} MB pcap (${f1(avgSize)} B/frame), node ${process.version}, ${os.cpus().length} CPUs\n`);
    const cols = (a: string, b: string, c: string, d: string, e: string, f: string) =>
      console.log(`${a.padEnd(58)} ${b.padStart(7)} ${c.padStart(11)} ${d.padStart(7)} ${e.padStart(13)} ${f.padStart(10)}`);
    cols('what', 'wall s', 'packets/s', 'CPU s', 'packets/CPU s', 'vs tshark');
    for (const [what, r] of rows) {
      if (r.n !== PACKETS) throw new Error(`${what}: read ${r.n} packets, wrote ${PACKETS}`);
      const ratio = typeof ts === 'string' ? '' : `${(ts.cpu / r.cpu).toFixed(1)}×`;
      cols(what, r.s.toFixed(2), Math.round(r.n / r.s).toLocaleString(), r.cpu.toFixed(2), Math.round(r.n / r.cpu).toLocaleString(), ratio);
    }
    if (typeof ts === 'string') console.log(`tshark failed: ${ts}`);
    const rate = (r: Timing) => Math.round(r.n / r.cpu);
    const [fast, full, filterFull, filterPrimed] = [rate(rows[1][1]), rate(rows[2][1]), rate(rows[3][1]), rate(rows[4][1])];
    console.log(`\nfilter: ${FILTER} (kept ${keptPrimed.toLocaleString()} of ${PACKETS.toLocaleString()})`);
    console.log(`target ≥ 500 000 packets/s (per CPU second): fast path ${fast >= 500_000 ? 'met' : 'MISSED'} (${fast.toLocaleString()}), display filter ${filterPrimed >= 500_000 ? 'met' : 'MISSED'} (${filterPrimed.toLocaleString()}, ${(filterPrimed / filterFull).toFixed(1)}× the full tree's filter), full tree ${full >= 500_000 ? 'met' : 'missed'} (${full.toLocaleString()}; built only for the packet a user opens)`);
    console.log('');
    for (const l of memLines) console.log(l);
    console.log(`\nload average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (sink ${sink % 10})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
