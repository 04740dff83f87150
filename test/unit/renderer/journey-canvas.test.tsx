// @vitest-environment jsdom
// The packet journey drawn on the canvas: the crossed links get a lane per
// leg running the way the frame went, the nodes each leg went through are
// ringed, and the balancer a DSR response skipped is not lit for it.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { Canvas } from '../../../renderer/components/canvas/Canvas';
import { journeyHighlight, type JourneyHighlight } from '../../../renderer/lib/journey-data';
import { linkId } from '../../../renderer/state/doc-ops';
import { indexIssues } from '../../../renderer/state/issues';
import { installDomShims } from './helpers';
import { compareDoc, JOURNEYS } from './journey-fixtures';

beforeAll(() => {
  installDomShims();
  // React Flow draws an edge once both of its nodes are measured, which it does
  // when a ResizeObserver reports them: report every observed node at once
  class MeasuringObserver {
    constructor(private cb: ResizeObserverCallback) {}
    observe(target: Element) {
      queueMicrotask(() => this.cb([{ target } as unknown as ResizeObserverEntry], this as unknown as ResizeObserver));
    }
    unobserve() {}
    disconnect() {}
  }
  (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = MeasuringObserver;
});
afterEach(cleanup);

function draw(doc: LabDoc, journey: JourneyHighlight | null) {
  const props = { doc, edit: vi.fn(), seal: vi.fn(), selection: { type: 'lab' as const }, onSelect: vi.fn(), issues: indexIssues(doc, []), nodeStates: {}, notify: vi.fn() };
  const view = render(
    <ReactFlowProvider>
      <div style={{ width: 1000, height: 600 }}>
        <Canvas {...props} journey={journey} />
      </div>
    </ReactFlowProvider>,
  );
  return (j: JourneyHighlight | null) =>
    view.rerender(
      <ReactFlowProvider>
        <div style={{ width: 1000, height: 600 }}>
          <Canvas {...props} journey={j} />
        </div>
      </ReactFlowProvider>,
    );
}

/** The React Flow wrapper of a lab node or network. */
const flowNode = (testid: string) => screen.getByTestId(testid).closest('.react-flow__node') as HTMLElement;
/** The edge of `node`'s link to `network` in the compare lab. */
function edge(doc: LabDoc, node: string, network: string): HTMLElement | null {
  const i = doc.nodes[node].links.findIndex((l) => l.network === network);
  return document.querySelector(`[data-id="${linkId(node, i)}"]`);
}
const lanes = (e: HTMLElement | null) => [...(e?.querySelectorAll('path.journey-lane') ?? [])].map((p) => p.getAttribute('class')?.replace('journey-lane ', ''));

describe('journey on the canvas', () => {
  it('dsr: request and response lanes on the links they crossed; the balancer lit for the request only', async () => {
    const doc = compareDoc();
    draw(doc, journeyHighlight(JOURNEYS.dsr()));
    await waitFor(() => expect(lanes(edge(doc, 'lb', 'front'))).toEqual(['lane-request']));
    expect(screen.getByTestId('canvas').className).toContain('journey-shown');
    expect(screen.getByTestId('journey-canvas-legend').textContent).toMatch(/request.*response/);

    expect(flowNode('node-lb').className).toContain('journey-request');
    expect(flowNode('node-lb').className).not.toContain('journey-response');
    expect(flowNode('node-r1').className).toContain('journey-response');
    expect(flowNode('node-r1').className).not.toContain('journey-request');
    expect(flowNode('node-client1').className).toMatch(/journey-request.*journey-response|journey-response.*journey-request/);
    expect(flowNode('node-web1').className).not.toContain('journey-on');
    expect(flowNode('network-back').className).toContain('journey-response');

    expect(lanes(edge(doc, 'lb', 'front'))).toEqual(['lane-request']);
    expect(lanes(edge(doc, 'lb', 'back'))).toEqual(['lane-request']);
    expect(lanes(edge(doc, 'r1', 'back'))).toEqual(['lane-response']);
    expect(lanes(edge(doc, 'web3', 'back'))).toEqual(['lane-request', 'lane-response']);
    expect(edge(doc, 'web1', 'back')).not.toBeNull();
    expect(lanes(edge(doc, 'web1', 'back'))).toEqual([]);
    expect(edge(doc, 'web1', 'back')?.className).not.toContain('journey-edge');
  });

  it('snat: both legs through the balancer; hiding the journey removes every highlight', async () => {
    const doc = compareDoc();
    const redraw = draw(doc, journeyHighlight(JOURNEYS.snat()));
    await waitFor(() => expect(lanes(edge(doc, 'lb', 'front'))).toEqual(['lane-request', 'lane-response']));
    expect(flowNode('node-r1').className).not.toContain('journey-on');
    redraw(null);
    await waitFor(() => expect(screen.getByTestId('canvas').className).not.toContain('journey-shown'));
    expect(document.querySelectorAll('.journey-lane, .journey-on')).toHaveLength(0);
    expect(screen.queryByTestId('journey-canvas-legend')).toBeNull();
  });
});
