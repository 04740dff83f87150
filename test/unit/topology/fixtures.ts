// Shared by the topology unit tests.
import type { LabDoc } from '../../../electron/api';
import { getTemplate } from '../../../electron/engine/topology/index';
import type { LabPlan } from '../../../electron/engine/topology/plan-types';

export const tpl = (id: string) => getTemplate(id)!;
export const node = (plan: LabPlan, n: string) => plan.nodes.find((x) => x.name === n)!;

/** A dsr lab whose client sits behind a router that also reaches both balancer networks:
 * in nat the server's routes must not bypass the balancer. */
export const routedTwoArm = (): LabDoc => ({
  name: 'x',
  networks: { front: {}, back: {}, far: {} },
  nodes: {
    c: { kind: 'client', links: [{ network: 'far' }] },
    r: { kind: 'router', links: [{ network: 'far' }, { network: 'front' }, { network: 'back' }] },
    lb: { kind: 'balancer', links: [{ network: 'front' }, { network: 'back' }] },
    s: { kind: 'server', links: [{ network: 'back' }] },
  },
  services: { web: { balancer: 'lb', mode: 'dsr', backends: ['s'] } },
});
