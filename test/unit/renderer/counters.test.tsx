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
});
