// @vitest-environment jsdom
// Counters say what is meaningful per mode: packets for the eBPF core,
// connections and HAProxy's balancing for the proxies.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceStats } from '../../../electron/api';
import { CountersPanel } from '../../../renderer/components/dock/CountersPanel';

afterEach(cleanup);

const stats = (mode: ServiceStats['mode']): ServiceStats => ({
  lab: 'demo',
  service: 'web',
  mode,
  scheduler: 'maglev',
  at: 1,
  backends: [
    { node: 'web1', address: '198.18.1.2', weight: 1, healthy: true, packets: mode === 'l7' ? 0 : 120, bytes: 50_000, activeFlows: 1 },
    { node: 'web2', address: '198.18.1.3', weight: 1, healthy: true, packets: mode === 'l7' ? 0 : 80, bytes: 30_000, activeFlows: 0 },
  ],
  counters: mode === 'l7' ? { 'sessions.web1': 7, 'sessions.web2': 3 } : { rx: 200 },
  drops: {},
});

describe('counters', () => {
  it('counts packets for an eBPF mode', () => {
    render(<CountersPanel deployed stats={[stats('dsr')]} history={{}} />);
    expect(screen.getByTestId('counter-packets-web-web1').textContent).toBe('120');
    expect(screen.getByTestId('counters-scheduler-web').textContent).toBe('maglev');
  });

  it('counts connections, not packets, for a proxy mode, and says how HAProxy balances', () => {
    render(<CountersPanel deployed stats={[stats('l7')]} history={{}} />);
    expect(screen.queryByTestId('counter-packets-web-web1')).toBeNull();
    expect(screen.getByTestId('counter-connections-web-web1').textContent).toBe('7');
    expect(screen.getByTestId('counters-scheduler-web').textContent).toBe('haproxy: hash of client address:port');
    expect(screen.getByTestId('counters-web').textContent).not.toContain('sessions.web1');
    expect(screen.getByTestId('counters-web').querySelector('thead')!.textContent).toContain('connections');
  });

  it('shows snat ports per backend in full NAT, and drops by reason', () => {
    const s = stats('snat');
    s.backends[0].snatPorts = 12;
    s.backends[1].snatPorts = 0;
    s.drops = { snat_ports: 3, no_backend: 0 };
    render(<CountersPanel deployed stats={[s]} history={{}} />);
    expect(screen.getByTestId('counter-snat-ports-web-web1').textContent).toBe('12');
    expect(screen.getByTestId('counter-snat-ports-web-web2').textContent).toBe('0');
    const text = screen.getByTestId('counters-web').textContent!;
    expect(text).toContain('drop snat_ports 3');
    expect(text).not.toContain('no_backend');
  });

  it('has no snat ports column where the agent reports none', () => {
    render(<CountersPanel deployed stats={[stats('dsr')]} history={{}} />);
    expect(screen.queryByTestId('counter-snat-ports-web-web1')).toBeNull();
  });
});
