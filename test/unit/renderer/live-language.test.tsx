// @vitest-environment jsdom
// Texts the workbench puts together once and keeps (memoised, or held in
// state) follow a language switched live at once, not at the next edit.
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import type { LabApi, LabDoc } from '../../../electron/api';
import { DriftIndicator } from '../../../renderer/components/DriftIndicator';
import { CapturesPanel } from '../../../renderer/components/captures/CapturesPanel';
import { ComparePanel } from '../../../renderer/components/compare/ComparePanel';
import { DoctorPanel } from '../../../renderer/components/doctor/DoctorPanel';
import { JourneyPanel } from '../../../renderer/components/journey/JourneyPanel';
import { LessonsPanel } from '../../../renderer/components/lessons/LessonsPanel';
import { Toasts } from '../../../renderer/components/Toasts';
import { i18n } from '../../../renderer/i18n';
import { say } from '../../../renderer/i18n/said';
import { useToasts, type Notice, type ToastLevel } from '../../../renderer/state/useToasts';
import type { LiveLab } from '../../../renderer/state/live-lab-context';
import { useLiveLabView, type LiveLabViewDeps } from '../../../renderer/workbench/useLiveLabView';
import { STATUS } from './captures-fixtures';
import { fakeClient, installDomShims, renderInspector, sampleDoc } from './helpers';

beforeAll(installDomShims);
afterEach(async () => {
  cleanup();
  await act(() => i18n.changeLanguage('en'));
});

describe('a live language switch', () => {
  it("redoes the drift's Redeploy sentence at once", async () => {
    await act(() => i18n.changeLanguage('en'));
    const running = sampleDoc();
    const drawing: LabDoc = { ...running, nodes: { ...running.nodes, web3: { kind: 'server', links: [] } } };
    const live = { lab: 'demo', switching: false, status: { doc: running, state: 'running', nodes: [], networks: [], services: [] } } as unknown as LiveLab;
    const deps: LiveLabViewDeps = {
      client: fakeClient().client,
      live,
      doc: drawing,
      latest: { current: drawing },
      deployed: true,
      validation: { issues: [], checking: false },
      ask: vi.fn(async () => false),
      terms: [],
      showRunning: vi.fn(async () => undefined),
      onDeploy: vi.fn(),
    };
    const { result } = renderHook(() => useLiveLabView(deps));
    const recreate = (lng: string) => i18n.t('app.drift.recreate', { count: 4, lng });
    expect(result.current.drift?.effect).toBe(i18n.t('app.drift.plain', { recreate: recreate('en'), lng: 'en' }));
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(result.current.drift?.effect).toBe(i18n.t('app.drift.plain', { recreate: recreate('zh-CN'), lng: 'zh-CN' }));
    expect(result.current.drift?.effect).toMatch(/[\u4e00-\u9fff]/);
  });

  it('puts a refused mode switch into the new language at once', async () => {
    await act(() => i18n.changeLanguage('en'));
    const doc = sampleDoc();
    renderInspector({ type: 'service', name: 'web' }, doc, {
      deployed: true,
      modeRefusals: { web: { mode: 'nat', why: 'backend web1 shares network front with client client1' } },
    });
    const said = (lng: string) =>
      i18n.t('inspector.service.switchRefused', { lng, why: i18n.t('app.live.modeRefusal', { lng, service: 'web', mode: 'nat', why: 'backend web1 shares network front with client client1' }) });
    expect(screen.getByTestId('field-error-services.web.mode').textContent).toBe(said('en'));
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(screen.getByTestId('field-error-services.web.mode').textContent).toBe(said('zh-CN'));
  });

  it('puts the drift lines into the new language at once, with its own colon', async () => {
    await act(() => i18n.changeLanguage('en'));
    render(<DriftIndicator changes={[{ what: 'service', kind: 'changed', name: 'web', fields: ['backends', 'mode'] }, { what: 'node', kind: 'added', name: 'web3' }]} effect="" />);
    fireEvent.click(screen.getByTestId('drift'));
    const lines = () => screen.getAllByTestId('drift-line').map((l) => l.textContent);
    expect(lines()).toEqual(['~ service web: backends, mode', '+ node web3']);
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(lines()).toEqual(['~ 服务 web：backends, mode', '+ 节点 web3']);
  });
});

// An engine call that failed: its error, kept by the panel, is shown in the
// language in use, and again in the new one once the language is switched.
describe('a live language switch redraws a kept error', () => {
  type Api = { [K in keyof LabApi]: Mock<LabApi[K]> };
  const engine = () => {
    const f = fakeClient();
    return { client: f.client, api: f.api as unknown as Api };
  };
  const WHY = 'no lab named demo';
  /** The element's text in English, then in Chinese after a live switch. */
  async function follows(testId: string, expected: (lng: string) => string) {
    await waitFor(() => expect(screen.getByTestId(testId).textContent).toContain(expected('en')));
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(expected('zh-CN')).toMatch(/[\u4e00-\u9fff]/);
    expect(screen.getByTestId(testId).textContent).toContain(expected('zh-CN'));
    expect(screen.getByTestId(testId).getAttribute('title') ?? expected('zh-CN')).toContain(expected('zh-CN'));
  }

  it("the Doctor's", async () => {
    const { client, api } = engine();
    api.doctor.mockRejectedValue(new Error(WHY));
    render(<DoctorPanel client={client} lab="demo" visible onHighlight={vi.fn()} onChanged={vi.fn()} />);
    fireEvent.click(screen.getByTestId('doctor-run'));
    await follows('doctor-error', (lng) => i18n.t('doctor.failedLook', { lng, why: WHY }));
  });

  it("the Packet journey's", async () => {
    const { client, api } = engine();
    api.journey.mockRejectedValue(new Error(WHY));
    const web = { name: 'web', balancer: 'lb', vip: '198.18.236.254', port: 80, mode: 'dsr' as const, scheduler: 'maglev' as const, backends: [] };
    render(<JourneyPanel client={client} lab="demo" services={[web]} clients={['client1']} visible onPath={vi.fn()} />);
    fireEvent.click(screen.getByTestId('journey-send'));
    await follows('journey-error', (lng) => i18n.t('journey.failed', { lng, why: WHY }));
  });

  it("the Lessons' (the course could not be read)", async () => {
    const { client, api } = engine();
    api.listLessons.mockRejectedValue(new Error('listLessons: cannot reach the lblab server'));
    render(<LessonsPanel client={client} lab={null} onShowLab={vi.fn()} onModeChange={vi.fn()} onChanged={vi.fn()} />);
    await follows('lesson-error', (lng) => i18n.t('lessons.unavailable', { lng, why: 'listLessons: cannot reach the lblab server' }));
  });

  it("the Compare tab's and its past comparisons'", async () => {
    const { client, api } = engine();
    api.compareModes.mockResolvedValue([{ mode: 'dsr', ok: true }]);
    api.listComparisons.mockRejectedValue(new Error(WHY));
    api.startCompare.mockRejectedValue(new Error('a comparison is already running on demo'));
    const web = { name: 'web', balancer: 'lb', vip: '198.18.236.254', port: 80, mode: 'dsr' as const, scheduler: 'maglev' as const, backends: [] };
    render(<ComparePanel client={client} lab="demo" services={[web]} />);
    await waitFor(() => expect((screen.getByTestId('compare-check-dsr') as HTMLInputElement).checked).toBe(true));
    await act(async () => fireEvent.click(screen.getByTestId('compare-run')));
    await follows('compare-error', (lng) => i18n.t('compare.compareFailed', { lng, why: 'a comparison is already running on demo' }));
    expect(screen.getByTestId('compare-history').textContent).toContain(i18n.t('compare.historyUnavailable', { lng: 'zh-CN', why: WHY }));
  });

  it("the Captures tab's, with the action it names", async () => {
    const { client, api } = engine();
    api.startCapture.mockResolvedValue({ id: 'cap1-aaaaaa', interfaces: [{ node: 'lb', iface: 'eth0' }] });
    api.stopCapture.mockRejectedValue(new Error('no capture cap1-aaaaaa'));
    render(<CapturesPanel client={client} lab="demo" status={STATUS} />);
    fireEvent.click(screen.getByTestId('capture-start'));
    await waitFor(() => expect(screen.getByTestId('capture-state').textContent).toBe('capturing'));
    fireEvent.click(screen.getByTestId('capture-stop'));
    await follows('capture-error', (lng) => i18n.t('captures.errAction', { lng, action: i18n.t('captures.actionStop', { lng }), why: 'no capture cap1-aaaaaa' }));
  });
});

describe('a live language switch redraws the notices on screen', () => {
  let notify: (m: Notice, l?: ToastLevel) => void = () => undefined;
  function Notices() {
    const t = useToasts();
    notify = t.notify;
    return <Toasts toasts={t.toasts} dismiss={t.dismiss} dismissErrors={t.dismissErrors} />;
  }

  it("a catalog sentence, one made of others, and the engine's own line (kept as it came)", async () => {
    await act(() => i18n.changeLanguage('en'));
    render(<Notices />);
    act(() => {
      notify(say('app.file.opened', { source: 'lab.yaml' }), 'warn');
      notify(say('app.file.notOpened', { source: 'x.yaml', why: say('app.file.notLabFile'), more: say('app.file.more', { count: 2 }) }));
    });
    const shown = () => [...screen.getAllByTestId('toast-warn'), ...screen.getAllByTestId('toast-error')].map((e) => e.textContent);
    const expected = (lng: string) => [
      i18n.t('app.file.opened', { lng, source: 'lab.yaml' }),
      i18n.t('app.file.notOpened', { lng, source: 'x.yaml', why: i18n.t('app.file.notLabFile', { lng }), more: i18n.t('app.file.more', { lng, count: 2 }) }),
    ];
    expect(shown()).toEqual(expected('en'));
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(shown()).toEqual(expected('zh-CN'));
    expect(shown()[1]).toMatch(/[\u4e00-\u9fff]/);
    // the same sentence again is counted, in either language
    act(() => notify(say('app.file.opened', { source: 'lab.yaml' }), 'warn'));
    expect(screen.getAllByTestId('toast-warn').map((e) => e.textContent)).toEqual([`${expected('zh-CN')[0]} ×2`]);
    act(() => notify('node web1: gone'));
    expect(screen.getAllByTestId('toast-error').map((e) => e.textContent)).toContain('node web1: gone');
  });
});
