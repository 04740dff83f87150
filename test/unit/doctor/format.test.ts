// `lblab doctor` as text: grouped by severity, one block per finding, the verdict last.
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../electron/api';
import { formatDoctor } from '../../../electron/cli/doctor-format';

const report: DoctorReport = {
  lab: 'demo', healthy: false, ms: 1234, probes: [],
  breaks: [{ fault: 'rp-filter', node: 'r1', at: 0 }],
  findings: [
    { kind: 'rp-filter', severity: 'error', node: 'r1', service: 'web', summary: 'r1 filters strictly.', evidence: ['rp_filter on eth0 is 1'], why: 'it drops answers.', fix: 'set it to 0.' },
    { kind: 'client-ip-hidden', severity: 'info', node: 'lb', service: 'web', summary: 'servers see lb.', evidence: ['from 198.18.101.2'], why: 'snat rewrites.', fix: 'use dsr.' },
  ],
};

describe('doctor text', () => {
  it('errors first, then notes; summary, evidence, why, fix; the verdict', () => {
    expect(formatDoctor(report).split('\n')).toEqual([
      'Errors (1)',
      '  rp-filter on r1, service web: r1 filters strictly.',
      '      evidence: rp_filter on eth0 is 1',
      '      why: it drops answers.',
      '      fix: set it to 0.',
      '',
      'Notes (1)',
      '  client-ip-hidden on lb, service web: servers see lb.',
      '      evidence: from 198.18.101.2',
      '      why: snat rewrites.',
      '      fix: use dsr.',
      '',
      'broken on purpose: rp-filter on r1 (undo: lblab break demo --undo)',
      'lab demo: unhealthy: 1 error, 0 warnings (1.2 s)',
    ]);
  });
  it('after --fix: what was there before and what was applied', () => {
    const text = formatDoctor({ ...report, healthy: true, findings: [], breaks: [], fixed: { applied: ['lab repaired in place'], before: report.findings } });
    expect(text.split('\n').slice(0, 4)).toEqual(['before the fix: 1 error, 2 findings (rp-filter on r1, client-ip-hidden on lb)', 'applied: lab repaired in place', '', 'after the fix:']);
    expect(text.endsWith('lab demo: healthy: 0 errors, 0 warnings (1.2 s)')).toBe(true);
  });
});
