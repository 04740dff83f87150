// @vitest-environment jsdom
// The lab inspector's Hosts section and a node's Host select.
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineDescription, LabDoc } from '../../../electron/api';
import type { InspectorProps } from '../../../renderer/components/inspector/context';
import { indexIssues } from '../../../renderer/state/issues';
import type { Selection } from '../../../renderer/state/selection';
import { renderInspector, sampleDoc } from './helpers';

afterEach(cleanup);

const engine = (name: string, host: string, answers = true): EngineDescription => ({ name, host, transport: 'ssh', current: false, answers });

function setup(selection: Selection, doc: LabDoc, extra: Partial<InspectorProps> = {}) {
  const ask = vi.fn(async () => true);
  const listEngines = vi.fn(async () => ({ engines: [engine('default', 'unix:///var/run/docker.sock'), engine('rack2', 'ssh://lab@rack2')], problems: [] }));
  const { edit, last } = renderInspector(selection, doc, { ask, listEngines, ...extra });
  return { edit, ask, listEngines, last };
}

const twoHosts = (): LabDoc => ({ ...sampleDoc(), hosts: { h1: 'default', h2: 'rack2' }, nodes: { ...sampleDoc().nodes, web1: { ...sampleDoc().nodes.web1, host: 'h2' } } });

describe('hosts in the inspector', () => {
  it('a lab without hosts: the section explains, Add host makes the first one on this machine’s engine; no Host select on nodes', () => {
    const { last } = setup({ type: 'lab' }, sampleDoc());
    expect(screen.getByTestId('hosts-none')).toBeTruthy();
    fireEvent.click(screen.getByTestId('add-host'));
    expect(last().hosts).toEqual({ h1: 'default' });
    cleanup();
    setup({ type: 'node', name: 'web1' }, sampleDoc());
    expect(screen.queryByTestId('node-host')).toBeNull();
  });

  it('the engine field offers the known engines once it is focused, and says what the chosen one is', async () => {
    const { listEngines, last } = setup({ type: 'lab' }, twoHosts());
    expect(listEngines).not.toHaveBeenCalled();
    const input = screen.getByTestId('host-engine-h2') as HTMLInputElement;
    fireEvent.focus(input);
    await waitFor(() => expect(document.querySelectorAll('datalist option').length).toBe(2));
    expect(listEngines).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('host-row-h2').textContent).toContain('ssh://lab@rack2');
    fireEvent.change(input, { target: { value: 'ssh://lab@rack3' } });
    expect(last().hosts).toEqual({ h1: 'default', h2: 'ssh://lab@rack3' });
  });

  it('removing a host its nodes use asks, then moves them to the first host', async () => {
    const { ask, last } = setup({ type: 'lab' }, twoHosts());
    fireEvent.click(screen.getByTestId('remove-host-h2'));
    await waitFor(() => expect(ask).toHaveBeenCalled());
    expect((ask.mock.calls[0] as unknown[])[0]).toMatchObject({ title: 'Remove host h2?', lines: ['web1 moves to h1, the first host.'] });
    await waitFor(() => expect(last().hosts).toEqual({ h1: 'default' }));
    expect(last().nodes.web1.host).toBeUndefined();
  });

  it('cancelling the question keeps the host', async () => {
    const { ask, edit } = setup({ type: 'lab' }, twoHosts(), {});
    ask.mockImplementation(async () => false);
    fireEvent.click(screen.getByTestId('remove-host-h2'));
    await waitFor(() => expect(ask).toHaveBeenCalled());
    expect(edit).not.toHaveBeenCalled();
  });

  it('a deployed lab: each host says whether it answers, an unreachable one with why; the node on it says so too', () => {
    const doc = twoHosts();
    const live = {
      name: 'demo',
      state: 'degraded' as const,
      networks: [],
      services: [],
      nodes: [{ name: 'web1', kind: 'server' as const, container: 'lblab-demo-web1', state: 'running' as const, interfaces: [], routes: [], host: 'h2' }],
      hosts: [
        { name: 'h1', engine: 'default', reachable: true },
        { name: 'h2', engine: 'rack2', reachable: false, problem: 'ssh: connect to host rack2 port 22: No route to host' },
      ],
    };
    setup({ type: 'lab' }, doc, { deployed: true, live });
    expect(screen.getByTestId('host-live-h1').textContent).toBe('answers');
    expect(screen.getByTestId('host-live-h2').textContent).toBe('unreachable: ssh: connect to host rack2 port 22: No route to host');
    cleanup();
    setup({ type: 'node', name: 'web1' }, doc, { deployed: true, live });
    expect(screen.getByTestId('node-host-down').textContent).toBe('host h2 unreachable: ssh: connect to host rack2 port 22: No route to host');
    cleanup();
    // not deployed: nothing live is said
    setup({ type: 'lab' }, doc, { deployed: false, live });
    expect(screen.queryByTestId('host-live-h2')).toBeNull();
  });

  it('a node’s Host select: the first host is the default, choosing another writes host', () => {
    const { last } = setup({ type: 'node', name: 'lb' }, twoHosts());
    const sel = screen.getByTestId('node-host') as HTMLSelectElement;
    expect([...sel.options].map((o) => [o.value, o.text])).toEqual([['', 'h1 (first host)'], ['h2', 'h2']]);
    expect(sel.value).toBe('');
    fireEvent.change(sel, { target: { value: 'h2' } });
    expect(last().nodes.lb.host).toBe('h2');
  });

  it('a node on a host the lab does not name shows it, with the problem under the field', () => {
    const doc: LabDoc = { ...twoHosts(), nodes: { ...twoHosts().nodes, lb: { ...twoHosts().nodes.lb, host: 'h9' } } };
    const issues = [{ path: ['nodes', 'lb', 'host'], message: 'unknown host "h9" (hosts: h1, h2)' }];
    setup({ type: 'node', name: 'lb' }, doc, { issues: indexIssues(doc, issues) });
    expect((screen.getByTestId('node-host') as HTMLSelectElement).value).toBe('h9');
  });
});
