// Where the repository (and so the built renderer) lives, independent of cwd:
// `lblab serve` may be run from anywhere.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function findAppRoot(start: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'lblab') return dir;
      } catch {
        /* unreadable package.json: keep walking up */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const RENDERER_OUT = path.join('.vite', 'renderer', 'main_window');
