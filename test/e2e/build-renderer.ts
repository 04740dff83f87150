// The e2e project's global setup: the renderer is built once per run, not once
// per file (the build does not depend on the language the tests open the app
// in). `npm test` builds it once for every language pass and says so with
// LBLAB_E2E_RENDERER_BUILT=1.
import path from 'node:path';
import { build } from 'vite';

export default async function buildRenderer(): Promise<void> {
  if (process.env.LBLAB_E2E_RENDERER_BUILT === '1') return;
  await build({ configFile: path.resolve('vite.renderer.config.ts'), logLevel: 'warn' });
}
