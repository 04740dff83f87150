// Browser end-to-end of a lesson, web mode on the REAL engine: the lesson on
// direct routing started from the Lessons tab (its lab deployed from the dsr
// template and shown on the canvas), each step done the app's way and checked
// on the live lab, every check passing; then the lab deliberately changed (web
// switched to snat, where the balancer rewrites the addresses too) and the
// follow check fails, naming the rewritten fields; the verdicts are kept across
// a reload. Screenshots in test-results/e2e-lessons/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { directRouting } from '../../electron/engine/lessons/course/direct-routing';
import { closeSession, expect, FAKE, LANG, labContainers, openApp, snapper, switchMode, tr, waitDeployed, watchScenarios, type Session, resultsDir } from './harness';

const OUT = resultsDir('e2e-lessons');
const LAB = 'e2e-lesson';
const DATA = path.join(OUT, 'data');

let s: Session;
let page: Page;
let snap: (name: string) => Promise<void>;

/** The engine's verdicts come in each lesson language (its own pairs, not the UI's catalogs): the pattern for the tests' one. */
const seenIn = (en: RegExp, zh: RegExp) => (LANG === 'zh-CN' ? zh : en);

let t0 = Date.now();
/** How long each phase took, for the budget (printed with the test's output). */
const mark = (what: string) => {
  console.log(`lessons e2e: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
};

/** Press a step's button and wait until the tab is no longer busy. */
async function press(testid: string, timeout = 90_000) {
  await expect.poll(() => page.getByTestId(testid).isEnabled(), { timeout: 30_000 }).toBe(true);
  await page.getByTestId(testid).click();
  await expect.poll(() => page.getByTestId('lesson-busy').count(), { timeout }).toBe(0);
  const errs = await page.getByTestId('lesson-error').allInnerTexts();
  if (errs.length) throw new Error(`the Lessons tab reported: ${errs.join(' | ')}`);
}

/** Check a step on the live lab: its verdict (yes / no) and the lines it shows. */
async function check(step: string): Promise<{ passed: string | null; text: string }> {
  await press(`lesson-check-${step}`);
  const r = page.getByTestId(`lesson-result-${step}`);
  await expect.poll(() => r.count()).toBe(1);
  return { passed: await r.getAttribute('data-passed'), text: await r.innerText() };
}

describe.skipIf(FAKE)('a lesson in the browser (web mode, real engine)', () => {
  beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    for (const c of labContainers(LAB)) execFileSync('docker', ['rm', '-f', c]); // leftovers of an earlier failed run of THIS test
    process.env.LBLAB_DATA_DIR = DATA; // the server's progress (and comparisons) go here, not to the user's folder
    s = await openApp(OUT);
    page = s.page;
    snap = snapper(page, OUT);
    await page.goto(s.server.url);
    await page.getByTestId('app').waitFor({ timeout: 30_000 });
  });

  afterAll(() => closeSession(s, LAB));

  const scenario = watchScenarios(() => s?.consoleErrors ?? [], () => snap);

  it('takes the lesson on direct routing from start to finish, each check judged on the live lab', async () => {
    t0 = Date.now();
    await page.getByTestId('tab-lessons').click();
    await page.getByTestId('lesson-direct-routing').click();
    expect(await page.getByTestId('lesson-title').innerText()).toBe(directRouting.title[LANG]);
    await page.getByTestId('lesson-lab').fill(LAB);
    await press('lesson-start', 240_000);
    // the lab runs and is the drawing on the canvas
    await waitDeployed(page, 'yes', 60_000);
    expect(await page.getByTestId('node-web2').count()).toBe(1);
    await snap('started');
    mark('started');

    const follow = await check('follow');
    expect(follow.passed, follow.text).toBe('yes');
    expect(follow.text).toContain('eth.dst');
    mark('follow');

    const capture = await check('capture');
    expect(capture.passed, capture.text).toBe('yes');
    expect(capture.text).toMatch(seenIn(/lb saw [1-9]\d* request packets .* and 0 response packets/, /lb 看到 [1-9]\d* 个请求报文.*和 0 个响应报文/));
    mark('capture');

    await press('lesson-do-break');
    await expect.poll(() => page.getByTestId('node-broken-web2').count(), { timeout: 30_000 }).toBe(1);
    const broken = await check('break');
    expect(broken.passed, broken.text).toBe('yes');
    expect(broken.text).toContain('vip-missing on web2');
    await snap('broken');
    mark('break');

    await press('lesson-do-fix');
    await expect.poll(() => page.getByTestId('node-broken-web2').count(), { timeout: 30_000 }).toBe(0);
    const fixed = await check('fix');
    expect(fixed.passed, fixed.text).toBe('yes');
    await expect.poll(() => page.getByTestId('lesson-done').count()).toBe(1);
    // kept between runs: the progress file beside the saved comparisons
    const saved = JSON.parse(fs.readFileSync(path.join(DATA, 'lessons', 'progress.json'), 'utf8')) as { lessons: Record<string, { lab: string; done: boolean }> };
    expect(saved.lessons['direct-routing']).toMatchObject({ lab: LAB, done: true });
    await snap('done');
    mark('fix');

    // the lab deliberately changed: in snat the balancer rewrites the addresses too, and the response crosses it
    await switchMode(page, 'web', 'snat', 120_000);
    mark('switched to snat');
    await page.getByTestId('tab-lessons').click();
    const wrong = await check('follow');
    expect(wrong.passed).toBe('no');
    expect(wrong.text).toContain(tr('lessons.failed'));
    expect(wrong.text).toMatch(seenIn(/rewritten: .*ip\.(src|dst)/, /被改写：.*ip\.(src|dst)/));
    expect(await page.getByTestId('lesson-step-follow').getAttribute('data-passed')).toBe('no');
    await snap('follow-fails-in-snat');
    mark('follow fails');

    // the verdicts outlive the page: 3 of 4 steps passed now
    await page.reload();
    await page.getByTestId('tab-lessons').click();
    await expect.poll(() => page.getByTestId('lesson-direct-routing').innerText()).toContain('3/4');
    expect(await page.getByTestId('lesson-direct-routing').getAttribute('data-done')).toBe('no');
    expect(scenario.since()).toEqual([]);
  });
});
