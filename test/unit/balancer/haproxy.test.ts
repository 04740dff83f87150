import { describe, expect, it } from 'vitest';
import { agentConfigSchema } from '../../../lab-images/balancer/contract/config';
import { haproxyConfig, serverRefs, serviceOfBackend } from '../../../lab-images/balancer/agent/haproxy';
import { parseShowStat } from '../../../lab-images/balancer/agent/haproxy-proc';
import { sampleConfig } from './fixtures';

function services(mode: 'l4proxy' | 'l7', extra: Record<string, unknown> = {}) {
  const c = sampleConfig();
  Object.assign(c.services[0], { mode, ...extra });
  c.services.push({ ...sampleConfig().services[0], name: 'ssh', port: 22, mode: 'dsr' });
  return agentConfigSchema.parse(c).services;
}

describe('haproxy.cfg generation', () => {
  it('l4proxy: tcp frontend on VIP:port, weighted servers, eBPF services left out', () => {
    const cfg = haproxyConfig(services('l4proxy', { scheduler: 'wrr' }));
    expect(cfg).toContain('frontend fe_web\n    mode tcp\n    bind 198.18.0.100:80\n');
    expect(cfg).toContain('    balance roundrobin\n');
    expect(cfg).toContain('    server web1 198.18.0.11:80 weight 1\n');
    expect(cfg).toContain('    server web2 198.18.0.12:80 weight 2\n');
    expect(cfg).not.toContain('fe_ssh');
    expect(cfg).not.toContain('option forwardfor');
    expect(cfg).toContain('stats socket /run/lblab/haproxy.sock mode 600 level admin');
  });

  it('maps schedulers to balance algorithms', () => {
    expect(haproxyConfig(services('l4proxy', { scheduler: 'lc' }))).toContain('balance leastconn');
    expect(haproxyConfig(services('l4proxy', { scheduler: 'sh' }))).toContain('balance source');
    const maglev = haproxyConfig(services('l4proxy', { scheduler: 'maglev' }));
    expect(maglev).toContain('    balance hash src,concat(:,txn.lb_cport)\n    hash-type consistent\n');
    expect(maglev).toContain('tcp-request content set-var(txn.lb_cport) src_port');
  });

  it('l7: ACLs in order, first match wins, default pool, X-Forwarded-For and backend header', () => {
    const cfg = haproxyConfig(
      services('l7', {
        routes: [
          { path: '/api', backends: [{ node: 'web2', address: '198.18.0.12' }] },
          { host: 'shop.example', header: { 'X-Canary': '1' }, backends: [{ node: 'web1', address: '198.18.0.11' }] },
        ],
      }),
    );
    const iApi = cfg.indexOf('use_backend be_web_r0 if r0_path');
    const iCanary = cfg.indexOf('use_backend be_web_r1 if r1_host r1_h0');
    expect(iApi).toBeGreaterThan(0);
    expect(iCanary).toBeGreaterThan(iApi);
    expect(cfg).toContain('acl r0_path path_beg /api');
    expect(cfg).toContain('acl r1_host req.hdr(host),field(1,:) -m str -i shop.example');
    expect(cfg).toContain('acl r1_h0 hdr(X-Canary) -m str 1');
    expect(cfg).toContain('default_backend be_web\n');
    expect(cfg).toContain('option forwardfor');
    expect(cfg).toContain('http-response set-header X-Lblab-Backend %[srv_name]');
    expect(cfg).toMatch(/backend be_web_r0\n {4}mode http\n[\s\S]*?server web2 198\.18\.0\.12:80 weight 1\n/);
  });

  it('writes servers the checker has down as disabled', () => {
    const cfg = haproxyConfig(services('l4proxy'), { healthy: (_s, n) => n !== 'web2' });
    expect(cfg).toContain('server web2 198.18.0.12:80 weight 2 disabled');
    expect(cfg).toContain('server web1 198.18.0.11:80 weight 1\n');
  });

  it('finds every section a node serves in, and maps sections back to services', () => {
    const [web] = services('l7', { routes: [{ path: '/x', backends: [{ node: 'web2', address: '198.18.0.12' }] }] });
    expect(serverRefs(web, 'web2')).toEqual(['be_web/web2', 'be_web_r0/web2']);
    expect(serverRefs(web, 'web1')).toEqual(['be_web/web1']);
    expect(serviceOfBackend('be_web_r0', ['web', 'ssh'])).toBe('web');
    expect(serviceOfBackend('be_web', ['web'])).toBe('web');
    expect(serviceOfBackend('fe_web', ['web'])).toBeUndefined();
    expect(serviceOfBackend('be_other', ['web'])).toBeUndefined();
  });

  it('parses show stat CSV', () => {
    const rows = parseShowStat('# pxname,svname,qcur,scur,stot,bin,bout,\nfe_web,FRONTEND,,1,10,100,200,\nbe_web,web1,0,0,4,40,80,\n\n');
    expect(rows).toEqual([
      { pxname: 'fe_web', svname: 'FRONTEND', qcur: '', scur: '1', stot: '10', bin: '100', bout: '200' },
      { pxname: 'be_web', svname: 'web1', qcur: '0', scur: '0', stot: '4', bin: '40', bout: '80' },
    ]);
    expect(parseShowStat('Unknown command\n')).toEqual([]);
  });
});
