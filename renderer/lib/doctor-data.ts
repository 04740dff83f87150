// What the Doctor tab and the canvas's Break it menu compute from API data,
// pure: the faults that apply to a node of the running lab, the findings by
// severity, and what each fault is called in a menu.
import { SEVERITIES, type Fault, type Finding, type LabBreak, type LabStatus, type ServiceStatus, type Severity } from '../../electron/api';
import { i18n } from '../i18n';

/** A fault as the Break it menu offers it: what it does, in a few words. */
export const faultLabel = (f: Fault): string => i18n.t(`doctor.fault.${f}`);

/** The services whose backends (any route's too) include `node`. */
function servicesServedBy(status: LabStatus, node: string): ServiceStatus[] {
  return status.services.filter((s) => {
    if (s.backends.some((b) => b.node === node)) return true;
    // in l7, routes send to backends of their own: the document names them
    const routes = s.mode === 'l7' ? (status.doc?.services?.[s.name]?.routes ?? []) : [];
    return routes.some((r) => r.backends.some((b) => (typeof b === 'string' ? b : b.node) === node));
  });
}

/**
 * The faults that can be made on `node` in the lab's live modes, in menu order
 * (the engine's own rule, from the lab's status: a dsr or tunnel backend holds
 * the VIP, a dsr one hides it from ARP, a nat one routes back through the
 * balancer, a tunnel one decapsulates, a router or tunnel backend has rp_filter off, lblab's
 * server behind a tcp health check can answer errors).
 */
export function faultsFor(status: LabStatus | null, node: string): Fault[] {
  const n = status?.nodes.find((x) => x.name === node);
  if (!status || !n) return [];
  const served = servicesServedBy(status, node);
  const modes = new Set(served.map((s) => s.mode));
  const out: Fault[] = [];
  if (modes.has('dsr') || modes.has('tunnel')) out.push('vip-missing');
  if (modes.has('dsr')) out.push('arp-flux');
  if (modes.has('nat')) out.push('return-path');
  if (modes.has('tunnel')) out.push('decap-missing');
  if (n.kind === 'router' || modes.has('tunnel')) out.push('rp-filter');
  if (modes.size) out.push('backend-down');
  // lblab's own server (nginx) made to answer errors, behind a tcp health check
  const image = status.doc?.nodes[node]?.image ?? `lblab/${n.kind}`;
  if (image === 'lblab/server' && served.some((s) => (status.doc?.services?.[s.name]?.health?.type ?? 'tcp') === 'tcp' && (status.doc?.services?.[s.name]?.protocol ?? 'http') === 'http')) out.push('health-mismatch');
  if (modes.has('dsr')) out.push('not-same-l2');
  return out;
}

/** The lab's faults made on purpose on one node. */
export const breaksOn = (status: LabStatus | null, node: string): LabBreak[] => (status?.breaks ?? []).filter((b) => b.node === node);

/** "backend-down on web2, arp-flux on web1", or undefined when the lab carries none. */
export function brokenLine(status: LabStatus | null): string | undefined {
  const b = status?.breaks ?? [];
  return b.length ? b.map((x) => `${x.fault} on ${x.node}`).join(', ') : undefined;
}

/** Findings by severity, errors first; severities without a finding left out. */
export function bySeverity(findings: Finding[]): { severity: Severity; findings: Finding[] }[] {
  return SEVERITIES.map((severity) => ({ severity, findings: findings.filter((f) => f.severity === severity) })).filter((g) => g.findings.length);
}

/** A finding's key in a report (kind, node and service make it unique). */
export const findingKey = (f: Finding) => `${f.kind}:${f.node}:${f.service ?? ''}`;

/** The node the Doctor tab points at on the canvas, and how bad what it found there is. */
export interface DoctorHighlight { node: string; severity: Severity }
