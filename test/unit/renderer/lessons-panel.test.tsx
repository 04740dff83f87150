// @vitest-environment jsdom
// The Lessons tab against a mock API client: the course in the UI's language
// (switched live), Start asks the engine and puts the lab on the canvas, a
// step's change goes the app's own way (the inspector's mode switch, the
// node menu's fault), Check shows the engine's verdict part by part.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import type { LabApi, LabDoc, LessonCheck, LessonProgress } from '../../../electron/api';
import { COURSE } from '../../../electron/engine/lessons/course/index';
import { lessonOf } from '../../../electron/engine/lessons/lessons';
import { i18n } from '../../../renderer/i18n';
import { LessonsPanel, type LessonsPanelProps } from '../../../renderer/components/lessons/LessonsPanel';
import { fakeClient, installDomShims } from './helpers';

beforeAll(installDomShims);
afterEach(async () => {
  cleanup();
  await act(() => i18n.changeLanguage('en'));
});

const progress = (steps: LessonProgress['steps'] = {}): LessonProgress => ({ lesson: 'nat', lab: 'lesson-compare', startedAt: 1, steps, done: false });

function setup(props: Partial<LessonsPanelProps> = {}) {
  const f = fakeClient();
  const api = f.api as unknown as { [K in keyof LabApi]: Mock<LabApi[K]> };
  api.listLessons.mockResolvedValue(COURSE.map((d) => ({ lesson: lessonOf(d), progress: d.id === 'nat' ? progress({ switch: { passed: true, at: 2 } }) : null })));
  const onShowLab = vi.fn(async (_: LabDoc) => undefined);
  const onModeChange = vi.fn(async () => undefined);
  const onChanged = vi.fn();
  render(<LessonsPanel client={f.client} lab="lesson-compare" onShowLab={onShowLab} onModeChange={onModeChange} onChanged={onChanged} {...props} />);
  return { api, onShowLab, onModeChange, onChanged };
}

describe('the Lessons tab', () => {
  it('lists the course with the steps passed, in the UI language, switched live', async () => {
    setup();
    await waitFor(() => expect(screen.getByTestId('lesson-nat').textContent).toBe('NAT and the return path1/5'));
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(screen.getByTestId('lesson-nat').textContent).toBe('NAT 与回程路径1/5');
    fireEvent.click(screen.getByTestId('lesson-nat'));
    expect(screen.getByTestId('lesson-title').textContent).toBe('NAT 与回程路径');
    expect(screen.getByTestId('lesson-check-switch').textContent).toBe('检查');
  });

  it('starts a lesson: the engine deploys it, the running drawing goes on the canvas', async () => {
    const { api, onShowLab } = setup({ lab: null });
    const doc = { name: 'lesson-dsr', networks: {}, nodes: {} } as LabDoc;
    api.startLesson.mockResolvedValue({ lesson: lessonOf(COURSE[0]), progress: { ...progress(), lesson: 'direct-routing', lab: 'lesson-dsr' } });
    api.status.mockResolvedValue({ name: 'lesson-dsr', state: 'running', networks: [], nodes: [], services: [], doc });
    await waitFor(() => expect(screen.getByTestId('lesson-lab')).toHaveProperty('value', 'lesson-dsr'));
    expect(button('lesson-check-follow').disabled).toBe(true); // not the lab on the canvas yet
    fireEvent.click(screen.getByTestId('lesson-start'));
    await waitFor(() => expect(onShowLab).toHaveBeenCalledWith(doc));
    expect(api.startLesson).toHaveBeenCalledWith('direct-routing', { lab: 'lesson-dsr' });
  });

  it("does a step's change the app's way, then shows the check part by part", async () => {
    const { api, onModeChange } = setup();
    await waitFor(() => screen.getByTestId('lesson-nat'));
    fireEvent.click(screen.getByTestId('lesson-nat'));
    fireEvent.click(screen.getByTestId('lesson-do-switch'));
    await waitFor(() => expect(onModeChange).toHaveBeenCalledWith('web', 'nat'));
    await waitFor(() => expect(button('lesson-do-break').disabled).toBe(false)); // one change at a time
    fireEvent.click(screen.getByTestId('lesson-do-break'));
    await waitFor(() => expect(api.breakLab).toHaveBeenCalledWith('lesson-compare', 'return-path', 'web1'));
    const verdict: LessonCheck = {
      lesson: 'nat', step: 'switch', lab: 'lesson-compare', passed: false, ms: 10, progress: progress({ switch: { passed: false, at: 3 } }),
      parts: [
        { passed: true, expected: { en: 'service web runs in nat', 'zh-CN': '服务 web 运行在 nat 模式' }, seen: { en: 'it runs in nat', 'zh-CN': '它运行在 nat 模式' } },
        { passed: false, expected: { en: 'the mode rewrites ip.dst', 'zh-CN': '该模式改写 ip.dst' }, seen: { en: 'the rewrites seen: none', 'zh-CN': '看到的改写：无' } },
      ],
    };
    api.lessonStep.mockResolvedValue(verdict);
    fireEvent.click(screen.getByTestId('lesson-check-switch'));
    await waitFor(() => expect(screen.getByTestId('lesson-result-switch').getAttribute('data-passed')).toBe('no'));
    expect(api.lessonStep).toHaveBeenCalledWith('nat', 'switch', { lab: 'lesson-compare' });
    expect(screen.getByTestId('lesson-result-switch').textContent).toContain('✗ the mode rewrites ip.dst — the rewrites seen: none');
    expect(screen.getByTestId('lesson-step-switch').getAttribute('data-passed')).toBe('no');
  });
});

const button = (id: string) => screen.getByTestId(id) as HTMLButtonElement;
