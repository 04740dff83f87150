// The CLI bundled by esbuild from the TypeScript sources (ESM, the engine a
// chunk of its own), kept under .cache/cli/ until a source changes. Started
// through tsx, a command loads ~200 modules through its loader thread: about a
// CPU-second before it does anything (several on a busy host), paid by every
// `lblab` a script or test runs. The bundle starts in about half of that.
// Packages stay outside the bundle (node_modules, found upward from it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// each build three levels below the root, as electron/engine/topology is: the folders the engine
// finds relative to its own module (labs/, lab-images/, package.json) are found from the bundle too
const dir = path.join(root, '.cache', 'cli');
const current = path.join(dir, 'current.json');
/** old builds stay this long: a running command may still load one of their chunks */
const KEEP_MS = 3_600_000;

/** The current build's folder when it is newer than every source it was made from (a changed import changes a source's mtime). */
function freshBuild() {
  try {
    const { builtAt, inputs, out } = JSON.parse(fs.readFileSync(current, 'utf8'));
    if (!Array.isArray(inputs) || !inputs.length || !fs.existsSync(path.join(dir, out, 'main.js'))) return undefined;
    return inputs.every((f) => fs.statSync(path.join(root, f)).mtimeMs < builtAt) ? path.join(dir, out) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bundle the CLI into a new folder, then name it current (a file renamed into place: a command started
 * meanwhile reads a whole build). The engine stays a chunk of its own, loaded only by commands that run.
 */
async function build() {
  const { build: esbuild } = await import('esbuild');
  const builtAt = Date.now();
  const out = `b-${builtAt}-${process.pid}`;
  const r = await esbuild({
    absWorkingDir: root,
    entryPoints: { main: 'electron/cli/main.ts' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: path.join(dir, out),
    outExtension: { '.js': '.js' },
    metafile: true,
    logLevel: 'silent',
  });
  fs.writeFileSync(path.join(dir, out, 'package.json'), '{ "type": "module" }\n');
  const tmp = `${current}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ builtAt, out, inputs: Object.keys(r.metafile.inputs) }));
  fs.renameSync(tmp, current);
  for (const d of fs.readdirSync(dir)) {
    const at = path.join(dir, d);
    if (d.startsWith('b-') && d !== out && Date.now() - fs.statSync(at).mtimeMs > KEEP_MS) fs.rmSync(at, { recursive: true, force: true });
  }
  return path.join(dir, out);
}

/** The CLI's `main` from the bundle (made or refreshed first when needed); undefined when it cannot be made. */
export async function bundledMain() {
  try {
    const at = freshBuild() ?? (await build());
    return (await import(pathToFileURL(path.join(at, 'main.js')).href)).main;
  } catch {
    return undefined;
  }
}
