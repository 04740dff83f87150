// The app in Simplified Chinese, in the browser (web mode on the stand-in API,
// so every tab has something to show in seconds): every tab and every dialog
// opened, and every visible text and title / aria-label / placeholder read; a
// text fails when it holds an English word that is not in ALLOWED (protocol,
// field, mode and unit names, which Chinese networking docs write as they
// are) nor one of the lab's own names. Then the choice survives a reload, and
// switching back to English live leaves no Chinese on screen.
// Texts marked data-i18n="engine" (the engine's one-line messages, the
// doctor's findings, template titles) or "field" (Wireshark field names and
// decoded values, counter names) stay as they are, and are skipped.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Language } from '../../renderer/i18n/resources';
import { closeSession, expect, openApp, rendered, snapper, tr, type Session, resultsDir } from './harness';

const OUT = resultsDir('e2e-i18n');
const TEMPLATE = 'dsr-vs-nat';

/** Words kept in English in Chinese networking texts, each for a reason. */
const ALLOWED = new Set(
  [
    // the product, its file and image names, keyboard keys
    'lblab', 'yaml', 'Ctrl', 'Shift', 'English',
    // protocols, layers and kernel features, as written in Chinese docs
    'IP', 'IPv4', 'IPv6', 'IPIP', 'TCP', 'UDP', 'HTTP', 'ICMP', 'ARP', 'MAC', 'NAT', 'SNAT', 'DNAT', 'VIP', 'VXLAN', 'MTU', 'ECMP',
    'eBPF', 'tc', 'XDP', 'clsact', 'veth', 'NAPI', 'nftables', 'rp_filter', 'lo', 'RSS', 'CPU', 'CPUs', 'I/O', 'SSH', 'pcap', 'tcpdump', 'CSV', 'PNG', 'kB', 'VNI',
    // products
    'Docker', 'Swarm', 'HAProxy', 'haproxy', 'nginx', 'apache', 'etcd', 'websocketd', 'Wireshark', 'DOCKER_HOST', 'NET_ADMIN', 'SYS_ADMIN',
    // mode, scheduler, protocol and gateway names: lab-file values
    'dsr', 'tunnel', 'nat', 'snat', 'l4proxy', 'l7', 'direct', 'kernel', 'maglev', 'rr', 'wrr', 'lc', 'sh', 'http', 'tcp', 'websocket',
    'prefork', 'worker', 'event', 'keep', 'alive', 'auto', 'default',
    // lab-file keys (the drift list names the fields that differ)
    'mode', 'scheduler', 'backends', 'routes', 'health', 'gateway', 'workers', 'balancer', 'vip', 'protocol', 'kind', 'image', 'subnet', 'rate', 'address', 'engine',
    // units and latency percentiles
    'GHz', 'ms', 's', 'µs', 'B', 'KiB', 'MiB', 'GiB', 'Mbit', 'Gbit', 'mbit', 'p50', 'p90', 'p99', 'rx', 'tx',
    // interface names and tcpdump filter examples
    'eth', 'port', 'or', 'icmp', 'ip', 'dst', 'src', 'flags', 'syn', 'user', 'host', 'ssh', 'unix',
  ].map((w) => w.toLowerCase()),
);

/** The texts on screen (and their titles, aria-labels, placeholders) outside [data-i18n] and the terminal. */
function visibleTexts(page: Page): Promise<{ where: string; text: string }[]> {
  return page.evaluate(() => {
    const out: { where: string; text: string }[] = [];
    const skip = (el: Element | null) => !!el?.closest('[data-i18n], .xterm, script, style');
    const shown = (el: Element): boolean => {
      const h = el as HTMLElement;
      if (el.closest('[hidden]')) return false;
      if (el.tagName === 'OPTION') return !!el.closest('select') && shown(el.closest('select')!);
      return h.getClientRects().length > 0 && getComputedStyle(h).visibility !== 'hidden';
    };
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''}`;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = n.textContent?.trim();
      if (!text || !el || skip(el) || !shown(el)) continue;
      out.push({ where: name(el), text });
    }
    for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder]')) {
      if (skip(el) || !shown(el)) continue;
      for (const a of ['title', 'aria-label', 'placeholder']) {
        if (a === 'title' && el.closest('[data-i18n-title]')) continue;
        const v = el.getAttribute(a)?.trim();
        if (v) out.push({ where: `${name(el)}@${a}`, text: v });
      }
    }
    return out;
  });
}

/** The English words of `text` that are neither allowed nor names from the lab (identifiers with digits, dots, dashes or underscores
 * pass, so do single letters: keys, hex digits, k and m of sizes, and <placeholders> of a name pattern). */
function englishWords(text: string, names: Set<string>): string[] {
  const words = text.replace(/<\w+>/g, '').match(/[A-Za-z][A-Za-z0-9_.:/'-]*/g) ?? [];
  return words
    .map((w) => w.replace(/[.:'/-]+$/, ''))
    .filter((w) => w.length > 1 && !/[0-9_.:/-]/.test(w.slice(1)) && !ALLOWED.has(w.toLowerCase()) && !names.has(w));
}

let s: Session;
let page: Page;
let snap: (name: string) => Promise<void>;
const found: string[] = [];
const names = new Set<string>();

/** Read the screen in `what` state; English words go to `found`. */
async function crawl(what: string) {
  await rendered(page);
  for (const { where, text } of await visibleTexts(page)) {
    const bad = englishWords(text, names);
    if (bad.length) found.push(`${what} · ${where}: "${text.slice(0, 120)}" (${bad.join(', ')})`);
  }
}

/** Switch the language live, as a user does, and wait until the app speaks it. */
async function switchLanguage(lng: Language) {
  await page.getByTestId('language-select').selectOption(lng);
  await expect.poll(() => page.getByTestId('tab-counters').innerText()).toBe(tr('dock.tabCounters', { lng }));
}

describe('the app in Simplified Chinese (web mode, stand-in API)', () => {
  beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    s = await openApp(OUT, { fake: true, lang: 'zh-CN' });
    page = s.page;
    snap = snapper(page, OUT);
    await page.goto(s.server.url);
    await page.getByTestId('app').waitFor();
  });
  afterAll(() => closeSession(s, 'e2e-i18n'));

  it('opens in Chinese and keeps the choice', async () => {
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.getByTestId('deploy').innerText()).toContain(tr('toolbar.deploy', { lng: 'zh-CN' }));
  });

  it('shows no untranslated text in any tab or dialog', async () => {
    await crawl('empty lab');
    // every dialog and tab, with a deployed template behind them
    await page.getByTestId('template-select').selectOption(TEMPLATE);
    await expect.poll(() => page.locator('[data-testid^="node-"]').count()).toBeGreaterThan(3);
    for (const n of await page.locator('.lab-node-name, .net-name').allInnerTexts()) names.add(n.trim());
    names.add(TEMPLATE);
    for (const n of await page.locator('.list-main').allInnerTexts()) names.add(n.trim());
    await crawl('template');
    await page.getByTestId('engine-name').click();
    await page.getByTestId('engine-picker').waitFor();
    await crawl('engine picker');
    await page.getByTestId('engine-name').click();
    await page.getByTestId('deploy').click();
    await expect.poll(() => page.getByTestId('lab-state').getAttribute('data-deployed'), { timeout: 60_000 }).toBe('yes');
    for (const s of await page.locator('[data-testid^="service-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice(8)))) names.add(s);
    await crawl('deployed');
    // the inspector: lab, node, network, link, service
    await page.getByTestId('node-lb').click();
    await crawl('node inspector');
    await page.locator('.net-node').first().click();
    await crawl('network inspector');
    await page.getByTestId('inspector-lab-link').click();
    await page.locator('[data-testid^="service-"]').first().click();
    await crawl('service inspector');
    // the node menu (Break it) and a terminal
    await page.getByTestId('node-web1').click({ button: 'right' });
    await page.getByTestId('node-menu-web1').waitFor();
    await crawl('node menu');
    await page.keyboard.press('Escape');
    await page.getByTestId('node-web1').dblclick();
    await page.getByTestId('tab-terminal-web1').waitFor();
    await crawl('terminal tab');
    // the dock's tabs, each doing its work
    await page.getByTestId('tab-counters').click();
    await page.getByTestId('counters').waitFor();
    await crawl('counters');
    // the same screen in each language, switched live (docs/screenshot-*.png are these)
    await page.screenshot({ path: path.join(OUT, 'screenshot-zh-CN.png') });
    await switchLanguage('en');
    await page.screenshot({ path: path.join(OUT, 'screenshot-en.png') });
    await switchLanguage('zh-CN');
    await page.getByTestId('tab-compare').click();
    await page.getByTestId('compare-form').waitFor();
    await crawl('compare form');
    await page.getByTestId('compare-check-dsr').check();
    await page.getByTestId('compare-check-nat').check();
    await page.getByTestId('compare-duration').fill('2');
    await page.getByTestId('compare-warmup').fill('0');
    await page.getByTestId('compare-repeat').fill('1');
    await page.getByTestId('compare-run').click();
    await page.getByTestId('compare-progress').waitFor();
    await crawl('compare running');
    await page.getByTestId('compare-results').waitFor({ timeout: 60_000 });
    await crawl('compare results');
    await page.getByTestId('tab-journey').click();
    await crawl('journey empty');
    await page.getByTestId('journey-send').click();
    await page.getByTestId('journey-result').waitFor({ timeout: 30_000 });
    await crawl('journey result');
    await page.getByTestId('tab-captures').click();
    await crawl('captures empty');
    await page.locator('[data-testid^="cap-node-"]').first().check();
    await page.getByTestId('capture-start').click();
    await expect.poll(() => page.getByTestId('pkt-row').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.getByTestId('capture-stop').click();
    await page.getByTestId('pkt-row').first().click();
    await crawl('capture');
    await page.getByTestId('tab-doctor').click();
    await crawl('doctor empty');
    await page.getByTestId('doctor-run').click();
    await page.getByTestId('doctor-verdict').waitFor({ timeout: 30_000 });
    await crawl('doctor report');
    // dialogs: drift, redeploy, delete with impact, new over a running lab, destroy
    // a server added while the app speaks English, then Chinese switched live: what the app
    // put together for the drift (kept between renders) must follow at once
    await switchLanguage('en');
    await page.getByTestId('palette-server').click();
    await page.getByTestId('drift').waitFor();
    await switchLanguage('zh-CN');
    await page.getByTestId('drift').click();
    await crawl('drift panel');
    await page.getByTestId('drift').click();
    // linked, the new server makes a drawing that can run: Redeploy asks first
    await page.getByTestId('node-add-link').selectOption('back');
    await expect.poll(() => page.getByTestId('issues-count').innerText()).toBe('0');
    await expect.poll(() => page.getByTestId('deploy').isEnabled()).toBe(true);
    await page.getByTestId('deploy').click();
    await page.getByTestId('confirm').waitFor();
    await crawl('redeploy dialog');
    await page.getByTestId('confirm-cancel').click();
    // the link, then the server, undone
    for (let i = 0; i < 2; i++) await page.getByTestId('undo').click();
    await expect.poll(() => page.getByTestId('drift').count()).toBe(0);
    await page.locator('.net-node').first().click();
    await page.getByTestId('delete-network').click();
    await page.getByTestId('confirm').waitFor();
    await crawl('delete dialog');
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('new-lab').click();
    await page.getByTestId('confirm').waitFor();
    await crawl('new-lab dialog');
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('destroy').click();
    await page.getByTestId('confirm').waitFor();
    await crawl('destroy dialog');
    await snap('zh-CN');
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('lab-state').getAttribute('data-deployed'), { timeout: 60_000 }).toBe('no');
    await crawl('destroyed');
    expect(found).toEqual([]);
  });

  it('keeps Chinese over a reload, and switches back to English live with no Chinese left', async () => {
    await page.reload();
    await page.getByTestId('app').waitFor();
    expect(await page.getByTestId('deploy').innerText()).toContain(tr('toolbar.deploy', { lng: 'zh-CN' }));
    await page.getByTestId('language-select').selectOption('en');
    await expect.poll(() => page.getByTestId('deploy').innerText()).toContain(tr('toolbar.deploy', { lng: 'en' }));
    const chinese = (await visibleTexts(page)).filter((t) => /[\u4e00-\u9fff]/.test(t.text) && t.text !== '简体中文');
    expect(chinese).toEqual([]);
    expect(await page.evaluate(() => localStorage.getItem('lblab.language'))).toBe('en');
    expect(s.consoleErrors).toEqual([]);
  });
});
