// @vitest-environment jsdom
// The inspector's dual-stack fields: a network's subnet6 (auto or a ULA subnet) and mtu, a service's vip6
// (auto or an address), checked as they are typed, and written so that the saved lab file reads back as
// the schema wants (the engine's own formatter and parser).
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { formatLab, parseLabText } from '../../../electron/engine/topology/index';
import type { Selection } from '../../../renderer/state/selection';
import { subnet6Problem, vip6Problem } from '../../../renderer/lib/ipv6-input';
import { renderInspector } from './helpers';

afterEach(cleanup);

/** A lab that validates: client, balancer between two networks, two servers behind it. */
const sampleDoc = (): LabDoc => ({
  name: 'demo',
  networks: { front: { position: { x: 0, y: 100 } }, back: { position: { x: 0, y: 300 } } },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'front' }], position: { x: 0, y: 0 } },
    lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }], position: { x: 200, y: 200 } },
    web1: { kind: 'server', links: [{ network: 'back' }], position: { x: 0, y: 400 } },
    web2: { kind: 'server', links: [{ network: 'back' }], position: { x: 200, y: 400 } },
  },
  services: { web: { balancer: 'lb', port: 80, mode: 'nat', backends: ['web1', 'web2'] } },
});

function setup(selection: Selection, doc: LabDoc = sampleDoc()) {
  const { edit, last } = renderInspector(selection, doc);
  return { edit, last };
}

/** The document as the app saves it, read back: its issues (none expected) and the network line. */
function saved(doc: LabDoc): { issues: string[]; text: string; doc: LabDoc } {
  const text = formatLab(doc);
  const r = parseLabText(text);
  return { issues: r.issues.map((i) => `${i.path.join('.')}: ${i.message}`), text, doc: r.doc! };
}

describe('inspector: dual-stack fields', () => {
  it('a network\'s subnet6 and mtu: auto, a ULA /64, a narrow MTU, written in the network\'s line; emptied: gone', () => {
    const { last } = setup({ type: 'network', name: 'back' });
    fireEvent.change(screen.getByTestId('network-subnet6'), { target: { value: 'auto' } });
    expect(last().networks.back.subnet6).toBe('auto');
    fireEvent.change(screen.getByTestId('network-subnet6'), { target: { value: ' fd00:4c42:0:7::/64 ' } });
    expect(last().networks.back.subnet6).toBe('fd00:4c42:0:7::/64');
    fireEvent.change(screen.getByTestId('network-mtu'), { target: { value: '1280' } });
    const doc = last();
    expect(doc.networks.back).toMatchObject({ mtu: 1280 });
    const withBoth = { ...doc, networks: { ...doc.networks, back: { ...doc.networks.back, subnet6: 'fd00:4c42:0:7::/64' } } };
    const s = saved(withBoth);
    expect(s.issues).toEqual([]);
    // keys in the file's order: subnet, subnet6, mtu, position
    expect(s.text).toMatch(/^ {2}back: \{ subnet6: fd00:4c42:0:7::\/64, mtu: 1280, position: \{ x: \d+, y: \d+ \} \}$/m);
    cleanup();
    // emptied: IPv4 only again
    const again = setup({ type: 'network', name: 'back' }, withBoth);
    fireEvent.change(screen.getByTestId('network-subnet6'), { target: { value: '' } });
    expect(again.last().networks.back.subnet6).toBeUndefined();
    expect(saved(again.last()).text).toMatch(/^ {2}back: \{ mtu: 1280, position/m);
  });

  it('a subnet6 that is not a ULA subnet, or not a subnet, or an MTU out of range: said under the field, in the catalog\'s words', () => {
    const doc = sampleDoc();
    doc.networks.back = { ...doc.networks.back, subnet6: '2001:db8::/64', mtu: 576 };
    setup({ type: 'network', name: 'back' }, doc);
    expect(screen.getByText('must be a unique local subnet, in fd00::/8')).toBeTruthy();
    expect(screen.getByText('must be from 1280 to 9000')).toBeTruthy();
    cleanup();
    doc.networks.back = { ...doc.networks.back, subnet6: 'fd00::1', mtu: 1500 };
    setup({ type: 'network', name: 'back' }, doc);
    expect(screen.getByText('not an IPv6 subnet: write auto or one like fd00:4c42:0:1::/64')).toBeTruthy();
    expect(screen.queryByText('must be from 1280 to 9000')).toBeNull();
  });

  it('a service\'s vip6: auto or an address, written after vip; a bad one said under the field', () => {
    const base = sampleDoc();
    for (const n of Object.values(base.networks)) n.subnet6 = 'auto';
    const { last } = setup({ type: 'service', name: 'web' }, base);
    fireEvent.change(screen.getByTestId('service-vip6'), { target: { value: 'auto' } });
    expect(last().services!.web.vip6).toBe('auto');
    const s = saved(last());
    expect(s.issues).toEqual([]);
    expect(s.text).toMatch(/ {4}vip6: auto\n/);
    cleanup();
    const again = setup({ type: 'service', name: 'web' }, s.doc);
    fireEvent.change(screen.getByTestId('service-vip6'), { target: { value: '' } });
    expect(again.last().services!.web.vip6).toBeUndefined();
    expect(saved(again.last()).text).not.toContain('vip6');
    cleanup();
    const bad = sampleDoc();
    bad.services!.web.vip6 = 'fd00::1::2';
    setup({ type: 'service', name: 'web' }, bad);
    expect(screen.getByText('not an IPv6 address: write auto or one like fd00:4c42:0:1::fe')).toBeTruthy();
  });

  it('the checks themselves', () => {
    expect(['', 'auto', 'fd00:4c42:0:1::/64', 'FD12:3456:789a:1::/64'].map(subnet6Problem)).toEqual([undefined, undefined, undefined, undefined]);
    expect(['fd00::/200', '2001:db8::/64', 'fd00::', 'nope/64', '::/64', 'fd::/64'].map(subnet6Problem)).toEqual(['prefix', 'notUla', 'syntax', 'syntax', 'notUla', 'notUla']);
    expect(['auto', 'fd00::fe', '', 'fd00::/64', '198.18.0.1', 'x'].map(vip6Problem)).toEqual([undefined, undefined, undefined, 'syntax', 'syntax', 'syntax']);
  });
});
