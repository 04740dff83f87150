// Browser end-to-end: Debian's Chromium drives the web mode against the REAL
// engine (Docker). An empty lab cannot be deployed; then one DSR lab, drawn
// from the palette and deployed once, is shared by scenarios that each fail
// on their own: a template does not replace it unasked, curl the VIP from a
// terminal and watch the counters, switch to nat live, save / reload, edit
// the running lab (the drift shows, Redeploy clears it, the terminal comes
// back, a switch it cannot make is refused), destroy. A console error or a
// failed API call fails the scenario it happened in. Screenshots of every
// step land in test-results/e2e/.
// (LBLAB_E2E_FAKE=1 runs the same script against test/e2e/fake-api.ts, for UI development only.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { apiCallsInFlight, closeSession, expect, FAKE, labContainers, openApp, rendered, settle, snapper, switchMode, until, waitDeployed as waitDeployedOn, watchScenarios, type Session, tr, resultsDir } from './harness';

const LAB = FAKE ? 'e2e-fake' : 'e2e-dsr';
const OUT = resultsDir('e2e');

let session: Session;
let page: Page;
let snap: (name: string) => Promise<void>;
/** console errors, uncaught page errors and API calls answered with an HTTP error: each one fails the scenario it came up in */
const problems: string[] = [];
let inFlight: () => number;
let scenario: { since(): string[] };

const center = async (l: Locator) => {
  const b = await l.boundingBox();
  if (!b) throw new Error('element not visible');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
};

/** Drag a link from a node's handle onto a network's handle. */
async function connect(node: string, nodeHandle: 'top' | 'bottom', net: string, netHandle: 'top' | 'bottom') {
  const a = await center(page.getByTestId(`handle-${node}-${nodeHandle}`));
  const b = await center(page.getByTestId(`handle-${net}-${netHandle}`));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

async function terminalText(node: string): Promise<string> {
  return page.getByTestId(`terminal-${node}`).locator('.xterm-rows').innerText();
}

/** Type a command into the open terminal and wait until `marker=<code>` shows up `count` times. */
async function runInTerminal(node: string, cmd: string, marker: string, count: number, timeout = 60_000) {
  await page.getByTestId(`terminal-${node}`).click();
  await page.keyboard.type(`${cmd}; echo ${marker}=$?\n`, { delay: 5 });
  const re = new RegExp(`${marker}=(\\d+)`, 'g');
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = await terminalText(node);
    const codes = [...text.matchAll(re)].map((m) => m[1]);
    if (codes.length >= count) return { code: codes[codes.length - 1], text };
    if (Date.now() > deadline) throw new Error(`no ${marker} in terminal after ${timeout} ms:\n${text}`);
    await page.waitForTimeout(250);
  }
}

/** No console error, page error or failed API call in this scenario so far. */
function noProblems(step: string) {
  expect(scenario.since(), `problems up to ${step}`).toEqual([]);
}

/** Wait for a deploy or live switch under way to finish (no progress bar, the Deploy button back); an error toast fails at once. */
async function waitIdle(timeout: number) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const errs = await page.getByTestId('toast-error').allInnerTexts();
    if (errs.length) throw new Error(`the app reported: ${errs.join(' | ')}`);
    const text = await page.getByTestId('lab-state').innerText();
    const busy = (await page.getByTestId('progress').count()) > 0 || [tr('toolbar.deploying'), tr('toolbar.removing')].some((w) => text.includes(w));
    if (!busy) return;
    if (Date.now() > deadline) throw new Error(`still busy after ${timeout} ms`);
    await page.waitForTimeout(1000);
  }
}

const waitDeployed = (want: 'yes' | 'no', timeout: number) => waitDeployedOn(page, want, timeout);

async function packets(service: string, backends: string[]): Promise<number> {
  let sum = 0;
  for (const b of backends) sum += Number((await page.getByTestId(`counter-packets-${service}-${b}`).innerText()).replace(/[^\d]/g, ''));
  return sum;
}

/** The service's VIP, as the inspector shows it once the lab runs. */
async function liveVip(): Promise<string> {
  await page.getByTestId('inspector-lab-link').click();
  await page.getByTestId('service-web').click();
  await expect.poll(() => page.getByTestId('service-live-vip').count(), { timeout: 15_000 }).toBe(1);
  return (await page.getByTestId('service-live-vip').innerText()).trim();
}

/** The node's terminal tab (opened from the node when there is none yet), its session open and a fresh prompt shown. */
async function terminalReady(node: string) {
  if (await page.getByTestId(`tab-terminal-${node}`).count()) {
    await page.getByTestId(`tab-terminal-${node}`).click();
  } else {
    await page.getByTestId(`node-${node}`).click();
    await page.getByTestId('open-terminal').click();
  }
  await expect.poll(() => page.getByTestId(`terminal-${node}`).getAttribute('data-session'), { timeout: 90_000 }).toBe('open');
  // a fresh prompt (the first one may have been sent while the event socket was reconnecting)
  await page.getByTestId(`terminal-${node}`).click();
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(node), { timeout: 30_000 }).toMatch(/[#$]\s*$/m);
}

/** From client1's terminal: `n` requests to the VIP, then one whose answer shows; the last exit code must be 0. */
async function curlVip(vip: string, n: number, marker: string, shot: string) {
  await terminalReady('client1');
  const seq = Array.from({ length: n }, (_, i) => i + 1).join(' ');
  const r = await runInTerminal('client1', `for i in ${seq}; do curl -s -m 5 -o /dev/null http://${vip}/ || break; done; curl -s -m 5 http://${vip}/`, marker, 1);
  await snap(shot);
  expect(r.code, r.text).toBe('0');
}

/** The service's packet count, from stats taken in `mode` (a switch starts the counters afresh). */
async function packetsIn(mode: string): Promise<number> {
  await page.getByTestId('tab-counters').click();
  await expect.poll(() => page.getByTestId('counter-packets-web-web1').count(), { timeout: 20_000 }).toBe(1);
  await expect.poll(() => page.getByTestId('counters-mode-web').innerText(), { timeout: 90_000 }).toBe(mode);
  return packets('web', ['web1', 'web2']);
}

/** The service's packet counters rise above `before`. */
async function countersRise(before: number, timeout: number, shot: string) {
  await page.getByTestId('tab-counters').click();
  await expect.poll(() => packets('web', ['web1', 'web2']), { timeout }).toBeGreaterThan(before);
  await snap(shot);
}

/** What the drawing showed on the way to the deploy, asserted by its own scenario. */
const drawn = { viewportBefore: '' as string | null, viewportAfterFirstDrop: '' as string | null, unlinkedIssues: 0, problems: [] as string[] };

/** Draw the DSR lab from the palette, link it, add the service, deploy it. */
async function drawAndDeploy() {
  // ---- start from New, as a user does (nothing to lose: it does not ask), and name the lab
  await page.getByTestId('new-lab').click();
  await expect(page.getByTestId('confirm').count()).resolves.toBe(0);
  await page.getByTestId('lab-name').fill(LAB);

  // ---- draw from the palette (HTML5 drag and drop onto the canvas)
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  const drop = async (kind: string, fx: number, fy: number) =>
    page.getByTestId(`palette-${kind}`).dragTo(canvas, { targetPosition: { x: box.width * fx, y: box.height * fy } });
  // net1: client1, lb1, r1; net2: lb1, r1, web1, web2. In dsr the servers answer the client
  // directly through router r1; in nat their gateway is lb1 and they share no network with the client.
  const viewport = () => page.locator('.react-flow__viewport').getAttribute('style');
  drawn.viewportBefore = await viewport();
  await drop('network', 0.5, 0.3);
  await until('net1 on the canvas', () => page.getByTestId('network-net1').count(), 1);
  // not a barrier: the window in which a wrong fitView (the app's comes 60 ms after a load) would move the view
  await page.waitForTimeout(300);
  drawn.viewportAfterFirstDrop = await viewport();
  await drop('network', 0.5, 0.7);
  await drop('client', 0.5, 0.1);
  await drop('balancer', 0.3, 0.5);
  await drop('router', 0.7, 0.5);
  await drop('server', 0.3, 0.9);
  await drop('server', 0.7, 0.9);
  for (const id of ['network-net1', 'network-net2', 'node-client1', 'node-lb1', 'node-r1', 'node-web1', 'node-web2']) await until(`${id} on the canvas`, () => page.getByTestId(id).count(), 1);
  await snap('drawn');

  // a node without links is a problem the validator reports on that node
  drawn.unlinkedIssues = await settle(() => page.getByTestId('node-issue-client1').count(), (n) => n === 1, 5000);

  // ---- links: drag from each node's handle onto a network
  await connect('client1', 'bottom', 'net1', 'top');
  await connect('lb1', 'top', 'net1', 'bottom');
  await connect('lb1', 'bottom', 'net2', 'top');
  await connect('r1', 'top', 'net1', 'bottom');
  await connect('r1', 'bottom', 'net2', 'top');
  await connect('web1', 'top', 'net2', 'bottom');
  await connect('web2', 'top', 'net2', 'bottom');
  await until('links', () => page.locator('.react-flow__edge').count(), 7);

  // ---- the service, set in the inspector
  await page.getByTestId('inspector-lab-link').click();
  await page.getByTestId('add-service').click();
  await page.getByTestId('service-balancer').selectOption('lb1');
  await page.getByTestId('service-mode').selectOption('dsr');
  await until('backend web1', () => page.getByTestId('backend-row-web1').count(), 1);
  await until('backend web2', () => page.getByTestId('backend-row-web2').count(), 1);
  await until('problems', () => page.getByTestId('issues-count').innerText(), '0', 10_000);
  await snap('service');

  // ---- deploy
  await page.getByTestId('deploy').click();
  await until('deploy progress', () => page.getByTestId('progress').count(), 1, 10_000);
  await snap('deploying');
  try {
    await waitDeployed('yes', 480_000);
  } catch (e) {
    // the shared CI machine is sometimes too loaded for the engine's command timeouts:
    // do what a user would do with "command timed out": press Deploy again (deploy is idempotent)
    if (!/timed out/.test(String(e))) throw e;
    console.warn(`deploy retried after: ${String(e)}`);
    await snap('deploy-timeout');
    for (const b of await page.getByTestId('toast-error').locator('button').all()) await b.click();
    await page.getByTestId('deploy').click();
    await waitDeployed('yes', 480_000);
  }
}

describe('lblab in the browser (web mode)', () => {
  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    for (const f of fs.readdirSync(OUT)) if (f.endsWith('.png') || f.endsWith('.yaml')) fs.rmSync(path.join(OUT, f));
    if (!FAKE) {
      for (const c of labContainers(LAB)) execFileSync('docker', ['rm', '-f', c]); // leftovers of an earlier failed run of THIS test
    }
    session = await openApp(OUT);
    page = session.page;
    snap = snapper(page, OUT);
    inFlight = apiCallsInFlight(page);
    // every console error counts here (the session's own list lets Chromium's network-change notices pass)
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('response', (r) => {
      if (r.status() < 400 || !r.url().includes('/api/')) return;
      let method = '?';
      try {
        method = (JSON.parse(r.request().postData() ?? '{}') as { method?: string }).method ?? '?';
      } catch {
        /* not a JSON call */
      }
      problems.push(`HTTP ${r.status()} for ${method}`);
    });
    await page.goto(session.server.url);
    await page.getByTestId('app').waitFor({ timeout: 30_000 });
  });

  afterAll(() => closeSession(session, LAB));

  scenario = watchScenarios(() => problems, () => snap);

  it('an empty lab cannot be deployed, and the app says why', async () => {
    await expect(page.getByTestId('docker-banner').count()).resolves.toBe(0);
    await expect(page.getByTestId('deploy').isDisabled()).resolves.toBe(true);
    expect(await page.getByTestId('deploy').getAttribute('title')).toContain(tr('app.live.noNodes'));
    await expect.poll(() => page.getByTestId('issues-panel').innerText()).toContain('the lab has no nodes');
    expect(await page.getByTestId('issues-panel').innerText()).not.toContain(tr('app.issues.none'));
    await snap('empty');
    noProblems('empty lab');
  });

  // Every scenario below runs on the one lab drawn and deployed here; each
  // starts from what it needs (its terminal, its mode) rather than from what
  // the one before it left.
  describe('a DSR lab drawn from the palette and deployed', () => {
    beforeAll(async () => {
      const mark = problems.length;
      try {
        await drawAndDeploy();
      } catch (e) {
        await snap('failure-deploy').catch(() => undefined);
        throw e;
      } finally {
        drawn.problems = problems.slice(mark);
      }
    });

    it('was drawn as a user draws (the first drop keeps the view, an unlinked node is flagged) and every node runs', async () => {
      expect(drawn.viewportAfterFirstDrop, 'the first drop must not move or zoom the view').toBe(drawn.viewportBefore);
      expect(drawn.unlinkedIssues, 'an unlinked node is flagged on the canvas').toBe(1);
      for (const n of ['client1', 'lb1', 'web1', 'web2']) await expect.poll(() => page.getByTestId(`node-state-${n}`).getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
      await expect(page.getByTestId('toast-error').count()).resolves.toBe(0);
      await snap('deployed');
      expect(drawn.problems, 'problems up to deploy').toEqual([]);
      noProblems('deploy');
    });

    it('a template over the running lab asks first; cancelling keeps the lab and the drawing', async () => {
      await page.getByTestId('template-select').selectOption('nat');
      await page.getByTestId('confirm').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('confirm-lines').innerText()).toContain(tr('app.file.keepsRunning', { lab: LAB }));
      await snap('template-asks');
      await page.getByTestId('confirm-cancel').click();
      await expect(page.getByTestId('confirm').count()).resolves.toBe(0);
      await expect(page.locator('.react-flow__node').count()).resolves.toBe(7);
      expect(await page.getByTestId('lab-state').getAttribute('data-deployed')).toBe('yes');
      expect(await page.locator('.tb-lab-name').innerText()).toBe(LAB);
      noProblems('template');
    });

    it('dsr: the inspector shows the VIP, a terminal on the client curls it, the counters move', async () => {
      await switchMode(page, 'web', 'dsr');
      const vip = await liveVip();
      expect(vip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

      // ---- counters before traffic
      const before = await packetsIn('dsr');

      // ---- terminal on the client, curl the VIP
      await curlVip(vip, 6, 'CURL1', 'terminal-dsr');

      // ---- the counters move
      await countersRise(before, 20_000, 'counters-dsr');
      noProblems('dsr traffic');
    });

    it('nat: switched live from the inspector, the same curl works and the counters start afresh and move', async () => {
      const vip = await liveVip();
      await switchMode(page, 'web', 'nat');
      await expect(page.getByTestId('toast-error').count()).resolves.toBe(0);
      // a mode switch starts the service's counters afresh (no flow carries over between modes):
      // read the baseline from stats taken in nat, not from the last dsr poll still on screen
      const natBefore = await packetsIn('nat');
      // curl again after the switch, in the client's terminal
      await curlVip(vip, 4, 'CURL2', 'terminal-nat');
      await countersRise(natBefore, 60_000, 'counters-nat');
      noProblems('nat traffic');
    });

    it('save downloads the lab as it runs; a new lab, then the file opened again, gives the same file and the running lab back', async () => {
      await switchMode(page, 'web', 'nat');
      // ---- save (a download in web mode)
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), page.getByTestId('save-lab').click()]);
      const saved = path.join(OUT, `${LAB}.lab.yaml`);
      await download.saveAs(saved);
      const text = fs.readFileSync(saved, 'utf8');
      await expect.poll(() => page.getByTestId('toast-success').allInnerTexts()).toContain(tr('app.file.downloaded', { file: `${LAB}.lab.yaml` }));
      const y = parseYaml(text);
      expect(y.name).toBe(LAB);
      expect(Object.keys(y.nodes).sort()).toEqual(['client1', 'lb1', 'r1', 'web1', 'web2']);
      expect(y.services.web.mode).toBe('nat');
      expect(y.nodes.web1.position).toBeTruthy();

      // ---- reload: a new empty lab, then open the saved file
      await page.getByTestId('new-lab').click();
      await page.getByTestId('confirm-ok').click(); // the lab keeps running: the app asks first
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
      await expect.poll(() => page.getByTestId('running-elsewhere').innerText()).toContain(tr('toolbar.runsElsewhere', { lab: LAB }).replace(/<\/?1>/g, ''));
      await page.getByTestId('file-input').setInputFiles(saved);
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(7);
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(7);
      // the same topology: saving again gives the same file, positions included
      const [again] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), page.getByTestId('save-lab').click()]);
      const saved2 = path.join(OUT, `${LAB}-reloaded.lab.yaml`);
      await again.saveAs(saved2);
      expect(fs.readFileSync(saved2, 'utf8')).toBe(text);
      // the running lab is recognised again
      await expect.poll(() => page.getByTestId('lab-state').getAttribute('data-deployed'), { timeout: 15_000 }).toBe('yes');
      await snap('reloaded');
      noProblems('reload');
    });

    // The next three build on each other: web3 added and the lab redeployed,
    // then the terminal on the new client1, then a switch web3 forbids.
    it('editing the running lab: nat is marked unavailable with a server beside the client, it goes back to dsr live, the drift lists the edit, Redeploy clears it', async () => {
      // ---- a third server on the client's network. In nat that is not possible (its replies
      // would bypass the balancer): the Mode select marks nat, and the running lab goes back
      // to dsr live before it is redeployed with web3
      await page.getByTestId('palette-server').click();
      await expect.poll(() => page.getByTestId('node-web3').count()).toBe(1);
      await page.getByTestId('node-add-link').selectOption('net1');
      await page.getByTestId('inspector-lab-link').click();
      await page.getByTestId('service-web').click();
      await page.getByTestId('service-add-backend').selectOption('web3');
      await expect.poll(() => page.getByTestId('service-mode').locator('option[value="nat"]').getAttribute('data-unavailable')).toBe('yes');
      expect(await page.getByTestId('service-mode').locator('option[value="nat"]').getAttribute('title')).toContain('shares network net1 with client client1');
      await page.getByTestId('service-mode').selectOption('dsr');
      await expect.poll(() => page.getByTestId('service-live-mode').innerText(), { timeout: 240_000 }).toBe('dsr');
      await waitIdle(240_000);

      // ---- the drift, and what Redeploy will do
      await expect.poll(() => page.getByTestId('drift').count(), { timeout: 15_000 }).toBe(1);
      expect(await page.getByTestId('drift').innerText()).toContain(tr('app.drift.chip', { count: 3 }));
      await page.getByTestId('drift').click();
      expect(await page.getByTestId('drift-line').allInnerTexts()).toEqual([`+ ${tr('app.drift.what.node')} web3`, `+ ${tr('app.drift.what.link')} web3 ↔ net1`, tr('app.drift.fields', { change: `~ ${tr('app.drift.what.service')} web`, fields: 'backends' })]);
      expect(await page.getByTestId('drift-effect').innerText()).toContain(tr('app.drift.recreate', { count: 5 }).split(/[:：]/)[0]);
      await snap('drift');
      await page.getByTestId('drift').click();

      // ---- Redeploy (it asks), and the drift is gone
      await expect.poll(() => page.getByTestId('deploy').isEnabled(), { timeout: 15_000 }).toBe(true);
      await page.getByTestId('deploy').click();
      await page.getByTestId('confirm-ok').click();
      await expect.poll(() => page.getByTestId('progress').count(), { timeout: 10_000 }).toBe(1);
      await waitIdle(480_000);
      expect(await page.getByTestId('lab-state').getAttribute('data-deployed')).toBe('yes');
      for (const n of ['client1', 'lb1', 'web1', 'web2', 'web3']) await expect.poll(() => page.getByTestId(`node-state-${n}`).getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
      await expect.poll(() => page.getByTestId('drift').count(), { timeout: 15_000 }).toBe(0);
      await snap('redeployed');
      noProblems('redeploy');
    });

    it('after the redeploy the terminal reconnects to the new client1 and works', async () => {
      const vip = await liveVip();
      await page.getByTestId('tab-terminal-client1').click();
      await expect.poll(() => page.getByTestId('terminal-client1').getAttribute('data-session'), { timeout: 90_000 }).toBe('open');
      await expect(page.getByTestId('terminal-ended-client1').count()).resolves.toBe(0);
      await curlVip(vip, 6, 'CURL3', 'terminal-after-redeploy');
      noProblems('terminal after redeploy');
    });

    it('a switch the running lab cannot make is refused: the select goes back and says why', async () => {
      await page.getByTestId('inspector-lab-link').click();
      await page.getByTestId('service-web').click();
      await page.getByTestId('service-mode').selectOption('nat');
      await expect.poll(() => page.getByTestId('field-error-services.web.mode').count()).toBe(1);
      expect(await page.getByTestId('field-error-services.web.mode').innerText()).toContain(tr('inspector.service.switchRefused', { why: tr('app.live.modeRefusal', { service: 'web', mode: 'nat', why: '' }) }).trim());
      await expect.poll(() => page.getByTestId('service-mode').inputValue()).toBe('dsr');
      expect(await page.getByTestId('service-live-mode').innerText()).toBe('dsr');
      await snap('mode-refused');
      noProblems('mode refused');
    });

    it('destroy asks, then removes every container with no error and no failed call', async () => {
      await page.getByTestId('destroy').click();
      expect(await page.getByTestId('confirm').innerText()).toContain(tr('app.live.destroyTitle', { lab: LAB }));
      await page.getByTestId('confirm-ok').click();
      await waitDeployed('no', 180_000);
      // a poll sent before the removal and answered after it would fail now: wait for every answer, then its render
      await expect.poll(() => inFlight(), { timeout: 30_000 }).toBe(0);
      await rendered(page);
      await expect(page.getByTestId('toast-error').count()).resolves.toBe(0);
      expect((await page.getByTestId('toast-warn').allInnerTexts()).filter((t) => /counters|status/.test(t))).toEqual([]);
      await snap('destroyed');
      noProblems('destroy');
      if (!FAKE) expect(labContainers(LAB)).toEqual([]);
    });
  });
});
