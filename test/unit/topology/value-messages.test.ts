// Schema errors quote the value at fault, so a person sees what they wrote.
import { describe, expect, it } from 'vitest';
import { formatPath, validateLab } from '../../../electron/engine/topology/index';

const base = () => ({
  name: 'v',
  networks: { front: {} },
  nodes: {
    c1: { kind: 'client', links: [{ network: 'front' }] },
    lb: { kind: 'balancer', links: [{ network: 'front' }] },
    web1: { kind: 'server', links: [{ network: 'front' }] },
  } as Record<string, Record<string, unknown>>,
  services: { web: { balancer: 'lb', mode: 'dsr', backends: ['web1'] } as Record<string, unknown> },
});

function firstLine(doc: unknown): string {
  const r = validateLab(doc);
  expect(r.ok).toBe(false);
  const i = r.issues[0];
  return `${formatPath(i.path)}: ${i.message}`;
}

describe('schema messages quote the value at fault', () => {
  it('kind', () => {
    const d = base();
    d.nodes.sw = { kind: 'switch', links: [{ network: 'front' }] };
    expect(firstLine(d)).toBe('nodes.sw.kind: kind "switch" is not one of client, balancer, server, router');
  });

  it('mode', () => {
    const d = base();
    d.services.web.mode = 'teleport';
    expect(firstLine(d)).toBe('services.web.mode: mode "teleport" is not one of dsr, tunnel, nat, snat, l4proxy, l7');
  });

  it('port, above and below the range, and not an integer', () => {
    const d = base();
    d.services.web.port = 70000;
    expect(firstLine(d)).toBe('services.web.port: port 70000 must be from 1 to 65535');
    d.services.web.port = 0;
    expect(firstLine(d)).toBe('services.web.port: port 0 must be from 1 to 65535');
    d.services.web.port = 80.5;
    expect(firstLine(d)).toBe('services.web.port: port 80.5 is not a whole number');
    d.services.web.port = '80';
    expect(firstLine(d)).toBe('services.web.port: port "80" is not a port number');
  });

  it('rate', () => {
    const d = base();
    d.nodes.c1.links = [{ network: 'front', rate: 'fast' }];
    expect(firstLine(d)).toBe('nodes.c1.links[0].rate: rate "fast" is not a rate like 500kbit, 100mbit or 1gbit');
    d.nodes.c1.links = [{ network: 'front', rate: '1kbit' }];
    expect(firstLine(d)).toBe('nodes.c1.links[0].rate: rate "1kbit" must be at least 8kbit');
  });
});
