import { describe, expect, it } from 'vitest';
import type { Journey, JourneyHop } from '../../../electron/api';
import { formatJourney } from '../../../electron/cli/journey-format';
import { VXLAN_JOURNEY } from '../renderer/journey-fixtures';

const hop = (node: string, direction: 'in' | 'out', t: number, changes: JourneyHop['changes'] = []): JourneyHop => ({
  node,
  iface: 'eth0',
  direction,
  summary: `IP 198.18.236.4.40000 > 198.18.236.254.80: Flags [P.], length 90: HTTP: GET / HTTP/1.1`,
  changes,
  ts: '1795839470.000000000',
  t,
  fields: {},
});

const j: Journey = {
  lab: 'demo',
  service: 'web',
  mode: 'dsr',
  vip: '198.18.236.254',
  port: 80,
  client: { node: 'client1', address: '198.18.236.4', port: 40000 },
  backend: 'web2',
  request: {
    url: 'http://198.18.236.254:80/',
    token: 't',
    hops: [
      hop('client1', 'out', 0),
      hop('lb', 'in', 12.5),
      hop('lb', 'out', 20, [
        { field: 'eth.src', from: '02:42:c6:12:ec:04', to: '02:42:c6:12:ed:02', expected: true, why: "a frame leaving lb carries lb's own MAC as source" },
        { field: 'eth.dst', from: '02:42:c6:12:ec:02', to: '02:42:c6:12:ed:05', expected: false, why: 'dsr: lb rewrites only the destination MAC' },
      ]),
      hop('web2', 'in', 30),
    ],
  },
  response: { hops: [hop('web2', 'out', 200), hop('client1', 'in', 250)], viaBalancer: false, status: 200 },
};

describe('lblab journey as text', () => {
  const text = formatJourney(j);
  const lines = text.split('\n');

  it('says what was followed, then a table of hops for each way, and whether the response crossed the balancer', () => {
    expect(lines[0]).toBe('journey on lab demo: service web in dsr mode, client1 (198.18.236.4:40000) → 198.18.236.254:80, reached web2 (HTTP 200)');
    expect(lines).toContain('REQUEST');
    expect(lines).toContain('RESPONSE');
    expect(lines.filter((l) => /^\s+#\s+NODE\s+IFACE\s+DIR\s+T\(µs\)\s+SUMMARY$/.test(l))).toHaveLength(2);
    expect(lines.some((l) => /^\s+3\s+lb\s+eth0\s+out\s+20\.0\s+IP 198/.test(l))).toBe(true);
    expect(text).toContain('response crossed the balancer: no');
  });

  it('puts the changes under their hop: the rewrite first and marked, the expected ones marked as such', () => {
    const at = lines.findIndex((l) => /^\s+3\s+lb/.test(l));
    expect(lines[at + 1]).toMatch(/^\s+! eth\.dst\s+02:42:c6:12:ec:02 → 02:42:c6:12:ed:05\s+dsr: lb rewrites/);
    expect(lines[at + 2]).toMatch(/^\s+· eth\.src\s+02:42:c6:12:ec:04 → 02:42:c6:12:ed:02\s+\(expected: a frame leaving lb/);
    expect(lines[at + 3]).toMatch(/^\s+4\s+web2/);
    // aligned under the summary column
    expect(lines[at + 1].indexOf('!')).toBe(lines[at].indexOf('IP 198'));
  });

  it('dims the expected changes on a terminal, and cuts long lines to its width', () => {
    const tty = formatJourney(j, { color: true, width: 60 });
    const DIM = '\u001b[2m';
    expect(tty.split('\n').find((l) => l.includes('· eth.src'))?.startsWith(DIM)).toBe(true);
    expect(tty.split('\n').find((l) => l.includes('! eth.dst'))?.includes(DIM)).toBe(false);
    expect(tty.split('\n').filter((l) => /^\s+\d+\s+\w+\s+eth0/.test(l)).every((l) => l.length <= 60 && l.endsWith('…'))).toBe(true);
  });

  it('shows a failed request and what was not captured', () => {
    const t = formatJourney({ ...j, error: 'the request got no response (curl: (28) timed out)', notCaptured: ['web3 (exited)'], response: { hops: [], viaBalancer: false } });
    expect(t).toContain('note: the request got no response (curl: (28) timed out)');
    expect(t).toContain('not captured: web3 (exited)');
    expect(t).toMatch(/RESPONSE\n\s+\(not seen on any interface\)/);
  });
});

describe('a journey over IPv6', () => {
  it('says the VIP6 and the client\'s IPv6 address in brackets with their ports', () => {
    const text = formatJourney({ ...j, vip: 'fd00:4c42::fe', family: 6, client: { node: 'client1', address: 'fd00:4c42::4', port: 40000 } });
    expect(text.split('\n')[0]).toBe('journey on lab demo: service web in dsr mode, client1 ([fd00:4c42::4]:40000) → [fd00:4c42::fe]:80, reached web2 (HTTP 200)');
  });
});

describe('a journey across hosts', () => {
  it('names each node\'s host and the hop between hosts, the VXLAN change dimmed as expected', () => {
    const vx = structuredClone(VXLAN_JOURNEY());
    const text = formatJourney(vx);
    const req = text.split('\n');
    expect(req.find((l) => /^ {2}1 /.test(l))).toMatch(/^ {2}1 +client1@a +eth0 +out /);
    expect(req.find((l) => /^ {2}2 /.test(l))).toMatch(/^ {2}2 +host a +ens4 +out .*VXLAN VNI 4097 · /);
    expect(text).toMatch(/· encap +\(none\) → vxlan +\(expected: a: the overlay network carries the frame/);
    expect(text).toMatch(/· vxlan\.vni +\(none\) → 4097/);
  });
});
