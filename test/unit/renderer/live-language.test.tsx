// @vitest-environment jsdom
// Texts the workbench puts together once and keeps (memoised, or held in
// state) follow a language switched live at once, not at the next edit.
import { act, cleanup, renderHook, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { i18n } from '../../../renderer/i18n';
import type { LiveLab } from '../../../renderer/state/live-lab-context';
import { useLiveLabView, type LiveLabViewDeps } from '../../../renderer/workbench/useLiveLabView';
import { fakeClient, renderInspector, sampleDoc } from './helpers';

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
});
