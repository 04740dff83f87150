// backend-down: a backend whose service does not answer: its container stopped
// or gone, or nothing listens on the service's port. An error while the
// balancer still counts it healthy (it sends it traffic), a warning once its
// health checks took it out.
import type { Finding } from '../../../api';
import { backendsOf, type Check } from './context';

export const backendDown: Check = ({ plan, looks, states, stats }) => {
  const out: Finding[] = [];
  for (const s of plan.services) {
    const st = stats?.find((x) => x.service === s.name);
    for (const b of backendsOf(s)) {
      const state = states[b.node] ?? 'missing';
      const look = looks[b.node];
      const evidence: string[] = [];
      if (state !== 'running') evidence.push(`container of ${b.node} is ${state}`);
      else if (look?.listening && !look.listening.includes(s.port))
        evidence.push(`nothing listens on TCP port ${s.port} in ${b.node} (listening: ${look.listening.join(', ') || 'none'})`);
      if (!evidence.length) continue;
      const healthy = st?.backends.find((x) => x.node === b.node)?.healthy;
      if (healthy !== undefined) evidence.push(`balancer ${s.balancer} counts it ${healthy ? 'healthy' : 'unhealthy'}`);
      else evidence.push(`balancer ${s.balancer}'s health state could not be read`);
      const stillSent = healthy !== false;
      out.push({
        kind: 'backend-down', severity: stillSent ? 'error' : 'warning', node: b.node, service: s.name,
        summary: `${b.node} does not serve ${s.name} on port ${s.port}${stillSent ? ', and the balancer still sends it traffic' : '; health checks took it out'}.`,
        evidence,
        why: stillSent
          ? `requests the balancer sends to ${b.node} fail until its health check (every ${s.health.intervalMs} ms) notices.`
          : 'the other backends carry its share; the service works with less capacity.',
        fix: state !== 'running' ? `start it: \`lblab up\` of the lab file (or \`lblab doctor --fix\`) repairs the lab in place.` : `start the server process in ${b.node} (nginx), or \`lblab doctor --fix\`.`,
      });
    }
  }
  return out;
};
