// The build context writer must produce archives that real tar reads back.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarPack } from '../../../electron/engine/images/tar';

describe('tarPack', () => {
  it('round-trips names, contents, modes and long paths through tar(1)', () => {
    const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/file.txt`;
    const data = Buffer.alloc(1500, 7);
    const tar = tarPack([
      { name: 'Dockerfile', data: Buffer.from('FROM x\n') },
      { name: 'bin/run.sh', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      { name: long, data },
    ]);
    expect(tar.length % 512).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-tar-'));
    try {
      execFileSync('tar', ['-x', '-C', dir], { input: tar });
      expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM x\n');
      expect(fs.statSync(path.join(dir, 'bin/run.sh')).mode & 0o777).toBe(0o755);
      expect(fs.readFileSync(path.join(dir, long)).equals(data)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
