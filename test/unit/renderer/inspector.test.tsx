// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import type { InspectorProps } from '../../../renderer/components/inspector/context';
import type { Selection } from '../../../renderer/state/selection';
import { renderInspector, sampleDoc } from './helpers';

afterEach(cleanup);

const setup = (selection: Selection, doc: LabDoc = sampleDoc(), extra: Partial<InspectorProps> = {}) => renderInspector(selection, doc, extra);

describe('inspector', () => {
  it('edits a service: balancer, port, scheduler, backend weight, VIP', () => {
    const { last, edit } = setup({ type: 'service', name: 'web' });
    fireEvent.change(screen.getByTestId('service-port'), { target: { value: '8080' } });
    expect(last().services!.web.port).toBe(8080);
    fireEvent.change(screen.getByTestId('service-scheduler'), { target: { value: 'wrr' } });
    expect(last().services!.web.scheduler).toBe('wrr');
    fireEvent.change(screen.getByTestId('service-protocol'), { target: { value: 'websocket' } });
    expect(last().services!.web.protocol).toBe('websocket');
    fireEvent.change(screen.getByTestId('backend-weight-web1'), { target: { value: '3' } });
    expect(last().services!.web.backends[0]).toEqual({ node: 'web1', weight: 3 });
    fireEvent.change(screen.getByTestId('service-vip'), { target: { value: '198.18.0.50' } });
    expect(last().services!.web.vip).toBe('198.18.0.50');
    // a bad number is not emitted
    const calls = edit.mock.calls.length;
    fireEvent.change(screen.getByTestId('service-port'), { target: { value: '80x' } });
    expect(edit.mock.calls.length).toBe(calls);
    expect(screen.getByText('must be a whole number')).toBeTruthy();
  });

  it('removes a backend and leaves the rest of the document alone', () => {
    const doc = sampleDoc();
    const { last } = setup({ type: 'service', name: 'web' }, doc);
    fireEvent.click(screen.getByTestId('backend-remove-web1'));
    expect(last().services!.web.backends).toEqual([{ node: 'web2', weight: 2 }]);
    expect(last().nodes).toBe(doc.nodes);
  });

  it('routes a mode change through onModeChange (live switch on a running lab)', () => {
    const { onModeChange, edit } = setup({ type: 'service', name: 'web' });
    fireEvent.change(screen.getByTestId('service-mode'), { target: { value: 'nat' } });
    expect(onModeChange).toHaveBeenCalledWith('web', 'nat');
    expect(edit).not.toHaveBeenCalled();
  });

  it('edits a node: kind, link rate, and renames every reference', () => {
    const { last, select } = setup({ type: 'node', name: 'web1' });
    fireEvent.change(screen.getByTestId('node-kind'), { target: { value: 'router' } });
    expect(last().nodes.web1.kind).toBe('router');
    fireEvent.change(screen.getByTestId('link-0-rate'), { target: { value: '100mbit' } });
    expect(last().nodes.web1.links[0]).toEqual({ network: 'front', rate: '100mbit' });
    const name = screen.getByTestId('node-name');
    fireEvent.change(name, { target: { value: 'app1' } });
    fireEvent.keyDown(name, { key: 'Enter' });
    const d = last();
    expect(Object.keys(d.nodes)).toEqual(['client1', 'lb', 'app1', 'web2']);
    expect(d.services!.web.backends[0]).toBe('app1');
    expect(select).toHaveBeenCalledWith({ type: 'node', name: 'app1' });
  });

  it('refuses a rename to a taken or invalid name', () => {
    const { edit } = setup({ type: 'node', name: 'web1' });
    const name = screen.getByTestId('node-name');
    fireEvent.change(name, { target: { value: 'web2' } });
    expect(screen.getByText('“web2” is already used')).toBeTruthy();
    fireEvent.keyDown(name, { key: 'Enter' });
    fireEvent.change(name, { target: { value: 'Bad_Name' } });
    fireEvent.blur(name);
    expect(edit).not.toHaveBeenCalled();
  });

  it('edits the lab name/description and a network subnet', () => {
    const a = setup({ type: 'lab' });
    fireEvent.change(screen.getByTestId('lab-description'), { target: { value: 'my lab' } });
    expect(a.last().description).toBe('my lab');
    cleanup();
    const b = setup({ type: 'network', name: 'front' });
    fireEvent.change(screen.getByTestId('network-subnet'), { target: { value: '198.18.5.0/24' } });
    expect(b.last().networks.front).toEqual({ position: { x: 0, y: 100 }, subnet: '198.18.5.0/24' });
  });

  it('the lab offload checkbox sets offload: true and takes it out again', () => {
    const a = setup({ type: 'lab' });
    const box = screen.getByTestId('lab-offload') as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    expect(a.last().offload).toBe(true);
    expect(a.last().nodes).toEqual(sampleDoc().nodes);
    cleanup();
    const b = setup({ type: 'lab' }, { ...sampleDoc(), offload: true });
    expect((screen.getByTestId('lab-offload') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByTestId('lab-offload'));
    expect(b.last().offload).toBeUndefined();
  });

  it('a node with its own image gets a trust checkbox that sets trust: true and takes it out again', () => {
    setup({ type: 'node', name: 'web1' });
    expect(screen.queryByTestId('node-trust')).toBeNull(); // lblab's image: nothing to trust
    cleanup();
    const doc = sampleDoc();
    doc.nodes.web1 = { ...doc.nodes.web1, image: 'nginx:1.27' };
    const b = setup({ type: 'node', name: 'web1' }, doc);
    const box = screen.getByTestId('node-trust') as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    expect(b.last().nodes.web1).toEqual({ ...doc.nodes.web1, trust: true });
    cleanup();
    const c = setup({ type: 'node', name: 'web1' }, b.last());
    fireEvent.click(screen.getByTestId('node-trust'));
    expect(c.last().nodes.web1.trust).toBeUndefined();
  });

  it('adds an L7 route, then matches it on a header', () => {
    const doc = sampleDoc();
    doc.services!.web.mode = 'l7';
    const a = setup({ type: 'service', name: 'web' }, doc);
    fireEvent.click(screen.getByTestId('add-route'));
    const withRoute = a.last();
    expect(withRoute.services!.web.routes).toEqual([{ path: '/', backends: ['web1'] }]);
    cleanup();
    const b = setup({ type: 'service', name: 'web' }, withRoute);
    fireEvent.change(screen.getByTestId('route-0-header'), { target: { value: 'X-Canary: 1' } });
    expect(b.last().services!.web.routes).toEqual([{ path: '/', backends: ['web1'], header: { 'X-Canary': '1' } }]);
  });
});
