// @vitest-environment jsdom
// The Packet journey tab against a mock API client: what Send asks the
// engine, the busy state, the hops with the rewritten fields highlighted,
// errors as one line, and the path handed to the canvas.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import type { Journey, LabApi, ServiceStatus } from '../../../electron/api';
import { JourneyPanel, type JourneyPanelProps } from '../../../renderer/components/journey/JourneyPanel';
import type { JourneyHighlight } from '../../../renderer/lib/journey-data';
import { fakeClient, installDomShims } from './helpers';
import { JOURNEYS, VXLAN_JOURNEY } from './journey-fixtures';

beforeAll(installDomShims);
afterEach(cleanup);

const web: ServiceStatus = { name: 'web', balancer: 'lb', vip: '198.18.236.254', port: 80, mode: 'dsr', scheduler: 'maglev', backends: [] };
const api2: ServiceStatus = { ...web, name: 'api', port: 8080, mode: 'nat' };

function setup(props: Partial<JourneyPanelProps> = {}) {
  const f = fakeClient();
  const api = f.api as unknown as { [K in keyof LabApi]: Mock<LabApi[K]> };
  const onPath = vi.fn<(p: JourneyHighlight | null) => void>();
  const all: JourneyPanelProps = { client: f.client, lab: 'demo', services: [web], clients: ['client1', 'client2'], visible: true, onPath, ...props };
  const view = render(<JourneyPanel {...all} />);
  return { api, onPath, rerender: (p: Partial<JourneyPanelProps>) => view.rerender(<JourneyPanel {...all} {...p} />) };
}
const send = () => screen.getByTestId('journey-send') as HTMLButtonElement;
const field = (leg: string, i: number, name: string) => screen.getByTestId(`hop-${leg}-${i}-field-${name}`);
const lastPath = (onPath: Mock) => onPath.mock.calls[onPath.mock.calls.length - 1]?.[0] as JourneyHighlight | null | undefined;

describe('journey panel', () => {
  it('is disabled, saying why, while no lab is deployed', () => {
    const { api } = setup({ lab: null, services: [], clients: [] });
    expect(screen.getByTestId('journey-blocked').textContent).toBe('Deploy the lab to follow a packet through it.');
    expect(send().disabled).toBe(true);
    fireEvent.click(send());
    expect(api.journey).not.toHaveBeenCalled();
  });

  it('says so when the lab has no client to send from', () => {
    setup({ clients: [] });
    expect(screen.getByTestId('journey-blocked').textContent).toBe('This lab has no client to send from.');
    expect(send().disabled).toBe(true);
  });

  it('sends from the chosen client to the chosen service, busy until the journey comes back', async () => {
    const { api } = setup({ services: [web, api2] });
    let answer!: (j: Journey) => void;
    api.journey.mockImplementation(() => new Promise<Journey>((r) => (answer = r)));
    fireEvent.change(screen.getByTestId('journey-service'), { target: { value: 'api' } });
    fireEvent.change(screen.getByTestId('journey-from'), { target: { value: 'client2' } });
    fireEvent.click(send());
    expect(api.journey).toHaveBeenCalledTimes(1);
    expect(api.journey).toHaveBeenCalledWith('demo', { service: 'api', from: 'client2' });
    // busy: no second request, the selects locked, the wait said
    expect(send().disabled).toBe(true);
    expect(send().textContent).toBe('Sending…');
    expect((screen.getByTestId('journey-from') as HTMLSelectElement).disabled).toBe(true);
    expect(screen.getByTestId('journey-busy').textContent).toMatch(/capturing on every interface/);
    expect(screen.getByTestId('journey-waiting').textContent).toMatch(/from client2 to api \(198\.18\.236\.254:8080\)/);
    await act(async () => answer(JOURNEYS.dsr()));
    expect(send().disabled).toBe(false);
    expect(screen.queryByTestId('journey-busy')).toBeNull();
    expect(screen.getByTestId('journey-verdict').textContent).toBe('dsr: lb rewrote only eth.dst; the response went web3 → r1 → client1 and did not cross the balancer.');
  });

  it('a single service needs no picker; Send asks for it by name', async () => {
    const { api } = setup();
    api.journey.mockResolvedValue(JOURNEYS.dsr());
    expect(screen.queryByTestId('journey-service')).toBeNull();
    fireEvent.click(send());
    expect(api.journey).toHaveBeenCalledWith('demo', { service: 'web', from: 'client1' });
    await screen.findByTestId('journey-result');
  });

  it('a service with a vip6 offers over IPv6: Send then asks for family 6 and says the VIP6; none without a vip6', async () => {
    const { api, rerender } = setup({ services: [{ ...web, vip6: 'fd00:4c42::fe' }] });
    api.journey.mockImplementation(() => new Promise<Journey>(() => undefined));
    const box = screen.getByTestId('journey-ipv6') as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(box.parentElement!.getAttribute('title')).toBe("Send the request to the service's IPv6 VIP (fd00:4c42::fe) instead of its IPv4 one");
    fireEvent.click(box);
    fireEvent.click(send());
    expect(api.journey).toHaveBeenCalledWith('demo', { service: 'web', from: 'client1', family: 6 });
    expect(screen.getByTestId('journey-waiting').textContent).toMatch(/from client1 to web \(\[fd00:4c42::fe\]:80\)/);
    rerender({ services: [web] });
    expect(screen.queryByTestId('journey-ipv6')).toBeNull();
  });

  it('dsr: the hops in order, the balancer hop with eth.dst highlighted and the expected changes dimmed', async () => {
    const { api } = setup();
    api.journey.mockResolvedValue(JOURNEYS.dsr());
    fireEvent.click(send());
    await screen.findByTestId('journey-result');
    const req = within(screen.getByTestId('journey-request'));
    expect(req.getAllByRole('article').map((a) => a.getAttribute('aria-label'))).toEqual([
      'request hop 1: client1 eth0 out',
      'request hop 2: lb eth1 in',
      'request hop 3: lb eth0 out',
      'request hop 4: web3 eth0 in',
    ]);
    expect(within(screen.getByTestId('journey-response')).getAllByRole('article').map((a) => a.getAttribute('aria-label'))).toEqual([
      'response hop 1: web3 eth0 out',
      'response hop 2: r1 eth0 in',
      'response hop 3: r1 eth1 out',
      'response hop 4: client1 eth0 in',
    ]);
    const dst = field('request', 3, 'eth.dst');
    expect(dst.dataset.mark).toBe('rewrite');
    expect(dst.textContent).toBe('02:42:c6:12:ed:06');
    expect(dst.getAttribute('title')).toBe("eth.dst: dsr: lb rewrites only the destination MAC, to the chosen server's (02:42:c6:12:ec:02 → 02:42:c6:12:ed:06)");
    expect(screen.getByTestId('hop-request-3-badge').textContent).toBe('rewritten by dsr');
    expect(field('request', 3, 'eth.src').dataset.mark).toBe('expected');
    expect(field('request', 3, 'ip.dst').dataset.mark).toBe('same');
    // the router's TTL: expected, with why on hover
    expect(field('response', 3, 'ip.ttl').dataset.mark).toBe('expected');
    expect(field('response', 3, 'ip.ttl').getAttribute('title')).toBe('ip.ttl, expected: r1 forwarded the packet: TTL decremented (was 64)');
    // only the balancer's hop carries a badge
    expect(screen.getAllByText(/^rewritten by/)).toHaveLength(1);
    expect(screen.getByTestId('hop-request-2').textContent).toMatch(/\+23\.6 µs/);
    expect(screen.queryByTestId('journey-error')).toBeNull();
  });

  it("tunnel: the outer header appears as added fields on the balancer's hop", async () => {
    const { api } = setup();
    api.journey.mockResolvedValue(JOURNEYS.tunnel());
    fireEvent.click(send());
    await screen.findByTestId('journey-result');
    for (const [name, value] of [['encap', 'ipip'], ['outer.ip.src', '198.18.237.2'], ['outer.ip.dst', '198.18.237.4']]) {
      const cell = field('request', 3, name);
      expect(cell.dataset.mark).toBe('added');
      expect(cell.textContent).toBe(`+${value}`);
    }
    // before the balancer the rows are there, empty
    expect(field('request', 1, 'outer.ip.src').textContent).toBe('—');
    expect(screen.getByTestId('hop-request-3-badge').textContent).toBe('wrapped by tunnel');
    expect(screen.getByTestId('journey-verdict').textContent).toMatch(/^tunnel: lb wrapped the packet in an outer IPv4 header/);
  });

  it('across hosts: the hop between them names the hosts, VXLAN added as the overlay does it (dimmed), no badge', async () => {
    const { api } = setup();
    api.journey.mockResolvedValue(VXLAN_JOURNEY());
    fireEvent.click(send());
    await screen.findByTestId('journey-result');
    expect(screen.getByTestId('hop-request-2-node').textContent).toBe('host a');
    expect(screen.getByTestId('hop-request-3-node').textContent).toBe('host b');
    expect(screen.getByTestId('hop-request-2-underlay').textContent).toBe('underlay');
    expect(screen.getByTestId('hop-request-1-host').textContent).toBe('@a');
    expect(screen.getByTestId('hop-request-4-host').textContent).toBe('@b');
    for (const [name, value] of [['encap', 'vxlan'], ['underlay.ip.src', '198.19.253.1'], ['underlay.ip.dst', '198.19.253.2'], ['underlay.udp.dstport', '4789'], ['vxlan.vni', '4097']]) {
      const cell = field('request', 2, name);
      expect(cell.dataset.mark, name).toBe('expected');
      expect(cell.textContent).toBe(value);
      expect(field('request', 1, name).textContent).toBe('—');
    }
    expect(field('request', 2, 'encap').getAttribute('title')).toMatch(/^encap, expected: a: the overlay network carries the frame to another host in VXLAN/);
    // the inner frame crosses unchanged; the server's hop sees the header gone
    expect(field('request', 2, 'ip.src').dataset.mark).toBe('same');
    expect(field('request', 4, 'encap').dataset.mark).toBe('expected');
    expect(field('request', 4, 'encap').textContent).toBe('—');
    expect(screen.queryByTestId('hop-request-2-badge')).toBeNull();
    expect(screen.queryByTestId('hop-request-1-field-outer.ip.src')).toBeNull();
    expect(screen.getByTestId('journey-verdict').textContent).toBe('nat: nothing rewrote the request on its way to web1 (forwarding only); the response went web1 → client1 and did not cross the balancer.');
  });

  it('shows a failed call as one line, without the transport wrapping', async () => {
    const { api } = setup();
    api.journey.mockRejectedValue(new Error("Error invoking remote method 'lblab:invoke': Error: client client1 of lab demo is not running (exited)\n    at journey (engine.js:1:1)"));
    fireEvent.click(send());
    const err = await screen.findByTestId('journey-error');
    expect(err.textContent).toBe('Journey failed: client client1 of lab demo is not running (exited)dismiss');
    expect(send().disabled).toBe(false);
    fireEvent.click(within(err).getByText('dismiss'));
    expect(screen.queryByTestId('journey-error')).toBeNull();
  });

  it("shows the journey's own error as one line and still the hops it saw", async () => {
    const { api } = setup();
    const j: Journey = { ...JOURNEYS.dsr(), error: 'the request got no response (curl: (28) Operation timed out after 5001 milliseconds)', notCaptured: ['web2 (exited)'] };
    j.response = { hops: [], viaBalancer: false };
    api.journey.mockResolvedValue(j);
    fireEvent.click(send());
    const err = await screen.findByTestId('journey-error');
    expect(err.textContent).toBe(j.error);
    expect(within(screen.getByTestId('journey-request')).getAllByRole('article')).toHaveLength(4);
    expect(screen.getByTestId('journey-response').textContent).toMatch(/not seen on any interface/);
    expect(screen.getByTestId('journey-verdict').textContent).toBe('dsr: lb rewrote only eth.dst; no response was seen.');
    expect(screen.getByTestId('journey-meta').textContent).toMatch(/not captured: web2 \(exited\)$/);
  });

  it('hands the path to the canvas while shown, and takes it back when hidden or the tab is left', async () => {
    const { api, onPath, rerender } = setup();
    api.journey.mockResolvedValue(JOURNEYS.dsr());
    expect(lastPath(onPath)).toBeNull();
    fireEvent.click(send());
    await screen.findByTestId('journey-result');
    await waitFor(() => expect(lastPath(onPath)).not.toBeNull());
    const path = lastPath(onPath);
    expect(path?.nodes).toEqual({ request: ['client1', 'lb', 'web3'], response: ['web3', 'r1', 'client1'] });
    expect(path?.steps).toHaveLength(4);
    fireEvent.click(screen.getByTestId('journey-show'));
    expect(lastPath(onPath)).toBeNull();
    fireEvent.click(screen.getByTestId('journey-show'));
    expect(lastPath(onPath)?.nodes.response).toEqual(['web3', 'r1', 'client1']);
    rerender({ visible: false });
    await waitFor(() => expect(lastPath(onPath)).toBeNull());
    rerender({ visible: true });
    await waitFor(() => expect(lastPath(onPath)).not.toBeNull());
    // another lab: the old journey is dropped
    rerender({ lab: 'other' });
    await waitFor(() => expect(lastPath(onPath)).toBeNull());
    expect(screen.queryByTestId('journey-result')).toBeNull();
  });

  it('ignores a journey that comes back after the lab changed', async () => {
    const { api, rerender } = setup();
    let answer!: (j: Journey) => void;
    api.journey.mockImplementation(() => new Promise<Journey>((r) => (answer = r)));
    fireEvent.click(send());
    rerender({ lab: 'other' });
    await act(async () => answer(JOURNEYS.dsr()));
    expect(screen.queryByTestId('journey-result')).toBeNull();
    expect(send().disabled).toBe(false);
  });
});
