// A missing web UI is built once with Vite's JS API before serving.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../../electron/server/renderer-build.js';

let app: string;
beforeEach(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-rb-'));
});
afterEach(() => fs.rmSync(app, { recursive: true, force: true }));

it('builds with vite.renderer.config.ts when index.html is missing, logging one line', async () => {
  const src = path.join(app, 'renderer');
  const out = path.join(app, '.vite', 'renderer', 'main_window');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'index.html'), '<!doctype html><title>lblab</title><script type="module" src="./main.js"></script>');
  fs.writeFileSync(path.join(src, 'main.js'), 'document.title = "lblab";');
  fs.writeFileSync(path.join(app, 'vite.renderer.config.ts'), `export default { root: ${JSON.stringify(src)}, base: './', logLevel: 'silent', build: { outDir: ${JSON.stringify(out)}, emptyOutDir: true } };`);
  const lines: string[] = [];
  await ensureRendererBuilt(app, out, (l) => lines.push(l));
  expect(fs.readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('<title>lblab</title>');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^lblab: building the web UI/);
  // second call: already built, nothing to do
  await ensureRendererBuilt(app, out, (l) => lines.push(l));
  expect(lines).toHaveLength(1);
}, 60_000);

it('explains a missing renderer config in one line', async () => {
  await expect(ensureRendererBuilt(app, path.join(app, 'out'), () => undefined)).rejects.toThrow(/web UI not built and .*vite\.renderer\.config\.ts is missing/);
});

it('reports a failing build in one line', async () => {
  const src = path.join(app, 'renderer');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'index.html'), '<script type="module" src="./missing.js"></script>');
  fs.writeFileSync(path.join(app, 'vite.renderer.config.ts'), `export default { root: ${JSON.stringify(src)}, logLevel: 'silent', build: { outDir: ${JSON.stringify(path.join(app, 'out'))} } };`);
  const err = await ensureRendererBuilt(app, path.join(app, 'out'), () => undefined).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(/^building the web UI failed: /);
  expect((err as Error).message).not.toContain('\n');
}, 60_000);
