// The four lab images and where their build contexts live.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const IMAGE_NAMES = ['client', 'server', 'balancer', 'router'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export function isImageName(s: string): s is ImageName {
  return (IMAGE_NAMES as readonly string[]).includes(s);
}

const MARKER = path.join('base', 'build-base.sh');

function here(): string | undefined {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined; // bundled into a format without import.meta
  }
}

let cachedRoot: string | undefined;

/**
 * The `lab-images/` folder. LBLAB_IMAGES_DIR wins; otherwise searched upward
 * from this module and from the working directory (dev checkout, tsx, the
 * bundled main process), and in Electron's resources folder when packaged.
 */
export function labImagesDir(): string {
  if (process.env.LBLAB_IMAGES_DIR) return path.resolve(process.env.LBLAB_IMAGES_DIR);
  if (cachedRoot) return cachedRoot;
  const starts = [here(), process.cwd()].filter((s): s is string => !!s);
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const cand = path.join(dir, 'lab-images');
      if (fs.existsSync(path.join(cand, MARKER))) return (cachedRoot = cand);
      if (path.dirname(dir) === dir) break;
    }
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && fs.existsSync(path.join(resources, 'lab-images', MARKER))) return (cachedRoot = path.join(resources, 'lab-images'));
  throw new Error('lab-images/ not found (looked upward from the app and the working directory; set LBLAB_IMAGES_DIR)');
}

export const contextDir = (name: ImageName | 'base', root = labImagesDir()) => path.join(root, name);
