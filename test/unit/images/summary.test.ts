// The per-image timing summary `lblab images build` prints (CI logs show the cold time).
import { describe, expect, it } from 'vitest';
import { summaryLines, type BuildResult } from '../../../electron/engine/images/build';
import type { ImageName } from '../../../electron/engine/images/names';

describe('build summary', () => {
  it('has one line per image and the base, then the total with the load average', () => {
    const results = new Map<ImageName, BuildResult>([
      ['client', { name: 'client', ref: 'lblab/client:aaa', built: true, seconds: 12.34 }],
      ['router', { name: 'router', ref: 'lblab/router:bbb', built: false, seconds: 0 }],
    ]);
    const lines = summaryLines(['client', 'router', 'server'], results, 60.04, { ref: 'lblab/base:ccc', how: 'built', seconds: 40 });
    expect(lines[0]).toMatch(/^ {2}base +built +40\.0 s +lblab\/base:ccc$/);
    expect(lines[1]).toMatch(/^ {2}client +built +12\.3 s +lblab\/client:aaa$/);
    expect(lines[2]).toMatch(/^ {2}router +cached +lblab\/router:bbb$/);
    expect(lines[3]).toMatch(/^ {2}server +FAILED/);
    expect(lines[4]).toMatch(/^ {2}total 60\.0 s \(load average [\d.]+ [\d.]+ [\d.]+, \d+ cpus\)$/);
  });
});
