// Lessons: a short course over live labs. Each lesson deploys a lab from a
// template, then walks steps that drive the real instruments (a live mode
// switch, the packet journey, a capture, the counters, a comparison, the
// doctor with a fault made on purpose and fixed); after each step a check
// looks at the live lab and says what should have been seen and whether it
// was. Texts come in every lesson language; progress is kept between runs.
// The JSON is shared by the API and `lblab lesson … --json`; its keys are
// fixed (more may be added).
import { z } from 'zod';
import { nameSchema, type Mode } from '../../lab-images/balancer/contract/vocabulary';
import type { Fault } from './doctor';

/** The languages every lesson text is written in. */
export const LESSON_LANGS = ['en', 'zh-CN'] as const;
export type LessonLang = (typeof LESSON_LANGS)[number];
/** One text in every lesson language. */
export type LessonText = Record<LessonLang, string>;

/** The instrument a step drives (the tab or command the person uses). */
export const LESSON_INSTRUMENTS = ['mode', 'journey', 'capture', 'counters', 'compare', 'break', 'fix', 'doctor'] as const;
export type LessonInstrument = (typeof LESSON_INSTRUMENTS)[number];

export interface LessonStep {
  /** short, unique in its lesson (e.g. `follow`) */
  id: string;
  instrument: LessonInstrument;
  title: LessonText;
  /** what to do, and where */
  task: LessonText;
  /** what the check expects to see on the live lab */
  expect: LessonText;
  /** the same step from a shell (`LAB` stands for the lesson's lab) */
  cli: string;
  /** the change the step makes on the lab before its check, if any (`lessonStep` with `act` makes it) */
  change?: LessonChange;
}

/** A change a step makes: a live mode switch, a fault made on purpose, or the doctor's fix. */
export type LessonChange =
  | { mode: { service: string; mode: Mode } }
  | { fault: { fault: Fault; node: string } }
  | { fix: true };

export interface Lesson {
  id: string;
  title: LessonText;
  /** one sentence */
  summary: LessonText;
  /** a few paragraphs, per language */
  body: Record<LessonLang, string[]>;
  /** the template (labs/<template>.lab.yaml) the lesson deploys */
  template: string;
  /** the lab it deploys, by default (`lesson-<template>`) */
  lab: string;
  steps: LessonStep[];
}

/** What a person has done of a lesson, kept between runs. */
export interface LessonProgress {
  lesson: string;
  /** the lab the lesson runs on */
  lab: string;
  /** ms since the epoch */
  startedAt: number;
  /** per step id: whether its last check passed, and when */
  steps: Record<string, { passed: boolean; at: number }>;
  /** every step's last check passed */
  done: boolean;
}

/** One thing a check looked at. */
export interface LessonCheckPart {
  passed: boolean;
  expected: LessonText;
  seen: LessonText;
}

export interface LessonCheck {
  lesson: string;
  step: string;
  lab: string;
  /** every part passed */
  passed: boolean;
  /** what the step did first (with `act`), per language */
  did?: LessonText;
  parts: LessonCheckPart[];
  /** milliseconds the check took */
  ms: number;
  progress: LessonProgress;
}

export const lessonIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'is not a lesson id');
export const lessonStepIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'is not a step id');
export const lessonOptionsSchema = z
  .object({
    /** the lab to run it on (default: the lesson's own, or the one it was started on) */
    lab: nameSchema.optional(),
  })
  .strict();
export type LessonOptions = z.infer<typeof lessonOptionsSchema>;
export const lessonStepOptionsSchema = lessonOptionsSchema
  .extend({
    /** do the step's change first (switch the mode, make the fault, fix), then check */
    act: z.boolean().optional(),
  })
  .strict();
export type LessonStepOptions = z.infer<typeof lessonStepOptionsSchema>;

export interface LessonsMethods {
  /** Every lesson, in course order, with what was done of it (none: never started). */
  listLessons(): Promise<{ lesson: Lesson; progress: LessonProgress | null }[]>;
  /** Deploy the lesson's lab from its template (a running one is kept or repaired) and start its progress afresh.
   * Fails not-found (no such lesson), conflict or engine (the deploy failed). */
  startLesson(id: string, opts: LessonOptions): Promise<{ lesson: Lesson; progress: LessonProgress }>;
  /** Check one step on the live lab (with `act`, do its change first); the verdict is kept in the progress.
   * Fails not-found (no such lesson, step or lab), conflict (the lab is not running). */
  lessonStep(id: string, step: string, opts: LessonStepOptions): Promise<LessonCheck>;
}

export const lessonsArgs = {
  listLessons: z.tuple([]),
  startLesson: z.tuple([lessonIdSchema, lessonOptionsSchema]),
  lessonStep: z.tuple([lessonIdSchema, lessonStepIdSchema, lessonStepOptionsSchema]),
} satisfies Record<keyof LessonsMethods, z.ZodTypeAny>;
