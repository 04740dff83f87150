import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { containerOptions, createSysctls } from '../../../electron/engine/deploy/containers';
import { imageForNode, imagesNeeded } from '../../../electron/engine/deploy/deps';
import { oneLine } from '../../../electron/api';
import { progressCounter } from '../../../electron/engine/deploy/progress';
import { sysctlsForEveryMode } from '../../../electron/engine/deploy/up';
import { firstIssue } from '../../../electron/engine/errors';
import { anchorNode, decodeDoc, docHash, encodeDoc, withModes } from '../../../electron/engine/labs/lab-record';
import { handmadeDeps, handmadeDoc, handmadePlan } from '../../support/handmade-plan';

const doc: LabDoc = {
  name: 'u1',
  networks: { front: { position: { x: 1, y: 2 } } },
  nodes: { lb: { kind: 'balancer', links: [{ network: 'front' }] }, web1: { kind: 'server', links: [{ network: 'front' }] } },
  services: { web: { balancer: 'lb', mode: 'dsr', backends: ['web1'] } },
};

describe('document record', () => {
  it('hash ignores key order, positions and descriptions but not topology', () => {
    const moved = { ...doc, description: 'x', networks: { front: { position: { x: 9, y: 9 } } } };
    const reordered = { services: doc.services, nodes: doc.nodes, networks: doc.networks, name: 'u1' } as LabDoc;
    expect(docHash(moved)).toBe(docHash(doc));
    expect(docHash(reordered)).toBe(docHash(doc));
    expect(docHash(withModes(doc, { web: 'nat' }))).not.toBe(docHash(doc));
  });

  it('round-trips through a label; garbage decodes to undefined', () => {
    expect(decodeDoc(encodeDoc(doc))).toEqual(doc);
    expect(decodeDoc('%%%')).toBeUndefined();
    expect(decodeDoc(undefined)).toBeUndefined();
  });

  it('the anchor is the first balancer, else the first node', () => {
    expect(anchorNode(doc)).toBe('lb');
    expect(anchorNode(handmadeDoc('x'))).toBe('c1');
  });
});

describe('container settings', () => {
  it('create-time sysctls: all.* also as default.*, interface-specific keys dropped', () => {
    const plan = handmadePlan(handmadeDoc('s'));
    const node = { ...plan.nodes[0], sysctls: { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.eth1.rp_filter': '0', 'net.ipv4.ip_forward': '1' } };
    expect(createSysctls(node)).toEqual({ 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0', 'net.ipv4.ip_forward': '1' });
  });

  it('first network with its fixed address, labels, init, caps, hostname', () => {
    const plan = handmadePlan(handmadeDoc('s'));
    const r1 = plan.nodes.find((n) => n.name === 'r1')!;
    const o = containerOptions({ plan, node: r1, image: 'img', labels: { 'io.lblab.hash': 'h' } });
    expect(o.name).toBe('lblab-s-r1');
    expect(o.Hostname).toBe('r1');
    expect(o.HostConfig?.Init).toBe(true);
    expect(o.HostConfig?.CapAdd).toEqual(['NET_ADMIN']);
    expect(o.HostConfig?.NetworkMode).toBe('lblab-s-front');
    expect(o.NetworkingConfig?.EndpointsConfig?.['lblab-s-front']?.IPAMConfig?.IPv4Address).toBe('198.18.240.2');
    expect(o.Labels).toMatchObject({ 'io.lblab.managed': 'true', 'io.lblab.lab': 's', 'io.lblab.node': 'r1', 'io.lblab.role': 'router', 'io.lblab.hash': 'h' });
  });

  it('sysctls cover every mode a service can switch to', () => {
    const d = handmadeDoc('m');
    d.services = { web: { balancer: 'r1', mode: 'dsr', backends: ['s1'] } };
    const deps = handmadeDeps('img', {
      planLab: (x) => {
        const p = handmadePlan(x);
        if (x.services?.web.mode === 'nat') p.nodes[2].sysctls = { 'net.ipv4.conf.all.rp_filter': '0' };
        if (x.services?.web.mode === 'dsr') p.nodes[2].sysctls = { 'net.ipv4.conf.all.arp_ignore': '1' };
        return p;
      },
      validateLab: (x) => ({ ok: x.services?.web.mode !== 'tunnel', issues: [] }),
    });
    const m = sysctlsForEveryMode(d, deps.planLab(d), deps);
    expect(m.get('s1')).toEqual({ 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.all.rp_filter': '0' });
    expect(m.get('r1')).toEqual({ 'net.ipv4.ip_forward': '1' });
  });

  it('images: lblab/<kind> resolved to the hash tag, user images kept', () => {
    const plan = handmadePlan(handmadeDoc('s'));
    const ref = (n: string) => `lblab/${n}:abc`;
    expect(imageForNode(plan.nodes[0], ref)).toBe('lblab/client:abc');
    expect(imageForNode({ ...plan.nodes[0], image: 'alpine:3' }, ref)).toBe('alpine:3');
    expect(imagesNeeded(plan).sort()).toEqual(['client', 'router', 'server']);
    expect(imagesNeeded({ ...plan, nodes: [{ ...plan.nodes[0], image: 'alpine:3' }] })).toEqual([]);
  });
});

describe('messages', () => {
  it('first validation issue with its path', () => {
    expect(firstIssue({ ok: false, issues: [{ path: ['nodes', 'c1', 'kind'], message: 'bad kind' }] })).toBe('nodes.c1.kind: bad kind');
    expect(firstIssue({ ok: true, issues: [] })).toBeUndefined();
  });

  it('strips the dockerode prefix and keeps one line', () => {
    expect(oneLine(new Error('(HTTP code 409) unexpected - Conflict. The name is in use\nmore'))).toBe('Conflict. The name is in use');
  });

  it('progress counts ticks against a total that can grow', () => {
    const seen: string[] = [];
    const p = progressCounter(2, (x) => seen.push(`${x.done}/${x.total} ${x.step}`));
    p.tick('a');
    p.grow(1);
    p.tick('b');
    p.tick('c');
    expect(seen).toEqual(['1/2 a', '2/3 b', '3/3 c']);
  });
});
