#!/usr/bin/env node
// `npm test`: the one test command. Runs each stage in order and stops at the
// first failure; vitest projects run one after another because the
// integration and e2e suites share one Docker engine. Ends with the line
// `N passed, N failed` (summed over the vitest runs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const reports = path.join(root, '.cache', 'test');
fs.mkdirSync(reports, { recursive: true });

let passed = 0;
let failed = 0;
const started = Date.now();

function finish(code, why) {
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (why) console.error(`\nnpm test: stopped: ${why}`);
  console.log(`\nnpm test: ${secs} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code);
}

function run(title, cmd, args, env = {}) {
  console.log(`\n=== ${title}: ${[path.relative(root, cmd) || cmd, ...args].join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.error) return { ok: false, why: `${title}: cannot run ${cmd}: ${r.error.message}` };
  console.log(`=== ${title}: ${r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}`} in ${secs} s`);
  return { ok: r.status === 0, why: `${title} failed (exit ${r.status ?? r.signal})` };
}

function step(title, cmd, args, env) {
  const r = run(title, cmd, args, env);
  if (!r.ok) finish(1, r.why);
}

function vitest(project) {
  const out = path.join(reports, `${project}.json`);
  fs.rmSync(out, { force: true });
  const r = run(`vitest ${project}`, bin('vitest'), [
    'run', '--project', project, '--passWithNoTests',
    '--reporter=default', '--reporter=json', `--outputFile=${out}`,
  ]);
  if (fs.existsSync(out)) {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += j.numPassedTests ?? 0;
    failed += j.numFailedTests ?? 0;
    // A file that fails to load counts as a failure even though it has no tests.
    const broken = (j.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
    failed += broken;
  } else if (!r.ok) {
    failed += 1; // vitest itself did not run: count the stage as one failure
  }
  if (!r.ok) finish(1, r.why);
}

function buildImages() {
  const cli = path.join(root, 'bin', 'lblab.mjs');
  if (fs.existsSync(cli)) return step('images', process.execPath, [cli, 'images', 'build']);
  // No CLI yet: call the builder directly, printing its progress.
  const script = `
    const { buildImages } = await import(${JSON.stringify(path.join(root, 'electron/engine/images/index.ts'))});
    const t0 = Date.now();
    const rs = await buildImages({ onProgress: (p) => console.log('  ' + p.image + ' ' + p.step + ' ' + p.message) });
    for (const r of rs) console.log('  ' + r.ref + (r.built ? ' built in ' + r.seconds.toFixed(0) + ' s' : ' up to date'));
    console.log('  images ready in ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s');`;
  step('images', process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
}

// Stages in order; `npm test -- unit core` runs just those (for development).
const stages = {
  docker: () => step('docker', 'bash', [path.join(root, 'scripts', 'ensure-docker.sh')]),
  typecheck: () => step('typecheck', bin('tsc'), ['--noEmit', '-p', '.']),
  lint: () => step('lint', bin('eslint'), ['.']),
  unit: () => vitest('unit'),
  core: () => vitest('core'),
  images: () => buildImages(),
  integration: () => vitest('integration'),
  e2e: () => vitest('e2e'),
};
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in stages));
if (unknown.length) {
  console.error(`npm test: unknown stage ${unknown.join(', ')} (stages: ${Object.keys(stages).join(' ')})`);
  process.exit(2);
}
for (const [name, run] of Object.entries(stages)) if (!wanted.length || wanted.includes(name)) run();
finish(0);
