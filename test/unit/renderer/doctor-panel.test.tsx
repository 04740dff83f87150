// @vitest-environment jsdom
// The Doctor tab against a mock API client: Run asks the engine, the findings
// come grouped by severity, the picked finding's node goes to the canvas
// (only while the tab shows), evidence opens on demand, Fix asks for the fix
// and says the lab changed; errors as one line.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import type { DoctorReport, Finding, LabApi } from '../../../electron/api';
import { ApiError } from '../../../electron/api';
import { DoctorPanel, type DoctorPanelProps } from '../../../renderer/components/doctor/DoctorPanel';
import type { DoctorHighlight } from '../../../renderer/lib/doctor-data';
import { fakeClient, installDomShims } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

const finding = (kind: Finding['kind'], severity: Finding['severity'], node: string, evidence = [`${node}: seen`]): Finding => ({
  kind,
  severity,
  node,
  service: 'web',
  summary: `${kind} on ${node}`,
  evidence,
  why: `why ${kind}`,
  fix: `fix ${kind}`,
});
const report = (findings: Finding[], more: Partial<DoctorReport> = {}): DoctorReport => ({
  lab: 'demo',
  healthy: !findings.some((f) => f.severity === 'error'),
  findings,
  breaks: [],
  ms: 1234,
  probes: [],
  ...more,
});
const BROKEN = report([finding('client-ip-hidden', 'info', 'lb'), finding('backend-down', 'warning', 'web3'), finding('vip-missing', 'error', 'web2', ['lo: 127.0.0.1/8', 'no 198.18.0.254/32'])], {
  breaks: [{ fault: 'vip-missing', node: 'web2', at: 1 }],
});

function setup(props: Partial<DoctorPanelProps> = {}) {
  const f = fakeClient();
  const api = f.api as unknown as { [K in keyof LabApi]: Mock<LabApi[K]> };
  const onHighlight = vi.fn<(h: DoctorHighlight | null) => void>();
  const onChanged = vi.fn();
  const all: DoctorPanelProps = { client: f.client, lab: 'demo', visible: true, onHighlight, onChanged, ...props };
  const view = render(<DoctorPanel {...all} />);
  return { api, onHighlight, onChanged, rerender: (p: Partial<DoctorPanelProps>) => view.rerender(<DoctorPanel {...all} {...p} />) };
}
const last = (m: Mock) => m.mock.calls[m.mock.calls.length - 1]?.[0] as DoctorHighlight | null | undefined;
const button = (id: string) => screen.getByTestId(id) as HTMLButtonElement;

describe('doctor panel', () => {
  it('cannot run without a deployed lab, and says why', () => {
    const { api } = setup({ lab: null });
    expect(button('doctor-run').disabled).toBe(true);
    expect(screen.getByText('Deploy the lab to run the doctor on it.')).toBeTruthy();
    fireEvent.click(button('doctor-run'));
    expect(api.doctor).not.toHaveBeenCalled();
  });

  it('runs the doctor: findings by severity, errors first; the first error\'s node highlighted', async () => {
    const { api, onHighlight } = setup();
    api.doctor.mockResolvedValue(BROKEN);
    expect(button('doctor-fix').disabled).toBe(true);
    fireEvent.click(button('doctor-run'));
    expect(api.doctor).toHaveBeenCalledWith('demo', {});
    await waitFor(() => expect(screen.getByTestId('doctor-verdict').textContent).toBe('1 error, 1 warning, 1 note · 1.2 s'));
    const groups = screen.getAllByRole('heading', { level: 4 }).map((h) => h.textContent);
    expect(groups).toEqual(['Errors (1)', 'Warnings (1)', 'Notes (1)']);
    expect(within(screen.getByTestId('doctor-group-error')).getByTestId('finding-vip-missing-web2')).toBeTruthy();
    expect(screen.getByTestId('doctor-breaks').textContent).toBe('Broken on purpose: vip-missing on web2.');
    // the highlight goes to the canvas from an effect, after the findings are drawn
    await waitFor(() => expect(last(onHighlight)).toEqual({ node: 'web2', severity: 'error' }));
    expect(screen.getByTestId('finding-vip-missing-web2').dataset.picked).toBe('yes');
    expect(button('doctor-fix').disabled).toBe(false);
  });

  it('a finding clicked: its node highlighted; evidence opens and closes', async () => {
    const { api, onHighlight } = setup();
    api.doctor.mockResolvedValue(BROKEN);
    fireEvent.click(button('doctor-run'));
    await screen.findByTestId('finding-backend-down-web3');
    fireEvent.click(within(screen.getByTestId('finding-backend-down-web3')).getByRole('button', { pressed: false, name: /backend-down/ }));
    expect(last(onHighlight)).toEqual({ node: 'web3', severity: 'warning' });
    expect(screen.queryByTestId('finding-evidence-vip-missing-web2')).toBeNull();
    fireEvent.click(screen.getByTestId('finding-evidence-toggle-vip-missing-web2'));
    expect(screen.getByTestId('finding-evidence-vip-missing-web2').textContent).toBe('lo: 127.0.0.1/8no 198.18.0.254/32');
    fireEvent.click(screen.getByTestId('finding-evidence-toggle-vip-missing-web2'));
    expect(screen.queryByTestId('finding-evidence-vip-missing-web2')).toBeNull();
  });

  it('highlights nothing while the tab is hidden, nor once it goes', async () => {
    const { api, onHighlight, rerender } = setup();
    api.doctor.mockResolvedValue(BROKEN);
    fireEvent.click(button('doctor-run'));
    await waitFor(() => expect(last(onHighlight)).toEqual({ node: 'web2', severity: 'error' }));
    rerender({ visible: false });
    expect(last(onHighlight)).toBeNull();
    rerender({ visible: true });
    expect(last(onHighlight)).toEqual({ node: 'web2', severity: 'error' });
    cleanup();
    expect(last(onHighlight)).toBeNull();
  });

  it('Fix: asks for the fix, shows what it did and the lab as it is now, and says the lab changed', async () => {
    const { api, onChanged, onHighlight } = setup();
    api.doctor.mockResolvedValueOnce(BROKEN).mockResolvedValueOnce(report([finding('client-ip-hidden', 'info', 'lb')], { fixed: { applied: ['undo vip-missing on web2', 'start web3'], before: BROKEN.findings } }));
    fireEvent.click(button('doctor-run'));
    await screen.findByTestId('finding-vip-missing-web2');
    fireEvent.click(button('doctor-fix'));
    expect(api.doctor).toHaveBeenLastCalledWith('demo', { fix: true });
    await waitFor(() => expect(screen.getByTestId('doctor-fixed').textContent).toBe('Fixed 2 finding(s): undo vip-missing on web2; start web3.'));
    expect(screen.getByTestId('doctor-verdict').dataset.healthy).toBe('yes');
    expect(screen.queryByTestId('finding-vip-missing-web2')).toBeNull();
    expect(onChanged).toHaveBeenCalledTimes(1);
    // a note points at no node
    await waitFor(() => expect(last(onHighlight)).toBeNull());
  });

  it('an engine error: one line, dismissable', async () => {
    const { api } = setup();
    api.doctor.mockRejectedValue(new ApiError('no lab named demo', 'not-found'));
    fireEvent.click(button('doctor-run'));
    await waitFor(() => expect(screen.getByTestId('doctor-error').textContent).toMatch(/^Doctor failed: no lab named demo/));
    fireEvent.click(within(screen.getByTestId('doctor-error')).getByText('dismiss'));
    expect(screen.queryByTestId('doctor-error')).toBeNull();
  });
});
