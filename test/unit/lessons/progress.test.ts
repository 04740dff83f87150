// Lesson progress on disk: kept per lesson beside the saved comparisons, a
// file that cannot be read is progress lost (never an error).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProgressStore } from '../../../electron/engine/lessons/progress';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-lessons-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('lesson progress', () => {
  it('keeps each lesson in lessons/progress.json of the data folder, beside comparisons/', () => {
    const dir = tmp();
    const prev = process.env.LBLAB_DATA_DIR;
    delete process.env.LBLAB_DATA_DIR;
    try {
      const a = new ProgressStore(dir);
      expect(a.file).toBe(path.join(dir, 'lessons', 'progress.json'));
      expect(a.get('arp')).toBeNull();
      a.update('arp', () => ({ lesson: 'arp', lab: 'l1', startedAt: 1, steps: { 'who-has': { passed: true, at: 2 } }, done: false }));
      a.update('tier', () => ({ lesson: 'tier', lab: 'l2', startedAt: 3, steps: {}, done: false }));
      const b = new ProgressStore(dir); // another run
      expect(b.get('arp')).toEqual({ lesson: 'arp', lab: 'l1', startedAt: 1, steps: { 'who-has': { passed: true, at: 2 } }, done: false });
      expect(b.get('tier')?.lab).toBe('l2');
    } finally {
      if (prev !== undefined) process.env.LBLAB_DATA_DIR = prev;
    }
  });

  it('starts over from a file that is not progress', () => {
    const dir = tmp();
    const s = new ProgressStore(dir);
    fs.mkdirSync(path.dirname(s.file), { recursive: true });
    fs.writeFileSync(s.file, '{ not json');
    expect(s.get('arp')).toBeNull();
    s.update('arp', () => ({ lesson: 'arp', lab: 'l1', startedAt: 1, steps: {}, done: false }));
    expect(new ProgressStore(dir).get('arp')?.lab).toBe('l1');
  });
});
