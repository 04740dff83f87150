// `lblab lesson` on a live lab (the dsr template, the lesson on direct
// routing): start deploys it, the follow check passes with the only rewrite
// being the destination MAC; with the service switched to snat the same check
// fails (exit 1), saying the addresses were rewritten; the verdicts are kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LessonCheck } from '../../electron/api';
import { runCli } from '../support/cli';
import { LAB_PREFIX, lblab, lblabOk } from '../support/labs';

const LAB = `${LAB_PREFIX}lesson`;
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-lesson-it-'));
const lesson = (args: string[]) => runCli(['lesson', ...args, '--lab', LAB], { env: { LBLAB_DATA_DIR: data }, timeoutMs: 240_000 });

describe('lblab lesson on a live lab', () => {
  beforeAll(async () => {
    const r = await lesson(['start', 'direct-routing']);
    expect(r.stderr.split('\n').filter((l) => /error|failed/i.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`lblab journey ${LAB}`);
  });
  afterAll(async () => {
    await lblab(['down', LAB]);
    fs.rmSync(data, { recursive: true, force: true });
  });

  it('passes the follow check in dsr and fails it once the lab runs snat', async () => {
    const ok = await lesson(['check', 'direct-routing', 'follow', '--json']);
    const pass = JSON.parse(ok.stdout) as LessonCheck;
    expect(pass.parts.filter((p) => !p.passed)).toEqual([]);
    expect(pass.passed).toBe(true);
    expect(ok.code).toBe(0);

    await lblabOk(['mode', LAB, 'web', 'snat']);
    const bad = await lesson(['check', 'direct-routing', 'follow']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ expected: ip\.src, ip\.dst, tcp\.srcport, tcp\.dstport left as the client sent them\n {4}seen: rewritten: ip\.src, ip\.dst/);
    expect(bad.stdout).toMatch(/^NOT YET/m);

    const saved = JSON.parse(fs.readFileSync(path.join(data, 'lessons', 'progress.json'), 'utf8')) as { lessons: Record<string, { lab: string; steps: Record<string, { passed: boolean }> }> };
    expect(saved.lessons['direct-routing']).toMatchObject({ lab: LAB, steps: { follow: { passed: false } } });
  });
});
