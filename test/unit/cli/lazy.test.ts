// Usage errors and --help must stay fast: the CLI loads the engine (and with
// it dockerode) only for commands that run. Checked on the real launcher with
// a require hook that reports whether dockerode was loaded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-lazy-'));
const hook = path.join(dir, 'hook.cjs');
fs.writeFileSync(
  hook,
  `const M = require('module'); const load = M._load; let seen = false;
M._load = function (req, ...rest) { if (/(^|\\/)dockerode(\\/|$)/.test(req)) seen = true; return load.call(this, req, ...rest); };
process.on('exit', () => process.stderr.write('[dockerode ' + (seen ? 'loaded' : 'not loaded') + ']\\n'));`,
);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => runCli(args, { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} -r ${hook}`.trim() } });

describe('the CLI loads the engine only when a command runs', () => {
  it.each([[['--help']], [['bogus']], [['status', 'Not_A_Name']], [['exec', 'lab1', 'n1', '--']], [['mode', 'lab1', 'web', 'teleport']]])('lblab %j', async (args) => {
    const r = await run(args);
    expect(r.stderr).toContain('[dockerode not loaded]');
  }, 30_000);

  it('a command that runs does load it (the hook sees dockerode)', async () => {
    const r = await run(['up', path.join(dir, 'nope.lab.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[dockerode loaded]');
  }, 30_000);
});
