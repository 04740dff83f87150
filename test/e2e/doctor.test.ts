// Browser end-to-end of the doctor, web mode on the REAL engine: the DSR
// template deployed, web2 broken from its menu on the canvas (its server
// stopped), the symptom seen (the counters say web2 is down, no request is
// answered by it), the Doctor tab run: the finding on web2 under its severity,
// web2 highlighted on the canvas, its evidence expanded; Fix puts the lab back
// and it serves from every server again. Screenshots in test-results/e2e-doctor/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LabStatus } from '../../electron/api';
import { closeSession, expect, FAKE, labContainers, openApp, openTemplate, snapper, until, waitDeployed, watchScenarios, type Session, tr, resultsDir } from './harness';

const OUT = resultsDir('e2e-doctor');
const LAB = 'e2e-doctor';

let s: Session;
let page: Page;
let snap: (name: string) => Promise<void>;

/** `n` requests to the VIP from client1, in parallel: the server that answered each ('fail' when none did). */
function served(n = 12): string[] {
  const status = JSON.parse(execFileSync('node', ['bin/lblab.mjs', 'status', LAB, '--json'], { encoding: 'utf8' })) as LabStatus;
  const vip = status.services[0].vip;
  const script = `d=$(mktemp -d); for i in $(seq ${n}); do curl -s -m 3 -o $d/$i http://${vip}/ & done; wait; for i in $(seq ${n}); do sed -n 's/.*served by \\([a-z0-9-]*\\).*/\\1/p' $d/$i | head -1 | grep . || echo fail; done`;
  return execFileSync('docker', ['exec', `lblab-${LAB}-client1`, 'sh', '-c', script], { encoding: 'utf8' }).trim().split('\n');
}

/** The items of a node's menu, by test id. */
async function menuOf(node: string): Promise<string[]> {
  await page.getByTestId(`node-${node}`).click({ button: 'right' });
  const menu = page.getByTestId(`node-menu-${node}`);
  await menu.waitFor({ timeout: 5_000 });
  return menu.getByRole('menuitem').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''));
}

describe.skipIf(FAKE)('the doctor in the browser (web mode, real engine)', () => {
  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    for (const f of fs.readdirSync(OUT)) fs.rmSync(path.join(OUT, f), { recursive: true, force: true });
    for (const c of labContainers(LAB)) execFileSync('docker', ['rm', '-f', c]); // leftovers of an earlier failed run of THIS test
    s = await openApp(OUT);
    page = s.page;
    snap = snapper(page, OUT);
    try {
      await page.goto(s.server.url);
      await page.getByTestId('app').waitFor({ timeout: 30_000 });
      await openTemplate(page, 'dsr', 'web3');
      await page.getByTestId('lab-name').fill(LAB);
      await until('problems', () => page.getByTestId('issues-count').innerText(), '0', 10_000);
      await page.getByTestId('deploy').click();
      await waitDeployed(page, 'yes', 300_000);
    } catch (e) {
      await snap('failure-deploy').catch(() => undefined);
      throw e;
    }
  });

  afterAll(() => closeSession(s, LAB));

  const scenario = watchScenarios(() => s?.consoleErrors ?? [], () => snap);

  it('offers only the faults that apply: a dsr backend has five, a client none', async () => {
    expect(await menuOf('web2')).toEqual(['node-menu-break-vip-missing', 'node-menu-break-arp-flux', 'node-menu-break-backend-down', 'node-menu-break-health-mismatch', 'node-menu-break-not-same-l2']);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('node-menu-web2').count()).toBe(0);
    expect(await menuOf('client1')).toEqual([]);
    await page.keyboard.press('Escape');
    expect(served().filter((w) => w === 'fail')).toEqual([]);
    expect(scenario.since()).toEqual([]);
  });

  it('breaks web2 from its menu, sees it down, the doctor finds it there, Fix makes the lab serve again', async () => {
    await menuOf('web2');
    await page.getByTestId('node-menu-break-backend-down').click();
    // the lab says so: the node's badge, the toolbar
    await expect.poll(() => page.getByTestId('node-broken-web2').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('lab-state').getAttribute('data-broken')).toBe('yes');
    expect(await page.getByTestId('lab-state').innerText()).toContain(tr('toolbar.brokenOnPurpose', { broken: 'backend-down on web2' }));
    // the symptom: the balancer's health check takes web2 out, no request reaches it
    await page.getByTestId('tab-counters').click();
    await expect.poll(() => page.getByTestId('counter-row-web-web2').locator('.health').innerText(), { timeout: 30_000 }).toBe(tr('dock.counters.down'));
    expect(served()).not.toContain('web2');
    await snap('broken');

    await page.getByTestId('tab-doctor').click();
    await page.getByTestId('doctor-run').click();
    const finding = page.getByTestId('finding-backend-down-web2');
    await expect.poll(() => finding.count(), { timeout: 30_000 }).toBe(1);
    // alone under its severity (a stopped server the health checks took out: a warning), web2 highlighted on the canvas
    const group = (await finding.locator('xpath=ancestor::section[1]').getAttribute('data-testid'))!;
    expect(['doctor-group-error', 'doctor-group-warning']).toContain(group);
    expect(await page.getByTestId(group).locator('.finding').count()).toBe(1);
    expect(await page.getByTestId('node-web2').getAttribute('data-doctor')).toBe(group.replace('doctor-group-', ''));
    expect(await page.locator('[data-doctor]').count()).toBe(1);
    expect(await page.getByTestId('doctor-breaks').innerText()).toContain(tr('doctor.faultOn', { fault: 'backend-down', node: 'web2' }));
    await page.getByTestId('finding-evidence-toggle-backend-down-web2').click();
    expect((await page.getByTestId('finding-evidence-backend-down-web2').innerText()).length).toBeGreaterThan(0);
    await snap('doctor-finding');

    await page.getByTestId('doctor-fix').click();
    await expect.poll(() => page.getByTestId('doctor-fixed').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId('doctor-verdict').getAttribute('data-healthy')).toBe('yes');
    expect(await page.getByTestId('finding-backend-down-web2').count()).toBe(0);
    // nothing left to point at, nothing broken
    await expect.poll(() => page.locator('[data-doctor]').count()).toBe(0);
    await expect.poll(() => page.getByTestId('node-broken-web2').count()).toBe(0);
    await expect.poll(() => page.getByTestId('node-state-web2').getAttribute('data-state')).toBe('running');
    // serving again: every server answers (a server started again waits for its first health check)
    let who: string[] = [];
    for (let i = 0; i < 15 && !(new Set(who).size === 3 && !who.includes('fail')); i++) {
      if (i) await page.waitForTimeout(1000);
      who = served();
    }
    expect(new Set(who)).toEqual(new Set(['web1', 'web2', 'web3']));
    await page.getByTestId('tab-counters').click();
    await expect.poll(() => page.getByTestId('counter-row-web-web2').locator('.health').innerText()).toBe(tr('dock.counters.healthy'));
    await snap('fixed');
    expect(scenario.since()).toEqual([]);
  });
});
