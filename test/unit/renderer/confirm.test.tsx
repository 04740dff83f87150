// @vitest-environment jsdom
// Nothing is lost without asking: New / a template / Open over unsaved work or a
// running lab's drawing, deleting what others use, Destroy. The running lab stays
// tracked whatever the canvas shows.
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { App } from '../../../renderer/App';
import { deletionImpact } from '../../../renderer/state/impact';
import { useTerminals } from '../../../renderer/components/dock/useTerminals';
import { fakeClient, installDomShims, runLab, sampleDoc } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

const labDoc = (): LabDoc => {
  const d = sampleDoc();
  d.nodes.web2.links = [{ network: 'front' }];
  return d;
};
const nodeCount = () => document.querySelectorAll('.react-flow__node').length;
const deployed = () => screen.getByTestId('lab-state').getAttribute('data-deployed');

describe('asking before replacing the drawing', () => {
  it('replaces an untouched drawing without asking', async () => {
    const { client } = fakeClient();
    render(<App client={client} initialDoc={labDoc()} />);
    fireEvent.click(screen.getByTestId('new-lab'));
    await waitFor(() => expect(nodeCount()).toBe(0));
    expect(screen.queryByTestId('confirm')).toBeNull();
  });

  it('asks before New loses unsaved work; Cancel keeps it', async () => {
    const { client } = fakeClient();
    render(<App client={client} initialDoc={labDoc()} />);
    fireEvent.click(screen.getByTestId('palette-server'));
    await waitFor(() => expect(nodeCount()).toBe(6));
    fireEvent.click(screen.getByTestId('new-lab'));
    expect((await screen.findByTestId('confirm-lines')).textContent).toContain('Unsaved changes to demo will be lost');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(nodeCount()).toBe(6);
    fireEvent.click(screen.getByTestId('new-lab'));
    fireEvent.click(await screen.findByTestId('confirm-ok'));
    await waitFor(() => expect(nodeCount()).toBe(0));
  });

  it('asks before a template hides a running lab, which stays tracked and can come back', async () => {
    const { client, api } = fakeClient();
    api.listTemplates.mockResolvedValue([{ id: 'nat', title: 'NAT (two-arm)', mode: 'nat', description: '' }]);
    const nat: LabDoc = { name: 'nat', networks: { n: { position: { x: 0, y: 0 } } }, nodes: { c: { kind: 'client', links: [{ network: 'n' }], position: { x: 0, y: 100 } } } };
    api.getTemplate.mockResolvedValue(nat);
    runLab(api, labDoc());
    render(<App client={client} initialDoc={labDoc()} />);
    await waitFor(() => expect(deployed()).toBe('yes'));
    await waitFor(() => expect(screen.getByTestId('template-select').querySelectorAll('option')).toHaveLength(2));
    expect(screen.getByTestId('template-select').textContent).toContain('NAT (two-arm)');
    expect(screen.getByTestId('template-select').textContent).not.toContain('(nat)');

    fireEvent.change(screen.getByTestId('template-select'), { target: { value: 'nat' } });
    expect((await screen.findByTestId('confirm-lines')).textContent).toContain('Lab demo keeps running and stays tracked');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(api.getTemplate).not.toHaveBeenCalled();
    expect(nodeCount()).toBe(5);
    expect(deployed()).toBe('yes');

    fireEvent.change(screen.getByTestId('template-select'), { target: { value: 'nat' } });
    fireEvent.click(await screen.findByTestId('confirm-ok'));
    await waitFor(() => expect(nodeCount()).toBe(2));
    expect(deployed()).toBe('no');
    // the running lab is still known: named in the toolbar, and Destroy removes it
    expect(screen.getByTestId('running-elsewhere').textContent).toContain('lab demo runs');
    expect((screen.getByTestId('destroy') as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(screen.getByTestId('show-running'));
    await waitFor(() => expect(nodeCount()).toBe(5)); // the template was untouched: nothing to ask
    await waitFor(() => expect(deployed()).toBe('yes'));
  });
});

describe('asking before deleting what others use', () => {
  it('says which links go with a network', () => {
    expect(deletionImpact(labDoc(), [], ['front'])).toEqual(['Network front is used by 4 nodes (client1, lb, web1, web2): their links go with it.']);
    expect(deletionImpact(labDoc(), ['web1'], [])).toEqual(['web1 is a backend of service web: it is removed from it.']);
    expect(deletionImpact(labDoc(), ['lb'], [])).toEqual(['lb is the balancer of service web: the service is left without one.']);
    expect(deletionImpact(labDoc(), ['client1'], [])).toEqual([]);
  });

  it('asks before deleting a network in use; Cancel keeps it and its links', async () => {
    const { client } = fakeClient();
    render(<App client={client} initialDoc={labDoc()} />);
    fireEvent.click(screen.getByTestId('network-front'));
    fireEvent.click(screen.getByTestId('delete-network'));
    expect((await screen.findByTestId('confirm-lines')).textContent).toContain('Network front is used by 4 nodes');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(screen.getByTestId('inspector-network').querySelectorAll('.list-item')).toHaveLength(4);
    fireEvent.click(screen.getByTestId('delete-network'));
    fireEvent.click(await screen.findByTestId('confirm-ok'));
    await waitFor(() => expect(screen.queryByTestId('network-front')).toBeNull());
    fireEvent.click(screen.getByTestId('node-web1'));
    expect(screen.getByTestId('inspector-node').textContent).toContain('Not linked.');
  });

  it('deletes a node nobody uses without asking', async () => {
    const { client } = fakeClient();
    render(<App client={client} initialDoc={labDoc()} />);
    fireEvent.click(screen.getByTestId('node-client1'));
    fireEvent.click(screen.getByTestId('delete-node'));
    await waitFor(() => expect(screen.queryByTestId('node-client1')).toBeNull());
    expect(screen.queryByTestId('confirm')).toBeNull();
  });
});

describe('Destroy', () => {
  it('asks, naming what goes', async () => {
    const { client, api } = fakeClient();
    api.destroy.mockResolvedValue(undefined);
    runLab(api, labDoc());
    render(<App client={client} initialDoc={labDoc()} />);
    await waitFor(() => expect(deployed()).toBe('yes'));
    fireEvent.click(screen.getByTestId('destroy'));
    expect((await screen.findByTestId('confirm')).textContent).toContain('Destroy lab demo?');
    expect(screen.getByTestId('confirm-lines').textContent).toContain('Its 4 containers and 1 network(s) are removed');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(api.destroy).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('destroy'));
    fireEvent.click(await screen.findByTestId('confirm-ok'));
    await waitFor(() => expect(api.destroy).toHaveBeenCalledWith('demo'));
    await waitFor(() => expect(deployed()).toBe('no'));
    expect(screen.queryByTestId('toast-error')).toBeNull();
  });
});

describe('terminal tabs', () => {
  it('keeps one tab per node, and reconnects them after a redeploy or says why not', () => {
    const shown: string[] = [];
    const { result } = renderHook(() => useTerminals((k) => shown.push(k)));
    act(() => result.current.open('demo', 'client1'));
    act(() => result.current.open('demo', 'web1'));
    act(() => result.current.open('demo', 'client1'));
    expect(result.current.terms.map((t) => t.node)).toEqual(['client1', 'web1']);
    expect(shown[2]).toBe(result.current.terms[0].key);
    act(() => result.current.ended(result.current.terms[0].key, 'node stopped'));
    act(() => result.current.ended(result.current.terms[1].key, 'node stopped'));
    act(() => result.current.relink('demo', ['client1', 'lb']));
    const [c, w] = result.current.terms;
    expect(c).toMatchObject({ node: 'client1', session: 1, ended: undefined });
    expect(w).toMatchObject({ node: 'web1', session: 0, ended: 'web1 is no longer in lab demo' });
  });
});
