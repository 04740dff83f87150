// @vitest-environment jsdom
// Problems as people read them, all at once, one per cause; pressing one
// selects the element and focuses the field at fault, which shows the message.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { getTemplate, validateLab } from '../../../electron/engine/topology/index';
import { App } from '../../../renderer/App';
import { emptyDoc } from '../../../renderer/state/doc-ops';
import { fakeClient, installDomShims } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

const engineClient = () => fakeClient((doc) => validateLab(doc));
const problems = () => screen.getAllByTestId('issue').map((b) => b.textContent);

describe('problems', () => {
  it('says a bad rate once, in words, beside the topology problems', async () => {
    const doc: LabDoc = getTemplate('nat')!;
    doc.nodes.client1.links[0].rate = 'fast';
    doc.nodes.web3.links = [];
    const { client } = engineClient();
    render(<App client={client} initialDoc={doc} />);
    await waitFor(() => expect(screen.getByTestId('issues-count').textContent).toBe('3'));
    expect(problems()).toEqual([
      `client1's link to front: rate "fast" is not a rate like 500kbit, 100mbit or 1gbit`,
      'web3: a server needs at least one link',
      'service web, backend web3: mode nat needs backend web3 on a network of balancer lb (front, back), its default gateway; web3 is on no network',
    ]);
  });

  it('focuses and marks the field a problem is about when it is pressed', async () => {
    const doc: LabDoc = getTemplate('nat')!;
    doc.nodes.client1.links[0].rate = 'fast';
    doc.services!.web.port = 70000;
    const { client } = engineClient();
    render(<App client={client} initialDoc={doc} />);
    await waitFor(() => expect(screen.getByTestId('issues-count').textContent).toBe('2'));

    fireEvent.click(screen.getAllByTestId('issue')[0]);
    const rate = screen.getByTestId('link-rate') as HTMLInputElement;
    expect(rate.value).toBe('fast');
    expect(document.activeElement).toBe(rate);
    const field = rate.closest('.field')!;
    expect(field.className).toContain('invalid');
    expect(field.className).toContain('flash');
    expect(screen.getByTestId('field-error-nodes.client1.links[0].rate').textContent).toBe('rate "fast" is not a rate like 500kbit, 100mbit or 1gbit');

    fireEvent.click(screen.getAllByTestId('issue')[1]);
    expect(screen.getAllByTestId('issue')[1].textContent).toBe('service web: port 70000 must be from 1 to 65535');
    expect(document.activeElement).toBe(screen.getByTestId('service-port'));
  });

  it('focuses the add-link select for a node without links, and a backend row for a backend problem', async () => {
    const doc: LabDoc = getTemplate('nat')!;
    doc.nodes.web3.links = [];
    const { client } = engineClient();
    render(<App client={client} initialDoc={doc} />);
    await waitFor(() => expect(screen.getByTestId('issues-count').textContent).toBe('2'));
    fireEvent.click(screen.getAllByTestId('issue')[0]);
    expect(document.activeElement).toBe(screen.getByTestId('node-add-link'));
    fireEvent.click(screen.getAllByTestId('issue')[1]);
    expect(document.activeElement).toBe(screen.getByTestId('backend-weight-web3'));
    expect(screen.getByTestId('backend-row-web3').className).toContain('has-issues');
  });

  it('will not deploy an empty lab, and says why', async () => {
    const { client } = engineClient();
    render(<App client={client} initialDoc={emptyDoc()} />);
    const deploy = screen.getByTestId('deploy') as HTMLButtonElement;
    expect(deploy.disabled).toBe(true);
    expect(deploy.title).toBe('Nothing to deploy: the lab has no nodes. Drag some from the palette, or start from a template.');
    await waitFor(() => expect(problems()).toEqual(['the lab has no nodes: add clients, a balancer and servers, or start from a template']));
    expect(screen.getByTestId('issues-panel').textContent).not.toContain('the lab is valid');
  });
});
