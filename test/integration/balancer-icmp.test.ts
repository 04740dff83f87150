// ICMP errors about balanced flows, end to end (core/icmp_err.h):
//  - nat and snat, UDP: a backend with nothing on the port answers "port
//    unreachable"; the balancer must hand it back to the client as if the VIP
//    said it, so the client's connected socket gets ECONNREFUSED at once
//    (untranslated, the client's stack finds no socket for it: a 2 s timeout);
//  - dsr: the router in front of the client cannot forward the servers'
//    full-size segments (its client-side MTU lowered to 1280) and sends
//    "fragmentation needed" to their source, the VIP, which the balancer
//    holds: it must go on to the flow's backend, or the download stalls (a
//    path MTU black hole);
//  - snat: a router between the balancer and the backend needs a smaller MTU
//    for the client's upload and tells the packet's source, our snat
//    address: the balancer must translate it back to the client, or the
//    upload stalls.
// Own subnets 198.19.121.0/24 - 198.19.125.0/24; labs `<prefix>icmp-nat`, `<prefix>icmp-routed`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PREFIX, lblab, lblabOk, tmpDir } from '../support/labs';

const NAT_LAB = `${LAB_PREFIX}icmp-nat`;
const ROUTED_LAB = `${LAB_PREFIX}icmp-routed`;
const NAT_VIP = '198.19.121.100';
const SNAT_VIP = '198.19.121.101';
const DSR_VIP = '198.19.124.100';
const UP_VIP = '198.19.124.101';

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
  edge: { subnet: 198.19.123.0/24 }
  mid: { subnet: 198.19.124.0/24 }
  deep: { subnet: 198.19.125.0/24 }
nodes:
  client1: { kind: client, links: [ { network: edge } ] }
  r1: { kind: router, links: [ { network: edge }, { network: mid } ] }
  lb: { kind: balancer, links: [ { network: mid } ] }
  web1: { kind: server, links: [ { network: mid } ] }
  web2: { kind: server, links: [ { network: mid } ] }
  r2: { kind: router, links: [ { network: mid }, { network: deep } ] }
  web3: { kind: server, links: [ { network: deep } ] }
services:
  web: { balancer: lb, vip: ${DSR_VIP}, port: 80, mode: dsr, backends: [ web1, web2 ] }
  up: { balancer: lb, vip: ${UP_VIP}, port: 9000, mode: snat, backends: [ web3 ] }
`;

const sh = (lab: string, node: string, script: string, timeoutMs?: number) => lblabOk(['exec', lab, node, '--', 'sh', '-c', script], timeoutMs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP listener (servers have perl-base): `sink` reads to EOF and answers the byte count. */
const LISTENER = String.raw`use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 16, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { my $n = 0; while ((my $r = sysread($c, my $b, 65536)) > 0) { $n += $r } syswrite($c, "$n\n"); close $c }`;
/** Start it in the background, detached from the exec. */
const listen = (lab: string, node: string, port: number) =>
  sh(lab, node, `nohup perl -e '${LISTENER.replace(/'/g, `'\\''`)}' ${port} > /dev/null 2>&1 &`);

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
const UPLOAD = String.raw`use IO::Socket::INET; my ($vip, $port, $bytes) = @ARGV; my $t0 = time;
$SIG{ALRM} = sub { print "FAIL timeout\n"; exit 0 }; alarm 30;
my $s = IO::Socket::INET->new(PeerAddr => $vip, PeerPort => $port, Proto => 'tcp') or do { print "FAIL connect $!\n"; exit 0 };
my $chunk = 'x' x 65536; my $left = $bytes;
while ($left > 0) { my $w = syswrite($s, $chunk, $left < 65536 ? $left : 65536); defined $w or do { print "FAIL write $!\n"; exit 0 }; $left -= $w }
shutdown($s, 1); my $ans = <$s>; chomp $ans; print "OK $ans " . (time - $t0) . "\n";`;

/** Set the MTU of the interface that holds an address in `prefix` (e.g. 198.19.123.). */
const setMtu = (lab: string, node: string, prefix: string, mtu: number) =>
  sh(lab, node, `ip link set dev "$(ip -o -4 addr show | awk -v p='${prefix}' 'index($4, p) == 1 { sub(/@.*/, "", $2); print $2; exit }')" mtu ${mtu}`);

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

beforeAll(async () => {
  const dir = tmpDir();
  for (const [lab, yaml] of [[NAT_LAB, NAT_YAML], [ROUTED_LAB, ROUTED_YAML]]) {
    const file = path.join(dir, `${lab}.lab.yaml`);
    fs.writeFileSync(file, yaml);
    await lblabOk(['up', file], 600_000);
  }
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

  it('snat: fragmentation needed from a router before the backend reaches the client: an upload through a smaller MTU completes', async () => {
    await listen(ROUTED_LAB, 'web3', 9000);
    await healthy(ROUTED_LAB, ['up']);
    const upload = () => lblabOk(['exec', ROUTED_LAB, 'client1', '--', 'perl', '-e', UPLOAD, UP_VIP, '9000', String(2 << 20)], 60_000);
    expect((await upload()).trim()).toMatch(new RegExp(`^OK ${2 << 20} `));
    await setMtu(ROUTED_LAB, 'r2', '198.19.125.', 1280);
    try {
      const before = await stats(ROUTED_LAB);
      expect((await upload()).trim()).toMatch(new RegExp(`^OK ${2 << 20} `));
      const after = await stats(ROUTED_LAB);
      const rev = (s: Svc[]) => s.find((x) => x.name === 'up')!.counters.icmp_rev ?? 0;
      expect(rev(after) - rev(before)).toBeGreaterThan(0);
    } finally {
      await setMtu(ROUTED_LAB, 'r2', '198.19.125.', 1500);
    }
  }, 180_000);
});
