// A dual-stack lab (subnet6 on both networks, vip6: auto) switched live through the eBPF modes and the
// proxies: every mode serves 100/100 over IPv6 and over IPv4, spread evenly by rr; the server sees the
// mode's IPv6 signature (dsr: the VIP6 still the destination; nat: ipv6.dst the server; snat: ipv6.src the
// balancer). Tunnel over IPv6 waits for the servers' ip6ip6 decapsulator (left out here).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PREFIX, lblab, lblabOk, tmpDir } from '../support/labs';

const LAB = `${LAB_PREFIX}ds`;
const VIP4 = '198.18.242.254';
const VIP6 = 'fd00:4c42:0:f2::fe';
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
`;
const sh = (node: string, script: string) => lblabOk(['exec', LAB, node, '--', 'sh', '-c', script], 120_000);

/** 100 requests to a URL: how many each server answered. */
async function spread(url: string): Promise<Record<string, number>> {
  const out = await sh('client1', `for i in $(seq 100); do curl -s -g -m 2 -D- -o /dev/null '${url}' | tr -d '\\r' | awk -F': ' 'tolower($1) == "x-served-by" { print $2 }'; done`);
  const c: Record<string, number> = {};
  for (const l of out.split('\n').filter(Boolean)) c[l] = (c[l] ?? 0) + 1;
  return c;
}

/** The source and destination of the first IPv6 request packet web1 sees to port 80. */
async function seenOnWeb1(): Promise<string> {
  const dump = sh('web1', `rm -f /tmp/ds.pcap; timeout 5 tcpdump -U -nn -c 1 -i any -w /tmp/ds.pcap 'ip6 and tcp dst port 80' 2>/dev/null; tcpdump -nn -r /tmp/ds.pcap 2>/dev/null; true`);
  await new Promise((r) => setTimeout(r, 2000));
  await sh('client1', `for i in 1 2 3 4; do curl -s -g -m 2 -o /dev/null 'http://[${VIP6}]/'; done`);
  return dump;
}

beforeAll(async () => {
  const file = path.join(tmpDir(), `${LAB}.lab.yaml`);
  fs.writeFileSync(file, LAB_YAML);
  await lblabOk(['up', file], 600_000);
}, 700_000);
afterAll(async () => {
  await lblab(['down', LAB]);
}, 300_000);

describe('dual-stack lab', () => {
  for (const mode of ['dsr', 'nat', 'snat', 'l4proxy', 'l7'] as const) {
    it(`${mode}: 100/100 over IPv6 and over IPv4, even spread`, async () => {
      if (mode !== 'dsr') await lblabOk(['mode', LAB, 'web', mode], 300_000);
      for (const url of [`http://[${VIP6}]/`, `http://${VIP4}/`]) {
        const c = await spread(url);
        expect(c, url).toEqual({ web1: 50, web2: 50 });
      }
      if (mode === 'dsr' || mode === 'nat' || mode === 'snat') {
        const line = await seenOnWeb1();
        if (mode === 'dsr') expect(line).toMatch(/fd00:4c42:0:f2::\w+\.\d+ > fd00:4c42:0:f2::fe\.80:/);
        if (mode === 'nat') expect(line).toMatch(/fd00:4c42:0:f2::\w+\.\d+ > fd00:4c42:0:f3::\w+\.80:/);
        if (mode === 'snat') expect(line).toMatch(/fd00:4c42:0:f3::2\.\d+ > fd00:4c42:0:f3::\w+\.80:/);
      }
    });
  }
});
