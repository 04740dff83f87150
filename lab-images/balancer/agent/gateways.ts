// The gateways other than HAProxy, as the agent runs them: one config
// renderer and one process per gateway (nginx, and each Apache MPM).
import type { ServiceConfig } from '../contract/config';
import type { Gateway } from '../contract/vocabulary';
import { APACHE_GATEWAYS, APACHE_STATUS_PORT, apacheConfig, apachePaths, type ApacheGateway } from './apache';
import type { GatewayRenderOptions } from './gateway-common';
import { GatewayProcess, getText, parseModStatus, parseStubStatus, type GatewayProcLike } from './gateway-proc';
import { nginxConfig, nginxPaths } from './nginx';

export type OtherGateway = Exclude<Gateway, 'haproxy'>;
export const OTHER_GATEWAYS: readonly OtherGateway[] = ['nginx', ...APACHE_GATEWAYS];

/** The config of `gw` for these services, undefined when none of them picked it. */
export function renderGateway(gw: OtherGateway, services: ServiceConfig[], o: GatewayRenderOptions = {}): string | undefined {
  return gw === 'nginx' ? nginxConfig(services, o) : apacheConfig(gw, services, o);
}

function nginxProcess(dir: string): GatewayProcess {
  const p = nginxPaths(dir);
  return new GatewayProcess({
    name: 'nginx',
    conf: p.conf,
    pid: p.pid,
    accessLog: p.accessLog,
    dirs: [dir, '/var/lib/nginx'],
    check: (f) => ['nginx', '-t', '-q', '-c', f],
    start: () => ['nginx', '-c', p.conf],
    reload: () => ['nginx', '-c', p.conf, '-s', 'reload'],
    stop: () => ['nginx', '-c', p.conf, '-s', 'stop'],
    status: async () => parseStubStatus(await getText({ socketPath: p.status, path: '/' })),
  });
}

function apacheProcess(gw: ApacheGateway, dir: string): GatewayProcess {
  const p = apachePaths(gw, dir);
  return new GatewayProcess({
    name: gw,
    conf: p.conf,
    pid: p.pid,
    accessLog: p.accessLog,
    dirs: [dir, p.runtime],
    check: (f) => ['apache2', '-t', '-f', f],
    start: () => ['apache2', '-f', p.conf, '-k', 'start'],
    reload: () => ['apache2', '-f', p.conf, '-k', 'graceful'],
    stop: () => ['apache2', '-f', p.conf, '-k', 'stop'],
    // the scoreboard is sized at start: a new limit needs a full restart
    restartOn: /^(ServerLimit|ThreadLimit|ThreadsPerChild) /,
    status: async () => parseModStatus(await getText({ host: '127.0.0.1', port: APACHE_STATUS_PORT[gw], path: '/server-status?auto' })),
  });
}

export function gatewayProcesses(dir = '/run/lblab'): Record<OtherGateway, GatewayProcLike> {
  return {
    nginx: nginxProcess(dir),
    'apache-event': apacheProcess('apache-event', dir),
    'apache-worker': apacheProcess('apache-worker', dir),
    'apache-prefork': apacheProcess('apache-prefork', dir),
  };
}
