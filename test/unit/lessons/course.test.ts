// The course as data: every lesson deploys a template that exists and
// validates, its steps drive real instruments on nodes and services that lab
// has (a mode change the topology allows, a fault the doctor knows), and every
// text is written in both languages.
import { describe, expect, it } from 'vitest';
import { FAULTS, FINDING_KINDS, LESSON_INSTRUMENTS, LESSON_LANGS, MODES, type LabDoc, type LessonText } from '../../../electron/api';
import { COURSE } from '../../../electron/engine/lessons/course/index';
import { lessonOf } from '../../../electron/engine/lessons/lessons';
import type { LessonCheckDef, LessonDef } from '../../../electron/engine/lessons/types';
import { getTemplate, modeAvailability, validateLab } from '../../../electron/engine/topology';

const CJK = /[\u4e00-\u9fff]/;

/** Every text of a lesson, with where it is. */
function texts(d: LessonDef): [string, LessonText][] {
  return [
    [`${d.id}.title`, d.title],
    [`${d.id}.summary`, d.summary],
    ...d.steps.flatMap((s): [string, LessonText][] => [
      [`${d.id}.${s.id}.title`, s.title],
      [`${d.id}.${s.id}.task`, s.task],
      [`${d.id}.${s.id}.expect`, s.expect],
    ]),
  ];
}

/** The nodes and services a check names. */
function namesIn(c: LessonCheckDef): { nodes: string[]; services: string[] } {
  switch (c.kind) {
    case 'mode':
    case 'journey':
    case 'share':
    case 'spread':
      return { nodes: [], services: [c.service] };
    case 'through':
    case 'overhead':
      return { nodes: [c.node], services: [c.service] };
    case 'arp':
      return { nodes: [c.client, ...c.answer, ...(c.alsoAnswers ? [c.alsoAnswers] : [])], services: [c.service] };
    case 'finding':
      return { nodes: [c.node], services: [] };
    case 'healthy':
      return { nodes: [], services: [] };
  }
}

describe('the course', () => {
  it('covers the eight topics, each lesson and step id unique', () => {
    expect(COURSE.map((l) => l.id)).toEqual(['direct-routing', 'arp', 'tunnel', 'nat', 'full-nat', 'proxy', 'l4-l7', 'tier']);
    for (const d of COURSE) expect(new Set(d.steps.map((s) => s.id)).size, d.id).toBe(d.steps.length);
  });

  describe.each(COURSE.map((d) => [d.id, d] as const))('%s', (_, d) => {
    it('deploys a template that exists and validates', async () => {
      const doc = getTemplate(d.template);
      expect(doc, `labs/${d.template}.lab.yaml`).toBeDefined();
      const report = validateLab(doc!);
      expect(report.issues).toEqual([]);
      expect(report.ok).toBe(true);
      expect(lessonOf(d).lab).toMatch(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/);
    });

    it("drives real instruments on the lab's own nodes and services", async () => {
      const doc = getTemplate(d.template) as LabDoc;
      const nodes = new Set(Object.keys(doc.nodes));
      const services = new Set(Object.keys(doc.services ?? {}));
      expect(d.steps.length).toBeGreaterThanOrEqual(3);
      for (const s of d.steps) {
        const where = `${d.id}.${s.id}`;
        expect(LESSON_INSTRUMENTS, where).toContain(s.instrument);
        expect(s.checks.length, where).toBeGreaterThan(0);
        expect(s.cli, where).toMatch(/^lblab [a-z]+ LAB\b/);
        for (const c of s.checks) {
          const n = namesIn(c);
          for (const x of n.nodes) expect(nodes, `${where}: node ${x}`).toContain(x);
          for (const x of n.services) expect(services, `${where}: service ${x}`).toContain(x);
          if (c.kind === 'finding') expect(FINDING_KINDS).toContain(c.finding);
          if (c.kind === 'mode' || c.kind === 'share') for (const m of c.kind === 'mode' ? [c.mode] : [c.low, c.high]) expect(MODES).toContain(m);
        }
        // the instrument says what the step does to the lab
        expect(!!s.act, where).toBe(['mode', 'break', 'fix'].includes(s.instrument));
        if (s.act && 'mode' in s.act) {
          const want = s.act.mode;
          const can = modeAvailability(doc, want.service).find((a) => a.mode === want.mode);
          expect(can?.ok, `${where}: ${want.mode} on ${d.template}: ${can?.reason}`).toBe(true);
          expect(s.checks.some((c) => c.kind === 'mode')).toBe(true);
        }
        if (s.act && 'fault' in s.act) {
          expect(FAULTS).toContain(s.act.fault.fault);
          expect(nodes).toContain(s.act.fault.node);
          // the check names the fault the step made
          expect(s.checks).toContainEqual({ kind: 'finding', finding: s.act.fault.fault, node: s.act.fault.node });
        }
        if (s.act && 'fix' in s.act) expect(s.checks.some((c) => c.kind === 'healthy')).toBe(true);
      }
    });

    it('is written in English and Simplified Chinese', () => {
      for (const [where, text] of texts(d)) {
        for (const lang of LESSON_LANGS) expect(text[lang]?.trim(), `${where} ${lang}`).toBeTruthy();
        expect(text['zh-CN'], where).toMatch(CJK);
        expect(text.en, where).not.toMatch(CJK);
      }
      expect(d.body.en.length).toBeGreaterThanOrEqual(2);
      expect(d.body['zh-CN'].length, `${d.id}: a Chinese paragraph for each English one`).toBe(d.body.en.length);
      for (const p of d.body['zh-CN']) expect(p).toMatch(CJK);
      for (const p of d.body.en) expect(p).not.toMatch(CJK);
    });
  });
});
