// Browser end-to-end of a lab spread over hosts, drawn only (no deploy, no
// Docker needed): open the comparison template, add three hosts in the lab
// inspector and point two at remote engines, place the servers on them from
// each node's Host select, then see each node's host badge, the back network
// drawn as an overlay (front stays a bridge on h1) and the file saved with
// `hosts:` and the nodes' `host:`. Screenshots in test-results/e2e-hosts/.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeSession, expect, openLoaded, openTemplate, snapper, until, watchScenarios, type Session, tr, resultsDir } from './harness';

const OUT = resultsDir('e2e-hosts');
/** nothing is deployed: the drawing keeps the template's name (the screenshot serves the docs) */
const LAB = 'compare';

let s: Session;
let page: Page;
let snap: (name: string) => Promise<void>;

/** Select a node on the canvas and put it on `host` with its inspector's Host select. */
async function place(node: string, host: string) {
  await page.getByTestId(`node-${node}`).click();
  await page.getByTestId('node-host').selectOption(host);
  await expect.poll(() => page.getByTestId(`node-host-${node}`).innerText()).toBe(host);
}

describe('a lab spread over hosts, drawn in the browser (web mode)', () => {
  beforeAll(async () => {
    s = await openLoaded(OUT);
    page = s.page;
    snap = snapper(page, OUT);
  });

  afterAll(() => closeSession(s));

  const scenario = watchScenarios(() => s?.consoleErrors ?? [], () => snap);

  it('hosts added in the lab inspector, nodes placed from theirs: badges, an overlay, and the YAML says so', async () => {
    await openTemplate(page, 'compare', 'web3');
    // a lab without hosts looks as before: no badge, no overlay, no Host select
    expect(await page.locator('[data-testid^="node-host-"]').count()).toBe(0);
    expect(await page.locator('[data-testid^="network-overlay-"]').count()).toBe(0);
    await expect.poll(() => page.getByTestId('hosts-none').count()).toBe(1);

    // ---- three hosts: the first is this machine's engine, the others remote
    for (let i = 0; i < 3; i++) await page.getByTestId('add-host').click();
    // the host just added waits for its engine: its field has the focus
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('host-engine-h3');
    await expect.poll(() => page.getByTestId('host-engine-h1').inputValue()).toBe('default');
    await page.getByTestId('host-engine-h2').fill('ssh://lab@rack2');
    await page.getByTestId('host-engine-h3').fill('tcp://rack3:2376');
    // every node sits on the first host until placed: a badge each, still no overlay
    await expect.poll(() => page.getByTestId('node-host-lb').innerText()).toBe('h1');
    expect(await page.locator('[data-testid^="network-overlay-"]').count()).toBe(0);

    // ---- the servers go to the remote hosts
    await place('web1', 'h2');
    await place('web2', 'h2');
    await place('web3', 'h3');
    const options = await page.getByTestId('node-host').locator('option').allInnerTexts();
    expect(options).toEqual([tr('inspector.hosts.firstHostChoice', { host: 'h1' }), 'h2', 'h3']);

    // hosts keep their colours: h2's two nodes share one, h1's and h3's differ from it
    const border = (n: string) => page.getByTestId(`node-host-${n}`).evaluate((el) => getComputedStyle(el).borderTopColor);
    expect(await border('web1')).toBe(await border('web2'));
    expect(new Set([await border('lb'), await border('web1'), await border('web3')]).size).toBe(3);

    // back links lb and r1 (h1) with the servers (h2, h3): an overlay; front stays a bridge on h1
    await expect.poll(() => page.getByTestId('network-overlay-back').count()).toBe(1);
    expect(await page.getByTestId('network-overlay-back').innerText()).toContain(tr('canvas.overlay'));
    expect(await page.getByTestId('network-back').getAttribute('data-overlay')).toBe('h1,h2,h3');
    expect(await page.getByTestId('network-back').getAttribute('title')).toContain('MTU 1450');
    expect(await page.getByTestId('network-overlay-front').count()).toBe(0);
    await page.getByTestId('network-back').click();
    await expect.poll(() => page.getByTestId('network-runs-as').innerText()).toContain(tr('inspector.hosts.overlayAcross', { hosts: 'h1, h2, h3', mtu: '' }).split(' · ')[0]);
    await until('problems', () => page.getByTestId('issues-count').innerText(), '0', 15_000);
    await page.getByTestId('canvas').locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await snap('spread');

    // ---- saved: the file names the hosts and where each server runs
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('save-lab').click()]);
    const saved = path.join(OUT, `${LAB}.lab.yaml`);
    await download.saveAs(saved);
    const text = fs.readFileSync(saved, 'utf8');
    expect(text).toMatch(/^hosts:\n {2}h1: default\n {2}h2: ssh:\/\/lab@rack2\n {2}h3: tcp:\/\/rack3:2376\n/m);
    for (const [n, h] of [['web1', 'h2'], ['web2', 'h2'], ['web3', 'h3']]) expect(text).toMatch(new RegExp(`^ {2}${n}: \\{ kind: server, host: ${h},`, 'm'));
    expect(text).not.toMatch(/^ {2}(lb|r1|client1):.*host:/m);

    expect(scenario.since()).toEqual([]);
  });

  it('removing a host asks, then moves its nodes to the first host; an engine left empty is a problem on its field', async () => {
    // removing h3 (web3's host): asked, then web3 moves to h1 and back spans h1, h2 only
    await page.getByTestId('remove-host-h3').click();
    await expect.poll(() => page.getByTestId('confirm').count()).toBe(1);
    expect(await page.getByTestId('confirm').innerText()).toContain(tr('inspector.hosts.moves', { count: 1, nodes: 'web3', first: 'h1' }));
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('node-host-web3').innerText()).toBe('h1');
    await expect.poll(() => page.getByTestId('network-back').getAttribute('data-overlay')).toBe('h1,h2');
    // an engine left empty is refused by the lab's own checks, on the host's field
    await page.getByTestId('host-engine-h2').fill('');
    await expect.poll(() => page.getByTestId('issues-count').innerText()).not.toBe('0');
    await expect.poll(() => page.getByTestId('field-error-hosts.h2').count()).toBe(1);
    await snap('empty-engine');
    await page.getByTestId('host-engine-h2').fill('ssh://lab@rack2');
    await until('problems', () => page.getByTestId('issues-count').innerText(), '0', 15_000);
    expect(scenario.since()).toEqual([]);
  });
});
