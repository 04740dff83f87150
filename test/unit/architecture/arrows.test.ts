// docs/architecture.md draws the allowed imports between the folders as a
// Mermaid graph; this compares it with the imports the code really has.
// Every folder-to-folder import must be a drawn arrow, and every drawn arrow
// must exist. Tests and benches may also import any product module they
// exercise (not drawn); among themselves their arrows are drawn too.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli';

const SCANNED = ['electron', 'renderer', 'lab-images', 'bin', 'scripts', 'test', 'bench'];
const NOT_PRODUCT = new Set(['test', 'test/support', 'bench', 'scripts']);
/** code that breaks the rules on purpose (test/unit/lint/) */
const LINT_FIXTURES = 'test/unit/lint/fixtures';


/** The folder node a file belongs to (paths relative to the repository, with '/'). */
function nodeOf(file: string): string | undefined {
  const parts = file.split('/');
  const [top] = parts;
  if (top === 'renderer' || top === 'bin' || top === 'bench' || top === 'scripts') return top;
  if (top === 'test') return parts[1] === 'support' ? 'test/support' : 'test';
  if (top === 'electron') {
    if (parts.length === 2) return `electron/${parts[1].replace(/\.[^.]+$/, '')}`;
    if (parts[1] === 'engine') return file.replace(/\.[^.]+$/, '') === 'electron/engine/lab-engine' ? 'electron/engine/lab-engine' : 'electron/engine';
    return `electron/${parts[1]}`;
  }
  if (top === 'lab-images') return parts.length > 3 ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/');
  return undefined;
}

/** The arrows of the Mermaid graph in a markdown text, as "from -> to" between node labels. */
function drawnArrows(markdown: string): Set<string> {
  const block = markdown.match(/```mermaid\n((?:graph|flowchart)[\s\S]*?)```/)?.[1];
  if (!block) throw new Error('no ```mermaid graph block');
  const labels = new Map<string, string>();
  const arrows = new Set<string>();
  for (let line of block.split('\n').slice(1)) {
    line = line.replace(/%%.*$/, '').trim();
    if (!line || /^(subgraph|end|classDef|class|style|direction)\b/.test(line)) continue;
    line = line.replace(/([\w-]+)\["([^"]+)"\]/g, (_, id: string, label: string) => (labels.set(id, label), id));
    const ids = line.split(/\s*-->(?:\|[^|]*\|)?\s*/);
    for (let i = 1; i < ids.length; i++) arrows.add(`${ids[i - 1]} -> ${ids[i]}`);
  }
  const label = (id: string) => {
    const l = labels.get(id);
    if (!l) throw new Error(`mermaid: node ${id} has no ["label"]`);
    return l;
  };
  return new Set([...arrows].map((a) => a.split(' -> ').map(label).join(' -> ')));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (!['node_modules', 'build'].includes(e.name) && rel !== LINT_FIXTURES) out.push(...sourceFiles(rel));
    } else if (/\.(tsx?|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.mts')) {
      out.push(rel);
    }
  }
  return out;
}

/** Relative specifiers a file imports: static, type, export-from, dynamic and
 * `typeof import()`. TypeScript's own pre-scanner finds them, so imports
 * quoted in strings or comments do not count. */
function specifiers(code: string): string[] {
  return ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.'));
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const stem = base.replace(/\.(m?js|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.mjs`, `${base}/index.ts`, `${base}/index.tsx`];
  return candidates.find((c) => fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile());
}

/** Every folder-to-folder import: "from -> to" → the file imports that make it. */
function realImports(): { edges: Map<string, string[]>; unresolved: string[] } {
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of SCANNED.filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap(sourceFiles)) {
    for (const spec of specifiers(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      const target = resolve(file, spec);
      if (!target) {
        unresolved.push(`${file}: ${spec}`);
        continue;
      }
      const a = nodeOf(file);
      const b = nodeOf(target);
      if (!a || !b || a === b) continue;
      if (NOT_PRODUCT.has(a) && !NOT_PRODUCT.has(b)) continue; // tests and benches exercise any product module
      edges.set(`${a} -> ${b}`, [...(edges.get(`${a} -> ${b}`) ?? []), `${file} → ${spec}`]);
    }
  }
  return { edges, unresolved };
}

describe('docs/architecture.md arrows against the real imports', () => {
  const drawn = drawnArrows(fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8'));
  const { edges, unresolved } = realImports();

  it('reads the graph and the imports', () => {
    expect(drawn.size).toBeGreaterThan(10);
    expect(edges.size).toBeGreaterThan(10);
    expect(unresolved).toEqual([]);
  });

  it('every folder-to-folder import is a drawn arrow', () => {
    const undrawn = [...edges].filter(([e]) => !drawn.has(e));
    expect(undrawn.map(([e, why]) => `${e} (${why.slice(0, 3).join(', ')})`)).toEqual([]);
  });

  it('every drawn arrow is a real import', () => {
    const missing = [...drawn].filter((a) => !edges.has(a));
    expect(missing).toEqual([]);
  });

});

/** Every file reached from `files` through relative imports (type imports included: they shape the renderer's types). */
function reachable(files: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...files];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiers(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      const target = resolve(file, spec);
      if (target && !seen.has(target)) todo.push(target);
    }
  }
  return seen;
}

/** Node's own modules or types named in a source text (imports of `node:*`, the `NodeJS` namespace). */
const NODE_TYPES = /\bfrom\s+['"]node:|\bimport\(\s*['"]node:|\bNodeJS\./;

describe('what the renderer bundles of electron/', () => {
  const reached = [...reachable(sourceFiles('renderer'))].filter((f) => !f.startsWith('renderer/'));

  it('reaches the contract: api.ts, its domain files and the vocabulary', () => {
    expect(reached).toContain('electron/api.ts');
    expect(reached.filter((f) => f.startsWith('electron/api/')).length).toBeGreaterThan(5);
    expect(reached).toContain('lab-images/balancer/contract/vocabulary.ts');
  });

  it('never reaches the host-only lab service nor Node types', () => {
    expect(reached).not.toContain('electron/api/host.ts');
    expect(reached.filter((f) => NODE_TYPES.test(fs.readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
  });

  it('the host-only module is the one that names Node types', () => {
    expect(NODE_TYPES.test(fs.readFileSync(path.join(ROOT, 'electron/api/host.ts'), 'utf8'))).toBe(true);
  });
});

describe('the scanner itself', () => {
  it('maps files to folder nodes', () => {
    expect(nodeOf('renderer/components/canvas/Canvas.tsx')).toBe('renderer');
    expect(nodeOf('electron/api.ts')).toBe('electron/api');
    expect(nodeOf('electron/api/capture.ts')).toBe('electron/api');
    expect(nodeOf('electron/api/host.ts')).toBe('electron/api');
    expect(nodeOf('electron/engine/lab-engine.ts')).toBe('electron/engine/lab-engine');
    expect(nodeOf('electron/engine/labs/down.ts')).toBe('electron/engine');
    expect(nodeOf('electron/cli/main.ts')).toBe('electron/cli');
    expect(nodeOf('lab-images/balancer/contract/config.ts')).toBe('lab-images/balancer/contract');
    expect(nodeOf('test/support/bpf/harness.ts')).toBe('test/support');
    expect(nodeOf('test/core/dsr.test.ts')).toBe('test');
  });

  it('finds static, type, export-from, side-effect and dynamic imports, not quoted or commented ones', () => {
    const code = [
      "import { a } from './a';", "import type { B } from '../b.js';", "import {\n  c,\n  d,\n} from './cd';",
      "export * from './e';", "export { f } from './f';", "import './g';", "const h = await import('./h');",
      "type I = typeof import('./i');", "import { z } from 'zod';", "// import { x } from './x';",
      "/* import { y } from './y'; */", `const s = "import { q } from './q'";`,
    ].join('\n');
    expect(specifiers(code).sort()).toEqual(['../b.js', './a', './cd', './e', './f', './g', './h', './i']);
  });

  it('parses chained and labelled Mermaid arrows', () => {
    const md = '```mermaid\ngraph LR\n  a["x/a"] --> b["x/b"] -->|why| c["x/c"]\n  %% a --> c\n  c --> a\n```';
    expect([...drawnArrows(md)].sort()).toEqual(['x/a -> x/b', 'x/b -> x/c', 'x/c -> x/a']);
  });
});
