// journey() on a lab spread over hosts: the underlay is captured on the
// engines its overlay networks join, while the nodes' captures and the
// request run; a host whose capture cannot start is named in notCaptured and
// the journey goes on. Engines here are sockets that do not exist (no Docker
// in unit tests); the nodes' side is a fake shell.
import { describe, expect, it } from 'vitest';
import type { LabDoc, LabStatus } from '../../../electron/api';
import { writePcap } from '../../../electron/engine/capture/pcap-writer';
import type { NodeShell } from '../../../electron/engine/journey/capture-all';
import { journey } from '../../../electron/engine/journey/journey';
import { tpl } from '../topology/fixtures';

function labOver(hosts: Record<string, string> | undefined): LabStatus {
  const doc = structuredClone(tpl('dsr')) as LabDoc;
  if (hosts) {
    doc.hosts = hosts;
    const [first, second] = Object.keys(hosts);
    for (const n of Object.keys(doc.nodes)) doc.nodes[n].host = doc.nodes[n].kind === 'client' ? first : second;
  }
  const node = (name: string, kind: LabDoc['nodes'][string]['kind'], i: number) => ({
    name, kind, container: `lblab-${doc.name}-${name}`, state: 'running' as const, routes: [],
    interfaces: [{ name: 'eth0', network: 'front', mac: `02:42:c6:12:00:${String(10 + i).padStart(2, '0')}`, address: `198.18.0.${10 + i}/24` }],
  });
  return {
    name: doc.name, state: 'running', networks: [], doc,
    nodes: Object.entries(doc.nodes).map(([n, d], i) => node(n, d.kind, i)),
    services: [{ name: 'web', balancer: 'lb', vip: '198.18.0.100', port: 80, mode: 'dsr', scheduler: 'maglev', backends: [] }],
  };
}

// every tcpdump starts and stops with an empty capture; curl answers 200
const EMPTY = writePcap([], { nanos: true }).toString('base64');
const shell: NodeShell = async (_c, script, env) => {
  const ifaces = (env.find((e) => e.startsWith('IFACES='))?.slice(7) ?? '').split(' ');
  if (script.includes('curl')) return { exitCode: 0, stdout: '200 40000', stderr: '' };
  if (script.includes('listening on')) return { exitCode: 0, stdout: '', stderr: '' };
  if (script.includes('kill -TERM')) return { exitCode: 0, stdout: ifaces.map((i) => `${i} ${EMPTY}`).join('\n'), stderr: '' };
  return { exitCode: 0, stdout: ifaces.map((_, i) => String(100 + i)).join('\n'), stderr: '' };
};

describe('journey on a lab spread over hosts', () => {
  it('tries the underlay on every host an overlay joins; one that cannot start is named, the journey goes on', async () => {
    const st = labOver({ h1: 'unix:///nonexistent/vx-h1.sock', h2: 'unix:///nonexistent/vx-h2.sock' });
    const j = await journey(st.name, {}, { status: async () => st, shell, helperImage: () => 'lblab/router:vx' });
    expect(j.response.status).toBe(200);
    expect(j.notCaptured).toHaveLength(2);
    for (const [i, h] of ['h1', 'h2'].entries()) expect(j.notCaptured![i]).toMatch(new RegExp(`^host ${h}: the underlay capture could not start: .*ENOENT.*\\(no hop between hosts there\\)$`));
  });

  it('a lab on one engine: no underlay capture at all', async () => {
    const st = labOver(undefined);
    const j = await journey(st.name, {}, { status: async () => st, shell, helperImage: () => { throw new Error('not asked for'); } });
    expect(j.notCaptured).toBeUndefined();
    expect(j.response.status).toBe(200);
  });
});
