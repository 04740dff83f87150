// @vitest-environment jsdom
// The drawing against the lab that runs: what differs, said in the toolbar, and
// gone once Redeploy has applied it.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { App } from '../../../renderer/App';
import { changeLine, labDiff, redeployEffect } from '../../../renderer/state/drift';
import { fakeClient, installDomShims, runLab, runningStatus, sampleDoc } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

const labDoc = (): LabDoc => {
  const d = sampleDoc();
  d.nodes.web2.links = [{ network: 'front' }];
  return d;
};

describe('drift diff', () => {
  it('is empty for the same lab, whatever the positions and description', () => {
    const moved = labDoc();
    moved.nodes.web1.position = { x: 999, y: 999 };
    moved.description = 'drawn again';
    expect(labDiff(labDoc(), moved)).toEqual([]);
  });

  it('an auto subnet in the drawing matches the subnet the engine chose; a subnet written in it counts', () => {
    const running = labDoc();
    running.networks.front = { subnet: '198.18.7.0/24' }; // what the engine records for an auto network
    expect(labDiff(running, labDoc())).toEqual([]);
    const pinned = labDoc();
    pinned.networks.front = { subnet: '198.18.9.0/24' };
    expect(labDiff(running, pinned).map(changeLine)).toEqual(['~ network front: subnet']);
  });

  it('lists nodes, networks, links and services added, removed and changed', () => {
    const d = labDoc();
    d.nodes.web3 = { kind: 'server', links: [{ network: 'back' }] };
    d.networks.back = {};
    delete d.nodes.client1;
    d.nodes.web1.links[0].rate = '100mbit';
    d.services!.web = { ...d.services!.web, mode: 'nat', backends: ['web1', 'web3'] };
    expect(labDiff(labDoc(), d).map(changeLine)).toEqual([
      '+ node web3',
      '− node client1',
      '+ network back',
      '+ link web3 ↔ back',
      '− link client1 ↔ front',
      '~ link web1 ↔ front: rate',
      '~ service web: mode, backends',
    ]);
  });

  it('says what Redeploy does, and that a mode alone can switch live', () => {
    const d = labDoc();
    d.services!.web.mode = 'nat';
    const modeOnly = labDiff(labDoc(), d);
    expect(redeployEffect(modeOnly, labDoc())).toBe(
      'Redeploy recreates the whole lab (4 containers): terminals reconnect, counters start from zero; a mode alone can also be switched live with the Mode select.',
    );
    d.nodes.web1.image = 'nginx';
    expect(redeployEffect(labDiff(labDoc(), d), labDoc())).toBe('Redeploy recreates the whole lab (4 containers): terminals reconnect, counters start from zero.');
  });
});

describe('drift indicator', () => {
  it('shows what the drawing changed on a running lab, asks before Redeploy, and clears once redeployed', async () => {
    const { client, api } = fakeClient();
    const running = runLab(api, labDoc());
    render(<App client={client} initialDoc={labDoc()} />);
    await waitFor(() => expect(screen.getByTestId('lab-state').getAttribute('data-deployed')).toBe('yes'));
    expect(screen.queryByTestId('drift')).toBeNull();

    // a new server while the lab runs
    fireEvent.click(screen.getByTestId('palette-server'));
    await waitFor(() => expect(screen.getByTestId('drift').textContent).toContain('drawing differs from the running lab (1)'));
    fireEvent.click(screen.getByTestId('drift'));
    expect(within(screen.getByTestId('drift-details')).getAllByTestId('drift-line').map((l) => l.textContent)).toEqual(['+ node web3']);
    expect(screen.getByTestId('drift-effect').textContent).toContain('Redeploy recreates the whole lab (4 containers)');

    await waitFor(() => expect((screen.getByTestId('deploy') as HTMLButtonElement).disabled).toBe(false));
    // Redeploy asks first; cancelling deploys nothing
    fireEvent.click(screen.getByTestId('deploy'));
    await waitFor(() => expect(screen.getByTestId('confirm').textContent).toContain('Redeploy lab demo?'));
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(screen.queryByTestId('confirm')).toBeNull();
    expect(api.deploy).not.toHaveBeenCalled();

    api.deploy.mockImplementation(async (doc: LabDoc) => runningStatus(running.set(doc) && doc));
    fireEvent.click(screen.getByTestId('deploy'));
    fireEvent.click(await screen.findByTestId('confirm-ok'));
    await waitFor(() => expect(api.deploy).toHaveBeenCalledTimes(1));
    expect(Object.keys(api.deploy.mock.calls[0][0].nodes)).toContain('web3');
    await waitFor(() => expect(screen.queryByTestId('drift')).toBeNull());
    expect(screen.getByTestId('lab-state').getAttribute('data-deployed')).toBe('yes');
  });
});
