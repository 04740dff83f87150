// What the browser end-to-end tests share: the real web mode (`lblab serve`)
// and Debian's Chromium in the server's own network namespace, screenshots,
// and the waits a person would do (deployed, no error toast).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, expect as baseExpect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import i18next from 'i18next';
import { LANGUAGE_KEY, resources, type Language } from '../../renderer/i18n/resources';

export const ROOT = path.resolve('.');
export const FAKE = process.env.LBLAB_E2E_FAKE === '1';
/** the app's language in these tests: LBLAB_E2E_LANG=zh-CN runs them in Chinese */
export const LANG: Language = process.env.LBLAB_E2E_LANG === 'zh-CN' ? 'zh-CN' : 'en';

const texts = i18next.createInstance();
void texts.init({ resources, lng: LANG, fallbackLng: 'en', initAsync: false, interpolation: { escapeValue: false } });
/**
 * A UI text as the app shows it in the tests' language (same catalog, same
 * interpolation). A key the catalogs lack throws: i18next would give the key
 * back, and an assertion on that could pass for the wrong reason.
 */
const translate = texts.t.bind(texts) as (key: string, options?: Record<string, unknown>) => string;
export const tr = ((key: string, options?: Record<string, unknown>) => {
  if (!texts.exists(key, options)) throw new Error(`tr: no catalog key ${key}`);
  return translate(key, options);
}) as typeof texts.t;

// polls wait up to 15 s unless told otherwise: the machine is shared and sometimes slow
const basePoll = baseExpect.poll.bind(baseExpect);
export const expect = Object.assign(baseExpect, { poll: ((fn: () => unknown, o?: object) => basePoll(fn, { timeout: 15_000, ...o })) as typeof baseExpect.poll });

/** Where a test's screenshots and files go: test-results/NAME, under zh-CN/ in a Chinese pass (the English ones serve the docs). */
export const resultsDir = (name: string) => path.join(ROOT, 'test-results', ...(LANG === 'en' ? [] : [LANG]), name);

export interface Served { url: string; pid?: number; close(): Promise<void> }

/** `lblab serve --port 0` in its own process (the real engine); its output goes to OUT/server.log. */
export async function serveReal(out: string): Promise<Served> {
  const log = fs.createWriteStream(path.join(out, 'server.log'));
  // The server and the browser share a network namespace of their own, with
  // only `lo`: Chromium flushes its sockets with ERR_NETWORK_CHANGED whenever
  // an interface appears or goes in its namespace, and Docker adds and removes
  // bridges and veths on the host all through a deploy. Docker itself is
  // reached through its unix socket, which needs no network.
  const child: ChildProcess = spawn(
    'unshare',
    ['--net', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, 'bin/lblab.mjs', 'serve', '--port', '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr!.pipe(log);
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const t = setTimeout(() => reject(new Error(`lblab serve printed no URL in 120 s:\n${text}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      log.write(d);
      // the whole line: the URL carries the server's token (?token=…), which may arrive in pieces
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)\n/.exec(text);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`lblab serve exited (${code}):\n${text}`)));
  });
  return {
    url,
    pid: child.pid,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** A launcher that runs Debian's Chromium inside the server's network namespace (playwright talks to it over a pipe). */
function chromiumInNetns(out: string, pid: number): string {
  const wrapper = path.join(out, 'chromium-in-netns.sh');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/proc/${pid}/ns/net /usr/bin/chromium "$@"\n`, { mode: 0o755 });
  return wrapper;
}

export interface Session { server: Served; browser: Browser; page: Page; consoleErrors: string[] }

/** Start the server (real, or the fake API; the project's global setup built the renderer) and a browser page on it. */
export async function openApp(out: string, opts: { fake?: boolean; lang?: Language } = {}): Promise<Session> {
  const fake = opts.fake ?? FAKE;
  fs.mkdirSync(out, { recursive: true });
  const { startServer } = await import('../../electron/server/index');
  const server: Served = fake ? await startServer({ port: 0, api: (await import('./fake-api')).createFakeApi(), log: () => undefined }) : await serveReal(out);
  const browser = await chromium.launch({
    executablePath: fake || !server.pid ? '/usr/bin/chromium' : chromiumInNetns(out, server.pid),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1500, height: 940 }, acceptDownloads: true });
  // the language the app starts in, as if chosen earlier (kept in localStorage)
  await ctx.addInitScript(([key, lang]) => localStorage.getItem(key) ?? localStorage.setItem(key, lang), [LANGUAGE_KEY, opts.lang ?? LANG] as const);
  const page = await ctx.newPage();
  const consoleErrors: string[] = [];
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('ERR_NETWORK_CHANGED')) consoleErrors.push(`console: ${m.text()}`);
  });
  return { server, browser, page, consoleErrors };
}

/** `openApp` into an emptied OUT, the page loaded: where a test that only draws starts. */
export async function openLoaded(out: string): Promise<Session> {
  fs.rmSync(out, { recursive: true, force: true });
  const s = await openApp(out);
  await s.page.goto(s.server.url);
  await s.page.getByTestId('app').waitFor({ timeout: 30_000 });
  return s;
}

/** A template's drawing on the canvas (replacing the one there may ask first), once its node `last` shows. */
export async function openTemplate(page: Page, template: string, last: string): Promise<void> {
  await page.getByTestId('template-select').selectOption(template);
  if (await page.getByTestId('confirm').count()) await page.getByTestId('confirm-ok').click();
  await until(`${last} on the canvas`, () => page.getByTestId(`node-${last}`).count(), 1);
}

/** Numbered screenshots of a scenario. */
export function snapper(page: Page, out: string) {
  let shot = 0;
  return async (name: string) => {
    shot++;
    await page.screenshot({ path: path.join(out, `${String(shot).padStart(2, '0')}-${name}.png`) });
  };
}

/**
 * For the scenarios of a describe block: a screenshot named after the one
 * that fails, and the problems (console errors, failed calls) that came up
 * during each one only, so one scenario's trouble does not fail the next.
 */
export function watchScenarios(problems: () => string[], snap: () => (name: string) => Promise<void>): { since(): string[] } {
  let mark = 0;
  beforeEach((ctx) => {
    mark = problems().length;
    ctx.onTestFailed(() => snap()(`failure-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined));
  });
  return { since: () => problems().slice(mark) };
}

/** API calls the page has sent and not yet seen answered (a late answer can still raise a toast). */
export function apiCallsInFlight(page: Page): () => number {
  const open = new Set<unknown>();
  // fetch and XHR only: the event WebSocket stays open for good
  page.on('request', (r) => r.url().includes('/api/') && ['fetch', 'xhr'].includes(r.resourceType()) && open.add(r));
  const done = (r: unknown) => open.delete(r);
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return () => open.size;
}

/** Until `ok(value)` or the deadline: the last value read (polls that may run in a hook, where expect.poll cannot). */
export async function settle<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeout = 15_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Until `read()` gives `want`, or an error saying what it gave last. */
export async function until<T>(what: string, read: () => Promise<T>, want: T, timeout = 15_000): Promise<void> {
  const v = await settle(read, (x) => x === want, timeout);
  if (v !== want) throw new Error(`${what}: ${JSON.stringify(v)} after ${timeout} ms, not ${JSON.stringify(want)}`);
}

/** Two animation frames: React has rendered what the last event or answer changed. */
export const rendered = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

/** The service's mode in the inspector, switched live when it is not `mode` already. */
export async function switchMode(page: Page, service: string, mode: string, timeout = 240_000) {
  if (await page.getByTestId('inspector-lab-link').count()) await page.getByTestId('inspector-lab-link').click();
  await page.getByTestId(`service-${service}`).click();
  await expect.poll(() => page.getByTestId('service-live-mode').count(), { timeout: 30_000 }).toBe(1);
  if ((await page.getByTestId('service-live-mode').innerText()) === mode) return;
  await page.getByTestId('service-mode').selectOption(mode);
  // a live switch re-plumbs nodes and reconfigures the balancer: minutes on a loaded machine
  await expect.poll(() => page.getByTestId('service-live-mode').innerText(), { timeout }).toBe(mode);
}

/** Wait for the lab to be (un)deployed; an error toast on the way fails at once with its message. */
export async function waitDeployed(page: Page, want: 'yes' | 'no', timeout: number) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const errs = await page.getByTestId('toast-error').allInnerTexts();
    if (errs.length) throw new Error(`the app reported: ${errs.join(' | ')}`);
    if ((await page.getByTestId('lab-state').getAttribute('data-deployed')) === want) return;
    if (Date.now() > deadline) throw new Error(`lab not ${want === 'yes' ? 'deployed' : 'removed'} after ${timeout} ms`);
    await page.waitForTimeout(1000);
  }
}

/** The containers Docker holds for a lab (by label). */
export function labContainers(lab: string): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--filter', `label=io.lblab.lab=${lab}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** After a browser test: remove its lab if it is still there (a failed scenario), close the browser and the server. */
export async function closeSession(session: Session | undefined, lab?: string): Promise<void> {
  if (!FAKE && lab && labContainers(lab).length) {
    try {
      execFileSync('node', ['bin/lblab.mjs', 'down', lab], { stdio: 'ignore', timeout: 120_000 });
    } catch {
      /* reported by the test itself */
    }
  }
  await session?.browser.close();
  await session?.server.close();
}

/** Processes named `comm` in a lab's running containers (e.g. tcpdump left behind). */
export function processesInLab(lab: string, comm: string): string[] {
  const found: string[] = [];
  for (const c of labContainers(lab)) {
    try {
      const ps = execFileSync('docker', ['exec', c, 'ps', '-eo', 'comm'], { encoding: 'utf8' });
      if (ps.split('\n').some((l) => l.trim() === comm)) found.push(c);
    } catch {
      // a stopped container holds no process
    }
  }
  return found;
}
