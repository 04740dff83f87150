// A lab spread over hosts, as the renderer sees it: host colours, overlay
// networks, unreachable hosts in a status, and the host edits.
import { describe, expect, it } from 'vitest';
import type { LabDoc, LabStatus, NodeStatus } from '../../../electron/api';
import { HOST_PALETTE, hostColor, networkHosts, nodeHost, overlayNetworks, unreachableNodes } from '../../../renderer/lib/hosts';
import { changeLine, labDiff } from '../../../renderer/state/drift';
import { addHost, nodesOnHost, removeHost, renameHost, setHostEngine, setNodeHost } from '../../../renderer/state/host-ops';

const spread = (): LabDoc => ({
  name: 'spread',
  hosts: { h1: 'default', h2: 'ssh://lab@h2', h3: 'tcp://h3:2376' },
  networks: { front: {}, back: {}, edge: {} },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'front' }] },
    lb: { kind: 'balancer', host: 'h1', links: [{ network: 'front' }, { network: 'back' }] },
    web1: { kind: 'server', host: 'h2', links: [{ network: 'back' }] },
    web2: { kind: 'server', host: 'h3', links: [{ network: 'back' }] },
    edge1: { kind: 'client', host: 'h3', links: [{ network: 'edge' }] },
  },
});

describe('host colours and placement', () => {
  it('a node without host runs on the first host; a lab without hosts has none', () => {
    const d = spread();
    expect(nodeHost(d, 'client1')).toBe('h1');
    expect(nodeHost(d, 'web1')).toBe('h2');
    expect(nodeHost({ ...d, hosts: undefined }, 'web1')).toBeUndefined();
  });

  it('colours follow the host’s place in hosts, stable across edits elsewhere, and differ between hosts', () => {
    const d = spread();
    const colours = ['h1', 'h2', 'h3'].map((h) => hostColor(d, h));
    expect(colours).toEqual(HOST_PALETTE.slice(0, 3));
    expect(new Set(colours).size).toBe(3);
    const moved = setNodeHost(d, 'web1', 'h3');
    expect(['h1', 'h2', 'h3'].map((h) => hostColor(moved, h))).toEqual(colours);
    expect(hostColor(d, 'nope')).toBeUndefined();
    // more hosts than colours: the palette wraps instead of failing
    const many: LabDoc = { ...d, hosts: Object.fromEntries(Array.from({ length: HOST_PALETTE.length + 1 }, (_, i) => [`h${i}`, `ctx${i}`])) };
    expect(hostColor(many, `h${HOST_PALETTE.length}`)).toBe(HOST_PALETTE[0]);
  });
});

describe('overlay networks', () => {
  it('a network whose nodes sit on more than one host is an overlay, listed in hosts order', () => {
    const d = spread();
    expect(networkHosts(d).get('front')).toEqual(['h1']);
    expect(networkHosts(d).get('edge')).toEqual(['h3']);
    expect([...overlayNetworks(d)]).toEqual([['back', ['h1', 'h2', 'h3']]]);
  });

  it('moving the last remote node home turns the overlay back into a bridge', () => {
    let d = setNodeHost(spread(), 'web1', undefined);
    d = setNodeHost(d, 'web2', 'h1');
    expect(overlayNetworks(d).size).toBe(0);
  });

  it('a lab without hosts has no overlay', () => {
    expect(overlayNetworks({ ...spread(), hosts: undefined }).size).toBe(0);
  });
});

describe('unreachable hosts in a status', () => {
  const node = (name: string, host?: string): NodeStatus => ({ name, kind: 'server', container: `lblab-spread-${name}`, state: 'running', interfaces: [], routes: [], ...(host ? { host } : {}) });
  const status = (hosts: LabStatus['hosts']): LabStatus => ({ name: 'spread', state: 'degraded', networks: [], services: [], nodes: [node('client1'), node('lb', 'h1'), node('web1', 'h2'), node('web2', 'h2')], hosts });

  it('names each node of a host that does not answer, with why', () => {
    const m = unreachableNodes(status([{ name: 'h1', engine: 'default', reachable: true }, { name: 'h2', engine: 'ssh://lab@h2', reachable: false, problem: 'connection refused' }]));
    expect([...m.keys()]).toEqual(['web1', 'web2']);
    expect(m.get('web1')).toEqual({ host: 'h2', label: 'host h2 unreachable', problem: 'connection refused' });
  });

  it('a node without host belongs to the first host', () => {
    const m = unreachableNodes(status([{ name: 'h1', engine: 'default', reachable: false }, { name: 'h2', engine: 'x', reachable: true }]));
    expect([...m.keys()]).toEqual(['client1', 'lb']);
  });

  it('nothing when every host answers or the status says nothing of hosts', () => {
    expect(unreachableNodes(status([{ name: 'h1', engine: 'default', reachable: true }])).size).toBe(0);
    expect(unreachableNodes(status(undefined)).size).toBe(0);
    expect(unreachableNodes(null).size).toBe(0);
  });
});

describe('host edits', () => {
  it('the first host added is this machine’s engine; the next ones start empty for the user to point', () => {
    const a = addHost({ name: 'x', networks: {}, nodes: {} });
    expect(a).toMatchObject({ name: 'h1', doc: { hosts: { h1: 'default' } } });
    const b = addHost(a.doc);
    expect(b.name).toBe('h2');
    expect(Object.entries(setHostEngine(b.doc, 'h2', 'lab2').hosts!)).toEqual([['h1', 'default'], ['h2', 'lab2']]);
  });

  it('a rename keeps the host’s place (the first host stays first) and the nodes follow', () => {
    const d = renameHost(spread(), 'h1', 'home');
    expect(Object.keys(d.hosts!)).toEqual(['home', 'h2', 'h3']);
    expect(d.nodes.lb.host).toBe('home');
    expect(d.nodes.client1.host).toBeUndefined();
    expect(renameHost(spread(), 'h1', 'h2')).toEqual(spread()); // taken: nothing changes
  });

  it('removing a host moves its nodes to the first host that remains', () => {
    const d = removeHost(spread(), 'h2');
    expect(Object.keys(d.hosts!)).toEqual(['h1', 'h3']);
    expect(d.nodes.web1.host).toBeUndefined();
    expect(nodesOnHost(d, 'h1')).toEqual(['client1', 'lb', 'web1']);
    // the first host removed: its implicit nodes go to the new first host
    const e = removeHost(spread(), 'h1');
    expect(nodesOnHost(e, 'h2')).toEqual(['client1', 'lb', 'web1']);
  });

  it('removing the last host gives a one-engine lab: no hosts, no node host', () => {
    let d = spread();
    for (const h of ['h1', 'h2', 'h3']) d = removeHost(d, h);
    expect('hosts' in d).toBe(false);
    expect(Object.values(d.nodes).some((n) => 'host' in n)).toBe(false);
  });
});

describe('drift of a lab spread over hosts', () => {
  it('a node moved to another host, or a host pointed at another engine, differs from the running lab; naming the first host does not', () => {
    const running = spread();
    expect(labDiff(running, setNodeHost(running, 'client1', 'h1'))).toEqual([]);
    expect(labDiff(running, setNodeHost(running, 'web1', 'h3')).map(changeLine)).toEqual(['~ node web1: host']);
    expect(labDiff(running, setHostEngine(running, 'h2', 'ssh://lab@rack9')).map(changeLine)).toEqual(['~ host h2: engine']);
    expect(labDiff(running, removeHost(running, 'h3')).map(changeLine)).toEqual(['− host h3', '~ node web2: host', '~ node edge1: host']);
  });
});
