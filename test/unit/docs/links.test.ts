// The README is a short door into docs/: every relative link in README.md and
// docs/*.md must lead to a file that exists (and, for a `#section` of a
// markdown file, to a heading there), and the README stays short.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli';

const README_MAX_LINES = 150;

/** Markdown without fenced code blocks and inline code spans: links inside them are not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links and images: `[text](target)`, `![alt](target "title")`. */
function linkTargets(markdown: string): string[] {
  const out: string[] = [];
  for (const m of withoutCode(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]);
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Why each relative link of `file` (relative to the repository) is broken; empty when none is. */
function brokenLinks(file: string, markdown: string, root = ROOT): string[] {
  const broken: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [rawPath, anchor] = target.split('#', 2);
    const rel = decodeURIComponent(rawPath);
    const abs = rel ? path.resolve(root, path.dirname(file), rel) : path.resolve(root, file);
    if (abs !== root && !abs.startsWith(root + path.sep)) {
      broken.push(`${file}: ${target}: leaves the repository`);
      continue;
    }
    if (!fs.existsSync(abs)) {
      broken.push(`${file}: ${target}: no such file`);
      continue;
    }
    if (anchor && abs.endsWith('.md') && !anchors(fs.readFileSync(abs, 'utf8')).has(anchor)) {
      broken.push(`${file}: ${target}: no heading #${anchor} in ${path.relative(root, abs)}`);
    }
  }
  return broken;
}

const docs = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('documentation links', () => {
  it('finds the links it checks, and reports a broken one', () => {
    const md = [
      '[cli](docs/cli.md) ![shot](docs/screenshot.png "the app") [web](https://example.org/x)',
      '[gone](docs/no-such-file.md) [bad anchor](README.md#no-such-heading) `[in code](nowhere.md)`',
      '```', '[in a block](nowhere-either.md)', '```',
    ].join('\n');
    expect(linkTargets(md)).toEqual(['docs/cli.md', 'docs/screenshot.png', 'https://example.org/x', 'docs/no-such-file.md', 'README.md#no-such-heading']);
    expect(brokenLinks('README.md', md)).toEqual([
      'README.md: docs/no-such-file.md: no such file',
      'README.md: README.md#no-such-heading: no heading #no-such-heading in README.md',
    ]);
    expect(brokenLinks('docs/x.md', '[up](../../outside.md)')).toEqual(['docs/x.md: ../../outside.md: leaves the repository']);
  });

  it('makes anchors the way GitHub does', () => {
    expect(slug('After a Docker engine restart')).toBe('after-a-docker-engine-restart');
    expect(slug('`lblab images build`')).toBe('lblab-images-build');
    expect(slug('Locks, Ctrl-C and gc')).toBe('locks-ctrl-c-and-gc');
  });

  it('has README.md and the docs folder to check', () => {
    expect(docs).toContain('README.md');
    expect(docs.length).toBeGreaterThan(3);
  });

  it.each(docs)('%s: every relative link resolves', (file) => {
    expect(brokenLinks(file, fs.readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it(`README.md is at most ${README_MAX_LINES} lines`, () => {
    const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
