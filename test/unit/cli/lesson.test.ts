// `lblab lesson`: the JSON of the course (what scripts read), its lines in
// either language, and bad input as one line without touching Docker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli';
import { formatLessonList, lessonLang } from '../../../electron/cli/lesson-format';
import { COURSE } from '../../../electron/engine/lessons/course/index';
import { lessonOf } from '../../../electron/engine/lessons/lessons';

const data = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-lesson-cli-'));
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));
const env = { LBLAB_DATA_DIR: data };

// subprocesses on a shared machine: seconds each
describe('lblab lesson', { timeout: 60_000 }, () => {
  it('list --json gives [ { id, title: { en, zh-CN }, steps } ] in course order', async () => {
    const r = await runCli(['lesson', 'list', '--json'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; title: Record<string, string>; steps: { id: string; instrument: string; title: Record<string, string> }[]; progress: unknown }[];
    expect(list.map((l) => l.id)).toEqual(COURSE.map((l) => l.id));
    for (const l of list) {
      expect(Object.keys(l.title).sort()).toEqual(['en', 'zh-CN']);
      expect(l.steps.length).toBeGreaterThan(0);
      for (const s of l.steps) expect(s).toMatchObject({ id: expect.any(String), instrument: expect.any(String), title: { en: expect.any(String), 'zh-CN': expect.any(String) } });
      expect(l.progress).toBeNull();
    }
  });

  it('lists in Chinese with --lang zh-CN, and from a Chinese locale', async () => {
    const r = await runCli(['lesson', 'list', '--lang', 'zh-CN'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('为什么服务器不能应答 ARP');
    expect(lessonLang(undefined, { LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(lessonLang(undefined, { LANG: 'C.UTF-8' })).toBe('en');
    const lines = formatLessonList(COURSE.map((d) => ({ lesson: lessonOf(d), progress: null })), 'en').split('\n');
    expect(lines[0]).toMatch(/^ {2}direct-routing +The L2 rewrite and the VIP on lo +\(0\/4 steps, lab lesson-dsr\)$/);
  });

  it('refuses a bad language and an unknown lesson in one line', async () => {
    const bad = await runCli(['lesson', 'list', '--lang', 'fr'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('fr is not one of en, zh-CN');
    const none = await runCli(['lesson', 'check', 'no-such-lesson'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('lblab: no lesson no-such-lesson (see lblab lesson list)\n');
    expect(fs.readdirSync(data)).toEqual([]); // nothing written
  });
});
