// Tunnel mode's servers decapsulate IPIP only from the lab's balancers: the
// plumbing loads the decapsulator once (lab-images/server/decap), attaches it
// from its pin and fills its sender list (decap_senders) with the addresses
// of the balancers that tunnel to the server. Checked on the shipped tunnel
// lab (client — lb, router — servers): requests through the VIP are served;
// a server's list holds exactly the balancer's address; an IPIP packet that
// a client sends to a server itself (what anyone on the way could forge:
// its inner packet may claim any source) is dropped and counted.
// Own subnets 198.19.126.0/24, 198.19.127.0/24; the lab is `<prefix>decap`.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { LAB_PREFIX, lblab, lblabOk, rewriteLab, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}decap`;

/** An IPIP packet from this host to ARGV[0], its inner TCP SYN from ARGV[1] to ARGV[2]:80. */
const FORGE = String.raw`use Socket; my ($dst, $src, $vip) = @ARGV;
socket(my $s, PF_INET, SOCK_RAW, 4) or die "socket: $!";
sub csum { my $d = shift; $d .= "\0" if length($d) % 2; my $sum = 0; $sum += $_ for unpack('n*', $d); $sum = ($sum >> 16) + ($sum & 0xffff) while $sum >> 16; return ~$sum & 0xffff }
my $tcp = pack('n n N N n n n n', 40000, 80, 12345, 0, (5 << 12) | 0x02, 65535, 0, 0);
substr($tcp, 16, 2) = pack('n', csum(inet_aton($src) . inet_aton($vip) . pack('n n', 6, length $tcp) . $tcp));
my $ip = pack('C C n n n C C n a4 a4', 0x45, 0, 20 + length $tcp, 1, 0x4000, 64, 6, 0, inet_aton($src), inet_aton($vip));
substr($ip, 10, 2) = pack('n', csum($ip));
send($s, $ip . $tcp, 0, pack_sockaddr_in(0, inet_aton($dst))) or die "send: $!";
print "sent\n";`;

const PIN = '/sys/fs/bpf/lblab_decap/maps';
type Entry = { key: string[]; value?: string[]; values?: { cpu: number; value: string[] }[] };
const dump = async (node: string, map: string) => JSON.parse(await lblabOk(['exec', LAB, node, '--', 'bpftool', '-j', 'map', 'dump', 'pinned', `${PIN}/${map}`])) as Entry[];
const byte = (h: string) => parseInt(h, 16);
/** decap_stats: counter i summed over the CPUs. */
async function decapStat(node: string, i: number): Promise<number> {
  const e = (await dump(node, 'decap_stats')).find((x) => byte(x.key[0]) === i)!;
  return (e.values ?? []).reduce((a, v) => a + v.value.reduce((n, h, k) => n + byte(h) * 2 ** (8 * k), 0), 0);
}

let vip = '';
let lbAddr = '';
let clientAddr = '';
let web1Addr = '';

beforeAll(async () => {
  const { file, doc } = rewriteLab('labs/tunnel.lab.yaml', LAB, tmpDir());
  const d = doc as { networks: Record<string, { subnet?: string }> };
  d.networks.front.subnet = '198.19.126.0/24';
  d.networks.back.subnet = '198.19.127.0/24';
  fs.writeFileSync(file, YAML.stringify(d));
  await lblabOk(['up', file], 600_000);
  const st = JSON.parse(await lblabOk(['status', LAB, '--json'])) as { services: { vip: string }[]; nodes: { name: string; interfaces: { address: string }[] }[] };
  vip = st.services[0].vip;
  const addr = (n: string) => st.nodes.find((x) => x.name === n)!.interfaces[0].address.split('/')[0];
  [lbAddr, clientAddr, web1Addr] = [addr('lb'), addr('client1'), addr('web1')];
}, 700_000);

afterAll(async () => {
  await lblab(['down', LAB]);
}, 300_000);

describe('tunnel decapsulation takes IPIP only from the lab\'s balancers', () => {
  it('requests through the VIP are served', async () => {
    const out = await lblabOk(['exec', LAB, 'client1', '--', 'sh', '-c',
      `for i in $(seq 20); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 5 http://${vip}/; done`], 120_000);
    expect(out.trim().split('\n')).toEqual(Array(20).fill('200'));
  }, 150_000);

  it('a server\'s sender list holds exactly the balancer\'s address', async () => {
    const [e] = await dump('web1', 'decap_senders');
    const v = e.value!.map(byte);
    expect(v[0]).toBe(1); // n
    expect(v.slice(4, 8).join('.')).toBe(lbAddr);
  }, 60_000);

  it('IPIP forged by a client straight to a server is dropped there, and counted', async () => {
    const [decap0, dropped0] = [await decapStat('web1', 0), await decapStat('web1', 4)];
    expect((await lblabOk(['exec', LAB, 'client1', '--', 'perl', '-e', FORGE, web1Addr, clientAddr, vip])).trim()).toBe('sent');
    // the packet is counted once it arrives: poll for it, 10 s at most
    let dropped = await decapStat('web1', 4);
    for (const end = Date.now() + 10_000; dropped === dropped0 && Date.now() < end; ) dropped = await decapStat('web1', 4);
    expect(dropped).toBe(dropped0 + 1);
    expect(await decapStat('web1', 0)).toBe(decap0);
  }, 60_000);
});
