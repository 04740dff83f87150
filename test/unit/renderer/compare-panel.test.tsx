// @vitest-environment jsdom
// The Compare tab against a mock API client: what can be ticked, the request Run
// sends, progress and live samples from events, the result once it ends.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import type { CompareModeAvailability, LabApi, ServiceStatus } from '../../../electron/api';
import { ComparePanel } from '../../../renderer/components/compare/ComparePanel';
import { CompareResults } from '../../../renderer/components/compare/CompareResults';
import { svgDataUrl, svgMarkup } from '../../../renderer/components/compare/export-png';
import { hookRows } from '../../../renderer/components/compare/HookCharts';
import { comparison, mixed, run, summary } from './compare-fixtures';
import { fakeClient, installDomShims } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

const web: ServiceStatus = { name: 'web', balancer: 'lb', vip: '198.18.0.100', port: 80, mode: 'dsr', scheduler: 'maglev', backends: [] };
const availability: CompareModeAvailability[] = [
  { mode: 'dsr', ok: true },
  { mode: 'tunnel', ok: true },
  { mode: 'nat', ok: true },
  { mode: 'snat', ok: true },
  { mode: 'l4proxy', ok: false, reason: 'the servers do not listen on the proxy port' },
  { mode: 'l7', ok: false, reason: 'the service has no HTTP routes' },
  { mode: 'direct', ok: true },
  // kernel-nat not offered at all
];

function setup(opts: { lab?: string | null; services?: ServiceStatus[] } = {}) {
  const f = fakeClient();
  // the shared mock types these as answering []: give them the API's types
  const api = f.api as unknown as { [K in keyof LabApi]: Mock<LabApi[K]> };
  api.compareModes.mockResolvedValue(availability);
  render(<ComparePanel client={f.client} lab={opts.lab === undefined ? 'demo' : opts.lab} services={opts.services ?? [web]} />);
  return { ...f, api };
}
const check = (mode: string) => screen.getByTestId(`compare-check-${mode}`) as HTMLInputElement;

describe('compare panel', () => {
  it('offers only the modes the service supports, with the reason on the others', async () => {
    const { api } = setup();
    await waitFor(() => expect(check('dsr').disabled).toBe(false));
    expect(api.compareModes).toHaveBeenCalledWith('demo', 'web');
    for (const m of ['dsr', 'tunnel', 'nat', 'snat', 'direct']) expect(check(m).disabled).toBe(false);
    for (const m of ['l4proxy', 'l7', 'kernel-nat']) expect(check(m).disabled).toBe(true);
    expect(screen.getByTestId('compare-mode-l7').getAttribute('title')).toBe('l7: the service has no HTTP routes');
    expect(screen.getByTestId('compare-mode-kernel-nat').getAttribute('title')).toMatch(/^kernel-nat: /);
    // the current mode and one whose responses come back through the balancer are ticked first
    expect(check('dsr').checked).toBe(true);
    expect(check('nat').checked).toBe(true);
    expect(check('tunnel').checked).toBe(false);
    // a single service needs no picker
    expect(screen.queryByTestId('compare-service')).toBeNull();
  });

  it('is disabled, saying why, while no lab is deployed', async () => {
    const { api } = setup({ lab: null });
    expect(screen.getByTestId('compare-blocked').textContent).toBe('Deploy the lab to compare its modes.');
    expect((screen.getByTestId('compare-run') as HTMLButtonElement).disabled).toBe(true);
    expect(check('dsr').disabled).toBe(true);
    expect(api.compareModes).not.toHaveBeenCalled();
    // past comparisons are still listed
    await waitFor(() => expect(api.listComparisons).toHaveBeenCalled());
  });

  it('asks the chosen service when the lab has several', async () => {
    const { api } = setup({ services: [web, { ...web, name: 'api', mode: 'nat' }] });
    await waitFor(() => expect(api.compareModes).toHaveBeenCalledWith('demo', 'web'));
    fireEvent.change(screen.getByTestId('compare-service'), { target: { value: 'api' } });
    await waitFor(() => expect(api.compareModes).toHaveBeenCalledWith('demo', 'api'));
  });

  it('a service with a vip6 offers over IPv6, and the request then says family 6; none without a vip6', async () => {
    const { api } = setup({ services: [{ ...web, vip6: 'fd00:4c42::fe' }] });
    await waitFor(() => expect(check('dsr').checked).toBe(true));
    const box = screen.getByTestId('compare-ipv6') as HTMLInputElement;
    expect(box.parentElement!.getAttribute('title')).toBe("the load goes to the service's IPv6 VIP (fd00:4c42::fe); direct: to the servers' IPv6 addresses");
    fireEvent.click(box);
    api.startCompare.mockResolvedValue({ id: 'c6' });
    fireEvent.click(screen.getByTestId('compare-run'));
    expect(api.startCompare).toHaveBeenCalledWith(expect.objectContaining({ lab: 'demo', service: 'web', family: 6 }));
    cleanup();
    setup();
    await waitFor(() => expect(check('dsr').checked).toBe(true));
    expect(screen.queryByTestId('compare-ipv6')).toBeNull();
  });

  it('runs the chosen request, follows progress and samples, then shows the result', async () => {
    const { api, emit } = setup();
    await waitFor(() => expect(check('dsr').checked).toBe(true));
    fireEvent.click(check('tunnel'));
    fireEvent.change(screen.getByTestId('compare-object'), { target: { value: '100k' } });
    fireEvent.change(screen.getByTestId('compare-connections'), { target: { value: '8' } });
    fireEvent.change(screen.getByTestId('compare-duration'), { target: { value: '5' } });
    fireEvent.change(screen.getByTestId('compare-warmup'), { target: { value: '1' } });
    fireEvent.change(screen.getByTestId('compare-repeat'), { target: { value: '2' } });

    // the engine's first event overtakes startCompare's answer
    let answer!: (v: { id: string }) => void;
    api.startCompare.mockImplementation(() => new Promise((r) => (answer = r)));
    fireEvent.click(screen.getByTestId('compare-run'));
    expect(api.startCompare).toHaveBeenCalledWith({ lab: 'demo', service: 'web', modes: ['dsr', 'nat', 'tunnel'], object: '100k', connections: 8, duration: 5, warmup: 1, repeat: 2 });
    expect(screen.getByTestId('compare-progress-label').textContent).toBe('starting…');
    act(() => emit({ type: 'compare-progress', id: 'c1', mode: 'dsr', repetition: 1, done: 0, total: 6, phase: 'switching', secondsLeft: 48 }));
    await act(async () => answer({ id: 'c1' }));
    expect(screen.getByTestId('compare-progress-label').textContent).toBe('switching to dsr · run 1/6 · 48 s left');
    expect((screen.getByTestId('compare-run') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('compare-cancel') as HTMLButtonElement).disabled).toBe(false);

    act(() => {
      emit({ type: 'compare-progress', id: 'c1', mode: 'nat', repetition: 1, done: 1, total: 6, phase: 'measuring', secondsLeft: 40 });
      // another comparison's events are not ours
      emit({ type: 'compare-progress', id: 'other', mode: 'snat', repetition: 1, done: 5, total: 6, phase: 'measuring', secondsLeft: 1 });
    });
    expect(screen.getByTestId('compare-progress-label').textContent).toBe('measuring nat · run 2/6 · 40 s left');
    expect(screen.getByTestId('compare-progress').getAttribute('aria-valuenow')).toBe('1');

    const live = screen.getByTestId('compare-live');
    expect(live.textContent).toContain('Waiting for the first measured second');
    act(() => {
      for (let t = 1; t <= 3; t++) {
        emit({ type: 'compare-sample', id: 'c1', mode: 'dsr', repetition: 1, t, throughputMbps: 900 + t, requestsPerSec: 100, balancerRxBps: 1e5, balancerTxBps: 1e5 });
        emit({ type: 'compare-sample', id: 'c1', mode: 'nat', repetition: 1, t, throughputMbps: 300 + t, requestsPerSec: 40, balancerRxBps: 4e7, balancerTxBps: 4e7 });
      }
    });
    // a line per mode plus its balancer tx line, and a legend entry per mode
    expect(live.querySelectorAll('.recharts-line')).toHaveLength(4);
    expect(live.querySelectorAll('.recharts-line-curve').length).toBeGreaterThanOrEqual(4);
    expect(within(live).getByText('dsr')).toBeTruthy();
    expect(within(live).getByText('nat')).toBeTruthy();

    const result = comparison(
      ['dsr', 'nat', 'tunnel'],
      [summary('dsr', 2800, { balancerResponseShare: 0.02 }), summary('nat', 1000, { balancerResponseShare: 1 }), summary('tunnel', 2600, { balancerResponseShare: 0.03 })],
      [run('dsr', 1, 2800), run('nat', 1, 1000), run('tunnel', 1, 2600)],
      { id: 'c1' },
    );
    api.getComparison.mockResolvedValue(result);
    api.listComparisons.mockResolvedValue([{ id: 'c1', lab: 'demo', service: 'web', startedAt: result.startedAt, complete: true, modes: ['dsr', 'nat', 'tunnel'] }]);
    await act(async () => emit({ type: 'compare-end', id: 'c1', complete: true }));
    await waitFor(() => expect(screen.getByTestId('compare-results')).toBeTruthy());
    expect(api.getComparison).toHaveBeenCalledWith('c1');
    expect(screen.queryByTestId('compare-progress')).toBeNull();
    expect(screen.getByTestId('compare-verdict').textContent).toBe(
      "dsr moved 2.8× nat's and 1.1× tunnel's throughput; the balancer carried 2 % of dsr's response bytes, 100 % of nat's and 3 % of tunnel's",
    );
    // the bars: one per mode for throughput, p50/p90/p99 per mode for latency, a stacked segment per backend
    const bars = (id: string) => screen.getByTestId(id).querySelectorAll('.recharts-bar-rectangle');
    expect(bars('chart-throughput')).toHaveLength(3);
    expect(bars('chart-rps')).toHaveLength(3);
    expect(bars('chart-latency')).toHaveLength(9);
    expect(bars('chart-shares')).toHaveLength(6);
    expect(bars('chart-bytes').length).toBeGreaterThanOrEqual(6);
    expect(screen.getByTestId('chart-throughput').querySelectorAll('.recharts-errorBar')).toHaveLength(3);
    expect(screen.getByTestId('chart-bytes').textContent).toContain('balancer tx ÷ response bytes: dsr 2 %, nat 100 %, tunnel 3 %');
    // and it is in the list of past comparisons
    await waitFor(() => expect(screen.getByTestId('compare-history-c1')).toBeTruthy());
    expect((screen.getByTestId('compare-run') as HTMLButtonElement).disabled).toBe(false);
  });

  it('cancels, then shows the runs done so far with the modes that have none marked', async () => {
    const { api, emit } = setup();
    await waitFor(() => expect(check('dsr').checked).toBe(true));
    api.startCompare.mockResolvedValue({ id: 'c2' });
    api.cancelCompare.mockResolvedValue(undefined);
    await act(async () => fireEvent.click(screen.getByTestId('compare-run')));
    fireEvent.click(screen.getByTestId('compare-cancel'));
    expect(api.cancelCompare).toHaveBeenCalledWith('c2');
    expect(screen.getByTestId('compare-progress-label').textContent).toBe('cancelling…');
    api.getComparison.mockResolvedValue({ ...mixed(), id: 'c2' });
    await act(async () => emit({ type: 'compare-end', id: 'c2', complete: false }));
    await waitFor(() => expect(screen.getByTestId('compare-results')).toBeTruthy());
    expect(screen.getByTestId('compare-notice').textContent).toBe('Cancelled: showing the runs done so far.');
    expect(screen.getByTestId('compare-state').textContent).toBe('failed');
    expect(screen.getByTestId('compare-verdict').textContent).toContain('no results for tunnel (all 2 runs failed: wrk exited 1: connection refused) and l7 (not run)');
    // two modes with numbers: two bars; the others are labelled on the axis
    expect(screen.getByTestId('chart-throughput').querySelectorAll('.recharts-bar-rectangle')).toHaveLength(2);
    expect(within(screen.getByTestId('chart-throughput')).getAllByText('no data')).toHaveLength(2);
  });

  it('shows a failure to start as one line, and the engine error at the end', async () => {
    const { api, emit } = setup();
    await waitFor(() => expect(check('dsr').checked).toBe(true));
    api.startCompare.mockRejectedValue(new Error('startCompare: a comparison is already running on demo\n    at stack'));
    await act(async () => fireEvent.click(screen.getByTestId('compare-run')));
    expect(screen.getByTestId('compare-error').textContent).toContain('Compare failed: startCompare: a comparison is already running on demo');
    expect(screen.getByTestId('compare-error').textContent).not.toContain('at stack');
    expect(screen.queryByTestId('compare-progress')).toBeNull();

    api.startCompare.mockResolvedValue({ id: 'c3' });
    api.getComparison.mockRejectedValue(new Error('no comparison c3'));
    await act(async () => fireEvent.click(screen.getByTestId('compare-run')));
    expect(screen.queryByTestId('compare-error')).toBeNull();
    await act(async () => emit({ type: 'compare-end', id: 'c3', complete: false, error: 'the balancer stopped answering' }));
    await waitFor(() => expect(screen.getByTestId('compare-error').textContent).toContain('Comparison stopped: the balancer stopped answering; cannot load comparison c3: no comparison c3'));
  });

  it('asks the engine when the events go quiet, and shows the result if it ended', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { api } = setup();
      await waitFor(() => expect(check('dsr').checked).toBe(true));
      api.startCompare.mockResolvedValue({ id: 'c4' });
      api.getComparison.mockRejectedValueOnce(new Error('comparison c4 is still running'));
      await act(async () => fireEvent.click(screen.getByTestId('compare-run')));
      await act(async () => vi.advanceTimersByTimeAsync(20_000));
      expect(api.getComparison).toHaveBeenCalledTimes(1);
      expect(screen.getByTestId('compare-progress')).toBeTruthy();
      // its compare-end was lost: the next look finds it finished
      api.getComparison.mockResolvedValue({ ...mixed(), id: 'c4', finishedAt: '2026-11-28T10:05:00.000Z' });
      await act(async () => vi.advanceTimersByTimeAsync(20_000));
      await waitFor(() => expect(screen.getByTestId('compare-results')).toBeTruthy());
      expect(screen.getByTestId('compare-verdict').textContent).toMatch(/^dsr moved/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a bad field before calling the engine', async () => {
    const { api } = setup();
    await waitFor(() => expect(check('dsr').checked).toBe(true));
    fireEvent.change(screen.getByTestId('compare-duration'), { target: { value: '0' } });
    expect(screen.getByTestId('compare-hint').textContent).toMatch(/^duration: /);
    expect((screen.getByTestId('compare-run') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(check('dsr'));
    fireEvent.click(check('nat'));
    fireEvent.change(screen.getByTestId('compare-duration'), { target: { value: '10' } });
    expect(screen.getByTestId('compare-hint').textContent).toBe('Pick at least one mode or gateway to compare.');
    expect(api.startCompare).not.toHaveBeenCalled();
  });

  it('reopens a past comparison and exports it as CSV', async () => {
    const { api } = setup();
    const past = { ...mixed(), id: 'old-1' };
    api.listComparisons.mockResolvedValue([{ id: 'old-1', lab: 'demo', service: 'web', startedAt: past.startedAt, complete: false, modes: past.workload.modes }]);
    fireEvent.click(screen.getByTestId('compare-history-refresh'));
    await waitFor(() => expect(screen.getByTestId('compare-history-old-1').textContent).toContain('dsr · nat · tunnel · l7'));
    api.getComparison.mockResolvedValue(past);
    await act(async () => fireEvent.click(screen.getByTestId('compare-history-old-1')));
    expect(api.getComparison).toHaveBeenCalledWith('old-1');
    expect(screen.getByTestId('compare-verdict').textContent).toMatch(/^dsr moved 2\.8× nat's throughput/);

    const created: Blob[] = [];
    const clicked: string[] = [];
    Object.assign(URL, { createObjectURL: vi.fn((b: Blob) => (created.push(b), 'blob:csv')), revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    api.comparisonCsv.mockResolvedValue('mode,repetition\ndsr,1\n');
    await act(async () => fireEvent.click(screen.getByTestId('compare-export-csv')));
    expect(api.comparisonCsv).toHaveBeenCalledWith('old-1');
    expect(clicked).toEqual(['demo-web-compare-2026-11-28T10-00-00Z.csv']);
    expect(await created[0].text()).toBe('mode,repetition\ndsr,1\n');
    click.mockRestore();

    // the PNG is drawn from the chart's own SVG, made standalone
    const svg = screen.getByTestId('chart-throughput').querySelector('svg.recharts-surface') as SVGSVGElement;
    const markup = svgMarkup(svg, 'DejaVu Sans');
    expect(markup).toMatch(/^<svg[^>]* xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(markup).toContain('font-family="DejaVu Sans"');
    expect(new DOMParser().parseFromString(markup, 'image/svg+xml').querySelectorAll('.recharts-bar-rectangle')).toHaveLength(2);
    expect(decodeURIComponent(svgDataUrl(markup).replace('data:image/svg+xml;charset=utf-8,', ''))).toBe(markup);

    api.comparisonCsv.mockRejectedValue(new Error('comparisonCsv: no comparison old-1'));
    await act(async () => fireEvent.click(screen.getByTestId('compare-export-csv')));
    expect(screen.getByTestId('compare-error').textContent).toContain('CSV export failed: comparisonCsv: no comparison old-1');
  });
});

describe('the environment line', () => {
  it('says whether offload was on, and nothing about it when unknown', () => {
    const line = (environment: Partial<ReturnType<typeof mixed>['environment']>) => {
      const c = mixed();
      render(<CompareResults comparison={{ ...c, environment: { ...c.environment, ...environment } }} getCsv={vi.fn()} onError={vi.fn()} />);
      const text = screen.getByTestId('compare-environment').textContent;
      cleanup();
      return text;
    };
    expect(line({ offload: true })).toMatch(/load 0\.5 → 1\.5 · offload on \(faster; captures show super-packets\)$/);
    expect(line({ offload: false })).toMatch(/load 0\.5 → 1\.5 · offload off$/);
    expect(line({ offloads: { eth0: { 'tx-checksumming': 'on' } } })).toMatch(/· offload on/);
    expect(line({})).not.toMatch(/offload/);
  });
});

describe('a comparison across hooks', () => {
  it("charts the eBPF program's own CPU and ns per packet per mode and hook, each titled with what it measures", () => {
    const prog = (cpu: number, nsPerPacket: number) => ({ program: { cpu, nsPerPacket, packets: 1000 } });
    const summaries = [
      summary('nat', 300, { hook: 'tc', ...prog(0.021, 128.7) }),
      summary('nat', 320, { hook: 'xdp', ...prog(0.018, 113.3) }),
    ];
    const c = comparison(['nat'], summaries, [run('nat', 1, 300, { hook: 'tc' }), run('nat', 1, 320, { hook: 'xdp' })]);
    c.workload = { ...c.workload, hooks: ['tc', 'xdp'] };
    expect(hookRows(c)).toEqual([expect.objectContaining({ mode: 'nat', cpu_tc: 0.021, cpu_xdp: 0.018, nspkt_tc: 128.7, nspkt_xdp: 113.3 })]);
    render(<CompareResults comparison={c} getCsv={vi.fn()} onError={vi.fn()} />);
    for (const id of ['chart-hook-cpu', 'chart-hook-nspkt']) {
      const title = within(screen.getByTestId(id)).getByText(/eBPF program/);
      expect(title.getAttribute('title')).toMatch(/^The balancer's eBPF program alone, .*its own time, not the driver, the veth or the stack around it/);
    }
    expect(screen.queryByText(/Balancer CPU/)).toBeNull();
  });
});
