// @vitest-environment jsdom
// The Mode select marks what the topology cannot run, by the engine's own checks;
// a live switch the running lab cannot make is refused and the select goes back.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getTemplate, modeAvailability, validateLab } from '../../../electron/engine/topology/index';
import { App } from '../../../renderer/App';
import { fakeClient, installDomShims, runLab } from './helpers';

beforeAll(installDomShims);
afterEach(cleanup);

/** A client with the engine's real checks behind validateLab and modeAvailability. */
function engineClient() {
  const f = fakeClient((doc) => validateLab(doc));
  f.api.modeAvailability.mockImplementation(async (doc, service) => modeAvailability(doc, service));
  return f;
}

const option = (mode: string) => screen.getByTestId('service-mode').querySelector<HTMLOptionElement>(`option[value="${mode}"]`)!;

describe('mode availability', () => {
  it('marks the modes the tunnel template cannot run, with the reason on hover', async () => {
    const { client, api } = engineClient();
    render(<App client={client} initialDoc={getTemplate('tunnel')!} />);
    fireEvent.click(screen.getByTestId('service-web'));
    await waitFor(() => expect(option('dsr').dataset.unavailable).toBe('yes'));
    expect(api.modeAvailability).toHaveBeenCalledWith(expect.objectContaining({ name: 'tunnel' }), 'web');
    // the servers sit behind router r1: dsr and nat need them on the balancer's network
    expect(option('dsr').title).toMatch(/^service web, backend web1: mode dsr needs backend web1 on a network of balancer lb/);
    expect(option('dsr').textContent).toContain('not on this topology');
    expect(option('nat').dataset.unavailable).toBe('yes');
    for (const m of ['tunnel', 'snat', 'l4proxy', 'l7']) expect(option(m).dataset.unavailable, m).toBeUndefined();
  });

  it('follows the drawing: linking the servers to the balancer makes dsr possible', async () => {
    const { client } = engineClient();
    const doc = getTemplate('tunnel')!;
    for (const w of ['web1', 'web2', 'web3']) doc.nodes[w].links.push({ network: 'front' });
    render(<App client={client} initialDoc={doc} />);
    fireEvent.click(screen.getByTestId('service-web'));
    // now only nat is out: its servers would share a network with the clients
    await waitFor(() => expect(option('nat').dataset.unavailable).toBe('yes'));
    expect(option('dsr').dataset.unavailable).toBeUndefined();
    expect(option('nat').title).toContain('shares network front with client client1');
  });

  it('refuses a live switch the running lab cannot make, puts the select back and says why', async () => {
    const { client, api } = engineClient();
    const doc = getTemplate('tunnel')!;
    doc.name = 'running';
    runLab(api, doc);
    render(<App client={client} initialDoc={doc} />);
    await waitFor(() => expect(screen.getByTestId('lab-state').getAttribute('data-deployed')).toBe('yes'));
    fireEvent.click(screen.getByTestId('service-web'));
    fireEvent.change(screen.getByTestId('service-mode'), { target: { value: 'nat' } });
    await waitFor(() => expect(screen.getByTestId('field-error-services.web.mode').textContent).toContain('Switch refused: web cannot run in nat on the running lab'));
    expect((screen.getByTestId('service-mode') as HTMLSelectElement).value).toBe('tunnel');
    expect(api.setMode).not.toHaveBeenCalled(); // refused by the engine's checks, without a failing call
    expect(screen.getByTestId('toast-warn').textContent).toContain('Mode switch refused: web stays in tunnel');

    // a switch the lab can make goes live
    api.setMode.mockImplementation(async (_lab: string, service: string, mode: 'snat') => ({ ...runLabService(service), mode }));
    fireEvent.change(screen.getByTestId('service-mode'), { target: { value: 'snat' } });
    await waitFor(() => expect(api.setMode).toHaveBeenCalledWith('running', 'web', 'snat'));
    await waitFor(() => expect(screen.queryByTestId('field-error-services.web.mode')).toBeNull());
    expect((screen.getByTestId('service-mode') as HTMLSelectElement).value).toBe('snat');
  });

  it('puts the select back when the engine refuses the switch itself', async () => {
    const { client, api } = engineClient();
    const doc = getTemplate('nat')!;
    doc.name = 'running';
    runLab(api, doc);
    api.setMode.mockRejectedValue(new Error('lab running: node web2 is not running: redeploy with `lblab up`'));
    render(<App client={client} initialDoc={doc} />);
    await waitFor(() => expect(screen.getByTestId('lab-state').getAttribute('data-deployed')).toBe('yes'));
    fireEvent.click(screen.getByTestId('service-web'));
    fireEvent.change(screen.getByTestId('service-mode'), { target: { value: 'snat' } });
    await waitFor(() => expect(screen.getByTestId('field-error-services.web.mode').textContent).toContain('node web2 is not running'));
    expect((screen.getByTestId('service-mode') as HTMLSelectElement).value).toBe('nat');
  });
});

const runLabService = (name: string) => ({ name, balancer: 'lb', vip: '198.18.0.254', port: 80, scheduler: 'maglev' as const, backends: [] });
