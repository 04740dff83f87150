// A dual-stack lab (subnet6 on both networks, vip6: auto) switched live through the eBPF modes and the
// proxies: every mode serves 100/100 over IPv6 and over IPv4, spread evenly by rr. A capture on web1's
// interface shows each eBPF mode's IPv6 signature on the wire (dsr: the frame from the balancer's MAC to
// web1's, still client → VIP6, no outer header; tunnel: an outer IPv6 header balancer → web1 around
// client → VIP6; nat: ipv6.dst the server; snat: ipv6.src the balancer), and the bytes the balancer
// receives during a 10 MiB download over IPv6 say whether the responses crossed it (dsr, tunnel: no;
// nat: yes, the control). One journey over IPv6 (tunnel) names the outer header and sees the response
// go around the balancer. The doctor probes the VIP6 beside the VIP (tunnel), and names IPv6 in what it finds:
// a server without the VIP6 on lo, a router that does not forward IPv6 (the answers over IPv6 lost, over IPv4 not).
// Beside it, a tunnel service over the IPv6 underlay (web46: an IPv4 VIP, its packets to the servers in IPv6):
// 100/100 over its IPv4 VIP, spread; a capture on web1's link decodes the outer IPv6 header (ipv6.nxt 4) around
// the client's IPv4 packet; its journey names the outer header (ipip6).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport, Journey, LabStatus } from '../../electron/api';
import { LAB_PREFIX, lblab, lblabChild, lblabOk, nodeSh, tcpdumpIn, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}ds`;
const VIP4 = '198.18.242.254';
const VIP6 = 'fd00:4c42:0:f2::fe';
const VIP46 = '198.18.242.200';
const LAB_YAML = `name: ${LAB}
networks:
  front: { subnet: 198.18.242.0/24, subnet6: 'fd00:4c42:0:f2::/64' }
  back: { subnet: 198.18.243.0/24, subnet6: 'fd00:4c42:0:f3::/64' }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front }, { network: back } ] }
  r1: { kind: router, links: [ { network: front }, { network: back } ] }
  web1: { kind: server, links: [ { network: back } ] }
  web2: { kind: server, links: [ { network: back } ] }
services:
  web: { balancer: lb, port: 80, mode: dsr, scheduler: rr, vip6: auto, backends: [ web1, web2 ] }
  web46: { balancer: lb, vip: ${VIP46}, port: 80, mode: tunnel, underlay: ipv6, scheduler: rr, backends: [ web1, web2 ] }
`;
const MIB = 1024 * 1024;
const sh = (node: string, script: string) => nodeSh(LAB, node, script);

let status: LabStatus;
const iface = (node: string, network: string) => status.nodes.find((n) => n.name === node)!.interfaces.find((i) => i.network === network)!;
/** a node's IPv6 address: its IPv4 host number in the network's subnet6 */
const addr6 = (node: string, network: string) => `fd00:4c42:0:${network === 'front' ? 'f2' : 'f3'}::${Number(iface(node, network).address.split('/')[0].split('.')[3]).toString(16)}`;

/** 100 requests to a URL: how many each server answered. */
async function spread(url: string): Promise<Record<string, number>> {
  const out = await sh('client1', `for i in $(seq 100); do curl -s -g -m 2 -D- -o /dev/null '${url}' | tr -d '\\r' | awk -F': ' 'tolower($1) == "x-served-by" { print $2 }'; done`);
  const c: Record<string, number> = {};
  for (const l of out.split('\n').filter(Boolean)) c[l] = (c[l] ?? 0) + 1;
  return c;
}

/** The header lines (tcpdump -e) of the IPv6 packets on web1's back interface that carry a nonce the client sent to the VIP6. */
async function requestLinesOnWeb1(): Promise<string[]> {
  const nonce = `ds-${Date.now()}`;
  const cap = tcpdumpIn(LAB, 'web1', `-l -nn -e -A -s 0 -i ${iface('web1', 'back').name} 'ip6 and (tcp dst port 80 or ip6 proto 41)'`, 3);
  await cap.listening;
  // rr over two backends: 4 requests put 2 on web1
  await sh('client1', `for i in 1 2 3 4; do curl -s -g -m 2 -o /dev/null 'http://[${VIP6}]/1k.bin?${nonce}'; done`);
  const packets = (await cap.output).split(/\n(?=\d\d:\d\d:\d\d\.\d+ )/);
  const lines = packets.filter((p) => p.includes(nonce)).map((p) => p.split('\n')[0]);
  expect(lines.length, 'no request over IPv6 reached web1').toBeGreaterThan(0);
  return lines;
}

/** Bytes received on all the balancer's interfaces while the client downloads 10 MiB from the VIP6. */
async function balancerRxDuringDownload6(): Promise<number> {
  const read = async () => (await sh('lb', 'cat /sys/class/net/*/statistics/rx_bytes')).split('\n').filter(Boolean).reduce((a, b) => a + Number(b), 0);
  const before = await read();
  const got = await sh('client1', `curl -s -g -o /dev/null -w '%{size_download}' -m 30 'http://[${VIP6}]/10m.bin'`);
  expect(Number(got)).toBe(10 * MIB);
  return (await read()) - before;
}

/** `lblab doctor --json`: its report (exit 1 when it finds an error). */
async function doctor(): Promise<DoctorReport> {
  const r = await lblab(['doctor', LAB, '--json'], { timeoutMs: 120_000 });
  return JSON.parse(r.stdout) as DoctorReport;
}
const alarms = (r: DoctorReport) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind} ${f.node}`);
/** A sysctl written by hand, as with nsenter: a throw-away container in the node's network namespace, /proc/sys writable. */
function sysctlByHand(node: string, script: string): void {
  const c = `lblab-${LAB}-${node}`;
  const image = execFileSync('docker', ['inspect', '-f', '{{.Config.Image}}', c], { encoding: 'utf8' }).trim();
  execFileSync('docker', ['run', '--rm', '--network', `container:${c}`, '--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', '--security-opt', 'systempaths=unconfined', image, 'sh', '-c', script]);
}

async function servesBoth(): Promise<void> {
  for (const url of [`http://[${VIP6}]/`, `http://${VIP4}/`]) expect(await spread(url), url).toEqual({ web1: 50, web2: 50 });
}

beforeAll(async () => {
  const file = path.join(tmpDir(), `${LAB}.lab.yaml`);
  fs.writeFileSync(file, LAB_YAML);
  await lblabOk(['up', file], 600_000);
  status = JSON.parse(await lblabOk(['status', LAB, '--json'])) as LabStatus;
}, 700_000);
afterAll(async () => {
  await lblab(['down', LAB]);
}, 300_000);

/** Decoded packets (`lblab capture --json`) on a node's interface while `during` runs: at most `count`, within 15 s. */
async function captureJson(target: string, filter: string, count: number, during: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const child = lblabChild(['capture', LAB, target, '--filter', filter, '--count', String(count), '--duration', '15', '--json']);
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (err += b));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  for (let i = 0; i < 300 && !/capturing on/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
  expect(err).toMatch(/capturing on/);
  await during();
  await exited;
  return out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('dual-stack lab', () => {
  it('tunnel over IPv6 (underlay ipv6): 100/100 over the IPv4 VIP, spread; web1 receives IPv4 inside IPv6 (ipv6.nxt 4); the journey names it', async () => {
    expect(status.services.find((s) => s.name === 'web46')).toMatchObject({ vip: VIP46, mode: 'tunnel' });
    expect(await spread(`http://${VIP46}/`)).toEqual({ web1: 50, web2: 50 });
    const pkts = await captureJson(`web1:back`, 'ip6 proto 4', 2, async () => {
      await sh('client1', `for i in 1 2 3 4; do curl -s -m 2 -o /dev/null 'http://${VIP46}/'; done`);
    });
    expect(pkts.length).toBe(2);
    for (const p of pkts) {
      const layers = p.layers as Record<string, Record<string, unknown>>;
      expect(layers.ipv6).toMatchObject({ 'ipv6.nxt': 4, 'ipv6.hlim': 64, 'ipv6.src': addr6('lb', 'back'), 'ipv6.dst': addr6('web1', 'back') });
      expect(layers.ip).toMatchObject({ 'ip.src': iface('client1', 'front').address.split('/')[0], 'ip.dst': VIP46 });
      expect(layers.tcp).toMatchObject({ 'tcp.dstport': 80 });
    }
    const j = JSON.parse(await lblabOk(['journey', LAB, '--service', 'web46', '--json'], 120_000)) as Journey;
    expect(j.error).toBeUndefined();
    const lbOut = j.request.hops.find((h) => h.node === 'lb' && h.direction === 'out')!;
    const rewrites = Object.fromEntries(lbOut.changes.filter((c) => !c.expected).map((c) => [c.field, c.to]));
    expect(rewrites).toEqual({ encap: 'ipip6', 'outer.ipv6.src': addr6('lb', 'back'), 'outer.ipv6.dst': addr6(j.backend!, 'back') });
    expect(j.response.viaBalancer).toBe(false);
  });

  it('dsr: 100/100 over both, even spread; web1 sees only the MACs changed; responses bypass the balancer', async () => {
    expect(status.services[0].vip6).toBe(VIP6);
    await servesBoth();
    const [lbMac, web1Mac] = [iface('lb', 'back').mac, iface('web1', 'back').mac];
    for (const l of await requestLinesOnWeb1()) {
      expect(l).toContain(`${lbMac} > ${web1Mac}`);
      expect(l).toMatch(new RegExp(`${addr6('client1', 'front')}\\.\\d+ > ${VIP6}\\.80:`));
      expect(l).not.toContain(`${addr6('lb', 'back')} >`); // no outer header
    }
    expect(await balancerRxDuringDownload6()).toBeLessThan(3 * MIB);
    // status says each interface's IPv6 address (the host number mirrored)
    expect(iface('client1', 'front').address6).toBe(`${addr6('client1', 'front')}/64`);
  });

  it('tunnel: 100/100 over both; an outer IPv6 header balancer → web1; responses bypass the balancer; the journey names it', async () => {
    await lblabOk(['mode', LAB, 'web', 'tunnel'], 300_000);
    await servesBoth();
    for (const l of await requestLinesOnWeb1()) {
      expect(l).toContain(`${addr6('lb', 'back')} > ${addr6('web1', 'back')}`);
      expect(l).toMatch(new RegExp(`${addr6('client1', 'front')}\\.\\d+ > ${VIP6}\\.80:`));
    }
    expect(await balancerRxDuringDownload6()).toBeLessThan(3 * MIB);

    const j = JSON.parse(await lblabOk(['journey', LAB, '--family', '6', '--json'], 120_000)) as Journey;
    expect(j.error).toBeUndefined();
    expect(j).toMatchObject({ vip: VIP6, family: 6, mode: 'tunnel' });
    const lbOut = j.request.hops.find((h) => h.node === 'lb' && h.direction === 'out')!;
    const rewrites = Object.fromEntries(lbOut.changes.filter((c) => !c.expected).map((c) => [c.field, c.to]));
    expect(rewrites).toEqual({ encap: 'ip6ip6', 'outer.ipv6.src': addr6('lb', 'back'), 'outer.ipv6.dst': addr6(j.backend!, 'back') });
    expect(j.response.hops.length).toBeGreaterThan(0);
    expect(j.response.viaBalancer).toBe(false);
  });

  it('the doctor (tunnel): probes the VIP6 too; names IPv6 in a server without the VIP6 on lo and a router not forwarding IPv6', async () => {
    const quiet = await doctor();
    expect(alarms(quiet)).toEqual([]);
    const p6 = quiet.probes.find((p) => p.family === 6)!;
    expect(p6).toMatchObject({ vip6: VIP6, failed: 0 });
    expect(Object.keys(p6.answered).sort()).toEqual(['web1', 'web2']);

    await sh('web2', `ip -6 addr del ${VIP6}/128 dev lo`);
    try {
      const r = await doctor();
      expect(alarms(r)).toEqual(['vip-missing web2']);
      expect(r.findings[0].summary).toBe(`web2 does not hold IPv6 VIP ${VIP6} on lo.`);
      expect(r.findings[0].evidence.some((e) => e.includes(`→ [${VIP6}]:80 (IPv6)`))).toBe(true);
    } finally {
      await sh('web2', `ip -6 addr add ${VIP6}/128 dev lo`);
    }

    // the servers answer the client over r1 (tunnel: around the balancer)
    sysctlByHand('r1', 'echo 0 > /proc/sys/net/ipv6/conf/all/forwarding');
    try {
      const r = await doctor();
      expect(alarms(r)).toEqual(['forwarding-off r1']);
      expect(r.findings[0].summary).toBe('r1 does not forward IPv6 (net.ipv6.conf.all.forwarding = 0).');
      const [v4, v6] = [r.probes.find((p) => p.family !== 6)!, r.probes.find((p) => p.family === 6)!];
      expect([v4.failed, v6.answered]).toEqual([0, {}]);
    } finally {
      sysctlByHand('r1', 'echo 1 > /proc/sys/net/ipv6/conf/all/forwarding');
    }
  });

  it('nat: 100/100 over both; ipv6.dst becomes the server; responses cross the balancer', async () => {
    await lblabOk(['mode', LAB, 'web', 'nat'], 300_000);
    await servesBoth();
    for (const l of await requestLinesOnWeb1()) expect(l).toMatch(new RegExp(`${addr6('client1', 'front')}\\.\\d+ > ${addr6('web1', 'back')}\\.80:`));
    expect(await balancerRxDuringDownload6()).toBeGreaterThan(10 * MIB);
  });

  it('snat: 100/100 over both; ipv6.src becomes the balancer', async () => {
    await lblabOk(['mode', LAB, 'web', 'snat'], 300_000);
    await servesBoth();
    for (const l of await requestLinesOnWeb1()) expect(l).toMatch(new RegExp(`${addr6('lb', 'back')}\\.\\d+ > ${addr6('web1', 'back')}\\.80:`));
  });

  for (const mode of ['l4proxy', 'l7'] as const) {
    it(`${mode}: 100/100 over IPv6 and over IPv4, even spread`, async () => {
      await lblabOk(['mode', LAB, 'web', mode], 300_000);
      await servesBoth();
    });
  }
});
