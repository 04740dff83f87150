#!/usr/bin/env node
// The `lblab` launcher: runs the TypeScript CLI through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/cli/main.ts');
await main(process.argv.slice(2));
