// @vitest-environment jsdom
// Notices close by themselves (errors do not, and several collapse into a
// count); Save says where the file went.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../../renderer/App';
import { Toasts } from '../../../renderer/components/Toasts';
import { TOAST_MS, useToasts, type ToastLevel } from '../../../renderer/state/useToasts';
import { fakeClient, installDomShims, sampleDoc } from './helpers';

beforeAll(installDomShims);
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

let say: (m: string, l?: ToastLevel) => void = () => undefined;
function Harness() {
  const t = useToasts();
  say = t.notify;
  return <Toasts toasts={t.toasts} dismiss={t.dismiss} dismissErrors={t.dismissErrors} />;
}
const texts = (id: string) => screen.queryAllByTestId(id).map((e) => e.textContent);

describe('toast lifetimes', () => {
  it('closes info and success by themselves, warnings later, errors never', () => {
    vi.useFakeTimers();
    render(<Harness />);
    act(() => {
      say('Opened lab.yaml.', 'info');
      say('Lab demo is running.', 'success');
      say('counters: slow answer', 'warn');
      say('Deploy failed: boom');
    });
    expect(texts('toast-info')).toEqual(['Opened lab.yaml.']);
    expect(texts('toast-success')).toEqual(['Lab demo is running.']);
    act(() => void vi.advanceTimersByTime(TOAST_MS.info + 10));
    expect(texts('toast-info')).toEqual([]);
    expect(texts('toast-success')).toEqual([]);
    expect(texts('toast-warn')).toEqual(['counters: slow answer']);
    act(() => void vi.advanceTimersByTime(TOAST_MS.warn));
    expect(texts('toast-warn')).toEqual([]);
    act(() => void vi.advanceTimersByTime(60_000));
    expect(texts('toast-error')).toEqual(['Deploy failed: boom']);
    fireEvent.click(screen.getByLabelText('dismiss'));
    expect(texts('toast-error')).toEqual([]);
  });

  it('restarts the clock of a repeated notice and counts it', () => {
    vi.useFakeTimers();
    render(<Harness />);
    act(() => say('Saved.', 'info'));
    act(() => void vi.advanceTimersByTime(TOAST_MS.info - 500));
    act(() => say('Saved.', 'info'));
    act(() => void vi.advanceTimersByTime(1000));
    expect(texts('toast-info')).toEqual(['Saved. ×2']);
    act(() => void vi.advanceTimersByTime(TOAST_MS.info));
    expect(texts('toast-info')).toEqual([]);
  });

  it('collapses several errors into a count that opens the list', () => {
    render(<Harness />);
    act(() => {
      say('first failure');
      say('second failure');
      say('third failure');
    });
    expect(screen.getByTestId('toast-errors').textContent).toContain('3 errors');
    expect(texts('toast-error')).toEqual(['third failure']); // the latest only
    fireEvent.click(screen.getByTestId('toast-errors-toggle'));
    expect(texts('toast-error')).toEqual(['first failure', 'second failure', 'third failure']);
    fireEvent.click(screen.getByTestId('toast-errors-dismiss'));
    expect(texts('toast-error')).toEqual([]);
    expect(screen.queryByTestId('toast-errors')).toBeNull();
  });
});

describe('save', () => {
  it('web mode: says the file was downloaded, and its name', async () => {
    const { client, api } = fakeClient();
    api.formatLab.mockResolvedValue('name: demo\n');
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    URL.createObjectURL = vi.fn(() => 'blob:x');
    URL.revokeObjectURL = vi.fn();
    render(<App client={client} initialDoc={sampleDoc()} />);
    fireEvent.click(screen.getByTestId('save-lab'));
    await waitFor(() => expect(texts('toast-success')).toEqual(["Downloaded as demo.lab.yaml to your browser's download folder."]));
    expect(click).toHaveBeenCalled();
  });

  it('Electron: says the path the save dialog returned', async () => {
    const f = fakeClient();
    f.api.formatLab.mockResolvedValue('name: demo\n');
    const saveLabFile = vi.fn(async () => '/home/me/labs/demo.lab.yaml');
    const client = { ...f.client, shell: { openLabFile: vi.fn(), saveLabFile, onMenu: () => () => undefined } };
    render(<App client={client} initialDoc={sampleDoc()} />);
    fireEvent.click(screen.getByTestId('save-lab'));
    await waitFor(() => expect(texts('toast-success')).toEqual(['Saved to /home/me/labs/demo.lab.yaml.']));
    expect(saveLabFile).toHaveBeenCalledWith('name: demo\n', 'demo.lab.yaml');
  });
});
