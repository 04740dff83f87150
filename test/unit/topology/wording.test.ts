// Problems as people read them: every problem at once, one per cause, located in
// words; and which modes a service could run in, from the same checks.
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { describeWhere, issueSentence, modeAvailability, validateLab } from '../../../electron/engine/topology/index';
import { tpl } from './fixtures';

const lab = (): LabDoc => ({
  name: 'x',
  networks: { front: {}, back: {} },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'front' }] },
    lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
    web1: { kind: 'server', links: [{ network: 'back' }] },
    web2: { kind: 'server', links: [{ network: 'front' }] },
    r1: { kind: 'router', links: [{ network: 'front' }, { network: 'back' }] },
  },
  services: { web: { balancer: 'lb', mode: 'snat', backends: ['web1', 'web2'] } },
});

describe('problem wording', () => {
  it('says a bad rate once, naming the link, the field and the value', () => {
    const doc = lab();
    doc.nodes.client1.links[0].rate = 'fast';
    const r = validateLab(doc);
    const onRate = r.issues.filter((i) => i.path.join('.') === 'nodes.client1.links.0.rate');
    expect(onRate).toHaveLength(1); // not also "must be at least 8kbit"
    expect(issueSentence(onRate[0])).toBe(`client1's link to front: rate "fast" is not a rate like 500kbit, 100mbit or 1gbit`);
    expect(onRate[0].node).toBe('client1');
  });

  it('reports schema and topology problems together when the schema fails only on optional fields', () => {
    const doc = lab();
    doc.nodes.client1.links[0].rate = 'fast';
    doc.networks.back.subnet = '198.18.0/24';
    doc.nodes.web1.links = [];
    const texts = validateLab(doc).issues.map(issueSentence);
    expect(texts).toContain(`client1's link to front: rate "fast" is not a rate like 500kbit, 100mbit or 1gbit`);
    expect(texts).toContain('network back: subnet "198.18.0/24" is not an IPv4 subnet like 198.18.1.0/24');
    expect(texts).toContain('web1: a server needs at least one link');
    // the schema's problems come first: the CLI's one line stays the schema's
    expect(texts.indexOf('web1: a server needs at least one link')).toBe(2);
  });

  it('does not guess the topology when a required field is wrong', () => {
    const doc = lab() as unknown as { nodes: Record<string, { kind: string; links: unknown[] }> };
    doc.nodes.web1.kind = 'host';
    doc.nodes.web2.links = [];
    const r = validateLab(doc);
    expect(r.issues.map(issueSentence)).toEqual(['web1: kind "host" is not one of client, balancer, server, router']);
  });

  it('refuses a lab without nodes in one line', () => {
    const r = validateLab({ name: 'x', networks: {}, nodes: {} });
    expect(r.ok).toBe(false);
    expect(r.issues.map(issueSentence)).toEqual(['the lab has no nodes: add clients, a balancer and servers, or start from a template']);
  });

  it('locates paths in words', () => {
    const doc = tpl('l7');
    expect(describeWhere(['nodes', 'web1', 'links', 0, 'rate'], doc)).toBe("web1's link to back");
    expect(describeWhere(['nodes', 'web1', 'links', 3], doc)).toBe("web1's link 4");
    expect(describeWhere(['networks', 'front', 'subnet'], doc)).toBe('network front');
    expect(describeWhere(['services', 'web', 'backends', 2, 'weight'], doc)).toBe('service web, backend web3');
    expect(describeWhere(['services', 'web', 'routes', 0, 'backends', 0], doc)).toBe('service web, route 1, backend web2');
    expect(describeWhere(['services', 'web', 'health', 'interval'], doc)).toBe("service web's health check");
    expect(describeWhere(['name'], doc)).toBe('the lab');
    expect(describeWhere([], doc)).toBe('');
    expect(describeWhere(['nodes'], doc)).toBe('');
  });
});

describe('mode availability', () => {
  it('marks the modes a topology cannot run, with the validator’s reason', () => {
    const m = Object.fromEntries(modeAvailability(lab(), 'web').map((a) => [a.mode, a]));
    expect(Object.keys(m)).toEqual(['dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7']);
    // web2 shares front with client1: its nat replies would bypass the balancer
    expect(m.nat.ok).toBe(false);
    expect(m.nat.reason).toBe('service web, backend web2: mode nat: backend web2 shares network front with client client1, so its replies would bypass balancer lb; put it on a network behind the balancer');
    for (const mode of ['dsr', 'tunnel', 'snat', 'l4proxy', 'l7'] as const) expect(m[mode], mode).toEqual({ mode, ok: true });
  });

  it('does not hold a problem every mode shares against any one mode', () => {
    const doc = lab();
    doc.nodes.spare = { kind: 'server', links: [] }; // a server without links: wrong in every mode
    const a = modeAvailability(doc, 'web');
    expect(a.filter((x) => !x.ok).map((x) => x.mode)).toEqual(['nat']);
  });

  it('says dsr needs a shared network when the servers sit behind a router', () => {
    const a = modeAvailability(tpl('tunnel'), 'web');
    expect(a.find((x) => x.mode === 'dsr')?.reason).toMatch(/^service web, backend web1: mode dsr needs backend web1 on a network of balancer lb/);
    expect(a.find((x) => x.mode === 'tunnel')?.ok).toBe(true);
  });

  it('knows nothing about a service that is not there', () => {
    expect(modeAvailability(lab(), 'nope')).toEqual([]);
    expect(modeAvailability({ name: 'x' }, 'web')).toEqual([]);
  });
});
