import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthSchema } from '../../../lab-images/balancer/contract/config';
import { HealthChecker, httpProbe, tcpProbe } from '../../../lab-images/balancer/agent/health';

const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const listen = (srv: net.Server, port = 0) => new Promise<number>((r) => srv.listen(port, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));
const close = (srv: net.Server) => new Promise<void>((r) => srv.close(() => r()));

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('probes', () => {
  it('tcp: connect ok, refused fails', async () => {
    const srv = net.createServer((c) => c.end());
    const port = await listen(srv);
    cleanup.push(() => close(srv));
    expect(await tcpProbe('127.0.0.1', port, 400)).toBeUndefined();
    await close(srv);
    cleanup = [];
    expect(await tcpProbe('127.0.0.1', port, 400)).toBe('tcp ECONNREFUSED');
  });

  it('http: 2xx ok, 500 fails', async () => {
    let code = 200;
    const srv = http.createServer((_q, s) => s.writeHead(code).end('x'));
    const port = await listen(srv);
    cleanup.push(() => close(srv));
    expect(await httpProbe('127.0.0.1', port, '/healthz', 400)).toBeUndefined();
    code = 500;
    expect(await httpProbe('127.0.0.1', port, '/healthz', 400)).toBe('http status 500');
  });
});

describe('HealthChecker', () => {
  it('marks down after `fall` failures and up after `rise` successes, against a real socket', async () => {
    const changes: string[] = [];
    const srv = net.createServer((c) => c.end());
    const port = await listen(srv);
    const hc = new HealthChecker((s, n, up) => changes.push(`${s}/${n}:${up ? 'up' : 'down'}`));
    cleanup.push(() => hc.stop());
    const spec = healthSchema.parse({ intervalMs: 100, timeoutMs: 80 });
    hc.setTargets([{ service: 'web', node: 'web1', address: '127.0.0.1', port, spec }]);
    await until(() => hc.report()[0].checks >= 2, 1000);
    expect(hc.isHealthy('web', 'web1')).toBe(true);
    const t0 = Date.now();
    await close(srv);
    await until(() => !hc.isHealthy('web', 'web1'), 1000);
    expect(Date.now() - t0).toBeLessThan(400); // two failed checks at 100 ms
    const again = net.createServer((c) => c.end());
    await listen(again, port);
    cleanup.push(() => close(again));
    await until(() => hc.isHealthy('web', 'web1'), 1000);
    expect(changes).toEqual(['web/web1:down', 'web/web1:up']);
  });

  it('one failure is not enough; state survives setTargets with the same target', async () => {
    let fail = 0;
    const hc = new HealthChecker(() => {}, async () => (fail-- > 0 ? 'boom' : undefined));
    cleanup.push(() => hc.stop());
    const spec = healthSchema.parse({ intervalMs: 100, fall: 2 });
    const t = { service: 's', node: 'n', address: '198.18.0.1', port: 80, spec };
    fail = 1;
    hc.setTargets([t]);
    await until(() => hc.report()[0].checks >= 3, 1000);
    expect(hc.isHealthy('s', 'n')).toBe(true);
    const checks = hc.report()[0].checks;
    hc.setTargets([t]);
    expect(hc.report()[0].checks).toBe(checks);
    hc.setTargets([]);
    expect(hc.report()).toEqual([]);
  });
});
