// Who may import what across the host↔agent contract
// (lab-images/balancer/contract): the app reaches the balancer only through
// it (electron/api for the vocabulary, electron/engine/balancer/contract.ts
// for the rest), the container code never imports the app, and the contract
// itself is pure (zod and its own files: the renderer bundles the vocabulary).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CONTRACT = 'lab-images/balancer/contract';

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Import specifiers of a file (static, re-exports, dynamic), relative ones resolved to repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const re = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  const specs = [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.map((s) => (s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), s)) : s));
}

const edges = (dir: string) => sources(dir).flatMap((file) => importsOf(file).map((to) => ({ file, to })));

describe('the host↔agent contract boundary', () => {
  it('finds the imports it checks', () => {
    expect(edges('electron').some((e) => e.to.startsWith(CONTRACT))).toBe(true);
    expect(edges('lab-images').some((e) => e.to.startsWith(CONTRACT))).toBe(true);
  });

  it('electron/ imports lab-images/ only through electron/api (vocabulary) and engine/balancer/contract.ts', () => {
    const cross = edges('electron').filter((e) => e.to.startsWith('lab-images/'));
    const allowed = (e: { file: string; to: string }) =>
      ((e.file === 'electron/api.ts' || e.file.startsWith('electron/api/')) && e.to === `${CONTRACT}/vocabulary`) ||
      (e.file === 'electron/engine/balancer/contract.ts' && e.to.startsWith(`${CONTRACT}/`));
    expect(cross.filter((e) => !allowed(e))).toEqual([]);
  });

  it('lab-images/ never imports electron/', () => {
    expect(edges('lab-images').filter((e) => e.to.startsWith('electron/') || e.to === 'electron')).toEqual([]);
  });

  it('the contract imports only zod and itself', () => {
    expect(edges(CONTRACT).filter((e) => e.to !== 'zod' && !e.to.startsWith(`${CONTRACT}/`))).toEqual([]);
    expect(edges(CONTRACT).filter((e) => e.file.endsWith('vocabulary.ts')).map((e) => e.to)).toEqual(['zod']);
  });
});
