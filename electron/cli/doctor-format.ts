// `lblab doctor` as text: findings grouped by severity, one block each
// (summary, evidence, why, fix), then the faults made on purpose and the verdict.
import type { DoctorReport, Finding, Severity } from '../api';

const HEADS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Notes' };

function block(f: Finding): string[] {
  const where = f.service ? `${f.node}, service ${f.service}` : f.node;
  return [
    `  ${f.kind} on ${where}: ${f.summary}`,
    ...f.evidence.map((e) => `      evidence: ${e}`),
    `      why: ${f.why}`,
    `      fix: ${f.fix}`,
  ];
}

function findingsText(findings: Finding[]): string[] {
  const out: string[] = [];
  for (const sev of ['error', 'warning', 'info'] as const) {
    const of = findings.filter((f) => f.severity === sev);
    if (!of.length) continue;
    out.push(`${HEADS[sev]} (${of.length})`);
    for (const f of of) out.push(...block(f), '');
  }
  return out;
}

export function formatDoctor(r: DoctorReport): string {
  const out: string[] = [];
  if (r.fixed) {
    const errs = r.fixed.before.filter((f) => f.severity === 'error').length;
    out.push(`before the fix: ${errs} error${errs === 1 ? '' : 's'}, ${r.fixed.before.length} finding${r.fixed.before.length === 1 ? '' : 's'} (${[...new Set(r.fixed.before.map((f) => `${f.kind} on ${f.node}`))].join(', ') || 'none'})`);
    for (const a of r.fixed.applied) out.push(`applied: ${a}`);
    if (!r.fixed.applied.length) out.push('nothing to fix');
    out.push('', 'after the fix:');
  }
  out.push(...findingsText(r.findings));
  if (r.breaks.length) out.push(`broken on purpose: ${r.breaks.map((b) => `${b.fault} on ${b.node}`).join(', ')} (undo: lblab break ${r.lab} --undo)`);
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.filter((f) => f.severity === 'warning').length;
  out.push(`lab ${r.lab}: ${r.healthy ? 'healthy' : 'unhealthy'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${(r.ms / 1000).toFixed(1)} s)`);
  return out.join('\n');
}
