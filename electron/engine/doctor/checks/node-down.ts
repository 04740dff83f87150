// node-down: a balancer or router that does not run (servers are backend-down,
// clients only send): every service through it stops.
import type { Finding } from '../../../api';
import type { Check } from './context';

export const nodeDown: Check = ({ plan, states }) =>
  plan.nodes
    .filter((n) => (n.kind === 'balancer' || n.kind === 'router') && (states[n.name] ?? 'missing') !== 'running')
    .map((n): Finding => {
      const s = plan.services.find((x) => x.balancer === n.name);
      return {
        kind: 'node-down', severity: 'error', node: n.name, service: s?.name ?? null,
        summary: `${n.kind} ${n.name} is not running.`,
        evidence: [`container of ${n.name} is ${states[n.name] ?? 'missing'}`],
        why: n.kind === 'balancer' ? 'nothing holds the VIP or forwards to the servers, so every request to its services fails.' : 'nothing forwards between the networks it joins, so traffic across them (answers included) stops.',
        fix: '`lblab up` of the lab file (or `lblab doctor --fix`) starts it and repairs the lab in place.',
      };
    });
