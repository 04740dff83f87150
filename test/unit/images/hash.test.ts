// Image tags are content hashes of the build context: they must change when
// (and only when) an input file changes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextFiles, hashContext } from '../../../electron/engine/images/hash';
import { imageHash } from '../../../electron/engine/images/refs';

let dir: string;
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-hash-'));
  write('Dockerfile', 'ARG BASE=debian:bookworm-slim\nFROM ${BASE}\n');
  write('nginx.conf', 'events {}\n');
  write('decap/decap.bpf.c', 'int x;\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('hashContext', () => {
  it('is stable for unchanged sources, even when timestamps change', () => {
    const a = hashContext(dir);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'Dockerfile'), later, later);
    expect(hashContext(dir)).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{12}$/);
  });

  it('changes when a file changes, is added, renamed or made executable', () => {
    const seen = new Set([hashContext(dir)]);
    write('nginx.conf', 'events { worker_connections 1; }\n');
    seen.add(hashContext(dir));
    write('decap/extra.h', '');
    seen.add(hashContext(dir));
    fs.renameSync(path.join(dir, 'decap/extra.h'), path.join(dir, 'decap/other.h'));
    seen.add(hashContext(dir));
    fs.chmodSync(path.join(dir, 'nginx.conf'), 0o755);
    seen.add(hashContext(dir));
    expect(seen.size).toBe(5);
  });

  it('ignores build outputs', () => {
    const a = hashContext(dir);
    write('decap/build/decap.bpf.o', 'ELF');
    write('lbagent.mjs', 'generated');
    write('node_modules/x/index.js', '');
    expect(hashContext(dir)).toBe(a);
    expect(contextFiles(dir)).toEqual(['Dockerfile', 'decap/decap.bpf.c', 'nginx.conf']);
  });

  it('includes extra inputs (the base recipe hash)', () => {
    expect(hashContext(dir, ['base:1'])).not.toBe(hashContext(dir, ['base:2']));
  });
});

describe('imageHash', () => {
  it('changes for every image when the base recipe changes, and only for that image when its context changes', () => {
    const root = path.join(dir, 'lab-images');
    for (const n of ['base', 'client', 'router']) {
      fs.mkdirSync(path.join(root, n), { recursive: true });
      fs.writeFileSync(path.join(root, n, n === 'base' ? 'build-base.sh' : 'Dockerfile'), `# ${n}\n`);
    }
    const c1 = imageHash('client', root);
    const r1 = imageHash('router', root);
    fs.appendFileSync(path.join(root, 'client', 'Dockerfile'), 'RUN true\n');
    const c2 = imageHash('client', root);
    expect(c2).not.toBe(c1);
    expect(imageHash('router', root)).toBe(r1);
    fs.appendFileSync(path.join(root, 'base', 'build-base.sh'), '# v2\n');
    expect(imageHash('client', root)).not.toBe(c2);
    expect(imageHash('router', root)).not.toBe(r1);
  });
});
