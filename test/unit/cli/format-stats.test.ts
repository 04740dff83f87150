// `lblab stats` as a table: snat's ports gauge per backend, and the drops that happened by reason.
import { describe, expect, it } from 'vitest';
import type { ServiceStats } from '../../../electron/api';
import { formatStats } from '../../../electron/cli/format';

const svc = (over: Partial<ServiceStats>): ServiceStats => ({
  lab: 'l', service: 'web', mode: 'dsr', scheduler: 'maglev', at: 0,
  backends: [{ node: 'web1', address: '198.18.0.11', weight: 1, healthy: true, packets: 5, bytes: 500, activeFlows: 2 }],
  counters: { rx: 5 }, drops: {}, ...over,
});

describe('formatStats', () => {
  it('shows the snat ports each backend holds, and only the drops that happened', () => {
    const out = formatStats([
      svc({ service: 'web', mode: 'snat', backends: [{ node: 'web1', address: '198.18.0.11', weight: 1, healthy: true, packets: 5, bytes: 500, activeFlows: 2, snatPorts: 1234 }], drops: { snat_ports: 3, frag: 0 } }),
      svc({ service: 'api', drops: { frag: 0 } }),
    ]);
    const [head, snat, dsr] = out.split('\n');
    expect(head).toMatch(/FLOWS\s+PORTS\s+CAPACITY\/S$/);
    expect(snat).toMatch(/web\s+snat\s+web1 .* 2\s+1234\s+-$/);
    expect(dsr).toMatch(/api\s+dsr\s+web1 .* 2\s+-\s+-$/);
    expect(out).toContain('web: rx=5; drops: snat_ports=3');
    expect(out).toContain('api: rx=5; drops: none');
  });

  it('snat: the new connections a second against the capacity, and a warning line for a backend above it', () => {
    const b = { address: '198.18.0.11', weight: 1, healthy: true, packets: 5, bytes: 500, activeFlows: 2, snatPorts: 1234, snatCapacity: 982 };
    const out = formatStats([svc({ service: 'web', mode: 'snat', backends: [{ ...b, node: 'web1', newFlowsPerSec: 1500 }, { ...b, node: 'web2', newFlowsPerSec: 900 }] })]);
    const [head, web1, web2] = out.split('\n');
    expect(head).toMatch(/FLOWS\s+NEW\/S\s+PORTS\s+CAPACITY\/S$/);
    expect(web1).toMatch(/web1 .* 2\s+1500\s+1234\s+982$/);
    expect(web2).toMatch(/web2 .* 2\s+900\s+1234\s+982$/);
    const warnings = out.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([expect.stringMatching(/^warning: web: backend web1 takes 1500 new connections\/s, above the 982\/s its snat ports sustain/)]);
  });

  it('the flow table once per balancer: live entries of its room, memory a flow, evictions', () => {
    const flowTable = { maxFlows: 1_000_000, entries: 2_000_000, bytes: 273_554_432, live: 1234, evicted: 56 };
    const out = formatStats([svc({ flowTable }), svc({ service: 'api', flowTable })]);
    const lines = out.split('\n').filter((l) => l.startsWith('flow table'));
    expect(lines).toEqual(['flow table: 1234 of 2000000 entries (room for 1000000 flows, 2 entries each), 261 MiB (274 B a flow); evicted when full: 56']);
    expect(formatStats([svc({})])).not.toContain('flow table');
  });

  it('no snat service: no PORTS column', () => {
    expect(formatStats([svc({})]).split('\n')[0]).toMatch(/FLOWS$/);
  });
});
