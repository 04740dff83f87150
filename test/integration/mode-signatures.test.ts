// What each eBPF mode visibly does on the wire, on one live lab switched from
// mode to mode with `lblab mode` (no redeploy):
//   - a capture on a real server shows the mode's signature
//       dsr:    dst MAC = the server's, src MAC = the balancer's, dst IP = VIP, src IP = client
//       tunnel: an outer IPIP header balancer → server around client → VIP
//       nat:    dst IP = the server's address, src IP = the client's
//       snat:   src IP = the balancer's address, dst IP = the server's
//   - response bytes: for dsr and tunnel a 10 MiB download through the VIP
//     does not cross the balancer (only the client's requests and ACKs do);
//     for nat and snat it does (the positive control that lets the check fail).
// Topology: two-arm balancer with a router beside it, so the servers reach the
// client through r1 (dsr/tunnel) and share no network with it (nat).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabStatus, NodeStatus } from '../../electron/api';
import type { Mode } from '../../electron/api';
import { createLabEngine } from '../../electron/engine/lab-engine';
import { LAB_PREFIX, lblab, lblabOk, tcpdumpIn as tcpdumpInNode, tmpDir } from '../support/labs';
import { timedSwitch } from '../support/switch-probe';

const LAB = `${LAB_PREFIX}sig`;
const LAB_YAML = `name: ${LAB}
networks:
  front: { subnet: 198.18.244.0/24 }
  back: { subnet: 198.18.245.0/24 }
nodes:
  client1: { kind: client, links: [ { network: front } ] }
  lb: { kind: balancer, links: [ { network: front }, { network: back } ] }
  r1: { kind: router, links: [ { network: front }, { network: back } ] }
  web1: { kind: server, links: [ { network: back } ] }
  web2: { kind: server, links: [ { network: back } ] }
services:
  web: { balancer: lb, port: 80, mode: dsr, scheduler: rr, backends: [ web1, web2 ] }
`;
const MIB = 1024 * 1024;

const sh = (node: string, script: string, timeoutMs?: number) => lblabOk(['exec', LAB, node, '--', 'sh', '-c', script], timeoutMs);

let status: LabStatus;
const node = (name: string): NodeStatus => status.nodes.find((n) => n.name === name)!;
const iface = (name: string, network: string) => node(name).interfaces.find((i) => i.network === network)!;
const ip = (cidr: string) => cidr.split('/')[0];

beforeAll(async () => {
  const dir = tmpDir();
  const file = path.join(dir, `${LAB}.lab.yaml`);
  fs.writeFileSync(file, LAB_YAML);
  await lblabOk(['up', file], 600_000);
  status = JSON.parse(await lblabOk(['status', LAB, '--json']));
}, 700_000);

afterAll(async () => {
  await lblab(['down', LAB]);
}, 300_000);

const tcpdumpIn = (node: string, args: string) => tcpdumpInNode(LAB, node, args);

/**
 * Capture on web1's interface while the client requests a URL carrying a
 * nonce through the VIP; returns the header lines of the packets that carry
 * the nonce (the balancer's own health checks never do).
 */
async function requestHeadersOnWeb1(nonce: string): Promise<string[]> {
  const dev = iface('web1', 'back').name;
  const vip = status.services[0].vip;
  const cap = tcpdumpIn('web1', `-l -nn -e -A -s 0 -i ${dev} 'ip proto 4 or tcp dst port 80'`);
  await cap.listening;
  // rr over two backends: 6 requests put 3 on web1
  await sh('client1', `for i in $(seq 6); do curl -s -o /dev/null -m 3 'http://${vip}:80/1k.bin?${nonce}'; done`, 120_000);
  const packets = (await cap.output).split(/\n(?=\d\d:\d\d:\d\d\.\d+ )/);
  return packets.filter((p) => p.includes(nonce)).map((p) => p.split('\n')[0]);
}

/** Bytes received on all the balancer's interfaces while the client downloads 10 MiB through the VIP. */
async function balancerRxDuringDownload(): Promise<number> {
  const read = async () =>
    (await sh('lb', 'cat /sys/class/net/*/statistics/rx_bytes')).split('\n').filter(Boolean).reduce((a, b) => a + Number(b), 0);
  const vip = status.services[0].vip;
  const before = await read();
  const got = await sh('client1', `curl -s -o /dev/null -w '%{size_download}' -m 60 http://${vip}:80/10m.bin`, 120_000);
  expect(Number(got)).toBe(10 * MIB);
  return (await read()) - before;
}

describe('mode signatures on the wire (live mode switches)', () => {
  it('dsr: the frame reaches the server with only the MACs changed; responses bypass the balancer', async () => {
    const lines = await requestHeadersOnWeb1(`sig-${Date.now()}`);
    const client = ip(iface('client1', 'front').address);
    const vip = status.services[0].vip;
    const web1Mac = iface('web1', 'back').mac.toLowerCase();
    const lbMac = iface('lb', 'back').mac.toLowerCase();
    expect(lines.length, 'no request reached web1').toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).toContain(`${lbMac} > ${web1Mac}`);
      expect(l).toContain(`${client}.`);
      expect(l).toContain(`> ${vip}.80:`);
    }
    expect(await balancerRxDuringDownload()).toBeLessThan(3 * MIB);
  });

  it('tunnel: an outer IPIP header from the balancer to the server; responses bypass the balancer', async () => {
    await lblabOk(['mode', LAB, 'web', 'tunnel'], 300_000);
    const lines = await requestHeadersOnWeb1(`sig-${Date.now()}`);
    const client = ip(iface('client1', 'front').address);
    const vip = status.services[0].vip;
    const outer = `${ip(iface('lb', 'back').address)} > ${ip(iface('web1', 'back').address)}: `;
    expect(lines.length, 'no request reached web1').toBeGreaterThan(0);
    for (const l of lines) expect(l.includes(outer) && l.includes(`${client}.`) && l.includes(`> ${vip}.80:`), l).toBe(true);
    expect(await balancerRxDuringDownload()).toBeLessThan(3 * MIB);
  });

  it('nat: the destination becomes the server, the client address stays; responses cross the balancer', async () => {
    await lblabOk(['mode', LAB, 'web', 'nat'], 300_000);
    const lines = await requestHeadersOnWeb1(`sig-${Date.now()}`);
    const client = ip(iface('client1', 'front').address);
    const web1 = ip(iface('web1', 'back').address);
    expect(lines.length, 'no request reached web1').toBeGreaterThan(0);
    for (const l of lines) expect(l.includes(`${client}.`) && l.includes(`> ${web1}.80:`), l).toBe(true);
    expect(await balancerRxDuringDownload()).toBeGreaterThan(10 * MIB);
  });

  it('snat: the server sees the balancer as the source, never the client', async () => {
    await lblabOk(['mode', LAB, 'web', 'snat'], 300_000);
    const lines = await requestHeadersOnWeb1(`sig-${Date.now()}`);
    const client = ip(iface('client1', 'front').address);
    const lbBack = ip(iface('lb', 'back').address);
    const web1 = ip(iface('web1', 'back').address);
    expect(lines.length, 'no request reached web1').toBeGreaterThan(0);
    for (const l of lines) expect(l.includes(`${lbBack}.`) && l.includes(`> ${web1}.80:`), l).toBe(true);
    expect(lines.some((l) => l.includes(`${client}`)), lines.join('\n')).toBe(false);
    expect(await balancerRxDuringDownload()).toBeGreaterThan(10 * MIB);
  });
});

describe('a live switch serves again at once', () => {
  // well under 1 s on an idle host (bench:modes); 5 s catches a switch that waits for a data plane
  // load, a health check's first verdict or a poll, on a loaded CI machine too
  it('snat → l4proxy → dsr → tunnel: each serves a request sent after the command within 5 s of it', async () => {
    const engine = createLabEngine();
    try {
      const probe = { lab: LAB, service: 'web', client: node('client1').container, url: `http://${status.services[0].vip}:80/` };
      for (const to of ['l4proxy', 'dsr', 'tunnel'] as Mode[]) {
        const t = await timedSwitch(engine, probe, to, 10_000);
        expect(t.serving, `→ ${to}: ${JSON.stringify(t)}`).toBeLessThan(5000);
      }
    } finally {
      await engine.close();
    }
  }, 120_000);
});
