// health-mismatch: a backend whose server answers with errors (HTTP 5xx) while
// its service's tcp health check passes: the port accepts connections, so the
// balancer keeps it in rotation and its share of the requests fails. An http
// health check would have taken it out.
import type { Finding } from '../../../api';
import { backendsOf, type Check } from './context';

export const healthMismatch: Check = ({ plan, stats, answers }) => {
  const out: Finding[] = [];
  for (const s of plan.services) {
    if (s.health.type !== 'tcp' || (s.protocol ?? 'http') !== 'http') continue;
    const st = stats?.find((x) => x.service === s.name);
    for (const b of backendsOf(s)) {
      const code = answers?.[s.name]?.[b.node];
      if (code === undefined || code < 500) continue;
      const healthy = st?.backends.find((x) => x.node === b.node)?.healthy;
      // taken out already: the health check did its job (backend-down says why it does not answer)
      if (healthy === false) continue;
      out.push({
        kind: 'health-mismatch', severity: 'error', node: b.node, service: s.name,
        summary: `${b.node} answers ${s.name}'s requests with HTTP ${code}, yet its tcp health check passes and the balancer keeps sending it traffic.`,
        evidence: [
          `GET http://127.0.0.1:${s.port}/ in ${b.node}: HTTP ${code}`,
          `service ${s.name} checks health over tcp every ${s.health.intervalMs} ms; balancer ${s.balancer} counts ${b.node} ${healthy === undefined ? '(its health state could not be read)' : 'healthy'}`,
        ],
        why: `a tcp health check only sees the port accept connections, so every request the ${s.mode} balancer sends to ${b.node} fails with an error instead of going to a backend that works.`,
        fix: `make ${b.node}'s server answer again (\`lblab doctor --fix\` restores lblab's server), and check health over http (health: { type: http, path: / } on ${s.name}) so a server that answers errors is taken out.`,
      });
    }
  }
  return out;
};
