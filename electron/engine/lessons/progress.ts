// Lesson progress, kept between runs in the user's data folder beside the
// saved comparisons (LBLAB_DATA_DIR > the shell's folder > the platform's):
// lessons/progress.json, written atomically. An unreadable file is progress
// lost, never an error: the course still runs.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LessonProgress } from '../../api';
import { dataDir } from '../compare/store';

const fileSchema = z.object({
  lessons: z.record(
    z.string(),
    z.object({
      lesson: z.string(),
      lab: z.string(),
      startedAt: z.number(),
      steps: z.record(z.string(), z.object({ passed: z.boolean(), at: z.number() })),
      done: z.boolean(),
    }),
  ),
});
type Saved = z.infer<typeof fileSchema>;

export class ProgressStore {
  readonly file: string;
  constructor(dir?: string) {
    this.file = path.join(dataDir(dir), 'lessons', 'progress.json');
  }

  private read(): Saved {
    try {
      const r = fileSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      if (r.success) return r.data;
    } catch {
      // none yet, or unreadable: start over
    }
    return { lessons: {} };
  }

  private write(s: Saved): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }

  get(lesson: string): LessonProgress | null {
    return this.read().lessons[lesson] ?? null;
  }

  /** Change one lesson's progress (read, change, write: the file holds every lesson). */
  update(lesson: string, f: (p: LessonProgress | null) => LessonProgress): LessonProgress {
    const s = this.read();
    const next = f(s.lessons[lesson] ?? null);
    s.lessons[lesson] = next;
    this.write(s);
    return next;
  }
}
