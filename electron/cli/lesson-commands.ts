// `lblab lesson list|start|check`: the course from a shell. A thin layer over
// the engine's lessons (the same LabApi methods as the Lessons tab).
import { Command, InvalidArgumentError } from 'commander';
import { NAME_RE, type LessonLang } from '../api';
import type { LabService } from '../api/host';
import { formatCheck, formatLesson, formatLessonList, lessonLang } from './lesson-format';

const labArg = (v: string) => {
  if (!NAME_RE.test(v)) throw new InvalidArgumentError('a lab name is lowercase letters, digits and dashes');
  return v;
};
const langArg = (v: string): LessonLang => {
  try {
    return lessonLang(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--lang: /, ''));
  }
};

export function addLessonCommands(program: Command, lab: () => Promise<LabService>): void {
  const lesson = program.command('lesson').description('a short course over live labs: list the lessons, start one (its lab deployed), check each step on the lab');
  lesson
    .command('list')
    .description('the lessons, in course order, with the steps passed')
    .option('--json', 'print JSON: [ { id, title: { en, "zh-CN" }, steps, ... } ]')
    .option('--lang <lang>', 'en | zh-CN (default: from the locale)', langArg)
    .action(async (o: { json?: boolean; lang?: LessonLang }) => {
      const list = await (await lab()).listLessons();
      process.stdout.write(o.json ? `${JSON.stringify(list.map((l) => ({ ...l.lesson, progress: l.progress })), null, 2)}\n` : `${formatLessonList(list, o.lang ?? lessonLang())}\n`);
    });
  lesson
    .command('start')
    .description("deploy a lesson's lab from its template and print the lesson (its progress starts afresh)")
    .argument('<lesson>', 'a lesson id (lblab lesson list)')
    .option('--lab <name>', 'the lab to deploy it as (default lesson-<template>)', labArg)
    .option('--lang <lang>', 'en | zh-CN (default: from the locale)', langArg)
    .action(async (id: string, o: { lab?: string; lang?: LessonLang }) => {
      const e = await lab();
      process.stderr.write(`lblab: starting lesson ${id}: deploying its lab\n`);
      const r = await e.startLesson(id, o.lab ? { lab: o.lab } : {});
      process.stdout.write(`${formatLesson(r.lesson, r.progress, o.lang ?? lessonLang())}\n`);
    });
  lesson
    .command('check')
    .description("check a step on the live lab (default: the first step not passed yet); exit 1 when the lab does not show what it should")
    .argument('<lesson>', 'a lesson id')
    .argument('[step]', 'a step id (lblab lesson start prints them)')
    .option('--do', "make the step's change first (switch the mode, make the fault, fix)")
    .option('--lab <name>', 'the lab (default: the one the lesson was started on)', labArg)
    .option('--json', 'print JSON')
    .option('--lang <lang>', 'en | zh-CN (default: from the locale)', langArg)
    .action(async (id: string, stepId: string | undefined, o: { do?: boolean; lab?: string; json?: boolean; lang?: LessonLang }) => {
      const e = await lab();
      const entry = (await e.listLessons()).find((l) => l.lesson.id === id);
      if (!entry) throw new Error(`no lesson ${id} (see lblab lesson list)`);
      const step = stepId ?? entry.lesson.steps.find((s) => !entry.progress?.steps[s.id]?.passed)?.id ?? entry.lesson.steps[0].id;
      const c = await e.lessonStep(id, step, { ...(o.lab && { lab: o.lab }), ...(o.do && { act: true }) });
      process.stdout.write(o.json ? `${JSON.stringify(c, null, 2)}\n` : `${formatCheck(c, entry.lesson, o.lang ?? lessonLang())}\n`);
      if (!c.passed) process.exitCode = 1;
    });
}
