// No false alarms: every example lab in labs/, deployed as it is (on pinned
// subnets, one at a time), gets no error and no warning from the doctor.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../electron/api';
import { lblab, LAB_PREFIX, rewriteLab, ROOT, tmpDir } from '../support/labs';

const LABS = fs.readdirSync(path.join(ROOT, 'labs')).filter((f) => f.endsWith('.lab.yaml')).sort();
let current: string | undefined;

afterEach(async () => {
  if (current) await lblab(['down', current]);
  current = undefined;
});

describe.sequential('the doctor on every example lab, healthy', () => {
  for (const f of LABS) {
    it(`${f}: no error, no warning`, async () => {
      current = `${LAB_PREFIX}dr-ex-${f.replace('.lab.yaml', '')}`.slice(0, 32).replace(/-$/, '');
      const { file } = rewriteLab(path.join(ROOT, 'labs', f), current, tmpDir(), 100);
      const up = await lblab(['up', file]);
      expect(up.code, up.stderr).toBe(0);
      const r = await lblab(['doctor', current, '--json']);
      const report = JSON.parse(r.stdout) as DoctorReport;
      expect(report.findings.filter((x) => x.severity !== 'info').map((x) => `${x.severity} ${x.kind} ${x.node}: ${x.summary}`)).toEqual([]);
      expect(r.code).toBe(0);
      // every service answered its probe
      for (const p of report.probes) expect(p.failed, `${p.service}: ${JSON.stringify(p)}`).toBe(0);
    });
  }
});
