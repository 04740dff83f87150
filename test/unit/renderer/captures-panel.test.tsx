// @vitest-environment jsdom
// The Captures tab against a mock API client: what Start sends, the engine's
// errors, capture-packets events turned into rows (100 000 of them with only a
// window in the DOM), the decode tree and hex view of a real decoded packet,
// the display filter (in the engine, re-applied to live batches, its error
// shown where it points), and pcap files opened, paged and saved through the
// engine's real capture manager.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import { CAPTURE_RING_DEFAULT, type CaptureEvent, type LabApi, type LabStatus } from '../../../electron/api';
import { CaptureManager } from '../../../electron/engine/capture/capture-manager';
import { checkFilter } from '../../../electron/engine/capture/display-filter';
import { pcapFileHeader } from '../../../electron/engine/capture/pcap-writer';
import { CapturesPanel, type CanvasPick } from '../../../renderer/components/captures/CapturesPanel';
import { httpExchange, pcapRecord } from '../../support/capture-fakes';
import { capturedTcp, STATUS, summaries, summary } from './captures-fixtures';
import { fakeClient, installDomShims } from './helpers';

const ID = 'cap1-aaaaaa';

beforeAll(() => {
  installDomShims();
  // jsdom has no layout: give the scrolling panes a height, a content height and scrollTo
  const panes = ['pkt-scroller', 'hex-view', 'decode-tree'];
  Object.defineProperties(HTMLElement.prototype, {
    clientHeight: { configurable: true, get() { return panes.some((c) => this.classList.contains(c)) ? 400 : 0; } },
    scrollHeight: { configurable: true, get() { return parseFloat((this.firstElementChild as HTMLElement | null)?.style.height ?? '') || 0; } },
  });
  // a browser sends the scroll event after the call returns
  HTMLElement.prototype.scrollTo = function (this: HTMLElement, o?: ScrollToOptions | number) {
    this.scrollTop = typeof o === 'object' ? (o.top ?? 0) : 0;
    setTimeout(() => this.dispatchEvent(new Event('scroll')), 0);
  } as HTMLElement['scrollTo'];
  HTMLElement.prototype.scrollIntoView = () => undefined;
});
afterEach(cleanup);

type Api = { [K in keyof LabApi]: Mock<LabApi[K]> };

function setup(opts: { lab?: string | null; status?: LabStatus | null; pick?: CanvasPick | null } = {}) {
  const f = fakeClient();
  const api = f.api as unknown as Api;
  api.startCapture.mockResolvedValue({ id: ID, interfaces: [{ node: 'lb', iface: 'eth0' }] });
  api.stopCapture.mockResolvedValue(undefined);
  const lab = opts.lab === undefined ? 'demo' : opts.lab;
  const ui = render(<CapturesPanel client={f.client} lab={lab} status={opts.status === undefined ? STATUS : opts.status} pick={opts.pick} />);
  const emit = (e: CaptureEvent) => act(() => f.emit(e));
  return { ...f, api, ui, emit };
}

const el = <T extends HTMLElement = HTMLElement>(id: string) => screen.getByTestId(id) as T;
const text = (id: string) => el(id).textContent;
const rows = () => screen.queryAllByTestId('pkt-row');
const rowIndices = () => rows().map((r) => Number(r.getAttribute('data-index')));
const cells = (index: number) => [...rows().find((r) => r.getAttribute('data-index') === String(index))!.children].map((c) => c.textContent);
const packets = (from: number, to: number, total = to, dropped = 0): CaptureEvent => ({ type: 'capture-packets', id: ID, packets: summaries(from, to), total, dropped });

/** Press Start and wait for the capture to run. */
async function started(s: ReturnType<typeof setup>) {
  fireEvent.click(el('capture-start'));
  expect(s.api.startCapture).toHaveBeenCalled();
  await waitFor(() => expect(text('capture-state')).toBe('capturing'));
}

describe('captures panel: start and stop', () => {
  it('starts on the ticked interfaces with the capture filter and ring size, then stops', async () => {
    const s = setup();
    const box = (k: string) => el<HTMLInputElement>(`cap-iface-${k}`);
    // the balancer's interfaces are ticked at first
    expect(['client1:eth0', 'lb:eth0', 'lb:eth1', 'web1:eth0'].map((k) => box(k).checked)).toEqual([false, true, true, false]);
    fireEvent.click(box('lb:eth1'));
    fireEvent.click(box('web1:eth0'));
    fireEvent.change(el('capture-filter'), { target: { value: 'tcp port 80' } });
    fireEvent.change(el('capture-ring'), { target: { value: '5000' } });
    await started(s);
    expect(s.api.startCapture).toHaveBeenCalledWith('demo', [{ node: 'lb', iface: 'eth0' }, { node: 'web1', iface: 'eth0' }], { ringSize: 5000, filter: 'tcp port 80' });
    expect(el<HTMLButtonElement>('capture-start').disabled).toBe(true);
    expect(el<HTMLInputElement>('capture-filter').disabled).toBe(true);
    fireEvent.click(el('capture-stop'));
    expect(s.api.stopCapture).toHaveBeenCalledWith(ID);
    s.emit({ type: 'capture-end', id: ID, reason: 'stopped', total: 0, dropped: 0 });
    expect(text('capture-state')).toBe('stopped');
    expect(text('capture-end-reason')).toBe(' · stopped');
    expect(el<HTMLButtonElement>('capture-start').disabled).toBe(false);
  });

  it('says what is missing before Start, and shows the engine\'s one-line error for a bad capture filter', async () => {
    const s = setup();
    fireEvent.click(el('cap-node-lb'));
    expect(el<HTMLButtonElement>('capture-start').disabled).toBe(true);
    expect(text('capture-hint')).toBe('Pick at least one interface.');
    fireEvent.click(el('cap-iface-client1:eth0'));
    fireEvent.change(el('capture-filter'), { target: { value: 'tcp port x' } });
    s.api.startCapture.mockRejectedValue(new Error('capture filter "tcp port x": tcpdump: unknown port \'x\''));
    fireEvent.click(el('capture-start'));
    await waitFor(() => expect(text('capture-error')).toContain('Capture failed: capture filter "tcp port x": tcpdump: unknown port \'x\''));
    expect(s.api.startCapture).toHaveBeenCalledWith('demo', [{ node: 'client1', iface: 'eth0' }], { ringSize: CAPTURE_RING_DEFAULT, filter: 'tcp port x' });
    expect(text('capture-state')).toBe('no capture');
  });

  it('is blocked without a deployed lab, but opens pcap files', () => {
    setup({ lab: null, status: null });
    expect(text('capture-blocked')).toMatch(/^Deploy the lab to capture/);
    expect(el<HTMLButtonElement>('capture-start').disabled).toBe(true);
    expect(el<HTMLButtonElement>('capture-load').disabled).toBe(false);
  });

  it('captures on the link or node selected on the canvas in one click', async () => {
    const s = setup({ pick: { node: 'lb', network: 'back' } });
    expect(text('capture-offer')).toBe(' Capture on this link: lb:eth1 (back)');
    fireEvent.click(el('capture-offer'));
    await waitFor(() => expect(s.api.startCapture).toHaveBeenCalledWith('demo', [{ node: 'lb', iface: 'eth1' }], { ringSize: CAPTURE_RING_DEFAULT }));
    expect(el<HTMLInputElement>('cap-iface-lb:eth1').checked).toBe(true);
    expect(el<HTMLInputElement>('cap-iface-lb:eth0').checked).toBe(false);
    cleanup();
    setup({ pick: { node: 'lb' } });
    expect(text('capture-offer')).toBe(' Capture on lb: eth0, eth1');
  });
});

describe('captures panel: the packet list', () => {
  it('appends capture-packets events as rows, counts the ring\'s drops, ignores other captures', async () => {
    const s = setup();
    // the engine's first event overtakes startCapture's answer
    let answer!: (v: { id: string; interfaces: [] }) => void;
    s.api.startCapture.mockImplementation(() => new Promise((r) => (answer = r)));
    fireEvent.click(el('capture-start'));
    s.emit(packets(1, 3));
    await act(async () => answer({ id: ID, interfaces: [] }));
    expect(rowIndices()).toEqual([1, 2, 3]);
    expect(cells(2)).toEqual(['2', '0.001500', 'web1:eth0', '198.18.0.12', '198.18.0.100', 'TCP', '56', summary(2).summary]);
    expect(cells(3)[1]).toBe('0.003000');
    s.emit({ type: 'capture-packets', id: 'cap9-other', packets: summaries(4, 9), total: 9, dropped: 0 });
    expect(rowIndices()).toEqual([1, 2, 3]);
    s.emit(packets(4, 6, 6, 2));
    expect(rowIndices()).toEqual([3, 4, 5, 6]);
    expect([text('capture-total'), text('capture-shown'), text('capture-dropped')]).toEqual(['6', '4', '2 dropped']);
    expect(el('capture-dropped').className).toBe('cap-dropped');
    // the Time column keeps its zero: the first packet, gone from the ring
    expect(cells(6)[1]).toBe('0.007500');
  });

  it('keeps 100 000 packets with only a window of rows in the DOM, following the newest until scrolled up', async () => {
    const s = setup();
    await started(s);
    for (let from = 1; from <= 100_000; from += 2000) s.emit(packets(from, from + 1999));
    expect(text('capture-total')).toBe('100,000');
    const n = rows().length;
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(100);
    // following: the newest rows are the ones drawn
    await waitFor(() => expect(rowIndices()).toContain(100_000));
    expect(cells(100_000)[7]).toBe(summary(100_000).summary);
    // scrolled up: it stops following and offers to follow again
    const scroller = el('pkt-scroller');
    act(() => {
      scroller.scrollTop = 0;
      fireEvent.scroll(scroller);
    });
    await waitFor(() => expect(rowIndices()[0]).toBe(1));
    s.emit(packets(100_001, 100_010));
    // not a barrier: the window in which a wrong follow would scroll to the new rows
    await new Promise((r) => setTimeout(r, 50));
    expect(rowIndices()).not.toContain(100_010);
    expect(rowIndices()[0]).toBe(1);
    fireEvent.click(el('capture-follow'));
    await waitFor(() => expect(rowIndices()).toContain(100_010));
    expect(rows().length).toBeLessThan(100);
  }, 60_000);

  it('asks for the rows a burst left out of the events when they come into view', async () => {
    const s = setup();
    s.api.captureSummaries.mockImplementation(async (_id, from, count) => summaries(from, Math.min(from + count - 1, 2600)));
    await started(s);
    // 2600 packets, the event carried the newest 2000 (the engine's cap)
    s.emit({ type: 'capture-packets', id: ID, packets: summaries(601, 2600), total: 2600, dropped: 0 });
    await waitFor(() => expect(rowIndices()).toContain(2600));
    // not a barrier: the window in which a wrong fetch of rows out of view would go out
    await new Promise((r) => setTimeout(r, 150));
    expect(s.api.captureSummaries).not.toHaveBeenCalled();
    const scroller = el('pkt-scroller');
    act(() => {
      scroller.scrollTop = 0;
      fireEvent.scroll(scroller);
    });
    await waitFor(() => expect(cells(1)[7]).toBe(summary(1).summary));
    expect(s.api.captureSummaries).toHaveBeenCalledWith(ID, 1, expect.any(Number));
    const asked = s.api.captureSummaries.mock.calls.reduce((a, c) => a + c[2], 0);
    expect(asked).toBeLessThanOrEqual(600);
  });
});

describe('captures panel: one packet', () => {
  it('shows the decode tree of a real packet and marks the selected field\'s bytes, both ways', async () => {
    const s = setup();
    const { frame, packet } = capturedTcp(1, { src: '198.18.0.10', dst: '198.18.0.100', sport: 40000, dport: 80, flags: 0x02, seq: 100 });
    s.api.capturePacket.mockResolvedValue(packet);
    await started(s);
    s.emit(packets(1, 1));
    fireEvent.click(rows()[0]);
    await waitFor(() => expect(screen.getByTestId('decode-tree')).toBeTruthy());
    expect(s.api.capturePacket).toHaveBeenCalledWith(ID, 1);
    const tree = el('decode-tree');
    expect(text('layer-ip')).toContain('Internet Protocol Version 4, Src: 198.18.0.10, Dst: 198.18.0.100');
    expect(text('layer-tcp')).toContain('Transmission Control Protocol, Src Port: 40000, Dst Port: 80');
    expect(text('field-tcp.flags')).toBe('tcp.flags: 0x002 (SYN)');
    expect(within(tree).getByTestId('field-tcp.flags.syn').style.paddingLeft).toBe('38px');
    // the hex view has every byte of the frame
    const hex = el('hex-view');
    expect([...hex.querySelectorAll('.hex-b')].map((b) => b.textContent).join('')).toBe(frame.toString('hex'));
    expect(screen.queryAllByTestId('hex-on')).toHaveLength(0);

    fireEvent.click(el('field-ip.dst'));
    expect(el('field-ip.dst').getAttribute('aria-selected')).toBe('true');
    expect(screen.getAllByTestId('hex-on').map((b) => b.textContent)).toEqual(['c6', '12', '00', '64']);
    expect(screen.getAllByTestId('hex-on').map((b) => Number(b.getAttribute('data-offset')))).toEqual([30, 31, 32, 33]);
    expect(hex.querySelectorAll('.hex-a.on')).toHaveLength(4);

    // a byte clicked: the innermost field over it
    fireEvent.click(hex.querySelector('.hex-b[data-offset="37"]')!);
    expect(el('field-tcp.dstport').getAttribute('aria-selected')).toBe('true');
    expect(screen.getAllByTestId('hex-on').map((b) => b.textContent)).toEqual(['00', '50']);
    // a layer: all its bytes
    fireEvent.click(el('layer-ip'));
    expect(screen.getAllByTestId('hex-on')).toHaveLength(20);
  });

  it('says so when the packet left the ring', async () => {
    const s = setup();
    s.api.capturePacket.mockRejectedValue(new Error('packet 1 of capture cap1-aaaaaa has left the ring (it keeps the last 5; the oldest now is 8)'));
    await started(s);
    s.emit(packets(1, 1));
    fireEvent.click(rows()[0]);
    await waitFor(() => expect(text('capture-detail-empty')).toMatch(/has left the ring/));
  });
});

describe('captures panel: display filter', () => {
  it('filters in the engine, follows a live capture\'s new batches, shows a bad filter\'s error where it points', async () => {
    const s = setup();
    let total = 0;
    // the engine's answer: its real error for a bad filter; odd frames match
    s.api.filterCapture.mockImplementation(async (_id, filter, from = 1) => {
      const error = checkFilter(filter);
      if (error) return { indices: [], last: total, error, position: Number(/at position (\d+)$/.exec(error)![1]) };
      const indices: number[] = [];
      for (let n = from; n <= total; n++) if (n % 2) indices.push(n);
      return { indices, last: total };
    });
    await started(s);
    total = 10;
    s.emit(packets(1, 10));
    const input = el<HTMLInputElement>('display-filter');
    fireEvent.change(input, { target: { value: 'ip.dst == 198.18.0.100 && tcp.flags.syn == 1' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(rowIndices()).toEqual([1, 3, 5, 7, 9]));
    expect(s.api.filterCapture).toHaveBeenCalledWith(ID, 'ip.dst == 198.18.0.100 && tcp.flags.syn == 1', 1);
    expect([text('capture-total'), text('capture-shown')]).toEqual(['10', '5']);
    await waitFor(() => expect(input.parentElement!.className).toBe('dfilter-row valid'));

    // a live batch: only the new packets are filtered
    total = 13;
    s.emit(packets(11, 13));
    await waitFor(() => expect(rowIndices()).toEqual([1, 3, 5, 7, 9, 11, 13]));
    // (not "last called": the bar's check-as-you-type call may land after it)
    expect(s.api.filterCapture).toHaveBeenCalledWith(ID, 'ip.dst == 198.18.0.100 && tcp.flags.syn == 1', 11);

    // a bad filter: red as one types, its error with the spot, and the view kept
    fireEvent.change(input, { target: { value: 'ip.dst == 198.18.0.300' } });
    await waitFor(() => expect(input.parentElement!.className).toBe('dfilter-row invalid'));
    expect(text('display-filter-error')).toContain('"198.18.0.300" is not an IPv4 address (ip.dst) at position 11');
    expect(el('display-filter-where').querySelector('mark')!.textContent).toBe('1');
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(s.api.filterCapture).toHaveBeenCalledWith(ID, 'ip.dst == 198.18.0.300', 1));
    expect(rowIndices()).toEqual([1, 3, 5, 7, 9, 11, 13]);
    expect(input.selectionStart).toBe(10);

    // cleared: every packet again
    fireEvent.click(el('display-filter-clear'));
    await waitFor(() => expect(rowIndices()).toHaveLength(13));
    expect(text('capture-shown')).toBe('13');
  });
});

describe('captures panel: pcap files', () => {
  // 3000 frames of HTTP exchanges, opened and served by the engine's capture manager
  const frames = Array.from({ length: 375 }, (_, k) => httpExchange('198.18.0.10', '198.18.0.100', 30000 + k)).flat();
  const file = Buffer.concat([pcapFileHeader(), ...frames.map((f, i) => pcapRecord(f, 1_700_000_000_000_000 + i * 250))]);

  function withEngine(s: ReturnType<typeof setup>) {
    const m = new CaptureManager({ emit: () => undefined, status: async () => STATUS });
    s.api.loadPcap.mockImplementation(async (name, b64) => m.load(name, b64));
    s.api.captureSummaries.mockImplementation(async (id, from, count) => m.summaries(id, from, count));
    s.api.capturePacket.mockImplementation(async (id, i) => m.packet(id, i));
    s.api.filterCapture.mockImplementation(async (id, f, from) => m.filter(id, f, from));
    s.api.capturePcap.mockImplementation(async (id) => m.pcap(id));
    s.api.listCaptures.mockImplementation(async () => m.list());
    return m;
  }

  it('opens a pcap file, fetches only the pages in view, filters it and saves it', async () => {
    const s = setup({ lab: null, status: null });
    withEngine(s);
    fireEvent.change(el('capture-file'), { target: { files: [new File([file], 'trace.pcap')] } });
    await waitFor(() => expect(text('capture-state')).toBe('file'));
    expect(s.api.loadPcap).toHaveBeenCalledWith('trace.pcap', file.toString('base64'));
    expect(text('capture-total')).toBe('3,000');
    await waitFor(() => expect(cells(1)).toEqual(['1', '0.000000', 'trace:file', '198.18.0.10', '198.18.0.100', 'TCP', '54', expect.stringMatching(/^IP 198\.18\.0\.10\.30000 > 198\.18\.0\.100\.80: Flags \[S\]/)]));
    expect(cells(2)[1]).toBe('0.000250');
    expect(rowIndices()[0]).toBe(1);
    const asked = s.api.captureSummaries.mock.calls.reduce((a, c) => a + c[2], 0);
    expect(asked).toBeLessThan(1000);

    // the real display filter over the real packets: one SYN per exchange
    const input = el<HTMLInputElement>('display-filter');
    fireEvent.change(input, { target: { value: 'tcp.flags.syn == 1 && tcp.flags.ack == 0' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(text('capture-shown')).toBe('375'));
    await waitFor(() => expect(rowIndices().slice(0, 3)).toEqual([1, 9, 17]));

    // saved: the engine's pcap, as a download
    const blobs: Blob[] = [];
    const create = vi.fn((b: Blob) => (blobs.push(b), 'blob:x'));
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    fireEvent.click(el('capture-save'));
    await waitFor(() => expect(create).toHaveBeenCalled());
    expect(s.api.capturePcap).toHaveBeenCalled();
    const saved = Buffer.from(await blobs[0].arrayBuffer());
    // the ring's copy: the same frames, in a nanosecond pcap
    expect(saved.readUInt32LE(0)).toBe(0xa1b23c4d);
    expect(saved.length).toBe(file.length);
    expect(click).toHaveBeenCalled();
    click.mockRestore();
  });

  it('names a file that is not a pcap in one line', async () => {
    const s = setup({ lab: null, status: null });
    withEngine(s);
    fireEvent.change(el('capture-file'), { target: { files: [new File(['hello, not a pcap at all'], 'notes.txt')] } });
    await waitFor(() => expect(text('capture-error')).toMatch(/^Cannot open notes\.txt: notes\.txt: not a pcap file/));
  });
});
