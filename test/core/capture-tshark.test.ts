// Agreement with tshark (Wireshark 4): for every packet of the crafted
// frames and of a real capture made here, every field we decode has the
// value tshark gives it and lies at the same offset and length; and tshark
// reads every pcap we write. The real capture: two network namespaces joined
// by a veth pair (198.18.255.0/30), `tcpdump -U -w -` streamed into our
// reader while ping, an HTTP exchange, a refused connection and a UDP
// datagram to a closed port (a real ICMP port unreachable) go by.
// Under CI=true a missing tshark, tcpdump or root fails the test instead of
// skipping it. In the core tier: it needs tshark, root and network namespaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecodedPacket } from '../../electron/api';
import { CAPTURE_FIELDS, field, fieldValues } from '../../electron/engine/capture/display-filter';
import { LINKTYPE, PcapReader, readPcap, type PcapRecord } from '../../electron/engine/capture/pcap-reader';
import { writePcap } from '../../electron/engine/capture/pcap-writer';
import { PacketRing } from '../../electron/engine/capture/ring';
import { A, CRAFTED, CRAFTED_SLL, CRAFTED_VXLAN, CRAFTED_SLL2, M, TCP, eth, ipv4, rec, tcp } from '../support/capture-frames';
import { CRAFTED6 } from '../support/capture-frames6';
import { skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';

const CI = process.env.CI === 'true';
const has = (cmd: string, arg = '--version'): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const HAVE_TSHARK = has('tshark');
const CAN_NETNS = process.getuid?.() === 0 && has('tcpdump') && has('ip', '-V') && has('python3');
// the core tier's own gate first, as for every file of it (npm test names one reason for the stage);
// then the tools of this file, which skip only outside CI
const TIER = skipReason();
const NO_TSHARK = TIER ?? (!HAVE_TSHARK && !CI ? 'tshark not found on PATH' : null);
const NO_NETNS = TIER ?? (!CI && !NO_TSHARK && !CAN_NETNS ? 'needs root, tcpdump, iproute2 and python3' : NO_TSHARK);
const dir = mkdtempSync(join(tmpdir(), 'lblab-capture-'));
const FIXTURES = join(__dirname, '../unit/capture/fixtures');

// tshark with Wireshark's defaults but no IP reassembly (we decode each fragment as it is)
const TSHARK_PREFS = ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'ip.check_checksum:TRUE'];
const FIELDS = Object.keys(CAPTURE_FIELDS).filter((f) => f !== 'frame.time_epoch');

interface Capture { file: string; packets: DecodedPacket[] }

/** Decode a pcap file through a ring (stream numbering on), as the app does. */
function decodeFile(file: string, data: Buffer): Capture {
  const { header, records } = readPcap(data);
  const ring = new PacketRing({ linktype: header.linktype });
  for (const r of records) ring.push(r);
  return { file, packets: records.map((_, i) => ring.decode(i + 1)!) };
}

function savePcap(name: string, records: PcapRecord[], linktype: number): Capture {
  const file = join(dir, name);
  const data = writePcap(records, { linktype, nanos: true });
  writeFileSync(file, data);
  return decodeFile(file, data);
}

/** Our value as tshark -T fields prints it. */
function norm(kind: string, v: string | number | boolean): string {
  if (kind === 'bool') return v ? '1' : '0';
  return String(v);
}
function normTshark(kind: string, s: string): string {
  if (kind === 'uint') return String(Number(s));
  if (kind === 'bool') return s === 'True' || s === '1' ? '1' : '0';
  if (kind === 'bytes') return s.replace(/:/g, '');
  if (kind === 'string') return s.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\');
  return s;
}

// Where tshark and we differ on purpose: the UDP/TCP payload we keep as
// udp.payload / tcp.payload, tshark also hands to its 'data' dissector; and
// its IPv6 dissector reuses the name ip.version.
function skipped(p: DecodedPacket, name: string): boolean {
  if (name.startsWith('data.')) return fieldValues(p, 'udp.payload').length + fieldValues(p, 'tcp.payload').length > 0;
  if (name === 'ip.version') return p.layers.every((l) => l.name !== 'ip') || p.layers.some((l) => l.name === 'ipv6');
  return false;
}

/** Every field value against tshark -T fields; returns the mismatches. */
function compareValues(c: Capture): string[] {
  const out = execFileSync('tshark', ['-r', c.file, ...TSHARK_PREFS, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=\t', ...FIELDS.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.replace(/\n$/, '').split('\n');
  const bad: string[] = [];
  expect(lines).toHaveLength(c.packets.length);
  lines.forEach((line, i) => {
    const cols = line.split('\t');
    const p = c.packets[i];
    FIELDS.forEach((name, j) => {
      if (skipped(p, name)) return;
      const kind = CAPTURE_FIELDS[name][0];
      const ours = fieldValues(p, name).map((v) => norm(kind, v)).join(',');
      // strings may hold the aggregator: compare those whole
      const theirs = kind === 'string' ? normTshark(kind, cols[j] ?? '') : (cols[j] ?? '').split(',').filter((x) => x !== '').map((x) => normTshark(kind, x)).join(',');
      if (ours !== theirs) bad.push(`#${i + 1} ${name}: ours ${JSON.stringify(ours).slice(0, 120)} tshark ${JSON.stringify(theirs).slice(0, 120)}`);
    });
  });
  return bad;
}

/** Every field's offset and length against tshark's PDML (pos, size); returns the mismatches. */
function compareOffsets(c: Capture): string[] {
  const xml = execFileSync('tshark', ['-r', c.file, ...TSHARK_PREFS, '-T', 'pdml'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const packets = xml.split('<packet>').slice(1);
  expect(packets).toHaveLength(c.packets.length);
  const bad: string[] = [];
  packets.forEach((px, i) => {
    const theirs = new Map<string, { pos: number; size: number }[]>();
    for (const m of px.matchAll(/<field name="([^"]+)"[^>]*? size="(\d+)" pos="(\d+)"/g)) {
      if (!CAPTURE_FIELDS[m[1]]) continue;
      theirs.set(m[1], [...(theirs.get(m[1]) ?? []), { size: Number(m[2]), pos: Number(m[3]) }]);
    }
    const seen = new Map<string, number>();
    for (const l of c.packets[i].layers) {
      for (const f of l.fields) {
        const k = seen.get(f.name) ?? 0;
        seen.set(f.name, k + 1);
        if (f.name === 'frame.time_epoch' || skipped(c.packets[i], f.name)) continue;
        const t = theirs.get(f.name)?.[k];
        if (!t) bad.push(`#${i + 1} ${f.name}[${k}] @${f.offset}+${f.length}: not in tshark's tree`);
        else if (t.pos !== f.offset || t.size !== f.length) bad.push(`#${i + 1} ${f.name}[${k}]: ours @${f.offset}+${f.length}, tshark @${t.pos}+${t.size}`);
      }
    }
  });
  return bad;
}

function tsharkReads(file: string): void {
  const r = spawnSync('tshark', ['-r', file], { encoding: 'utf8' });
  expect(r.status, `tshark -r ${file}: ${r.stderr}`).toBe(0);
}

// A TCP conversation with a reused 4-tuple, for tcp.stream and relative numbers.
function conversation(): Buffer[] {
  const s = (fromClient: boolean, flags: number, seq: number, ack: number, sport = 40000, payload = 0): Buffer => {
    const [src, dst, sp, dp] = fromClient ? [A.client, A.vip, sport, 80] : [A.vip, A.client, 80, sport];
    return eth(fromClient ? M.lb : M.client, fromClient ? M.client : M.lb, 0x0800,
      ipv4({ src, dst, proto: 6, payload: tcp({ sport: sp, dport: dp, seq, ack, flags, payload: Buffer.alloc(payload, 0x41) }, src, dst) }));
  };
  const c = 4_000_000_000;
  return [
    s(true, TCP.SYN, c, 0), s(false, TCP.SYN | TCP.ACK, 77, c + 1), s(true, TCP.ACK, c + 1, 78), s(true, TCP.PSH | TCP.ACK, c + 1, 78, 40000, 10),
    s(false, TCP.ACK, 78, (c + 11) >>> 0), s(true, TCP.SYN, 5, 0, 40001), s(true, TCP.FIN | TCP.ACK, (c + 11) >>> 0, 78), s(true, TCP.SYN, 999, 0),
  ];
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tshark agreement', skipIf(NO_TSHARK), () => {
  it('tshark is installed', () => {
    expect(HAVE_TSHARK, 'tshark (Wireshark) must be installed to check the decoder against it').toBe(true);
  });

  it('crafted frames: Ethernet, SLL, SLL2 — values and offsets', () => {
    const eths = [...Object.values(CRAFTED), ...conversation(), ...Object.values(CRAFTED_VXLAN), ...Object.values(CRAFTED6)];
    const sets: [string, Buffer[], number][] = [
      ['crafted-eth.pcap', eths, LINKTYPE.ETHERNET],
      ['crafted-sll.pcap', Object.values(CRAFTED_SLL), LINKTYPE.LINUX_SLL],
      ['crafted-sll2.pcap', Object.values(CRAFTED_SLL2), LINKTYPE.LINUX_SLL2],
    ];
    for (const [name, frames, linktype] of sets) {
      const c = savePcap(name, frames.map((d, i) => rec(d, d.length, 1_700_000_000 + i, 987_654_321)), linktype);
      tsharkReads(c.file);
      expect(compareValues(c), name).toEqual([]);
      expect(compareOffsets(c), name).toEqual([]);
    }
  });

  it('real VXLAN captures (the fixtures vxlan-capture.sh made): values and offsets, inner frames included', () => {
    for (const name of ['vxlan-underlay-a.pcap', 'vxlan-underlay-b.pcap', 'vxlan-inner-a.pcap']) {
      const file = join(FIXTURES, name);
      const c = decodeFile(file, readFileSync(file));
      expect(c.packets.filter((p) => p.error).map((p) => p.summary), name).toEqual([]);
      expect(compareValues(c), name).toEqual([]);
      expect(compareOffsets(c), name).toEqual([]);
    }
  });
});

describe('tshark agreement on a real capture', skipIf(NO_NETNS), () => {
  const TAG = `lc${process.pid % 100000}`;
  const NS = { a: `${TAG}a`, b: `${TAG}b` };
  const sh = (script: string): string => execFileSync('bash', ['-ec', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const procs: ChildProcess[] = [];
  const streamed = { eth: [] as PcapRecord[], any: [] as PcapRecord[] };
  const raw = { eth: [] as Buffer[], any: [] as Buffer[] };
  let eth0: Capture;
  let any: Capture;

  function teardown(): void {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    for (const n of Object.values(NS)) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  }

  /** tcpdump in namespace a, its stdout streamed into a PcapReader chunk by chunk. */
  function tcpdump(iface: string, into: PcapRecord[], bytes: Buffer[]): Promise<ChildProcess> {
    const p = spawn('ip', ['netns', 'exec', NS.a, 'tcpdump', '-i', iface, '-U', '-w', '-', '-s', '0', '--immediate-mode'], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(p);
    const reader = new PcapReader();
    p.stdout!.on('data', (chunk: Buffer) => {
      bytes.push(chunk);
      for (const r of reader.push(chunk)) into.push({ ...r, data: Buffer.from(r.data) });
    });
    return new Promise((resolve, reject) => {
      let err = '';
      p.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) resolve(p);
      });
      p.on('exit', (code) => reject(new Error(`tcpdump -i ${iface} exited ${code}: ${err.trim()}`)));
    });
  }

  const stop = (p: ChildProcess): Promise<void> => new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.on('exit', () => resolve());
    p.kill('SIGINT');
  });

  beforeAll(async () => {
    expect(CAN_NETNS, 'the real-capture test needs root, tcpdump, iproute2 and python3').toBe(true);
    teardown();
    sh(`
      ip netns add ${NS.a}; ip netns add ${NS.b}
      for n in ${NS.a} ${NS.b}; do ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; ip -n $n link set lo up; done
      ip link add ${TAG}x type veth peer name ${TAG}y
      ip link set ${TAG}x netns ${NS.a}; ip link set ${TAG}y netns ${NS.b}
      ip -n ${NS.a} addr add 198.18.255.1/30 dev ${TAG}x; ip -n ${NS.a} link set ${TAG}x up
      ip -n ${NS.b} addr add 198.18.255.2/30 dev ${TAG}y; ip -n ${NS.b} link set ${TAG}y up
    `);
    const server = spawn('ip', ['netns', 'exec', NS.b, process.execPath, '-e',
      `require('http').createServer((q, s) => s.end('hello from b\\n')).listen(80, '198.18.255.2', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      server.on('exit', (code) => reject(new Error(`http server exited ${code}`)));
    });
    const dumps = await Promise.all([tcpdump(`${TAG}x`, streamed.eth, raw.eth), tcpdump('any', streamed.any, raw.any)]);
    // ping twice (a raw ICMP socket: no ping binary needed)
    sh(`ip netns exec ${NS.a} python3 -c '
import socket, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
k = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); k.settimeout(3)
for seq in (1, 2):
    body = b"lblab-ping" * 5 + b".."
    h = struct.pack("!BBHHH", 8, 0, 0, 0x4c42, seq)
    k.sendto(struct.pack("!BBHHH", 8, 0, csum(h + body), 0x4c42, seq) + body, ("198.18.255.2", 0))
    while k.recv(2048)[20] != 0: pass
'`);
    // an HTTP exchange, a refused connection, a UDP datagram to a closed port
    sh(`ip netns exec ${NS.a} ${process.execPath} -e '
const http = require("http"), net = require("net"), dgram = require("dgram");
http.get({ host: "198.18.255.2", port: 80, path: "/hello?x=1", headers: { "User-Agent": "lblab-test" }, agent: false }, (r) => {
  r.resume();
  r.on("end", () => {
    const c = net.connect(81, "198.18.255.2");
    c.on("error", () => {
      const u = dgram.createSocket("udp4");
      u.send("lblab closed port", 9, "198.18.255.2", () => u.close());
    });
  });
});'`);
    // the port unreachable is the traffic's last packet: once both streams hold it, tcpdump has passed on all of it
    const deadline = Date.now() + 10_000;
    while (!(holdsUnreachable(streamed.eth, LINKTYPE.ETHERNET) && holdsUnreachable(streamed.any, LINKTYPE.LINUX_SLL2)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(dumps.map(stop));
    eth0 = savePcapRaw('real-eth.pcap', raw.eth);
    any = savePcapRaw('real-any.pcap', raw.any);
  }, 30_000);

  function holdsUnreachable(recs: PcapRecord[], linktype: number): boolean {
    const ring = new PacketRing({ linktype });
    for (const r of recs) ring.push(r);
    return recs.some((_, i) => {
      const p = ring.decode(i + 1);
      return !!p && field(p, 'icmp.type') === 3 && field(p, 'icmp.code') === 3;
    });
  }

  function savePcapRaw(name: string, chunks: Buffer[]): Capture {
    const file = join(dir, name);
    const data = Buffer.concat(chunks);
    writeFileSync(file, data);
    return decodeFile(file, data);
  }

  afterAll(teardown);

  it('the streamed reader saw exactly what the file holds', () => {
    for (const [chunks, recs] of [[raw.eth, streamed.eth], [raw.any, streamed.any]] as const) {
      const whole = readPcap(Buffer.concat(chunks));
      expect(whole.truncated).toBeUndefined();
      expect(recs.map((r) => [r.sec, r.nsec, r.len, r.data.toString('hex')])).toEqual(whole.records.map((r) => [r.sec, r.nsec, r.len, r.data.toString('hex')]));
    }
    expect(readPcap(Buffer.concat(raw.eth)).header.linktype).toBe(LINKTYPE.ETHERNET);
    expect(readPcap(Buffer.concat(raw.any)).header.linktype).toBe(LINKTYPE.LINUX_SLL2);
  });

  it('holds the traffic we made, decoded without errors', () => {
    const ps = eth0.packets;
    expect(ps.filter((p) => p.error).map((p) => `${p.summary}`)).toEqual([]);
    const has = (pred: (p: DecodedPacket) => boolean, what: string) => expect(ps.some(pred), what).toBe(true);
    has((p) => field(p, 'arp.opcode') === 1 && field(p, 'arp.dst.proto_ipv4') === '198.18.255.2', 'ARP request');
    has((p) => field(p, 'arp.opcode') === 2, 'ARP reply');
    has((p) => field(p, 'icmp.type') === 8 && field(p, 'icmp.ident') === 0x4c42 && field(p, 'icmp.seq') === 2, 'echo request');
    has((p) => field(p, 'icmp.type') === 0 && field(p, 'icmp.ident') === 0x4c42, 'echo reply');
    has((p) => field(p, 'tcp.flags') === 0x002 && field(p, 'tcp.dstport') === 80 && typeof field(p, 'tcp.options.mss_val') === 'number', 'SYN with MSS');
    has((p) => field(p, 'http.request.method') === 'GET' && field(p, 'http.request.uri') === '/hello?x=1' && field(p, 'http.user_agent') === 'lblab-test', 'HTTP GET');
    has((p) => field(p, 'http.response.code') === 200, 'HTTP 200');
    has((p) => field(p, 'tcp.dstport') === 81 && field(p, 'tcp.flags.syn') === true, 'SYN to a closed port');
    has((p) => field(p, 'tcp.srcport') === 81 && field(p, 'tcp.flags.reset') === true, 'RST from it');
    has((p) => field(p, 'icmp.type') === 3 && field(p, 'icmp.code') === 3 && field(p, 'udp.dstport') === 9 && field(p, 'ip.src', 2) === '198.18.255.1', 'port unreachable quoting the datagram');
    expect(ps.find((p) => field(p, 'icmp.code') === 3)!.summary).toBe(`IP 198.18.255.2 > 198.18.255.1: ICMP 198.18.255.2 udp port 9 unreachable, length ${field(ps.find((p) => field(p, 'icmp.code') === 3)!, 'ip.len') as number - 20}`);
    expect(any.packets.length).toBeGreaterThanOrEqual(ps.length);
  });

  it('agrees with tshark on every field, value and offset (Ethernet and -i any)', () => {
    for (const c of [eth0, any]) {
      tsharkReads(c.file);
      expect(compareValues(c), c.file).toEqual([]);
      expect(compareOffsets(c), c.file).toEqual([]);
    }
  });
});
