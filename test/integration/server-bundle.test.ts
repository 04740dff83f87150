// Smoke test of the Electron bundles without Electron: Forge packages only
// .vite/, so main must carry dockerode and the engine inside it. Build main and
// preload with plain Vite (the Forge defines absent), then load the engine
// chunk in plain Node and ask the real Docker engine for info().
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { build } from 'vite';

const root = path.resolve(__dirname, '../..');
let out: string;

function allowedImport(spec: string): boolean {
  return spec.startsWith('.') || spec === 'electron' || spec.startsWith('node:') || builtinModules.includes(spec);
}

function esImports(code: string): string[] {
  const specs = new Set<string>();
  for (const m of code.matchAll(/^\s*import\s[^'"]*?from\s*["']([^"']+)["']/gm)) specs.add(m[1]!);
  for (const m of code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) specs.add(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.add(m[1]!);
  return [...specs];
}

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-bundle-'));
  await build({ configFile: path.join(root, 'vite.main.config.ts'), logLevel: 'error', build: { outDir: out, sourcemap: false } });
  await build({ configFile: path.join(root, 'vite.preload.config.ts'), logLevel: 'error', build: { outDir: out, sourcemap: false } });
});

afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

it('main.js is ESM importing only electron, Node built-ins and its own chunks', () => {
  const files = [path.join(out, 'main.js'), ...fs.readdirSync(path.join(out, 'chunks')).map((f) => path.join(out, 'chunks', f))];
  const foreign = files.flatMap((f) => esImports(fs.readFileSync(f, 'utf8')).filter((s) => !allowedImport(s)).map((s) => `${path.basename(f)}: ${s}`));
  expect(foreign).toEqual([]);
  expect(fs.readFileSync(path.join(out, 'main.js'), 'utf8')).toMatch(/from ["']electron["']/);
});

it('the bundled engine loads in plain Node and reaches Docker', () => {
  const main = fs.readFileSync(path.join(out, 'main.js'), 'utf8');
  const rel = /import\(["'](\.\/chunks\/lab-engine-[^"']+)["']\)/.exec(main)?.[1];
  expect(rel, 'main.js imports the engine chunk').toBeDefined();
  const script = `
    const m = await import(${JSON.stringify(new URL(rel!, `file://${out}/main.js`).href)});
    const e = m.createLabEngine({ shell: 'electron' });
    const info = await e.info();
    await e.close();
    console.log(JSON.stringify(info));`;
  const text = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  const info = JSON.parse(text.trim().split('\n').pop()!);
  expect(info.shell).toBe('electron');
  expect(info.docker.available).toBe(true);
});

it('preload.cjs is one CommonJS file whose only require is electron', () => {
  const code = fs.readFileSync(path.join(out, 'preload.cjs'), 'utf8');
  const requires = [...code.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  expect(requires).toEqual(['electron']);
  expect(esImports(code)).toEqual([]);
  expect(code).toContain('exposeInMainWorld("lblab"');
  expect(code.length).toBeLessThan(20_000); // no zod / engine dragged in
});
