// The checks' verdicts from what the instruments returned: a journey through
// a dsr balancer passes the direct-routing check and one through snat fails
// it, naming the rewritten address; a capture with responses through the
// balancer fails the dsr capture check.
import { describe, expect, it } from 'vitest';
import type { DecodedPacket, Journey, JourneyHop, ServiceStatus } from '../../../electron/api';
import { judgeJourney, judgeThrough } from '../../../electron/engine/lessons/checks';
import { directRouting } from '../../../electron/engine/lessons/course/direct-routing';

const follow = directRouting.steps.find((s) => s.id === 'follow')!.checks[0] as Parameters<typeof judgeJourney>[1];
const CLIENT = '198.18.0.6';
const VIP = '198.18.0.254';

const hop = (node: string, direction: 'in' | 'out', src: string, changes: JourneyHop['changes'] = []): JourneyHop => ({
  node, iface: 'eth0', direction, summary: '', changes, ts: '0', t: 0, fields: { 'ip.src': src, 'ip.dst': VIP },
});

function journey(mode: 'dsr' | 'snat'): Journey {
  const atLb =
    mode === 'dsr'
      ? [{ field: 'eth.dst', from: 'a', to: 'b', expected: false }, { field: 'eth.src', from: 'c', to: 'a', expected: true }]
      : [{ field: 'ip.src', from: CLIENT, to: '198.18.0.2', expected: false }, { field: 'ip.dst', from: VIP, to: '198.18.0.4', expected: false }];
  const seenFrom = mode === 'dsr' ? CLIENT : '198.18.0.2';
  return {
    lab: 'x', service: 'web', mode, vip: VIP, port: 80, client: { node: 'client1', address: CLIENT }, backend: 'web2',
    request: { url: '', token: '', hops: [hop('client1', 'out', CLIENT), hop('lb', 'in', CLIENT), hop('lb', 'out', seenFrom, atLb), hop('web2', 'in', seenFrom)] },
    response: { viaBalancer: mode === 'snat', hops: [] },
  };
}

describe('judging a journey', () => {
  it('passes direct routing on a dsr journey', () => {
    const parts = judgeJourney(journey('dsr'), follow);
    expect(parts.filter((p) => !p.passed)).toEqual([]);
    expect(parts.length).toBe(5);
  });

  it('fails it on a snat journey, saying which fields were rewritten, in both languages', () => {
    const parts = judgeJourney(journey('snat'), follow);
    const failed = parts.filter((p) => !p.passed);
    expect(failed.length).toBe(4); // no eth.dst rewrite; addresses rewritten; via the balancer; the client hidden
    expect(failed.map((p) => p.seen.en).join('\n')).toContain('rewritten: ip.src, ip.dst');
    expect(failed.map((p) => p.seen['zh-CN']).join('\n')).toContain('被改写：ip.src、ip.dst');
  });

  it('fails when the journey could not be followed', () => {
    const j = { ...journey('dsr'), error: 'the request got no response' };
    expect(judgeJourney(j, follow)[0]).toMatchObject({ passed: false, seen: { en: 'incomplete: the request got no response' } });
  });
});

describe('judging a capture', () => {
  const s = { name: 'web', vip: VIP, port: 80 } as ServiceStatus;
  const pkt = (sport: number, dport: number, payloadLength: number): DecodedPacket => ({ ts: 0, caplen: 100, len: 100, layers: [], summary: '', brief: { proto: 'tcp', sport, dport, payloadLength } });
  it('passes when the balancer carried requests and no response', () => {
    expect(judgeThrough([pkt(40000, 80, 70), pkt(40000, 80, 0), pkt(80, 40000, 0)], s, 'lb', false).passed).toBe(true);
  });
  it('fails when response bytes crossed it, counting them', () => {
    const r = judgeThrough([pkt(40000, 80, 70), pkt(80, 40000, 200)], s, 'lb', false);
    expect(r.passed).toBe(false);
    expect(r.seen.en).toBe('lb saw 1 request packets (100 bytes) and 1 response packets (100 bytes)');
  });
  it('fails with no request seen at all', () => {
    expect(judgeThrough([], s, 'lb', true).passed).toBe(false);
  });
});
