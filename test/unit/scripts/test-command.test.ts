// `npm test` (scripts/test.mjs) reports skipped tests, and under CI=true a
// skip test/may-skip.md does not allow fails the run: here the core stage with a
// PATH that has node and a few basic tools but no clang, so every core test
// skips at once (no root-only state is touched).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli';
import { ALLOW_FILE, parseAllowList, skipLines, skippedTests } from '../../../scripts/test-skips.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-npm-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A PATH directory with symlinks to node and basic tools only. */
function pathWithoutClang(): string {
  const dir = path.join(tmp, 'bin');
  fs.mkdirSync(dir);
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  for (const tool of ['env', 'sh', 'bash', 'cat', 'ls', 'mkdir', 'rm', 'uname', 'id']) {
    const found = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (found) fs.symlinkSync(found, path.join(dir, tool));
  }
  return dir;
}
const PATH = pathWithoutClang();

interface Run { code: number; stdout: string; stderr: string }

async function npmTest(stage: string, env: Record<string, string>): Promise<Run> {
  const reports = fs.mkdtempSync(path.join(tmp, 'reports-'));
  // a clean environment: nothing of this vitest run leaks into the inner one
  const clean = { HOME: os.homedir(), TMPDIR: os.tmpdir(), PATH, LBLAB_TEST_REPORTS: reports, ...env };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/test.mjs'), stage], { cwd: ROOT, env: clean, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';

describe('npm test and skipped tests', () => {
  it('the PATH used here really has no clang', () => {
    expect(fs.existsSync(path.join(PATH, 'clang'))).toBe(false);
    expect(fs.existsSync(path.join(PATH, 'node'))).toBe(true);
  });

  it('CI=true: core skipped for want of clang fails the run, naming the stage and the reason', async () => {
    const r = await npmTest('core', { CI: 'true' });
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/^npm test: core: \d+ tests skipped \(clang not found on PATH\)$/m);
    expect(r.stderr).toMatch(/npm test: stopped: core: .*test\/may-skip\.md does not list/);
    expect(lastLine(r.stdout)).toMatch(/^0 passed, 0 failed, [1-9]\d* skipped$/);
  }, 90_000);

  it('without CI the same skips are named but do not fail the run', async () => {
    const r = await npmTest('core', { CI: '' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^npm test: core: \d+ tests skipped \(clang not found on PATH\)$/m);
    expect(lastLine(r.stdout)).toMatch(/^0 passed, 0 failed, [1-9]\d* skipped$/);
  }, 90_000);
});

describe('the allow-list and the skip report', () => {
  const allowText = [
    '# x', '## Tests that may skip', 'Some prose with `- `not-an-entry`: inline`.',
    '- `test/integration/a.test.ts`: needs a GPU', '- `suite b one`: flaky upstream', '## Next', '- `test/other.test.ts`: not in the section',
  ].join('\n');
  const report = {
    testResults: [
      { name: path.join(ROOT, 'test/integration/a.test.ts'), assertionResults: [
        { status: 'skipped', fullName: 'suite a one', meta: { skipReason: 'no GPU' } },
        { status: 'skipped', fullName: 'suite a two', meta: { skipReason: 'no GPU' } }] },
      { name: path.join(ROOT, 'test/integration/b.test.ts'), assertionResults: [
        { status: 'skipped', fullName: 'suite b one', meta: {} },
        { status: 'passed', fullName: 'suite b two', meta: {} }] },
      { name: path.join(ROOT, 'test/integration/c.test.ts'), assertionResults: [
        { status: 'pending', fullName: 'suite c one', meta: { skipReason: 'no images' } },
        { status: 'passed', fullName: 'suite c two', meta: {} }] },
    ],
  };

  it('reads only the list items under the heading', () => {
    expect(parseAllowList(allowText)).toEqual([
      { target: 'test/integration/a.test.ts', reason: 'needs a GPU' },
      { target: 'suite b one', reason: 'flaky upstream' },
    ]);
    expect(parseAllowList('# no such heading\n- `x`: y')).toEqual([]);
  });

  it('groups skips by file when a whole file skipped, else names each test, and marks what the list allows', () => {
    expect(skippedTests(report, ROOT)).toHaveLength(4);
    expect(skipLines('integration', report, ROOT, parseAllowList(allowText))).toEqual([
      { text: 'integration: test/integration/a.test.ts: 2 tests skipped (no GPU)', allowed: true },
      { text: 'integration: test/integration/b.test.ts: skipped "suite b one" (no reason given)', allowed: true },
      { text: 'integration: test/integration/c.test.ts: skipped "suite c one" (no images)', allowed: false },
    ]);
  });

  it('names the stage alone when every test of it skipped', () => {
    const all = { testResults: [report.testResults[0]] };
    expect(skipLines('core', all, ROOT, [])).toEqual([{ text: 'core: 2 tests skipped (no GPU)', allowed: false }]);
  });

  it('the project\'s own list parses, each entry with a reason, and its example is not an entry', () => {
    const text = fs.readFileSync(path.join(ROOT, ALLOW_FILE), 'utf8');
    expect(ALLOW_FILE).toBe('test/may-skip.md');
    expect(text).toMatch(/^## Tests that may skip$/m);
    const entries = parseAllowList(text);
    for (const e of entries) expect(e.reason.length, e.target).toBeGreaterThan(3);
    expect(entries.map((e) => e.target)).not.toContain('test/integration/example.test.ts');
  });

  it('README.md says where the list lives', () => {
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(ALLOW_FILE);
  });
});
