// A comparison on a spread lab measures each host's distance from the first:
// which nodes ping which address, and ping's own summary line read back.
import { describe, expect, it } from 'vitest';
import type { LabStatus, NodeStatus } from '../../../electron/api';
import { hostDistances, parsePingAvg, pingPairs } from '../../../electron/engine/compare/host-distances';

const node = (name: string, host: string, nets: [string, string][], state: NodeStatus['state'] = 'running'): NodeStatus => ({
  name, kind: 'server', container: `c-${name}`, state, routes: [], host,
  interfaces: nets.map(([network, address], i) => ({ name: `eth${i}`, network, mac: '', address })),
});

const status: LabStatus = {
  name: 'x', state: 'running', networks: [], services: [],
  hosts: [{ name: 'h1', engine: 'default', reachable: true }, { name: 'h2', engine: 'ssh://a@b', reachable: true }, { name: 'h3', engine: 'c', reachable: true }],
  nodes: [
    node('client1', 'h1', [['front', '198.18.232.10/24']]),
    node('web1', 'h1', [['back', '198.18.233.11/24']]),
    node('lb', 'h2', [['front', '198.18.232.2/24'], ['back', '198.18.233.2/24']]),
    node('web3', 'h3', [['back', '198.18.233.13/24']]),
  ],
};

describe('distances between hosts', () => {
  it('pings from a node on each other host to a first-host node on a shared network', () => {
    expect(pingPairs(status)).toEqual([
      { host: 'h2', from: 'lb', to: 'client1', address: '198.18.232.10' },
      { host: 'h3', from: 'web3', to: 'web1', address: '198.18.233.11' },
    ]);
  });

  it('reads the average from ping, and records every host with its nodes', async () => {
    expect(parsePingAvg('5 packets transmitted, 5 received, 0% packet loss, time 816ms\nrtt min/avg/max/mdev = 0.051/0.078/0.120/0.020 ms\n')).toBe(0.078);
    expect(parsePingAvg('5 packets transmitted, 0 received, 100% packet loss')).toBeUndefined();
    const hosts = await hostDistances(status, async (n) => (n === 'lb' ? 'rtt min/avg/max/mdev = 0.2/0.25/0.3/0.01 ms' : 'no answer'));
    expect(hosts).toEqual([
      { name: 'h1', engine: 'default', nodes: ['client1', 'web1'] },
      { name: 'h2', engine: 'ssh://a@b', nodes: ['lb'], rttMs: 0.25, rttPath: 'lb → client1' },
      { name: 'h3', engine: 'c', nodes: ['web3'] },
    ]);
  });
});
