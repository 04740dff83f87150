// Browser end-to-end of a tier of balancers, drawn only (no deploy, no Docker needed): open the
// tier template, see the tier drawn as one group around its three members (and not around the
// servers), remove a member in the service's inspector and see the group shrink and the saved file
// name two members, add it back. Screenshots in test-results/e2e-tier/.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeSession, expect, openLoaded, openTemplate, snapper, tr, watchScenarios, type Session, resultsDir } from './harness';

const OUT = resultsDir('e2e-tier');

let s: Session;
let page: Page;
let snap: (name: string) => Promise<void>;

/** Whether the element `inner` lies wholly inside the element `outer`, on screen. */
async function inside(outer: string, inner: string): Promise<boolean> {
  const o = await page.getByTestId(outer).boundingBox();
  const i = await page.getByTestId(inner).boundingBox();
  if (!o || !i) return false;
  return i.x >= o.x && i.y >= o.y && i.x + i.width <= o.x + o.width && i.y + i.height <= o.y + o.height;
}

async function saved(name: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('save-lab').click()]);
  const file = path.join(OUT, name);
  await download.saveAs(file);
  return fs.readFileSync(file, 'utf8');
}

/** The service's members, typed in its inspector and committed (the field applies on blur). */
async function setMembers(list: string) {
  await page.getByTestId('canvas').locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.getByTestId('service-web').click();
  await page.getByTestId('service-members').fill(list);
  await page.getByTestId('service-members').press('Tab');
}

describe('a tier of balancers, drawn in the browser (web mode)', () => {
  beforeAll(async () => {
    s = await openLoaded(OUT);
    page = s.page;
    snap = snapper(page, OUT);
  });

  afterAll(() => closeSession(s));

  const scenario = watchScenarios(() => s?.consoleErrors ?? [], () => snap);

  it('draws the tier as one group around its members; the inspector removes and adds a member', async () => {
    await openTemplate(page, 'tier', 'lb3');
    await expect.poll(() => page.getByTestId('tier-web').count()).toBe(1);
    expect(await page.getByTestId('tier-web').getAttribute('data-members')).toBe('lb1,lb2,lb3');
    expect(await page.getByTestId('tier-web').innerText()).toContain(tr('canvas.tierLabel', { service: 'web', mode: 'dsr', count: 3 }));
    for (const m of ['lb1', 'lb2', 'lb3']) await expect.poll(() => inside('tier-web', `node-${m}`)).toBe(true);
    for (const n of ['web1', 'r1', 'client1']) expect(await inside('tier-web', `node-${n}`)).toBe(false);
    // the group is drawn, not a target: a click on a member still selects the member
    await page.getByTestId('node-lb2').click();
    await expect.poll(() => page.getByTestId('node-lb2').getAttribute('class')).toContain('selected');
    // a member's inspector lists the tier's service among its own
    await expect.poll(() => page.getByTestId('inspector').innerText()).toMatch(new RegExp(`${tr('inspector.node.servicesHere')}[\\s\\S]*\\bweb\\b`));
    await snap('tier');

    // ---- lb3 out: the group shrinks to lb1 and lb2, the file names two members
    await setMembers('lb1, lb2');
    await expect.poll(() => page.getByTestId('tier-web').getAttribute('data-members')).toBe('lb1,lb2');
    await expect.poll(() => inside('tier-web', 'node-lb3')).toBe(false);
    expect(await inside('tier-web', 'node-lb1')).toBe(true);
    expect(await saved('two.lab.yaml')).toMatch(/balancer:\s*\[\s*lb1,\s*lb2\s*\]/);
    await snap('two-members');

    // ---- lb3 back
    await setMembers('lb1, lb2, lb3');
    await expect.poll(() => page.getByTestId('tier-web').getAttribute('data-members')).toBe('lb1,lb2,lb3');
    await expect.poll(() => inside('tier-web', 'node-lb3')).toBe(true);
    expect(await saved('three.lab.yaml')).toMatch(/balancer:\s*\[\s*lb1,\s*lb2,\s*lb3\s*\]/);

    // ---- one member left: no tier, no group
    await setMembers('lb1');
    await expect.poll(() => page.getByTestId('tier-web').count()).toBe(0);
    expect(scenario.since()).toEqual([]);
  });
});
