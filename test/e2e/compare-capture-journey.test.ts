// Browser end-to-end of the Compare, Captures and Packet journey tabs, web mode on the REAL engine: open
// the "DSR vs NAT" template, deploy it, compare dsr and nat in short runs
// (the live line, then dsr's bar taller than nat's, the bytes through the
// balancer, a CSV export parsed back), compare l7 gateways (Apache with a
// worker limit refused before Run: the template balances by maglev; haproxy
// and nginx with keep-alive off and the slow object: a bar per gateway in each
// figure), capture on the balancer while traffic
// flows (packets arrive, the pcap saved and read by tshark), follow one
// packet (eth.dst rewritten at the balancer in dsr; an outer header once the
// service runs in tunnel), then destroy. The lab is deployed once; each of
// those is a scenario of its own on it. Screenshots in test-results/e2e-compare/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeSession, expect, FAKE, labContainers, openApp, openTemplate, processesInLab, snapper, switchMode, until, waitDeployed, watchScenarios, type Session, tr, resultsDir } from './harness';

const OUT = resultsDir('e2e-compare');
const LAB = FAKE ? 'e2e-fake-x' : 'e2e-compare';

let s: Session;
let page: Page;
let snap: (name: string) => Promise<void>;

describe('compare, captures and the packet journey in the browser (web mode)', () => {
  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    for (const f of fs.readdirSync(OUT)) fs.rmSync(path.join(OUT, f), { recursive: true, force: true });
    if (!FAKE) for (const c of labContainers(LAB)) execFileSync('docker', ['rm', '-f', c]); // leftovers of an earlier failed run of THIS test
    s = await openApp(OUT);
    page = s.page;
    snap = snapper(page, OUT);
    page.on('dialog', (d) => void d.accept());
    try {
      await openTemplateAndDeploy();
    } catch (e) {
      await snap('failure-deploy').catch(() => undefined);
      throw e;
    }
  });

  afterAll(() => closeSession(s, LAB));

  // each scenario fails on the console errors that came up during it
  const scenario = watchScenarios(() => s?.consoleErrors ?? [], () => snap);

  it('the template runs as drawn: every node running, no drift', async () => {
    for (const n of ['client1', 'client2', 'lb', 'r1', 'web1', 'web2', 'web3']) {
      await expect.poll(() => page.getByTestId(`node-state-${n}`).getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    }
    // the drawing is what runs: no drift once deployed (auto subnets match the ones the engine chose)
    await expect.poll(() => page.getByTestId('drift').count()).toBe(0);
    await snap('deployed');
    expect(scenario.since()).toEqual([]);
  });

  /** A scenario: its steps, then no console error during them. */
  const step = (name: string, run: () => Promise<void>) =>
    it(name, async () => {
      await run();
      expect(scenario.since()).toEqual([]);
    });

  step('compares dsr and nat: the live line, dsr taller than nat, the bytes, a CSV export', compareDsrAndNat);
  step('compares gateways: Apache workers (refused with maglev), keep-alive off, a bar per gateway in each figure', compareGateways);
  step('captures on the balancer while a request goes through; the pcap is read by tshark, no tcpdump is left', captureOnTheBalancer);
  step('follows one packet: eth.dst rewritten at the balancer in dsr, an outer header once in tunnel', followAPacket);
  step('destroys the lab', destroy);
});

async function openTemplateAndDeploy() {
  await page.goto(s.server.url);
  await page.getByTestId('app').waitFor({ timeout: 30_000 });
  await openTemplate(page, 'dsr-vs-nat', 'web3');
  await page.getByTestId('lab-name').fill(LAB);
  await until('problems', () => page.getByTestId('issues-count').innerText(), '0', 10_000);
  await snap('template');
  await page.getByTestId('deploy').click();
  await waitDeployed(page, 'yes', 480_000);
}

/** The bars of one results chart, left to right (one per mode, in the order the modes ran). */
async function barHeights(chart: string): Promise<number[]> {
  const bars = page.getByTestId(chart).locator('.recharts-bar-rectangle');
  const hs: number[] = [];
  for (const b of await bars.all()) hs.push((await b.boundingBox())?.height ?? 0);
  return hs;
}

async function compareDsrAndNat() {
  await page.getByTestId('tab-compare').click();
  await expect.poll(() => page.getByTestId('compare-check-dsr').isEnabled(), { timeout: 30_000 }).toBe(true);
  // dsr first (the baseline), then nat; nothing else
  for (const box of await page.getByTestId('compare-modes').locator('input[type=checkbox]').all()) if (await box.isChecked()) await box.uncheck();
  await page.getByTestId('compare-check-dsr').check();
  await page.getByTestId('compare-check-nat').check();
  await page.getByTestId('compare-object').selectOption('1m');
  await page.getByTestId('compare-connections').fill('24');
  await page.getByTestId('compare-duration').fill('4');
  await page.getByTestId('compare-warmup').fill('1');
  await page.getByTestId('compare-repeat').fill('1');
  await snap('compare-configured');
  await page.getByTestId('compare-run').click();
  await expect.poll(() => page.getByTestId('compare-progress').count(), { timeout: 30_000 }).toBe(1);
  // the live chart draws a line once measured seconds arrive
  await expect.poll(() => page.getByTestId('compare-live').locator('.recharts-line-curve').count(), { timeout: 120_000 }).toBeGreaterThan(0);
  await snap('compare-live');
  await expect.poll(() => page.getByTestId('compare-results').count(), { timeout: 300_000 }).toBe(1);
  await expect.poll(() => page.getByTestId('compare-error').count()).toBe(0);
  // the shaped template: dsr's responses leave on three 100 Mbit/s server links, nat's all cross the balancer's one
  // (polled: the charts size themselves to their card after the first paint)
  await expect.poll(async () => {
    const h = await barHeights('chart-throughput');
    return h.length === 2 && h[1] > 0 && h[0] > h[1] * 1.5 ? 'dsr taller' : `bar heights ${h.join(', ')}`;
  }).toBe('dsr taller');
  await expect.poll(() => page.getByTestId('chart-bytes').locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
  expect(await page.getByTestId('compare-verdict').innerText()).toMatch(new RegExp(`^${tr('compare.verdict.movedRatio', { mode: 'dsr', list: tr('compare.verdict.ratioOf', { ratio: '[\\d.]+×', mode: 'nat' }) })}`));
  await page.getByTestId('compare-results').scrollIntoViewIfNeeded();
  await snap('compare-results');
  // CSV: one header and a row per run
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('compare-export-csv').click()]);
  const csvFile = path.join(OUT, 'comparison.csv');
  await download.saveAs(csvFile);
  const lines = fs.readFileSync(csvFile, 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(',');
  expect(head).toContain('mode');
  const modeCol = head.indexOf('mode');
  expect(lines.slice(1).map((l) => l.split(',')[modeCol]).sort()).toEqual(['dsr', 'nat']);
}

/** The gateway names under one gateway chart's bars, left to right (the other ticks are the numbers of its y axis). */
const gatewayTicks = async (chart: string) =>
  (await page.getByTestId(chart).locator('.recharts-cartesian-axis-tick-value').allTextContents()).filter((t) => /[a-z]/.test(t));

async function compareGateways() {
  await page.getByTestId('tab-compare').click();
  await expect.poll(() => page.getByTestId('compare-check-gateway-haproxy').isEnabled(), { timeout: 30_000 }).toBe(true);
  // the workers field is Apache's: it shows once an Apache gateway is ticked
  await page.getByTestId('compare-check-gateway-haproxy').check();
  expect(await page.getByTestId('compare-workers').count()).toBe(0);
  await page.getByTestId('compare-check-gateway-apache-prefork').check();
  await page.getByTestId('compare-workers').fill('8');
  await page.getByTestId('compare-keepalive').uncheck();
  await page.getByTestId('compare-object').selectOption('/delay/200');
  await page.getByTestId('compare-connections').fill('24');
  await page.getByTestId('compare-duration').fill('3');
  await page.getByTestId('compare-warmup').fill('0');
  await page.getByTestId('compare-repeat').fill('1');
  await snap('gateways-configured');
  // the template balances by maglev, which Apache cannot: said in one line under Run, which stays off
  await expect.poll(() => page.getByTestId('compare-hint').innerText()).toMatch(/^gateway apache-prefork cannot balance by maglev/);
  expect(await page.getByTestId('compare-run').isDisabled()).toBe(true);
  await page.getByTestId('compare-check-gateway-apache-prefork').uncheck();
  expect(await page.getByTestId('compare-workers').count()).toBe(0);
  await page.getByTestId('compare-check-gateway-nginx').check();
  await page.getByTestId('compare-run').click();
  await expect.poll(() => page.getByTestId('compare-gateway-charts').count(), { timeout: 300_000 }).toBe(1);
  await expect.poll(() => page.getByTestId('compare-state').innerText()).toBe(tr('compare.complete'));
  // a bar per gateway in every figure, in the order ticked
  for (const chart of ['chart-gateway-rps', 'chart-gateway-p99', 'chart-gateway-memory', 'chart-gateway-threads', 'chart-gateway-waited', 'chart-gateway-failed']) {
    await expect.poll(() => gatewayTicks(chart), { timeout: 30_000 }).toEqual(['haproxy', 'nginx']);
  }
  await expect.poll(() => page.getByTestId('chart-gateway-rps').locator('.recharts-bar-rectangle').count()).toBe(2);
  expect(await page.getByTestId('compare-gateway-verdict').innerText()).toMatch(/haproxy|nginx/);
  const meta = await page.getByTestId('compare-results').innerText();
  expect(meta).toContain('haproxy, nginx');
  expect(meta).toContain(tr('compareGateways.noKeepAlive'));
  await page.getByTestId('compare-results').scrollIntoViewIfNeeded();
  await snap('gateways-results');
  // back to modes for whoever compares next
  await page.getByTestId('compare-check-gateway-haproxy').uncheck();
  await page.getByTestId('compare-check-gateway-nginx').uncheck();
  await page.getByTestId('compare-keepalive').check();
}

async function captureOnTheBalancer() {
  await page.getByTestId('tab-captures').click();
  await page.getByTestId('cap-iface-lb:eth0').check();
  await page.getByTestId('cap-iface-lb:eth1').check();
  await page.getByTestId('capture-filter').fill('tcp port 80');
  await page.getByTestId('capture-start').click();
  await expect.poll(() => page.getByTestId('capture-state').getAttribute('class'), { timeout: 30_000 }).toMatch(/\brunning\b/);
  // traffic: a journey sends one request through the balancer
  await page.getByTestId('tab-journey').click();
  await page.getByTestId('journey-send').click();
  await expect.poll(() => page.getByTestId('journey-result').count(), { timeout: 60_000 }).toBe(1);
  await page.getByTestId('tab-captures').click();
  await expect.poll(async () => Number((await page.getByTestId('capture-total').innerText()).replace(/[^\d]/g, '')), { timeout: 30_000 }).toBeGreaterThan(3);
  await page.getByTestId('pkt-row').first().click();
  await expect.poll(() => page.getByTestId('decode-tree').locator('[data-testid^="layer-"]').count()).toBeGreaterThan(1);
  await snap('capture');
  await page.getByTestId('capture-stop').click();
  await expect.poll(() => page.getByTestId('capture-state').getAttribute('class'), { timeout: 30_000 }).not.toMatch(/\brunning\b/);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('capture-save').click()]);
  const pcap = path.join(OUT, 'balancer.pcap');
  await download.saveAs(pcap);
  if (!FAKE) {
    const fields = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'tcp.dstport'], { encoding: 'utf8' });
    expect(fields.trim().split('\n').length).toBeGreaterThan(3);
    expect(processesInLab(LAB, 'tcpdump')).toEqual([]);
  }
}

async function followAPacket() {
  await switchMode(page, 'web', 'dsr'); // what the template runs, and what a comparison puts back
  await page.getByTestId('tab-journey').click();
  await page.getByTestId('journey-send').click();
  await expect.poll(() => page.getByTestId('journey-result').count(), { timeout: 60_000 }).toBe(1);
  // the balancer's out hop in dsr: eth.dst is the mode's rewrite
  const rewritten = page.locator('[data-testid^="hop-request-"][data-testid$="-field-eth.dst"][data-mark="rewrite"]');
  await expect.poll(() => rewritten.count(), { timeout: 30_000 }).toBe(1);
  expect(await page.getByTestId('journey-verdict').innerText()).toContain(tr('journey.responseDirect', { path: '\u0000' }).split('\u0000')[1]);
  await snap('journey-dsr');

  // switch the service to tunnel in the inspector, then send again: an outer header appears
  await switchMode(page, 'web', 'tunnel');
  await page.getByTestId('tab-journey').click();
  await page.getByTestId('journey-send').click();
  const added = page.locator('[data-testid^="hop-request-"][data-testid$="-field-outer.ip.dst"][data-mark="added"]');
  await expect.poll(() => added.count(), { timeout: 60_000 }).toBeGreaterThan(0);
  await snap('journey-tunnel');
}

async function destroy() {
  await page.getByTestId('destroy').click();
  await page.getByTestId('confirm-ok').click(); // the app asks before destroying a running lab
  await waitDeployed(page, 'no', 180_000);
  await expect(page.getByTestId('toast-error').count()).resolves.toBe(0);
  await snap('destroyed');
  if (!FAKE) expect(labContainers(LAB)).toEqual([]);
}
