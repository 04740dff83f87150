// Shared fixtures for the balancer unit tests.
import type { AgentConfigInput } from '../../../lab-images/balancer/contract/config';

export function sampleConfig(over: Partial<AgentConfigInput> = {}): AgentConfigInput {
  return {
    version: 1,
    balancer: 'lb',
    interfaces: [{ name: 'eth0', network: 'front', address: '198.18.0.2/24', mac: '02:42:c6:12:00:02' }],
    services: [
      {
        name: 'web',
        vip: '198.18.0.100',
        port: 80,
        mode: 'dsr',
        scheduler: 'maglev',
        backends: [
          { node: 'web1', address: '198.18.0.11', mac: '02:42:c6:12:00:0b', weight: 1 },
          { node: 'web2', address: '198.18.0.12', mac: '02:42:c6:12:00:0c', weight: 2 },
        ],
      },
    ],
    ...over,
  };
}
