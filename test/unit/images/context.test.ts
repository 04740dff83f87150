// What goes into a build context: sources minus build outputs, and for the
// balancer the agent as one bundled lbagent.mjs instead of its TypeScript.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextEntries } from '../../../electron/engine/images/build';
import { imageHash } from '../../../electron/engine/images/refs';

let root: string;
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-ctx-'));
  write('base/build-base.sh', '# base\n');
  write('balancer/Dockerfile', 'FROM x\n');
  write('balancer/core/Makefile', 'all:\n');
  write('balancer/core/build/balancer.bpf.o', 'ELF');
  write('balancer/agent/util.ts', 'export const greet = (n: string): string => `hi ${n}`;\n');
  write('balancer/agent/main.ts', "import { greet } from './util';\nconsole.log(greet('lb'));\n");
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('balancer context', () => {
  it('ships the bundled agent, not its sources or build outputs', () => {
    const entries = contextEntries('balancer', root);
    expect(entries.map((e) => e.name).sort()).toEqual(['Dockerfile', 'core/Makefile', 'lbagent.mjs']);
    const bundle = entries.find((e) => e.name === 'lbagent.mjs')!.data;
    const file = path.join(root, 'lbagent.mjs');
    fs.writeFileSync(file, bundle);
    expect(execFileSync(process.execPath, [file], { encoding: 'utf8' })).toBe('hi lb\n');
  });

  it('hashes what the agent bundles: a change in an imported file changes the tag', () => {
    const a = imageHash('balancer', root);
    write('balancer/agent/util.ts', 'export const greet = (n: string): string => `hello ${n}`;\n');
    expect(imageHash('balancer', root)).not.toBe(a);
  });

  it('bundles the contract the agent imports, and follows its changes', () => {
    write('balancer/contract/words.ts', "export const WORD = 'hi';\n");
    write('balancer/agent/main.ts', "import { WORD } from '../contract/words';\nconsole.log(WORD);\n");
    const run = () => {
      const entries = contextEntries('balancer', root);
      expect(entries.map((e) => e.name).sort()).toEqual(['Dockerfile', 'core/Makefile', 'lbagent.mjs']);
      const file = path.join(root, 'lbagent.mjs');
      fs.writeFileSync(file, entries.find((e) => e.name === 'lbagent.mjs')!.data);
      return execFileSync(process.execPath, [file], { encoding: 'utf8' });
    };
    expect(run()).toBe('hi\n');
    write('balancer/contract/words.ts', "export const WORD = 'hello';\n");
    expect(run()).toBe('hello\n');
  });

  it('fails with one line naming the missing source', () => {
    fs.rmSync(path.join(root, 'balancer/agent/main.ts'));
    expect(() => contextEntries('balancer', root)).toThrow(/^image balancer: .*agent\/main\.ts is missing, cannot build$/);
  });

  it('reports a bundling error with the file at fault', () => {
    write('balancer/agent/main.ts', "import { nope } from './missing';\nconsole.log(nope);\n");
    expect(() => contextEntries('balancer', root)).toThrow(/bundling the balancer agent failed: .*main\.ts:1: Could not resolve/);
  });
});
