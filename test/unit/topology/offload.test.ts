// The lab-wide `offload` setting: a boolean at the top of the lab file, kept in
// the plan (plumbing.test.ts checks what the node script does with it).
import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { formatLab, formatPath, parseLabText, planLab, validateLab } from '../../../electron/engine/topology/index';
import { tpl } from './fixtures';

const lines = (doc: unknown) => validateLab(doc).issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
const withOffload = (v: unknown) => ({ ...(structuredClone(tpl('dsr')) as LabDoc), offload: v });

describe('offload in the lab file', () => {
  it('accepts true and false, and leaving it out', () => {
    expect(lines(withOffload(true))).toEqual([]);
    expect(lines(withOffload(false))).toEqual([]);
    expect(lines(tpl('dsr'))).toEqual([]);
  });

  it('refuses anything else in one line quoting the value', () => {
    expect(lines(withOffload('yes'))).toEqual(['offload: offload "yes" must be true or false']);
    expect(lines(withOffload(1))).toEqual(['offload: offload 1 must be true or false']);
  });

  it('is planned as offload: true only when set', () => {
    expect(planLab(withOffload(true) as LabDoc).offload).toBe(true);
    expect(planLab(withOffload(false) as LabDoc).offload).toBeUndefined();
    expect(planLab(tpl('dsr')).offload).toBeUndefined();
  });

  it('survives a save and a load, right after the description', () => {
    const doc = { ...(withOffload(true) as LabDoc), description: 'fast' };
    const text = formatLab(doc);
    expect(text).toMatch(/^name: .*\ndescription: fast\noffload: true\nnetworks:/);
    expect(parseLabText(text).doc).toEqual(doc);
    expect(parseLabText(text.replace('offload: true', 'offload: yes')).issues.map((i) => i.message)).toEqual(['offload "yes" must be true or false']);
  });
});
