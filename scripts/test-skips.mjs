// Skipped tests, for `npm test` (scripts/test.mjs): reads them from a vitest
// JSON report with the reason each recorded (test/support/skip.ts puts it in
// the test's meta), groups them (a whole stage, a whole file, single tests)
// and checks them against the list of tests that may skip in CI (ALLOW_FILE).
import path from 'node:path';

/** The file, relative to the repository, that lists the tests allowed to skip in CI. */
export const ALLOW_FILE = 'test/may-skip.md';
export const ALLOW_HEADING = 'Tests that may skip';

const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

/**
 * The entries under the "## Tests that may skip" heading of a markdown text
 * (ALLOW_FILE's), up to the next heading: list items
 * `- \`<test file or full test name>\`: <reason>`.
 */
export function parseAllowList(markdown) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{2,6}\s/.test(l) && l.replace(/^#+\s*/, '').trim() === ALLOW_HEADING);
  if (start < 0) return [];
  const entries = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,6}\s/.test(line)) break;
    const m = line.match(/^\s*[-*]\s+`([^`]+)`\s*[:—–-]\s*(\S.*)$/);
    if (m) entries.push({ target: m[1].trim(), reason: m[2].trim() });
  }
  return entries;
}

/** Every skipped test of a vitest JSON report: its file (relative to root), full name and reason. */
export function skippedTests(report, root) {
  const out = [];
  for (const file of report.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (!SKIPPED.has(t.status)) continue;
      out.push({
        file: path.relative(root, file.name),
        name: t.fullName,
        reason: t.meta?.skipReason || (t.status === 'todo' ? 'todo' : 'no reason given'),
      });
    }
  }
  return out;
}

/** Whether the allow-list lets this skip pass in CI: its file or its full name is listed. */
export function isAllowed(skip, allowList) {
  return allowList.some((e) => e.target === skip.file || e.target === skip.name);
}

const plural = (n) => `${n} test${n === 1 ? '' : 's'}`;
const reasons = (skips) => [...new Set(skips.map((s) => s.reason))].join('; ');

/**
 * One line per group of skips, `<stage>: ...` — the whole stage when every
 * test of it skipped, else each file whose tests all skipped, else each test.
 * `allowed` is true when the allow-list names every skip of the group.
 */
export function skipLines(stage, report, root, allowList) {
  const skips = skippedTests(report, root);
  if (!skips.length) return [];
  const total = (report.testResults ?? []).reduce((n, f) => n + (f.assertionResults ?? []).length, 0);
  const allowed = (group) => group.every((s) => isAllowed(s, allowList));
  if (skips.length === total) {
    return [{ text: `${stage}: ${plural(skips.length)} skipped (${reasons(skips)})`, allowed: allowed(skips) }];
  }
  const lines = [];
  const byFile = new Map();
  for (const s of skips) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  for (const [file, group] of byFile) {
    const inFile = (report.testResults ?? []).find((f) => path.relative(root, f.name) === file)?.assertionResults?.length ?? 0;
    if (group.length === inFile) {
      lines.push({ text: `${stage}: ${file}: ${plural(group.length)} skipped (${reasons(group)})`, allowed: allowed(group) });
    } else {
      for (const s of group) lines.push({ text: `${stage}: ${file}: skipped "${s.name}" (${s.reason})`, allowed: allowed([s]) });
    }
  }
  return lines;
}
