// What the nginx and Apache configs share: which services a gateway serves,
// the node behind each backend address (for the X-Lblab-Backend header and
// the counters), the access-log line both write, and regex escaping.
import type { BackendConfig, ServiceConfig } from '../contract/config';
import type { Gateway } from '../contract/vocabulary';

export interface GatewayRenderOptions {
  /** service/node → false when the agent's checker has it down */
  healthy?: (service: string, node: string) => boolean;
  /** where pid, logs and sockets go */
  dir?: string;
}

/** The l7 services this gateway serves (HAProxy also serves every l4proxy service). */
export const servicesOf = (gw: Gateway, services: ServiceConfig[]) =>
  services.filter((s) => (s.mode === 'l7' && s.gateway === gw) || (gw === 'haproxy' && s.mode === 'l4proxy'));

/** Escape a literal for a PCRE pattern ('/' needs none in nginx or Apache). */
export const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The service's pools: its default one, then one per route, each with the name HAProxy gives it. */
export function pools(s: ServiceConfig): { name: string; backends: BackendConfig[] }[] {
  return [{ name: `be_${s.name}`, backends: s.backends }, ...s.routes.map((r, i) => ({ name: `be_${s.name}_r${i}`, backends: r.backends }))];
}

/** Down by the checker, or drained (weight 0): listed but given no request. */
export const isOut = (s: ServiceConfig, b: BackendConfig, healthy: GatewayRenderOptions['healthy']) => b.weight === 0 || (healthy ? !healthy(s.name, b.node) : false);

/** Access-log line: service, backend node ("-" when none answered), status, bytes received, bytes sent. */
export interface AccessLine { service: string; node: string; status: number; bytesIn: number; bytesOut: number }

export function parseAccessLine(line: string): AccessLine | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 5 || !/^\d{3}$/.test(f[2])) return undefined;
  const n = (v: string) => (/^\d+$/.test(v) ? Number(v) : 0);
  return { service: f[0], node: f[1], status: Number(f[2]), bytesIn: n(f[3]), bytesOut: n(f[4]) };
}
