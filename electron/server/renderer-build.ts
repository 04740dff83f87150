// Web mode serves the same renderer bundle the Electron app loads. On a fresh
// checkout it has not been built yet: build it once with Vite's JS API.
import fs from 'node:fs';
import path from 'node:path';
import { oneLine } from '../api.js';

export async function ensureRendererBuilt(appRoot: string, staticDir: string, log: (line: string) => void = console.log): Promise<void> {
  if (fs.existsSync(path.join(staticDir, 'index.html'))) return;
  const configFile = path.join(appRoot, 'vite.renderer.config.ts');
  if (!fs.existsSync(configFile)) throw new Error(`web UI not built and ${configFile} is missing`);
  log(`lblab: building the web UI into ${path.relative(appRoot, staticDir) || staticDir} (first run, ~30 s)`);
  const { build } = await import('vite');
  try {
    // vite.renderer.config.ts resolves root/outDir from its own location, so cwd does not matter.
    await build({ configFile, logLevel: 'warn' });
  } catch (e) {
    throw new Error(`building the web UI failed: ${oneLine(e)}`);
  }
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) throw new Error(`web UI build produced no ${path.join(staticDir, 'index.html')}`);
}
