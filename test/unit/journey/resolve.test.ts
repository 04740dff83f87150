import { describe, expect, it } from 'vitest';
import type { LabStatus, NodeStatus } from '../../../electron/api';
import { resolveJourney } from '../../../electron/engine/journey/resolve';

const n = (name: string, kind: NodeStatus['kind'], state: NodeStatus['state'] = 'running', ifaces = [{ name: 'eth0', network: 'front', mac: '02:AA:00:00:00:01', address: '198.18.0.2/24' }]): NodeStatus => ({
  name,
  kind,
  container: `lblab-x-${name}`,
  id: `id-${name}`,
  state,
  interfaces: ifaces,
  routes: [],
});
const web = { name: 'web', balancer: 'lb', vip: '198.18.0.100', port: 80, mode: 'nat' as const, scheduler: 'rr' as const, backends: [] };
const lab = (nodes: NodeStatus[], services = [web], state: LabStatus['state'] = 'running'): LabStatus => ({ name: 'x', state, networks: [], nodes, services });
const full = () => [n('c1', 'client'), n('c2', 'client'), n('lb', 'balancer'), n('s1', 'server')];

describe('what a journey needs from the lab', () => {
  it('takes the first service and the first running client, and captures every running node', () => {
    const nodes = full();
    nodes[0].state = 'exited';
    nodes[3].interfaces.push({ name: '?', network: 'back', mac: '02:aa:00:00:00:09', address: '198.18.1.2/24' });
    const p = resolveJourney(lab(nodes), {});
    expect(p.service.name).toBe('web');
    expect(p.client.name).toBe('c2');
    expect(p.targets.map((t) => t.node)).toEqual(['c2', 'lb', 's1']);
    // by container id; MACs lowercase; an interface whose name is unknown is not captured
    expect(p.targets[2]).toEqual({ node: 's1', container: 'id-s1', ifaces: [{ name: 'eth0', mac: '02:aa:00:00:00:01' }] });
    expect(p.notCaptured).toEqual(['c1 (exited)']);
  });

  it('takes the service and client asked for', () => {
    const p = resolveJourney(lab(full(), [web, { ...web, name: 'api' }]), { service: 'api', from: 'c1' });
    expect([p.service.name, p.client.name]).toEqual(['api', 'c1']);
  });

  it.each([
    ['an unknown lab', lab([], [], 'absent'), {}, 'no lab named x'],
    ['a lab not running', lab([n('c1', 'client', 'exited'), n('lb', 'balancer', 'exited')]), {}, 'lab x is not running'],
    ['a lab with no service', lab(full(), []), {}, 'lab x has no service to follow a request to'],
    ['an unknown service', lab(full()), { service: 'api' }, 'lab x has no service named api (services: web)'],
    ['a lab with no client', lab([n('lb', 'balancer'), n('s1', 'server')]), {}, 'lab x has no client to send the request from'],
    ['an unknown --from', lab(full()), { from: 'c9' }, 'lab x has no node named c9 (clients: c1, c2)'],
    ['a --from that is not a client', lab(full()), { from: 's1' }, 'node s1 of lab x is a server, not a client'],
    ['a client not running', lab([n('c1', 'client', 'paused'), n('lb', 'balancer')]), {}, 'client c1 of lab x is not running (paused)'],
    ['a balancer not running', lab([n('c1', 'client'), n('lb', 'balancer', 'exited')]), {}, 'balancer lb of lab x is not running (exited)'],
  ])('%s: one line naming it', (_, st, opts, message) => {
    expect(() => resolveJourney(st, opts)).toThrow(message);
  });
});
