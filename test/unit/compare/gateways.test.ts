import { describe, expect, it } from 'vitest';
import { delayRefusal, type CompareRun } from '../../../electron/api';
import { parseSnapshots, samplerScript } from '../../../electron/engine/compare/counters';
import { gatewayFigures, gatewaySwitchScript, gatewayVerdict, summarizeGateways } from '../../../electron/engine/compare/gateway-rows';
import { checkRequestFields } from '../../../electron/engine/compare/request';
import { loadScript } from '../../../electron/engine/compare/wrk';

const run = (gateway: CompareRun['gateway'], rps: number, extra: Partial<CompareRun> = {}): CompareRun => ({
  mode: 'l7', repetition: 1, throughputMbps: 1, requestsPerSec: rps, latencyMs: { p50: 200, p90: 210, p99: 250 }, errors: 0,
  backendShares: {}, balancerBytes: {}, responseBytes: 1, balancerCpuSeconds: 1, gateway,
  gatewayMemoryBytes: 20e6, gatewayProcesses: 1, gatewayThreads: 2, gatewayContextSwitches: 10, waitedForWorker: 0, failedRequests: 0, ...extra,
});

describe('comparisons across gateways', () => {
  it('the /delay/MS range, checked before anything runs', () => {
    expect(delayRefusal('/delay/200')).toBeUndefined();
    expect(delayRefusal('/delay/0')).toBeUndefined();
    expect(delayRefusal('1m')).toBeUndefined();
    expect(delayRefusal('/delay/10001')).toMatch(/out of range: \/delay\/MS takes 0 to 10000 ms/);
    expect(delayRefusal('/delay/abc')).toMatch(/out of range/);
    expect(() => checkRequestFields({ lab: 'x', object: '/delay/99999' })).toThrow(/out of range/);
    expect(() => checkRequestFields({ lab: 'x', gateways: ['nginx', 'lighttpd'] } as never)).toThrow(/unknown gateway "lighttpd"/);
    expect(() => checkRequestFields({ lab: 'x', gateways: ['nginx'], modes: ['l7'] })).toThrow(/either modes or gateways/);
    expect(() => checkRequestFields({ lab: 'x', gateways: ['nginx', 'nginx'] })).toThrow(/listed twice/);
  });

  it('the sampler reads the gateway processes and listen queue; peaks and context-switch deltas per run', () => {
    expect(samplerScript('t', 0.25, 2, { gateway: true })).toContain('haproxy|nginx|apache2');
    expect(samplerScript('t', 0.25, 2)).not.toContain('apache2');
    const snaps = parseSnapshots('t 1.0\ngw 1000 3 2 50 0\n--\nt 1.25\ngw 3000 9 4 80 700\n--\nt 1.5\ngw 2000 9 4 120 10\n--\n');
    const f = gatewayFigures('apache-prefork', snaps, 5);
    expect(f).toEqual({ gateway: 'apache-prefork', gatewayMemoryBytes: 3000 * 1024, gatewayProcesses: 4, gatewayThreads: 9, gatewayContextSwitches: 70, waitedForWorker: 700, failedRequests: 5 });
  });

  it('the switch starts the gateway afresh; keep-alive off asks for a new connection per request', () => {
    expect(gatewaySwitchScript('web', 'nginx')).toBe('lbagent gateway web haproxy >/dev/null && lbagent gateway web nginx');
    expect(gatewaySwitchScript('web', 'haproxy')).toMatch(/gateway web nginx .*gateway web haproxy$/);
    expect(gatewaySwitchScript('web', 'apache-prefork', 40)).toMatch(/apache-prefork --workers 40$/);
    const plan = { urls: ['http://v:80/'], jobs: [{ target: 'v', port: 80, connections: 4 }], path: '/', warmup: 0, duration: 1, tag: 't', serveTries: 1 };
    expect(loadScript({ ...plan, keepAlive: false })).toContain("-H 'Connection: close'");
    expect(loadScript(plan)).not.toContain('Connection: close');
  });

  it('summary per gateway and a one-sentence verdict naming the model that held and what gave elsewhere', () => {
    const runs = [run('haproxy', 4000), run('nginx', 3800, { gatewayThreads: 3 }), run('apache-prefork', 240, { gatewayMemoryBytes: 400e6, gatewayProcesses: 41, gatewayThreads: 41, waitedForWorker: 900 })];
    const s = summarizeGateways(['haproxy', 'nginx', 'apache-prefork'], runs, 1000);
    expect(s.map((x) => x.gateway)).toEqual(['haproxy', 'nginx', 'apache-prefork']);
    expect(s[2].memoryPerConnectionBytes).toBe(400000);
    const v = gatewayVerdict(s, 1000)!;
    expect(v.split('. ').length).toBe(1);
    expect(v).toMatch(/^haproxy \(20 kB\/connection\), nginx \(20 kB\/connection\) held 1000 connections, an event loop/);
    expect(v).toMatch(/apache-prefork \(a process per connection, 41 processes, 41 threads, 391 kB\/connection\): 900 connections waited for a free worker\.$/);
  });
});
