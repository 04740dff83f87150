// Content hashes of build contexts. Synchronous on purpose: imageRef() is
// called wherever a container is created and must not need a Docker round trip.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Folders and files that are build outputs, never inputs. */
const SKIP_DIRS = new Set(['build', 'node_modules', '.git']);
const SKIP_FILE = (name: string) => name.endsWith('.o') || name === 'lbagent.mjs' || name.endsWith('~');

/** Every input file of a context, as sorted paths relative to `dir` (forward slashes). */
export function contextFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        if (!SKIP_DIRS.has(ent.name)) walk(r);
      } else if (ent.isFile() && !SKIP_FILE(ent.name)) {
        out.push(r);
      }
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort();
}

/**
 * sha256 over each file's relative path, executable bit and content, plus any
 * extra inputs (other hashes, generated files). Timestamps do not count, so a
 * fresh checkout of the same sources gives the same hash.
 */
export function hashContext(dir: string, extra: (string | Buffer)[] = []): string {
  const h = crypto.createHash('sha256');
  for (const rel of contextFiles(dir)) {
    const abs = path.join(dir, rel);
    const exec = (fs.statSync(abs).mode & 0o111) !== 0 ? 'x' : '-';
    h.update(`${rel}\0${exec}\0`);
    h.update(fs.readFileSync(abs));
    h.update('\0');
  }
  for (const e of extra) {
    h.update('\0extra\0');
    h.update(e);
  }
  return h.digest('hex').slice(0, 12);
}
