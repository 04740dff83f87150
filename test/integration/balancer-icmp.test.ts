// ICMP errors about balanced flows, end to end (core/icmp_err.h, core/icmp6.h):
//  - nat and snat, UDP: a backend with nothing on the port answers "port
//    unreachable"; the balancer must hand it back to the client as if the VIP
//    said it, so the client's connected socket gets ECONNREFUSED at once
//    (untranslated, the client's stack finds no socket for it: a 2 s timeout);
//  - dsr: the router in front of the client cannot forward the servers'
//    full-size segments (its client-side MTU lowered to 1280) and sends
//    "fragmentation needed" to their source, the VIP, which the balancer
//    holds: it must go on to the flow's backend, or the download stalls (a
//    path MTU black hole);
//  - snat, over IPv4 and IPv6: behind the balancer the backend sits past a
//    narrow link (a network with `mtu: 1280` between two routers; on the
//    backend's own network its MSS would fit and nothing would be too big):
//    the router before it tells the packet's source, our snat address, that
//    the client's upload does not fit; the balancer must translate it back to
//    the client, whose stack then learns the path MTU to the VIP, or the
//    upload stalls;
//  - nat over IPv6: a nat backend shares the balancer's network, so nothing
//    between them can be too small; the router in front of the client can
//    (as for dsr): its "packet too big" about a reply goes to the VIP6 and
//    must reach the backend translated, whose stack learns the path MTU.
// A capture on the host that learns (the client, the backend) checks the translated message.
// Own subnets 198.19.121.0/24 - 198.19.125.0/24, 198.19.128.0/24, fd00:4c42:1:7b::/64 - fd00:4c42:1:80::/64;
// labs `<prefix>icmp-nat`, `<prefix>icmp-routed`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedPacket, LabStatus } from '../../electron/api';
import { decodePacket, field } from '../../electron/engine/capture/decode/index';
import { readPcap } from '../../electron/engine/capture/pcap-reader';
import { LAB_PREFIX, lblab, lblabOk, nodeSh, tmpDir } from '../support/labs';

const NAT_LAB = `${LAB_PREFIX}icmp-nat`;
const ROUTED_LAB = `${LAB_PREFIX}icmp-routed`;
const NAT_VIP = '198.19.121.100';
const SNAT_VIP = '198.19.121.101';
const DSR_VIP = '198.19.124.100';
const UP_VIP = '198.19.124.101';
const UP_VIP6 = 'fd00:4c42:1:7c::65';
const NAT_VIP6 = 'fd00:4c42:1:7c::66';

const NAT_YAML = `name: ${NAT_LAB}
networks:
  front: { subnet: 198.19.121.0/24 }
  back: { subnet: 198.19.122.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front }, { network: back } ] }
  web1: { kind: server, links: [ { network: back } ] }
  web2: { kind: server, links: [ { network: back } ] }
services:
  web: { balancer: lb, vip: ${NAT_VIP}, port: 80, mode: nat, backends: [ web1, web2 ] }
  sn: { balancer: lb, vip: ${SNAT_VIP}, port: 80, mode: snat, backends: [ web1, web2 ] }
`;
const ROUTED_YAML = `name: ${ROUTED_LAB}
networks:
  edge: { subnet: 198.19.123.0/24, subnet6: 'fd00:4c42:1:7b::/64' }
  mid: { subnet: 198.19.124.0/24, subnet6: 'fd00:4c42:1:7c::/64' }
  narrow: { subnet: 198.19.128.0/24, subnet6: 'fd00:4c42:1:80::/64', mtu: 1280 }
  deep: { subnet: 198.19.125.0/24, subnet6: 'fd00:4c42:1:7d::/64' }
nodes:
  client1: { kind: client, links: [ { network: edge } ] }
  r1: { kind: router, links: [ { network: edge }, { network: mid } ] }
  lb: { kind: balancer, links: [ { network: mid } ] }
  web1: { kind: server, links: [ { network: mid } ] }
  web2: { kind: server, links: [ { network: mid } ] }
  web4: { kind: server, links: [ { network: mid } ] }
  r2: { kind: router, links: [ { network: mid }, { network: narrow } ] }
  r3: { kind: router, links: [ { network: narrow }, { network: deep } ] }
  web3: { kind: server, links: [ { network: deep } ] }
services:
  web: { balancer: lb, vip: ${DSR_VIP}, port: 80, mode: dsr, backends: [ web1, web2 ] }
  up: { balancer: lb, vip: ${UP_VIP}, vip6: '${UP_VIP6}', port: 9000, mode: snat, backends: [ web3 ] }
  nv: { balancer: lb, vip: 198.19.124.102, vip6: '${NAT_VIP6}', port: 80, mode: nat, backends: [ web4 ] }
`;

const sh = (lab: string, node: string, script: string, timeoutMs?: number) => lblabOk(['exec', lab, node, '--', 'sh', '-c', script], timeoutMs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP listener (servers have perl-base) on port, local address (:: takes both families in a dual-stack
 * lab): reads to EOF and answers the byte count. */
const LISTENER = String.raw`use IO::Socket::IP; my $s = IO::Socket::IP->new(LocalHost => $ARGV[1], LocalPort => $ARGV[0], Listen => 16, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { my $n = 0; while ((my $r = sysread($c, my $b, 65536)) > 0) { $n += $r } syswrite($c, "$n\n"); close $c }`;
/** Start it in the background, detached from the exec. */
const listen = (lab: string, node: string, port: number, host = '0.0.0.0') =>
  sh(lab, node, `nohup perl -e '${LISTENER.replace(/'/g, `'\\''`)}' ${port} ${host} > /dev/null 2>&1 &`);

/** UDP probes from a connected socket: "ERR <errno>" (111: refused, what port unreachable
 * becomes), "DATA", or "TIMEOUT" after 2 s. */
const UDP_PROBE = String.raw`use IO::Socket::INET; my ($vip, $port, $n) = @ARGV;
for my $i (1 .. $n) {
  my $s = IO::Socket::INET->new(PeerAddr => $vip, PeerPort => $port, Proto => 'udp') or die "socket: $!";
  $s->send("probe $i");
  my $rin = ''; vec($rin, fileno($s), 1) = 1;
  if (!select(my $rout = $rin, undef, undef, 2)) { print "TIMEOUT\n"; next }
  my $buf = ''; my $r = $s->recv($buf, 100);
  print defined($r) && length($buf) ? "DATA\n" : "ERR " . ($! + 0) . "\n";
}`;

/** Upload `bytes` to vip:port, half-close, read the answer; "OK <count> <seconds>" or "FAIL <why>". */
const UPLOAD = String.raw`use IO::Socket::IP; my ($vip, $port, $bytes) = @ARGV; my $t0 = time;
$SIG{ALRM} = sub { print "FAIL timeout\n"; exit 0 }; alarm 30;
my $s = IO::Socket::IP->new(PeerHost => $vip, PeerPort => $port, Proto => 'tcp') or do { print "FAIL connect $!\n"; exit 0 };
my $chunk = 'x' x 65536; my $left = $bytes;
while ($left > 0) { my $w = syswrite($s, $chunk, $left < 65536 ? $left : 65536); defined $w or do { print "FAIL write $!\n"; exit 0 }; $left -= $w }
shutdown($s, 1); my $ans = <$s>; chomp $ans; print "OK $ans " . (time - $t0) . "\n";`;

/** The ICMPv6 packet-too-big messages a node receives while `run` runs: captured (tcpdump -w) and decoded. */
async function packetTooBig6(lab: string, node: string, run: () => Promise<void>): Promise<DecodedPacket[]> {
  const f = '/tmp/lblab-ptb6';
  await nodeSh(lab, node, `rm -f ${f}.*; (timeout 60 tcpdump -i any -U -w ${f}.pcap 'icmp6 and ip6[40] == 2' > ${f}.log 2>&1 & echo $! > ${f}.pid)`);
  for (let i = 0; i < 50 && !(await nodeSh(lab, node, `cat ${f}.log`)).includes('listening'); i++) await sleep(100);
  await run();
  await sleep(300);
  await nodeSh(lab, node, `kill $(cat ${f}.pid); sleep 0.3`);
  const { header, records } = readPcap(Buffer.from(await nodeSh(lab, node, `base64 -w0 ${f}.pcap`), 'base64'));
  return records.map((r) => decodePacket(r, { linktype: header.linktype }));
}

/** Set the MTU of the interface that holds an address in `prefix` (e.g. 198.19.123.). */
const setMtu = (lab: string, node: string, prefix: string, mtu: number) =>
  sh(lab, node, `ip link set dev "$(ip -o -4 addr show | awk -v p='${prefix}' 'index($4, p) == 1 { sub(/@.*/, "", $2); print $2; exit }')" mtu ${mtu}`);

const upload = (vip: string, bytes = 2 << 20) => lblabOk(['exec', ROUTED_LAB, 'client1', '--', 'perl', '-e', UPLOAD, vip, '9000', String(bytes)], 60_000);
const rev = (s: Svc[], name: string) => s.find((x) => x.name === name)!.counters.icmp_rev ?? 0;

type Svc = { name: string; counters: Record<string, number>; drops: Record<string, number>; backends: { node: string; healthy: boolean }[] };
const stats = async (lab: string) => (JSON.parse(await lblabOk(['exec', lab, 'lb', '--', 'lbagent', 'stats'])) as { services: Svc[] }).services;
/** Wait until every backend of these services is healthy. */
async function healthy(lab: string, names: string[]): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const s = (await stats(lab)).filter((x) => names.includes(x.name));
    if (s.length === names.length && s.every((x) => x.backends.every((b) => b.healthy))) return;
    await sleep(500);
  }
  throw new Error(`${lab}: ${names.join(', ')} not healthy`);
}

let routed: LabStatus;
/** A node's IPv6 address in the routed lab (status: `address6`, without the prefix length). */
const addr6 = (node: string, network?: string) =>
  routed.nodes.find((n) => n.name === node)!.interfaces.find((i) => (network ? i.network === network : !!i.address6))!.address6!.split('/')[0];

beforeAll(async () => {
  const dir = tmpDir();
  for (const [lab, yaml] of [[NAT_LAB, NAT_YAML], [ROUTED_LAB, ROUTED_YAML]]) {
    const file = path.join(dir, `${lab}.lab.yaml`);
    fs.writeFileSync(file, yaml);
    await lblabOk(['up', file], 600_000);
  }
  routed = JSON.parse(await lblabOk(['status', ROUTED_LAB, '--json'])) as LabStatus;
}, 1_300_000);

afterAll(async () => {
  await lblab(['down', NAT_LAB]);
  await lblab(['down', ROUTED_LAB]);
}, 300_000);

describe('ICMP errors about balanced flows, in a real lab', () => {
  it('nat and snat (UDP): port unreachable from the backend reaches the client as the VIP\'s', async () => {
    // UDP services next to the lab's TCP ones (lab files describe TCP services): the agent's own
    // config, extended. Health checks connect to the port over TCP: a listener there; no UDP one.
    for (const w of ['web1', 'web2']) await listen(NAT_LAB, w, 5353);
    const cfg = JSON.parse(await lblabOk(['exec', NAT_LAB, 'lb', '--', 'cat', '/run/lblab/config.json'])) as { services: Record<string, unknown>[] };
    for (const name of ['web', 'sn']) {
      const s = cfg.services.find((x) => x.name === name)!;
      cfg.services.push({ ...s, name: `dns-${name}`, proto: 'udp', port: 5353 });
    }
    const b64 = Buffer.from(JSON.stringify(cfg)).toString('base64');
    await sh(NAT_LAB, 'lb', `echo ${b64} | base64 -d | lbagent apply`);
    await healthy(NAT_LAB, ['dns-web', 'dns-sn']);
    const before = await stats(NAT_LAB);
    for (const vip of [NAT_VIP, SNAT_VIP]) {
      const out = await lblabOk(['exec', NAT_LAB, 'client1', '--', 'perl', '-e', UDP_PROBE, vip, '5353', '6'], 60_000);
      expect(out.trim().split('\n'), `${vip}: ${out}`).toEqual(Array(6).fill('ERR 111'));
    }
    const after = await stats(NAT_LAB);
    const rev = (s: Svc[]) => s.find((x) => x.name === 'dns-web')!.counters.icmp_rev ?? 0;
    expect(rev(after) - rev(before)).toBeGreaterThanOrEqual(12);
  }, 180_000);

  it('dsr: fragmentation needed from the client\'s router reaches the backend: a download through a smaller MTU completes', async () => {
    const get = () => lblabOk(['exec', ROUTED_LAB, 'client1', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', '--max-time', '20', `http://${DSR_VIP}/1m.bin`], 60_000);
    expect((await get()).trim()).toBe('200 1048576');
    await setMtu(ROUTED_LAB, 'r1', '198.19.123.', 1280);
    try {
      const before = await stats(ROUTED_LAB);
      expect((await get()).trim()).toBe('200 1048576');
      const after = await stats(ROUTED_LAB);
      const fwd = (s: Svc[]) => s.find((x) => x.name === 'web')!.counters.icmp_fwd ?? 0;
      expect(fwd(after) - fwd(before)).toBeGreaterThan(0);
    } finally {
      await setMtu(ROUTED_LAB, 'r1', '198.19.123.', 1500);
    }
  }, 180_000);

  it('snat: fragmentation needed from the narrow link\'s router reaches the client: an upload through a smaller MTU completes', async () => {
    await listen(ROUTED_LAB, 'web3', 9000, '::');
    await healthy(ROUTED_LAB, ['up']);
    const before = await stats(ROUTED_LAB);
    expect((await upload(UP_VIP)).trim()).toMatch(new RegExp(`^OK ${2 << 20} `));
    const after = await stats(ROUTED_LAB);
    expect(rev(after, 'up') - rev(before, 'up')).toBeGreaterThan(0);
  }, 180_000);

  it('snat66: packet too big from the narrow link\'s router reaches the client about the VIP6: the upload completes, the client learns the path MTU', async () => {
    await listen(ROUTED_LAB, 'web3', 9000, '::');
    await healthy(ROUTED_LAB, ['up']);
    const client6 = addr6('client1');
    const before = await stats(ROUTED_LAB);
    let out = '';
    const ptb = await packetTooBig6(ROUTED_LAB, 'client1', async () => void (out = await upload(UP_VIP6, 1 << 20)));
    expect(out.trim()).toMatch(new RegExp(`^OK ${1 << 20} `));
    expect(ptb.length, 'no packet too big reached the client').toBeGreaterThan(0);
    for (const p of ptb) {
      expect(field(p, 'icmpv6.type')).toBe(2);
      expect(field(p, 'icmpv6.mtu')).toBe(1280);
      expect(field(p, 'icmpv6.checksum.status'), p.summary).toBe(1);
      // outer: from the router (kept), to the client; the quote: the client's own segment to the VIP6
      expect([field(p, 'ipv6.src', 1), field(p, 'ipv6.dst', 1)]).toEqual([addr6('r2', 'mid'), client6]);
      expect([field(p, 'ipv6.src', 2), field(p, 'ipv6.dst', 2), field(p, 'tcp.dstport')]).toEqual([client6, UP_VIP6, 9000]);
    }
    expect(await sh(ROUTED_LAB, 'client1', `ip -6 route get ${UP_VIP6}`)).toMatch(/\bmtu 1280\b/);
    const after = await stats(ROUTED_LAB);
    expect(rev(after, 'up') - rev(before, 'up')).toBeGreaterThan(0);
  }, 180_000);

  it('nat66: packet too big from the client\'s router about a reply reaches the backend translated: the download completes, the backend learns the path MTU', async () => {
    await healthy(ROUTED_LAB, ['nv']);
    const [client6, web6] = [addr6('client1'), addr6('web4')];
    await setMtu(ROUTED_LAB, 'r1', '198.19.123.', 1280);
    try {
      const before = await stats(ROUTED_LAB);
      let got = '';
      const get = () => lblabOk(['exec', ROUTED_LAB, 'client1', '--', 'curl', '-g', '-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', '--max-time', '20', `http://[${NAT_VIP6}]/1m.bin`], 60_000);
      const ptb = await packetTooBig6(ROUTED_LAB, 'web4', async () => void (got = await get()));
      expect(got.trim()).toBe('200 1048576');
      expect(ptb.length, 'no packet too big reached the backend').toBeGreaterThan(0);
      for (const p of ptb) {
        expect(field(p, 'icmpv6.mtu')).toBe(1280);
        expect(field(p, 'icmpv6.checksum.status'), p.summary).toBe(1);
        // outer: from the router, to the backend (it went to the VIP6); the quote: the backend's reply as it sent it
        expect([field(p, 'ipv6.src', 1), field(p, 'ipv6.dst', 1)]).toEqual([addr6('r1', 'mid'), web6]);
        expect([field(p, 'ipv6.src', 2), field(p, 'ipv6.dst', 2), field(p, 'tcp.srcport')]).toEqual([web6, client6, 80]);
      }
      expect(await sh(ROUTED_LAB, 'web4', `ip -6 route get ${client6}`)).toMatch(/\bmtu 1280\b/);
      const after = await stats(ROUTED_LAB);
      const fwd = (s: Svc[]) => s.find((x) => x.name === 'nv')!.counters.icmp_fwd ?? 0;
      expect(fwd(after) - fwd(before)).toBeGreaterThan(0);
    } finally {
      await setMtu(ROUTED_LAB, 'r1', '198.19.123.', 1500);
    }
  }, 180_000);
});
