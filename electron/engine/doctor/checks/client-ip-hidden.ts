// client-ip-hidden (info): in snat and the proxies the servers see the
// balancer's address as the source, not the client's.
import type { Finding } from '../../../api';
import type { Check } from './context';

export const clientIpHidden: Check = ({ plan }) =>
  plan.services
    .filter((s) => s.mode === 'snat' || s.mode === 'l4proxy' || s.mode === 'l7')
    .map((s): Finding => {
      const src = [...new Set([...s.backends, ...s.routes.flatMap((r) => r.backends)].map((b) => b.source).filter(Boolean))];
      return {
        kind: 'client-ip-hidden', severity: 'info', node: s.balancer, service: s.name,
        summary: `the servers of ${s.name} see balancer ${s.balancer}'s address, not the client's.`,
        evidence: [`connections reach the servers from ${src.join(', ') || s.balancer}`, ...(s.mode === 'l7' ? ['HTTP requests carry the client\'s address in X-Forwarded-For'] : [])],
        why: s.mode === 'l7'
          ? 'a proxy opens its own connection to the server; only the X-Forwarded-For header it adds names the client.'
          : `${s.mode === 'snat' ? 'snat rewrites the source' : 'a layer-4 proxy opens its own connection'}, so server logs, access rules and rate limits by client address see one address.`,
        fix: s.mode === 'l7' ? 'read the client from X-Forwarded-For on the servers.' : 'use dsr, tunnel or nat to keep the client address (or l7, which adds X-Forwarded-For).',
      };
    });
