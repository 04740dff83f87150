import { describe, expect, it } from 'vitest';
import { agentConfigSchema, parseAgentConfig } from '../../../lab-images/balancer/contract/config';
import { gatewayRefusal } from '../../../lab-images/balancer/contract/vocabulary';
import { apacheConfig } from '../../../lab-images/balancer/agent/apache';
import { parseAccessLine, servicesOf } from '../../../lab-images/balancer/agent/gateway-common';
import { parseModStatus, parseStubStatus } from '../../../lab-images/balancer/agent/gateway-proc';
import { haproxyConfig } from '../../../lab-images/balancer/agent/haproxy';
import { nginxConfig } from '../../../lab-images/balancer/agent/nginx';
import { sampleConfig } from './fixtures';

const routes = [
  { path: '/api', backends: [{ node: 'web2', address: '198.18.0.12' }] },
  { host: 'shop.example', header: { 'X-Canary': '1' }, backends: [{ node: 'web1', address: '198.18.0.11' }] },
];

function l7(gateway: string, extra: Record<string, unknown> = {}) {
  const c = sampleConfig();
  Object.assign(c.services[0], { mode: 'l7', scheduler: 'rr', gateway, routes, ...extra });
  return agentConfigSchema.parse(c).services;
}

describe('gateway choice in the agent config', () => {
  it('defaults to haproxy, which serves it; the other gateways take their own services only', () => {
    const [svc] = l7('haproxy');
    expect(svc.gateway).toBe('haproxy');
    expect(haproxyConfig(l7('haproxy'))).toContain('frontend fe_web');
    expect(haproxyConfig(l7('nginx'))).not.toContain('fe_web');
    expect(nginxConfig(l7('haproxy'))).toBeUndefined();
    expect(servicesOf('apache-event', l7('apache-event')).map((s) => s.name)).toEqual(['web']);
    expect(apacheConfig('apache-worker', l7('apache-event'))).toBeUndefined();
  });

  it('refuses, in one line, a gateway outside l7 and what a gateway cannot express', () => {
    const c = sampleConfig();
    Object.assign(c.services[0], { mode: 'l4proxy', gateway: 'nginx' });
    const r = parseAgentConfig(JSON.stringify(c));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatch(/gateway nginx serves l7 only \(mode is l4proxy\)/);
    const m = sampleConfig();
    Object.assign(m.services[0], { mode: 'l7', scheduler: 'maglev', gateway: 'apache-prefork' });
    const r2 = parseAgentConfig(JSON.stringify(m));
    expect(!r2.ok && r2.errors.join('\n')).toMatch(/apache-prefork cannot balance by maglev/);
    expect(gatewayRefusal('nginx', { scheduler: 'rr', routes: [{ header: { X_Odd: '1' } }] })).toMatch(/nginx cannot match header X_Odd/);
    expect(gatewayRefusal('nginx', { scheduler: 'maglev', routes: [{ header: { 'X-Canary': '1' } }] })).toBeUndefined();
    expect(gatewayRefusal('apache-event', { scheduler: 'lc' })).toBeUndefined();
  });
});

describe('nginx.conf', () => {
  it('routes in order through a map to one upstream per pool, the default pool last', () => {
    const cfg = nginxConfig(l7('nginx'))!;
    expect(cfg).toContain('upstream be_web {');
    expect(cfg).toContain('    server 198.18.0.12:80 weight=2 max_fails=0;');
    expect(cfg).toContain('map "$host|$http_host|$http_x_canary|$uri" $lb_pool_web {');
    const r0 = cfg.indexOf('be_web_r0;');
    const r1 = cfg.indexOf('be_web_r1;');
    expect(r0).toBeGreaterThan(0);
    expect(r1).toBeGreaterThan(r0);
    expect(cfg).toContain('"~^[^|]*\\|[^|]*\\|[^|]*\\|/api.*$" be_web_r0;');
    expect(cfg).toContain('"~^shop\\.example\\|[^|]*\\|1\\|.*$" be_web_r1;');
    expect(cfg).toContain('    default be_web;');
    expect(cfg).toContain('listen 198.18.0.100:80');
    expect(cfg).toContain('proxy_pass http://$lb_pool_web;');
    expect(cfg).toContain('stub_status;');
  });

  it('balancing methods and down backends', () => {
    expect(nginxConfig(l7('nginx', { scheduler: 'lc' }))).toContain('least_conn;');
    expect(nginxConfig(l7('nginx', { scheduler: 'maglev' }))).toContain('hash $remote_addr:$remote_port consistent;');
    const down = nginxConfig(l7('nginx'), { healthy: (_s, n) => n !== 'web1' })!;
    expect(down).toContain('server 198.18.0.11:80 weight=1 max_fails=0 down;');
  });
});

describe('Apache config', () => {
  it('one MPM per instance, sized by workers; routes as rewrite conditions to balancer pools', () => {
    const cfg = apacheConfig('apache-prefork', l7('apache-prefork', { workers: 20 }))!;
    expect(cfg).toContain('mod_mpm_prefork.so');
    expect(cfg).toContain('MaxRequestWorkers 20');
    expect(cfg).toContain('RewriteRule ^/api balancer://be_web_r0%{REQUEST_URI} [P,L,E=LB_SERVICE:web]');
    expect(cfg).toContain('RewriteCond %{HTTP_HOST} ^shop\\.example(:[0-9]+)?$ [NC]\n    RewriteCond %{HTTP:X-Canary} =1\n    RewriteRule ^ balancer://be_web_r1');
    expect(cfg).toContain('BalancerMember http://198.18.0.12:80 route=web2 loadfactor=2');
    expect(cfg).toContain('ProxySet lbmethod=byrequests');
    const ev = apacheConfig('apache-event', l7('apache-event', { scheduler: 'lc' }), { healthy: (_s, n) => n !== 'web2' })!;
    expect(ev).toContain('mod_mpm_event.so');
    expect(ev).toContain('MaxRequestWorkers 1024');
    expect(ev).toContain('ProxySet lbmethod=bybusyness');
    expect(ev).toMatch(/route=web2 loadfactor=2 connectiontimeout=2 retry=0 upgrade=websocket status=\+D/);
  });
});

describe('gateway counters', () => {
  it('reads access-log lines and status pages', () => {
    expect(parseAccessLine('web web2 200 120 350')).toEqual({ service: 'web', node: 'web2', status: 200, bytesIn: 120, bytesOut: 350 });
    expect(parseAccessLine('garbage')).toBeUndefined();
    expect(parseStubStatus('Active connections: 7 \nserver accepts handled requests\n 10 10 20 \nReading: 0 Writing: 3 Waiting: 4 \n')).toEqual({
      current_sessions: 7, sessions: 10, connections_reading: 0, connections_writing: 3, connections_waiting: 4,
    });
    expect(parseModStatus('Total Accesses: 12\nBusyWorkers: 3\nIdleWorkers: 5\n')).toEqual({ sessions: 12, busy_workers: 3, idle_workers: 5, current_sessions: 3 });
  });
});
