// `lblab lesson` output: the course list, a lesson with its steps and their
// commands, and a step's check (what was expected, what the lab showed).
import { LESSON_LANGS, type Lesson, type LessonCheck, type LessonLang, type LessonProgress } from '../api';

/** The language of the lesson texts: --lang, else the locale (LC_ALL, LC_MESSAGES, LANG) when it is Chinese, else English. */
export function lessonLang(given?: string, env: NodeJS.ProcessEnv = process.env): LessonLang {
  if (given) {
    const l = LESSON_LANGS.find((x) => x.toLowerCase() === given.toLowerCase() || (given.toLowerCase().startsWith('zh') && x === 'zh-CN'));
    if (!l) throw new Error(`--lang: ${given} is not one of ${LESSON_LANGS.join(', ')}`);
    return l;
  }
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(locale) ? 'zh-CN' : 'en';
}

const WORDS = {
  en: { steps: 'steps', lab: 'lab', passed: 'passed', failed: 'not yet', todo: 'to do', expected: 'expected', seen: 'seen', did: 'done', next: 'next', done: 'lesson complete', run: 'run' },
  'zh-CN': { steps: '步', lab: '实验', passed: '通过', failed: '未通过', todo: '待完成', expected: '预期', seen: '实际', did: '已执行', next: '下一步', done: '本课完成', run: '命令' },
} as const;

const cliFor = (cli: string, lab: string) => cli.replace(/\bLAB\b/g, lab);

function stepMark(p: LessonProgress | null, step: string): string {
  const s = p?.steps[step];
  return s ? (s.passed ? '✓' : '✗') : '·';
}

/** One line per lesson: its id, title, steps done. */
export function formatLessonList(list: { lesson: Lesson; progress: LessonProgress | null }[], lang: LessonLang): string {
  const w = WORDS[lang];
  const idw = Math.max(...list.map((l) => l.lesson.id.length));
  return list
    .map(({ lesson, progress }) => {
      const passed = lesson.steps.filter((s) => progress?.steps[s.id]?.passed).length;
      return `${progress?.done ? '✓' : ' '} ${lesson.id.padEnd(idw)}  ${lesson.title[lang]}  (${passed}/${lesson.steps.length} ${w.steps}, ${w.lab} ${progress?.lab ?? lesson.lab})`;
    })
    .join('\n');
}

/** A lesson in full: its paragraphs, then each step with what to do, what to expect and the command. */
export function formatLesson(lesson: Lesson, progress: LessonProgress | null, lang: LessonLang): string {
  const w = WORDS[lang];
  const lab = progress?.lab ?? lesson.lab;
  const lines = [`${lesson.title[lang]}  (${lesson.id}, ${w.lab} ${lab})`, '', ...lesson.body[lang].flatMap((p) => [p, '']), `${lesson.steps.length} ${w.steps}:`];
  lesson.steps.forEach((s, i) => {
    lines.push(`  ${stepMark(progress, s.id)} ${i + 1}. ${s.id}: ${s.title[lang]}`);
    lines.push(`       ${s.task[lang]}`);
    lines.push(`       ${w.expected}: ${s.expect[lang]}`);
    lines.push(`       ${w.run}: ${cliFor(s.cli, lab)}   ·   lblab lesson check ${lesson.id} ${s.id}${s.change ? ' --do' : ''}`);
  });
  return lines.join('\n');
}

/** A step's check: each part with its mark, then the verdict and the next step. */
export function formatCheck(c: LessonCheck, lesson: Lesson, lang: LessonLang): string {
  const w = WORDS[lang];
  const i = lesson.steps.findIndex((s) => s.id === c.step);
  const step = lesson.steps[i];
  const lines = [`${lesson.id} ${i + 1}/${lesson.steps.length} ${c.step}: ${step?.title[lang] ?? ''}  (${w.lab} ${c.lab})`];
  if (c.did) lines.push(`  ${w.did}: ${c.did[lang]}`);
  for (const p of c.parts) {
    lines.push(`  ${p.passed ? '✓' : '✗'} ${w.expected}: ${p.expected[lang]}`);
    lines.push(`    ${w.seen}: ${p.seen[lang]}`);
  }
  const next = lesson.steps.find((s) => !c.progress.steps[s.id]?.passed);
  const tail = c.progress.done ? w.done : next ? `${w.next}: lblab lesson check ${lesson.id} ${next.id}${next.change ? ' --do' : ''}` : '';
  lines.push(`${c.passed ? w.passed.toUpperCase() : w.failed.toUpperCase()} (${(c.ms / 1000).toFixed(1)} s)${tail ? ` · ${tail}` : ''}`);
  return lines.join('\n');
}
