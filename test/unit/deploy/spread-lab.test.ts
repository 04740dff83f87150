// The pure parts of a lab spread over hosts: the Swarm and kernel checks
// (fed the fields `docker info` really returns), who must learn the
// balancer's MAC for a VIP on an overlay, the overlay's Docker options, and
// how an unreachable host reads in a degraded lab's reason.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { networkOptions } from '../../../electron/engine/deploy/containers';
import { hostInfo, kernelProblem, swarmProblem, type HostInfo } from '../../../electron/engine/deploy/hosts-check';
import { neighbourCommand, vipNeighbours } from '../../../electron/engine/deploy/vip-neighbours';
import { degradedReason, labProblems, repairable } from '../../../electron/engine/labs/health';
import { leftoversLine, parseLeftHosts } from '../../../electron/engine/labs/leftovers';
import { planLab } from '../../../electron/engine/topology/index';
import { tpl } from '../topology/fixtures';

const info = (name: string, state: string, id: string, manager = false, kernel = '6.12.0-1-amd64'): HostInfo =>
  hostInfo(name, { OSType: 'linux', KernelVersion: kernel, Swarm: { LocalNodeState: state, NodeID: id, ControlAvailable: manager } });

/** The compare template spread: client and router on h1, balancer on h2, a server on each host. */
function spread(mode = 'dsr'): LabDoc {
  const d = structuredClone(tpl('compare')) as LabDoc;
  d.hosts = { h1: 'default', h2: 'ssh://ops@198.19.254.2', h3: 'tcp://198.19.254.3:2376' };
  d.nodes.lb.host = 'h2';
  d.nodes.web2.host = 'h2';
  d.nodes.web3.host = 'h3';
  d.services!.web.mode = mode as never;
  return d;
}

describe('the Swarm check', () => {
  const members = new Set(['a', 'b', 'c']);
  it('passes one Swarm whose first host manages it', () => {
    expect(swarmProblem([info('h1', 'active', 'a', true), info('h2', 'active', 'b'), info('h3', 'active', 'c')], members)).toBeUndefined();
  });
  it('says what to run when there is no Swarm, the first host is a worker, or a host is elsewhere', () => {
    expect(swarmProblem([info('h1', 'inactive', ''), info('h2', 'inactive', '')], undefined)).toBe(
      'hosts h1, h2 are not one Docker Swarm: run `docker swarm init` on h1, then the `docker swarm join …` it prints on h2',
    );
    expect(swarmProblem([info('h1', 'active', 'a'), info('h2', 'active', 'b', true)], undefined)).toMatch(/^host h1, the lab's first host, is not a manager of its Docker Swarm/);
    expect(swarmProblem([info('h1', 'active', 'a', true), info('h2', 'active', 'z'), info('h3', 'inactive', '')], members)).toBe(
      'hosts h2, h3 are not in the Docker Swarm of h1: run `docker swarm join-token worker` on h1 and the `docker swarm join …` it prints on h2, h3',
    );
  });
});

describe('the kernel check', () => {
  it('refuses an eBPF balancer on an old kernel, not an l4proxy one', () => {
    const hosts = [info('h1', 'active', 'a', true), info('h2', 'active', 'b', false, '5.10.0-28-amd64'), info('h3', 'active', 'c')];
    expect(kernelProblem(planLab(spread('dsr')), hosts)).toBe(
      'node lb is placed on host h2, which cannot run service web in dsr: Linux kernel 5.10 < 6.3: the eBPF modes (dsr, tunnel, nat, snat) will not load; l4proxy and l7 work; place it on another host or use l4proxy or l7',
    );
    expect(kernelProblem(planLab(spread('l4proxy')), hosts)).toBeUndefined();
  });
});

describe('VIP neighbour entries over an overlay', () => {
  it('every other node on the VIP network learns the balancer MAC; none on a lab of one host', () => {
    const plan = planLab(spread());
    const [e] = vipNeighbours(plan);
    expect(e.balancer).toBe('lb');
    expect(e.network).toBe('front');
    expect(e.senders.map((s) => s.node).sort()).toEqual(['client1', 'r1']);
    expect(vipNeighbours(planLab(tpl('compare')))).toEqual([]);
  });
  it('writes a permanent entry on the interface holding the sender address', () => {
    const [, , script] = neighbourCommand('198.18.0.100', '02:42:c6:12:00:02', '198.18.0.10');
    expect(script).toContain('ip -o -4 addr show to 198.18.0.10/32');
    expect(script).toContain('ip neigh replace 198.18.0.100 lladdr 02:42:c6:12:00:02 dev "$dev" nud permanent');
  });
});

describe('Docker options of a spread lab network', () => {
  it('an overlay is attachable, unencrypted, with a range of its own for Docker; a bridge gets the overlay MTU', () => {
    const plan = planLab(spread());
    const front = networkOptions(plan.name, plan.networks.find((n) => n.name === 'front')!);
    // the overlay's own MTU is already 1450: its option would name the underlay's (1450 would give 1400)
    expect(front).toMatchObject({ Driver: 'overlay', Attachable: true });
    expect(front.Options ?? {}).toEqual({});
    expect(front.IPAM?.Config?.[0]?.IPRange).toMatch(/^198\.18\./);
    const one = structuredClone(spread());
    one.networks.side = {};
    one.nodes.web3.links.push({ network: 'side' });
    const side = planLab(one).networks.find((n) => n.name === 'side')!;
    expect(networkOptions(plan.name, side)).toMatchObject({ Driver: 'bridge', Labels: { 'io.lblab.host': 'h3' }, Options: { 'com.docker.network.driver.mtu': '1450' } });
  });
});

describe('an unreachable host', () => {
  it('leads the degraded reason with its name and nodes, and is not repairable until it answers', () => {
    const plan = planLab(spread());
    const looks = new Map(plan.nodes.map((n) => [n.name, { state: 'running' as const, addrs: undefined }]));
    const p = labProblems(plan, looks, plan.networks.map((n) => n.docker), undefined, ['h3']);
    expect(degradedReason(p)).toBe('host h3 unreachable (web3 unknown)');
    expect(repairable(p)).toBe(false);
  });
  it('is recorded and said in one line', () => {
    const hosts = parseLeftHosts(JSON.stringify([{ host: 'h3', engine: 'unix:///tmp/x.sock', containers: ['lblab-a-web3'], networks: [] }, { bad: 1 }]));
    expect(hosts).toHaveLength(1);
    expect(leftoversLine(hosts)).toBe('left on h3: 1 container');
    expect(leftoversLine([{ host: 'h2', engine: 'x', containers: ['a', 'b'], networks: ['back'] }])).toBe('left on h2: 2 containers, network back');
  });
});
