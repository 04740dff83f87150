// @vitest-environment jsdom
// A lab spread over hosts on the canvas: a host badge on every node, the
// network that spans hosts marked as an overlay, a node whose host does not
// answer greyed with it in words; a lab without hosts shows none of it.
import { cleanup, render, screen } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { Canvas } from '../../../renderer/components/canvas/Canvas';
import type { HostDown } from '../../../renderer/lib/hosts';
import { indexIssues } from '../../../renderer/state/issues';
import { installDomShims, sampleDoc } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

function draw(doc: LabDoc, hostsDown?: Map<string, HostDown>) {
  render(
    <ReactFlowProvider>
      <div style={{ width: 1000, height: 600 }}>
        <Canvas doc={doc} edit={vi.fn()} seal={vi.fn()} selection={{ type: 'lab' }} onSelect={vi.fn()} issues={indexIssues(doc, [])} nodeStates={{}} hostsDown={hostsDown} notify={vi.fn()} />
      </div>
    </ReactFlowProvider>,
  );
}

const spread = (): LabDoc => {
  const d = sampleDoc();
  return { ...d, hosts: { h1: 'default', h2: 'ssh://lab@h2' }, networks: { ...d.networks, side: {} }, nodes: { ...d.nodes, web1: { ...d.nodes.web1, host: 'h2' }, web2: { ...d.nodes.web2, host: 'h9', links: [{ network: 'side' }] } } };
};

describe('hosts on the canvas', () => {
  it('a lab without hosts: no badge, no overlay', () => {
    draw(sampleDoc());
    expect(document.querySelectorAll('.host-badge, .overlay-tag').length).toBe(0);
    expect(screen.getByTestId('node-lb').getAttribute('data-host')).toBeNull();
  });

  it('every node shows its host, coloured by the host; an unknown host is marked', () => {
    draw(spread());
    expect(screen.getByTestId('node-host-client1').textContent).toBe('h1');
    expect(screen.getByTestId('node-host-web1').textContent).toBe('h2');
    expect(screen.getByTestId('node-web1').style.getPropertyValue('--host')).not.toBe(screen.getByTestId('node-lb').style.getPropertyValue('--host'));
    expect(screen.getByTestId('node-host-web2').className).toContain('unknown');
  });

  it('the network linking h1 and h2 nodes is an overlay (VXLAN, MTU 1450 on hover); one on a single host is not', () => {
    draw(spread());
    expect(screen.getByTestId('network-overlay-front').textContent).toContain('overlay · VXLAN');
    expect(screen.getByTestId('network-front').getAttribute('title')).toContain('MTU 1450');
    expect(screen.queryByTestId('network-overlay-side')).toBeNull();
  });

  it('a node whose host does not answer is greyed and says so', () => {
    draw(spread(), new Map([['web1', { host: 'h2', label: 'host h2 unreachable', problem: 'ssh: connect to host h2 port 22: Connection refused' }]]));
    expect(screen.getByTestId('node-host-down-web1').textContent).toBe('host h2 unreachable');
    expect(screen.getByTestId('node-web1').className).toContain('host-down');
    expect(screen.getByTestId('node-web1').getAttribute('title')).toContain('Connection refused');
    expect(screen.queryByTestId('node-host-down-lb')).toBeNull();
  });
});
