// A comparison on a lab spread over hosts records each host and how far it is
// from the first one: the round-trip time of a few pings from a node on that
// host to a node on the first host, over a lab network they share (so over the
// overlay, VXLAN included: what the lab's own packets pay).
import type { CompareHost, LabStatus } from '../../api';

export interface PingPair { host: string; from: string; to: string; address: string }

/** For every host but the first: one node there, and an address of a first-host node on a network it shares. */
export function pingPairs(status: LabStatus): PingPair[] {
  const hosts = status.hosts ?? [];
  const first = hosts[0]?.name;
  if (!first) return [];
  const out: PingPair[] = [];
  for (const h of hosts.slice(1)) {
    const pair = status.nodes
      .filter((n) => n.host === h.name && n.state === 'running')
      .flatMap((n) =>
        status.nodes
          .filter((m) => m.host === first && m.state === 'running')
          .flatMap((m) => m.interfaces.filter((i) => n.interfaces.some((x) => x.network === i.network)).map((i) => ({ host: h.name, from: n.name, to: m.name, address: i.address.split('/')[0] }))),
      )[0];
    if (pair) out.push(pair);
  }
  return out;
}

export const pingScript = (address: string) => `ping -n -q -c 5 -i 0.2 -W 2 ${address}`;

/** ping's summary line, `rtt min/avg/max/mdev = 0.051/0.078/0.120/0.020 ms`: the average, in ms. */
export function parsePingAvg(text: string): number | undefined {
  const m = /= [\d.]+\/([\d.]+)\/[\d.]+\/[\d.]+ ms/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The hosts as a comparison records them, with the measured distances. */
export async function hostDistances(status: LabStatus, exec: (node: string, script: string) => Promise<string>): Promise<CompareHost[] | undefined> {
  if (!status.hosts?.length) return undefined;
  const pairs = pingPairs(status);
  const rtt = new Map(
    await Promise.all(
      pairs.map(async (p) => [p.host, { ms: parsePingAvg(await exec(p.from, pingScript(p.address)).catch(() => '')), from: p.from, to: p.to }] as const),
    ),
  );
  return status.hosts.map((h) => {
    const r = rtt.get(h.name);
    return {
      name: h.name,
      engine: h.engine,
      nodes: status.nodes.filter((n) => n.host === h.name).map((n) => n.name),
      ...(r?.ms !== undefined && { rttMs: r.ms, rttPath: `${r.from} → ${r.to}` }),
    };
  });
}
