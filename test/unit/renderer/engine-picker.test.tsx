// @vitest-environment jsdom
// The engine picker in the toolbar: the engine's name, the list of engines
// (current marked, an unreachable one said in words), switching, a refusal,
// and the drawing kept through a switch.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError, type EngineDescription } from '../../../electron/api';
import { App } from '../../../renderer/App';
import { RECHECK_MS } from '../../../renderer/workbench/useEngineInfo';
import { fakeClient, installDomShims, sampleDoc } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

const ENGINES: EngineDescription[] = [
  { name: 'default', host: 'unix:///var/run/docker.sock', transport: 'unix', current: true, answers: true, serverVersion: '27.1.1', osType: 'linux', kernel: '6.8.0-45', cpus: 4, ebpf: { ok: true, checked: 'Linux containers, kernel 6.8' } },
  { name: 'lab-box', host: 'ssh://lab@lab-box', transport: 'ssh', current: false, answers: true, serverVersion: '26.0.0', osType: 'linux', kernel: '5.15.0', cpus: 1, ebpf: { ok: false, checked: 'kernel 5.15 is older than 6.3' } },
  { name: 'gone', host: 'tcp://10.0.0.9:2376', transport: 'tcp', current: false, answers: false, problem: 'the Docker engine gone (tcp://10.0.0.9:2376) did not answer in time (ETIMEDOUT)' },
];

function setup() {
  const f = fakeClient();
  f.api.listEngines.mockResolvedValue({ engines: ENGINES, problems: ['context broken: meta.json is not JSON'] });
  render(<App client={f.client} initialDoc={sampleDoc()} />);
  return f;
}

const nodeCount = () => document.querySelectorAll('.react-flow__node').length;

async function openPicker() {
  await waitFor(() => expect(screen.getByTestId('engine-name').textContent).toContain('default'));
  fireEvent.click(screen.getByTestId('engine-name'));
  await screen.findByTestId('engine-row-gone');
  return screen.getByTestId('engine-picker');
}

describe('engine picker', () => {
  it('names the engine driven, its address on hover', async () => {
    setup();
    await waitFor(() => expect(screen.getByTestId('engine-name').textContent).toBe('default'));
    expect(screen.getByTestId('engine-name').title).toContain('unix:///var/run/docker.sock');
    expect(screen.queryByTestId('engine-picker')).toBeNull();
  });

  it('lists the engines, marks the current one, says why one does not answer', async () => {
    const { api } = setup();
    const picker = await openPicker();
    expect(api.listEngines).toHaveBeenCalledTimes(1);
    const current = screen.getByTestId('engine-row-default');
    expect(within(current).getByTestId('engine-current')).toBeTruthy();
    expect(within(current).queryByTestId('engine-use-default')).toBeNull();
    expect(screen.getByTestId('engine-facts-default').textContent).toBe('Docker 27.1.1 · linux 6.8.0-45 · 4 CPUs · eBPF ready');
    expect(within(screen.getByTestId('engine-row-lab-box')).queryByTestId('engine-current')).toBeNull();
    expect(screen.getByTestId('engine-row-lab-box').textContent).toContain('no eBPF');
    expect(screen.getByTestId('engine-row-lab-box').textContent).toContain('kernel 5.15 is older than 6.3');
    expect(screen.getByTestId('engine-facts-gone').textContent).toBe('does not answer: the Docker engine gone (tcp://10.0.0.9:2376) did not answer in time (ETIMEDOUT)');
    expect(picker.textContent).toContain('context broken: meta.json is not JSON');
  });

  it('switching calls useEngine, names the new engine and moves the mark', async () => {
    const { api } = setup();
    await openPicker();
    fireEvent.click(screen.getByTestId('engine-use-lab-box'));
    await waitFor(() => expect(screen.getByTestId('engine-name').textContent).toBe('lab-box'));
    expect(api.useEngine).toHaveBeenCalledWith('lab-box');
    expect(screen.getByTestId('engine-name').title).toContain('lab-box');
    expect(within(screen.getByTestId('engine-row-lab-box')).getByTestId('engine-current')).toBeTruthy();
    expect(within(screen.getByTestId('engine-row-default')).queryByTestId('engine-current')).toBeNull();
    expect(screen.queryByTestId('engine-refusal')).toBeNull();
  });

  it('a refusal is shown in its one line and the engine stays', async () => {
    const { api } = setup();
    api.useEngine.mockRejectedValue(new ApiError('not switched to gone: the Docker engine gone (tcp://10.0.0.9:2376) did not answer in time (ETIMEDOUT)', 'engine'));
    await openPicker();
    fireEvent.click(screen.getByTestId('engine-use-gone'));
    expect((await screen.findByTestId('engine-refusal')).textContent).toBe('not switched to gone: the Docker engine gone (tcp://10.0.0.9:2376) did not answer in time (ETIMEDOUT)');
    expect(screen.getByTestId('engine-name').textContent).toBe('default');
    expect(within(screen.getByTestId('engine-row-default')).getByTestId('engine-current')).toBeTruthy();
  });

  it('keeps the drawing through an outage and a switch; the banner goes when Docker is back', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const f = fakeClient();
      f.api.listEngines.mockResolvedValue({ engines: ENGINES, problems: [] });
      const away = { version: 't', shell: 'web' as const, docker: { available: false, message: 'the Docker engine default refused the connection' }, engine: { name: 'default', host: 'unix:///var/run/docker.sock' } };
      f.api.info.mockResolvedValue(away);
      render(<App client={f.client} initialDoc={sampleDoc()} />);
      expect((await screen.findByTestId('docker-banner')).textContent).toContain('refused the connection');
      // drawn while the engine is away (four nodes and a network, and a new server)
      fireEvent.click(screen.getByTestId('palette-server'));
      await waitFor(() => expect(nodeCount()).toBe(6));
      // it comes back: asked again, the banner goes, the drawing is as it was
      f.api.info.mockResolvedValue({ ...away, docker: { available: true, message: undefined } });
      vi.advanceTimersByTime(RECHECK_MS);
      await waitFor(() => expect(screen.queryByTestId('docker-banner')).toBeNull());
      expect(nodeCount()).toBe(6);
      await openPicker();
      fireEvent.click(screen.getByTestId('engine-use-lab-box'));
      await waitFor(() => expect(screen.getByTestId('engine-name').textContent).toBe('lab-box'));
      expect(nodeCount()).toBe(6);
      for (const n of ['client1', 'lb', 'web1', 'web2']) expect(screen.getByTestId(`node-${n}`)).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });
});
