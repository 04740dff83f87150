// The import boundaries in eslint.config.js, rule by rule: each fixture is
// linted as if it lived at its `// lint-as:` path (the fixtures never sit in
// the product folders) and must give exactly the boundary error its
// `// expect:` line names — or, for `expect: nothing`, no error at all.
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli';

const DIR = path.join(ROOT, 'test/unit/lint/fixtures');
const BOUNDARY_RULES = ['no-restricted-imports', 'no-restricted-syntax'];

interface Fixture { file: string; lintAs: string; expect: string; code: string }

const fixtures: Fixture[] = fs.readdirSync(DIR).sort().map((file) => {
  const code = fs.readFileSync(path.join(DIR, file), 'utf8');
  const lintAs = code.match(/^\/\/ lint-as: (\S+)$/m)?.[1];
  const want = code.match(/^\/\/ expect: (.+)$/m)?.[1];
  if (!lintAs || !want) throw new Error(`${file}: needs // lint-as: and // expect: lines`);
  return { file, lintAs, expect: want, code };
});

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function errors(f: Fixture) {
  const [res] = await eslint.lintText(f.code, { filePath: path.join(ROOT, f.lintAs) });
  return res.messages.filter((m) => m.severity === 2);
}

describe('import boundaries (eslint.config.js)', () => {
  it('has a fixture for each side: violations and allowed imports', () => {
    expect(fixtures.filter((f) => f.expect !== 'nothing').length).toBeGreaterThanOrEqual(20);
    expect(fixtures.filter((f) => f.expect === 'nothing').length).toBeGreaterThanOrEqual(1);
  });

  for (const f of fixtures) {
    if (f.expect === 'nothing') {
      it(`${f.file}: allowed as ${f.lintAs}`, async () => {
        expect(await errors(f)).toEqual([]);
      });
    } else {
      it(`${f.file}: refused as ${f.lintAs}`, async () => {
        const errs = await errors(f);
        expect(errs, JSON.stringify(errs)).toHaveLength(1);
        expect(BOUNDARY_RULES).toContain(errs[0].ruleId);
        expect(errs[0].message).toContain(f.expect);
      });
    }
  }

  it('the same import is allowed from one folder and refused from another', async () => {
    const code = "import { up } from '../engine/deploy/up';\nexport { up };\n";
    const at = async (p: string) => (await errors({ file: 'inline', lintAs: p, expect: '', code })).length;
    expect(await at('electron/engine/fixture.ts')).toBe(0);
    expect(await at('electron/cli/fixture.ts')).toBe(1);
  });
});
