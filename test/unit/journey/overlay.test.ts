// Which engines a journey captures the underlay on: the hosts an overlay
// network joins (none for a lab on one engine), and each node's host.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { hostsOf, overlayEngines } from '../../../electron/engine/journey/overlay';
import { tpl } from '../topology/fixtures';

/** The dsr template over three hosts: clients on h1, the balancer and a server on h2, the other servers on h3. */
function spread(): LabDoc {
  const d = structuredClone(tpl('dsr')) as LabDoc;
  d.hosts = { h1: 'default', h2: 'tcp://198.19.254.2:2376', h3: 'tcp://198.19.254.3:2376' };
  const servers = Object.keys(d.nodes).filter((n) => d.nodes[n].kind === 'server');
  for (const n of Object.keys(d.nodes)) if (d.nodes[n].kind === 'balancer') d.nodes[n].host = 'h2';
  servers.forEach((n, i) => (d.nodes[n].host = i % 2 ? 'h3' : 'h2'));
  return d;
}

describe('overlay engines', () => {
  it('every host an overlay joins, each with its own client', () => {
    const engines = overlayEngines(spread());
    expect(engines.map((e) => e.host).sort()).toEqual(['h1', 'h2', 'h3']);
    expect(new Set(engines.map((e) => e.client)).size).toBe(3);
  });

  it('none for a lab on one engine, or spread without a network across hosts', () => {
    expect(overlayEngines(tpl('dsr') as LabDoc)).toEqual([]);
    expect(overlayEngines(undefined)).toEqual([]);
    const apart = structuredClone(tpl('dsr')) as LabDoc;
    apart.hosts = { h1: 'default', h2: 'tcp://198.19.254.2:2376' };
    // h2 holds nothing: no network spans two hosts
    expect(overlayEngines(apart)).toEqual([]);
  });

  it('the host of each node', () => {
    const d = spread();
    const of = hostsOf(d)!;
    const lb = Object.keys(d.nodes).find((n) => d.nodes[n].kind === 'balancer')!;
    const client = Object.keys(d.nodes).find((n) => d.nodes[n].kind === 'client')!;
    expect([of(lb), of(client), of('nothere')]).toEqual(['h2', 'h1', undefined]);
    expect(hostsOf(tpl('dsr') as LabDoc)).toBeUndefined();
  });
});
