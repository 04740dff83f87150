// @vitest-environment jsdom
// A node's menu on the canvas and the Break it entries of the workbench: the
// faults that apply to the node in the running lab's modes, a fault made and
// undone through the API (the status read again at once), the node's badge
// and the Doctor tab's highlight on the box; Escape or a click elsewhere closes it.
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LabApi, LabStatus } from '../../../electron/api';
import { Canvas } from '../../../renderer/components/canvas/Canvas';
import type { NodeMenuEntry } from '../../../renderer/components/canvas/NodeMenu';
import type { DoctorHighlight } from '../../../renderer/lib/doctor-data';
import { indexIssues } from '../../../renderer/state/issues';
import type { LiveLab } from '../../../renderer/state/live-lab-context';
import { useBreakIt } from '../../../renderer/workbench/useBreakIt';
import { words } from '../../../renderer/i18n/said';
import type { Notice } from '../../../renderer/state/useToasts';
import { fakeClient, installDomShims, runningStatus, sampleDoc } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

function draw(p: { nodeMenu?: (n: string) => NodeMenuEntry[]; broken?: Record<string, string[]>; doctor?: DoctorHighlight | null }) {
  const doc = sampleDoc();
  render(
    <ReactFlowProvider>
      <div style={{ width: 1000, height: 600 }}>
        <Canvas doc={doc} edit={vi.fn()} seal={vi.fn()} selection={{ type: 'lab' }} onSelect={vi.fn()} issues={indexIssues(doc, [])} nodeStates={{}} notify={vi.fn()} {...p} />
      </div>
    </ReactFlowProvider>,
  );
}

function breakIt(status: LabStatus | null, deployed = true) {
  const { api } = fakeClient();
  const refresh = vi.fn(async () => undefined);
  const notify = vi.fn();
  const live = { lab: status ? 'demo' : null, status, busy: null, refresh } as unknown as LiveLab;
  const hook = renderHook(() => useBreakIt({ api: api as unknown as LabApi, live, deployed, notify }));
  return { api, refresh, notify, menuFor: (n: string) => hook.result.current.menuFor(n) };
}
const keys = (entries: NodeMenuEntry[]) => entries.map((e) => (e.type === 'item' ? e.key : `${e.type}: ${e.label}`));

/** A notice as the toast shows it now. */
const said = (m: Notice) => (typeof m === 'string' ? m : words(m));

describe('the node menu on the canvas', () => {
  it('opens on right-click with the entries given for that node, runs one, closes on Escape', async () => {
    const run = vi.fn();
    draw({ nodeMenu: (n) => [{ type: 'heading', label: 'Break it' }, { type: 'item', key: `x-${n}`, label: 'Do it', run }] });
    fireEvent.contextMenu(screen.getByTestId('node-web1'));
    expect(screen.getByTestId('node-menu-web1')).toBeTruthy();
    fireEvent.click(screen.getByTestId('node-menu-x-web1'));
    expect(run).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('node-menu-web1')).toBeNull();
    fireEvent.contextMenu(screen.getByTestId('node-lb'));
    expect(screen.getByTestId('node-menu-lb')).toBeTruthy();
    fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('node-menu-lb')).toBeNull());
  });

  it('shows a node broken on purpose and the node the doctor points at', () => {
    draw({ broken: { web1: ['arp-flux'] }, doctor: { node: 'web2', severity: 'error' } });
    expect(screen.getByTestId('node-broken-web1').getAttribute('title')).toMatch(/^broken on purpose: arp-flux/);
    expect(screen.queryByTestId('node-broken-web2')).toBeNull();
    expect(screen.getByTestId('node-web2').dataset.doctor).toBe('error');
    expect(screen.getByTestId('node-web2').className).toContain('doctor-on');
    expect(screen.getByTestId('node-web1').dataset.doctor).toBeUndefined();
  });
});

describe('Break it', () => {
  it('offers the faults of a dsr backend, none on a client, nothing until the lab runs', () => {
    const s = runningStatus(sampleDoc());
    expect(keys(breakIt(s).menuFor('web1'))).toEqual(['heading: Break it', 'break-vip-missing', 'break-arp-flux', 'break-backend-down', 'break-health-mismatch', 'break-not-same-l2']);
    expect(keys(breakIt(s).menuFor('client1'))).toEqual(['heading: Break it', "note: No fault applies to client1 in this lab's modes: faults are made on backends and routers."]);
    expect(keys(breakIt(s, false).menuFor('web1'))).toEqual(['heading: Break it', 'note: Deploy the lab to break a node on purpose.']);
  });

  it('makes the fault through the API, reads the status again; a broken node offers its undo', async () => {
    const s = runningStatus(sampleDoc());
    const b = breakIt(s);
    vi.mocked(b.api.breakLab).mockResolvedValue({ fault: 'arp-flux', node: 'web1', at: 1 });
    const item = b.menuFor('web1').find((e) => e.type === 'item' && e.key === 'break-arp-flux');
    await act(async () => (item as Extract<NodeMenuEntry, { type: 'item' }>).run());
    await waitFor(() => expect(b.refresh).toHaveBeenCalledTimes(1));
    expect(b.api.breakLab).toHaveBeenCalledWith('demo', 'arp-flux', 'web1');
    expect(b.notify).toHaveBeenCalledWith(expect.anything(), 'success');
    expect(said(b.notify.mock.calls[0][0])).toMatch(/^Broken on purpose: arp-flux on web1\./);

    const broken = breakIt({ ...s, breaks: [{ fault: 'arp-flux', node: 'web1', at: 1 }] });
    const entries = broken.menuFor('web1');
    expect(keys(entries).slice(-2)).toEqual(['heading: Put it back', 'undo-arp-flux']);
    expect(entries.find((e) => e.type === 'item' && e.key === 'break-arp-flux')).toMatchObject({ disabled: true });
    vi.mocked(broken.api.undoBreak).mockResolvedValue([]);
    await act(async () => (entries.find((e) => e.type === 'item' && e.key === 'undo-arp-flux') as Extract<NodeMenuEntry, { type: 'item' }>).run());
    await waitFor(() => expect(broken.refresh).toHaveBeenCalledTimes(1));
    expect(broken.api.undoBreak).toHaveBeenCalledWith('demo', 'arp-flux', 'web1');
  });

  it('a refusal from the engine is said in one line', async () => {
    const b = breakIt(runningStatus(sampleDoc()));
    vi.mocked(b.api.breakLab).mockRejectedValue(new Error('node web1 of lab demo is not running (exited)'));
    const item = b.menuFor('web1').find((e) => e.type === 'item' && e.key === 'break-vip-missing') as Extract<NodeMenuEntry, { type: 'item' }>;
    await act(async () => item.run());
    await waitFor(() => expect(b.notify).toHaveBeenCalledTimes(1));
    expect(said(b.notify.mock.calls[0][0])).toBe('break vip-missing on web1: node web1 of lab demo is not running (exited)');
  });
});
