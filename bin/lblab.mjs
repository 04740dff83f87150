#!/usr/bin/env node
// The `lblab` launcher: no build step. The CLI runs from a bundle esbuild makes
// of the TypeScript sources when they change (cli-bundle.mjs: half the start-up
// of loading them through tsx); LBLAB_CLI_TSX=1, or a bundle that cannot be
// made, runs the sources through tsx's loader.
import { bundledMain } from './cli-bundle.mjs';

let main = process.env.LBLAB_CLI_TSX === '1' ? undefined : await bundledMain();
if (!main) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../electron/cli/main.ts'));
}
await main(process.argv.slice(2));
