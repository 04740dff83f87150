// The course on the engine: list the lessons with their progress, start one
// (its lab deployed from its template), and run a step (its change when asked,
// then its checks on the live lab), keeping each verdict.
import { ApiError, oneLine, type DoctorReport, type Lesson, type LessonCheck, type LessonCheckPart, type LessonOptions, type LessonProgress, type LessonStepOptions, type LessonText } from '../../api';
import { runCheck, waitServing } from './checks';
import { COURSE } from './course/index';
import type { LessonPort } from './port';
import { ProgressStore } from './progress';
import { t, type LessonAct, type LessonDef } from './types';

/** The lab a lesson deploys unless told otherwise. */
export const defaultLab = (d: LessonDef): string => `lesson-${d.template}`;

/** A lesson as the API shows it. */
export function lessonOf(d: LessonDef): Lesson {
  return {
    id: d.id,
    title: d.title,
    summary: d.summary,
    body: d.body,
    template: d.template,
    lab: defaultLab(d),
    steps: d.steps.map((s) => ({ id: s.id, instrument: s.instrument, title: s.title, task: s.task, expect: s.expect, cli: s.cli, ...(s.act && { change: s.act }) })),
  };
}

function find(id: string): LessonDef {
  const d = COURSE.find((l) => l.id === id);
  if (!d) throw new ApiError(`no lesson ${id} (lessons: ${COURSE.map((l) => l.id).join(', ')})`, 'not-found');
  return d;
}

const isDone = (d: LessonDef, steps: LessonProgress['steps']) => d.steps.every((s) => steps[s.id]?.passed);

export function createLessons(port: LessonPort) {
  const store = () => new ProgressStore(port.dataDir); // LBLAB_DATA_DIR is read when used

  /** Do a step's change on the lab; what was done, in words (and the doctor's look after a fix). */
  async function act(lab: string, a: LessonAct): Promise<{ did: LessonText; doctor?: DoctorReport }> {
    if ('mode' in a) {
      await port.api.setMode(lab, a.mode.service, a.mode.mode);
      await waitServing(port, lab, a.mode.service);
      return { did: t(`switched ${a.mode.service} to ${a.mode.mode}`, `已把 ${a.mode.service} 切换到 ${a.mode.mode}`) };
    }
    if ('fault' in a) {
      await port.api.breakLab(lab, a.fault.fault, a.fault.node);
      return { did: t(`made the fault ${a.fault.fault} on ${a.fault.node}`, `已在 ${a.fault.node} 上制造故障 ${a.fault.fault}`) };
    }
    const r = await port.api.doctor(lab, { fix: true });
    const status = await port.api.status(lab);
    await waitServing(port, lab, status.services[0]?.name ?? '');
    const applied = r.fixed?.applied ?? [];
    return { did: t(`fixed: ${applied.join('; ') || 'nothing to fix'}`, `已修复：${applied.join('；') || '无需修复'}`), doctor: r };
  }

  return {
    list(): { lesson: Lesson; progress: LessonProgress | null }[] {
      const s = store();
      return COURSE.map((d) => ({ lesson: lessonOf(d), progress: s.get(d.id) }));
    },

    async start(id: string, opts: LessonOptions): Promise<{ lesson: Lesson; progress: LessonProgress }> {
      const d = find(id);
      const lab = opts.lab ?? defaultLab(d);
      const doc = { ...(await port.api.getTemplate(d.template)), name: lab };
      await port.api.up(doc);
      const progress = store().update(d.id, () => ({ lesson: d.id, lab, startedAt: Date.now(), steps: {}, done: false }));
      return { lesson: lessonOf(d), progress };
    },

    async step(id: string, stepId: string, opts: LessonStepOptions): Promise<LessonCheck> {
      const d = find(id);
      const step = d.steps.find((s) => s.id === stepId);
      if (!step) throw new ApiError(`lesson ${id} has no step ${stepId} (steps: ${d.steps.map((s) => s.id).join(', ')})`, 'not-found');
      const lab = opts.lab ?? store().get(d.id)?.lab ?? defaultLab(d);
      const status = await port.api.status(lab);
      if (status.state === 'absent') throw new ApiError(`lab ${lab} is not running: start the lesson first (lblab lesson start ${id})`, 'not-found');
      const t0 = Date.now();
      const acted = opts.act && step.act ? await act(lab, step.act) : undefined;
      const did = acted?.did;
      const parts: LessonCheckPart[] = [];
      for (const c of step.checks) {
        try {
          parts.push(...(await runCheck(port, lab, c, { doctor: acted?.doctor })));
        } catch (e) {
          // an instrument that could not run is a check that did not pass, said in one line
          const why = oneLine(e);
          parts.push({ passed: false, expected: t(`${c.kind} check on the live lab`, `在运行中的实验上进行 ${c.kind} 检查`), seen: t(`it could not run: ${why}`, `无法运行：${why}`) });
        }
      }
      const passed = parts.length > 0 && parts.every((p) => p.passed);
      const progress = store().update(d.id, (p) => {
        const base = p && p.lab === lab ? p : { lesson: d.id, lab, startedAt: t0, steps: {}, done: false };
        const steps = { ...base.steps, [step.id]: { passed, at: Date.now() } };
        return { ...base, steps, done: isDone(d, steps) };
      });
      return { lesson: d.id, step: step.id, lab, passed, ...(did && { did }), parts, ms: Date.now() - t0, progress };
    },
  };
}
export type Lessons = ReturnType<typeof createLessons>;
