// The Lessons tab: the course on the left, the lesson picked on the right: its
// paragraphs, Start (its lab deployed from its template and shown on the
// canvas), then each step with what to do, what to expect, the same step as a
// command, "Do it" for a step that changes the lab (through the app's own
// paths: the inspector's live switch, the node menu's fault, the doctor's fix)
// and Check, whose verdict the engine gives from the live lab. Lesson texts
// come from the engine in every lesson language; the tab shows the UI's
// language, live.
import { useEffect, useState } from 'react';
import type { TFunction } from 'i18next';
import type { LabDoc, LessonChange, LessonLang, Mode } from '../../../electron/api';
import type { ApiClient } from '../../api-client';
import { useTranslation } from '../../i18n';
import { words } from '../../i18n/said';
import { useElapsed } from '../../state/useElapsed';
import { useLessons } from './useLessons';

export interface LessonsPanelProps {
  client: ApiClient;
  /** the deployed lab shown in the editor, or null */
  lab: string | null;
  /** put a running lab's drawing on the canvas */
  onShowLab(doc: LabDoc): Promise<void>;
  /** switch a service's mode the way the inspector does (the drawing and the running lab) */
  onModeChange(service: string, mode: Mode): Promise<void>;
  /** the lab was changed here: read its status again */
  onChanged(): void;
}

function changeLabel(t: TFunction, c: LessonChange): string {
  if ('mode' in c) return t('lessons.changeMode', { service: c.mode.service, mode: c.mode.mode });
  if ('fault' in c) return t('lessons.changeFault', { node: c.fault.node, fault: c.fault.fault });
  return t('lessons.changeFix');
}

/** The lesson language for the UI's: Chinese for any zh*, else English. */
export const lessonLangOf = (language: string | undefined): LessonLang => (language && /^zh/i.test(language) ? 'zh-CN' : 'en');

export function LessonsPanel({ client, lab, onShowLab, onModeChange, onChanged }: LessonsPanelProps) {
  const { api } = client;
  const { t, i18n } = useTranslation();
  const lang = lessonLangOf(i18n.language);
  const l = useLessons(client);
  const entry = l.entries.find((e) => e.lesson.id === l.picked) ?? null;
  const lesson = entry?.lesson ?? null;
  const [labName, setLabName] = useState('');
  // the lab field follows the lesson picked (not each progress update)
  useEffect(() => setLabName(entry?.progress?.lab ?? lesson?.lab ?? ''), [lesson?.id]);
  const elapsed = useElapsed(l.busy?.since ?? null);
  const ready = !!lesson && lab === labName;

  const start = async () => {
    if (!lesson) return;
    const r = await l.start(lesson.id, labName);
    if (!r) return;
    const s = await api.status(r.progress.lab).catch(() => null);
    if (s?.doc) await onShowLab(s.doc);
  };
  const doChange = (step: string, c: LessonChange) =>
    l.change(step, async () => {
      if ('mode' in c) await onModeChange(c.mode.service, c.mode.mode);
      else if ('fault' in c) await api.breakLab(labName, c.fault.fault, c.fault.node);
      else await api.doctor(labName, { fix: true });
      if (!('mode' in c)) onChanged();
    });

  // put into words here, in the language in use now; shown without a lesson too (the course could not be read)
  const errorBox = l.error && (
    <div className="journey-error" role="alert" data-testid="lesson-error" title={words(l.error)}>
      <span>{words(l.error)}</span>
      <button type="button" className="linklike" onClick={l.dismissError}>
        {t('lessons.dismiss')}
      </button>
    </div>
  );

  return (
    <div className="lessons" data-testid="lessons">
      <nav className="lessons-list" aria-label={t('lessons.listLabel')}>
        {l.entries.map(({ lesson: x, progress }) => {
          const passed = x.steps.filter((s) => progress?.steps[s.id]?.passed).length;
          return (
            <button key={x.id} type="button" className={`lessons-item${x.id === l.picked ? ' active' : ''}`} data-testid={`lesson-${x.id}`} data-done={progress?.done ? 'yes' : 'no'} onClick={() => l.pick(x.id)}>
              <span>{x.title[lang]}</span>
              <span className="muted small">
                {passed}/{x.steps.length}
              </span>
            </button>
          );
        })}
      </nav>
      {!lesson && errorBox}
      {lesson && (
        <article className="lesson" data-testid="lesson" lang={lang}>
          <h3 data-testid="lesson-title">{lesson.title[lang]}</h3>
          {lesson.body[lang].map((p, i) => (
            <p key={i}>{p}</p>
          ))}
          <div className="lesson-bar">
            <label>
              {t('lessons.lab')}{' '}
              <input data-testid="lesson-lab" value={labName} onChange={(e) => setLabName(e.target.value)} spellCheck={false} disabled={!!l.busy} />
            </label>
            <button type="button" className="btn primary" data-testid="lesson-start" disabled={!!l.busy || !labName} onClick={() => void start()} title={t('lessons.startTitle', { template: lesson.template, lab: labName })}>
              {l.busy?.what === 'start' ? t('lessons.starting') : t('lessons.start')}
            </button>
            {l.busy && (
              <span className="muted small" role="status" data-testid="lesson-busy">
                {l.busy.what === 'start' ? t('lessons.busyStart') : l.busy.what === 'change' ? t('lessons.busyChange') : t('lessons.busyCheck')}… {elapsed} s
              </span>
            )}
            {!ready && !l.busy && <span className="muted small">{t('lessons.notReady', { lab: labName })}</span>}
            {entry?.progress?.done && (
              <span className="lesson-done" data-testid="lesson-done">
                {t('lessons.done')}
              </span>
            )}
          </div>
          {errorBox}
          <ol className="lesson-steps">
            {lesson.steps.map((s) => {
              const c = l.checks[`${lesson.id}/${s.id}`];
              const last = entry?.progress?.steps[s.id];
              return (
                <li key={s.id} className="lesson-step" data-testid={`lesson-step-${s.id}`} data-passed={last ? (last.passed ? 'yes' : 'no') : 'none'}>
                  <h4>
                    {s.title[lang]} <span className="muted small">({t(`lessons.instrument.${s.instrument}`)})</span>
                  </h4>
                  <p>{s.task[lang]}</p>
                  <p className="lesson-expect">
                    <strong>{t('lessons.expect')}</strong> {s.expect[lang]}
                  </p>
                  <code className="lesson-cli">{s.cli.replace(/\bLAB\b/g, labName)}</code>
                  <div className="lesson-actions">
                    {s.change && (
                      <button type="button" className="btn" data-testid={`lesson-do-${s.id}`} disabled={!ready || !!l.busy} title={changeLabel(t, s.change)} onClick={() => void doChange(s.id, s.change!)}>
                        {l.busy?.what === 'change' && l.busy.step === s.id ? t('lessons.doing') : t('lessons.doIt', { what: changeLabel(t, s.change) })}
                      </button>
                    )}
                    <button type="button" className="btn primary" data-testid={`lesson-check-${s.id}`} disabled={!ready || !!l.busy} onClick={() => void l.check(lesson.id, s.id, labName)}>
                      {l.busy?.what === 'check' && l.busy.step === s.id ? t('lessons.checking') : t('lessons.check')}
                    </button>
                  </div>
                  {c && (
                    <div className={`lesson-result ${c.passed ? 'ok' : 'bad'}`} data-testid={`lesson-result-${s.id}`} data-passed={c.passed ? 'yes' : 'no'}>
                      <strong>{c.passed ? t('lessons.passed') : t('lessons.failed')}</strong>
                      <ul>
                        {c.parts.map((p, i) => (
                          <li key={i} className={p.passed ? 'ok' : 'bad'}>
                            <span>
                              {p.passed ? '✓' : '✗'} {p.expected[lang]}
                            </span>
                            <span className="muted"> — {p.seen[lang]}</span>
                          </li>
                        ))}
                      </ul>
                    </div>
                  )}
                </li>
              );
            })}
          </ol>
        </article>
      )}
    </div>
  );
}
