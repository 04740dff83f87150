import { describe, expect, it } from 'vitest';
import { agentConfigSchema, parseAgentConfig } from '../../../lab-images/balancer/contract/config';
import { sampleConfig } from './fixtures';

const errorsOf = (v: unknown) => {
  const r = parseAgentConfig(JSON.stringify(v));
  return r.ok ? [] : r.errors;
};

describe('agent config', () => {
  it('accepts a valid config and fills defaults', () => {
    const r = parseAgentConfig(JSON.stringify(sampleConfig()));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.config.services[0];
    expect(s.proto).toBe('tcp');
    expect(s.health).toEqual({ type: 'tcp', path: '/', intervalMs: 500, timeoutMs: 400, fall: 2, rise: 2 });
    expect(s.routes).toEqual([]);
  });

  it('rejects non-JSON with one line', () => {
    const r = parseAgentConfig('{nope');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toHaveLength(1);
  });

  it('names the field at fault', () => {
    const bad = sampleConfig();
    bad.services[0].vip = '300.1.1.1';
    expect(errorsOf(bad)).toEqual(['services.0.vip: must be an IPv4 address']);
  });

  it('snat needs snatAddress', () => {
    const bad = sampleConfig();
    bad.services[0].mode = 'snat';
    expect(errorsOf(bad)).toEqual(['services.0.snatAddress: snat mode needs snatAddress']);
  });

  it('routes only in l7, and a route needs a condition', () => {
    const bad = sampleConfig();
    bad.services[0].routes = [{ backends: [{ node: 'web1', address: '198.18.0.11' }] }];
    const errs = errorsOf(bad);
    expect(errs.some((e) => e.startsWith('services.0.routes.0: a route needs a path'))).toBe(true);
    expect(errs.some((e) => e.includes('routes are only for l7'))).toBe(true);
  });

  it('refuses duplicate backends, services and listeners', () => {
    const bad = sampleConfig();
    bad.services[0].backends.push({ node: 'web1', address: '198.18.0.13' });
    bad.services.push({ ...bad.services[0], name: 'web' });
    const errs = errorsOf(bad);
    expect(errs).toContain('services.0.backends.2.node: backend web1 listed twice');
    expect(errs).toContain('services.1.name: service web listed twice');
    expect(errs).toContain('services.1.port: 198.18.0.100:80/tcp is used by two services');
  });

  it('refuses haproxy-hostile route values and health intervals over 1 s', () => {
    const bad = sampleConfig();
    Object.assign(bad.services[0], {
      mode: 'l7',
      routes: [{ path: '/a b', header: { 'X-Canary': '1"; x' }, backends: [{ node: 'web1', address: '198.18.0.11' }] }],
      health: { intervalMs: 5000 },
    });
    const errs = errorsOf(bad);
    expect(errs.some((e) => e.startsWith('services.0.routes.0.path:'))).toBe(true);
    expect(errs.some((e) => e.startsWith('services.0.routes.0.header.X-Canary:'))).toBe(true);
    expect(errs.some((e) => e.startsWith('services.0.health.intervalMs:'))).toBe(true);
  });

  it('refuses route values the old rule let into haproxy.cfg: a quote in a path, a comment in a header name, a flag as host', () => {
    const bad = sampleConfig();
    Object.assign(bad.services[0], {
      mode: 'l7',
      routes: [{ path: "/a'b", host: '-f', header: { 'X#A': 'v' }, backends: [{ node: 'web1', address: '198.18.0.11' }] }],
    });
    const errs = errorsOf(bad);
    expect(errs.some((e) => e.startsWith('services.0.routes.0.path:'))).toBe(true);
    expect(errs.some((e) => e.startsWith('services.0.routes.0.host:'))).toBe(true);
    expect(errs.some((e) => e.startsWith('services.0.routes.0.header.X#A:'))).toBe(true);
  });

  it('eBPF modes need an interface; proxy modes do not', () => {
    expect(errorsOf(sampleConfig({ interfaces: [] }))).toEqual(['interfaces: eBPF modes need at least one interface to attach to']);
    const proxy = sampleConfig({ interfaces: [] });
    proxy.services[0].mode = 'l4proxy';
    expect(agentConfigSchema.safeParse(proxy).success).toBe(true);
  });

  it('udp only for the eBPF modes', () => {
    const bad = sampleConfig();
    Object.assign(bad.services[0], { mode: 'l7', proto: 'udp' });
    expect(errorsOf(bad)).toEqual(['services.0.proto: l7 serves tcp only']);
  });
});
