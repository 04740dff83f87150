import { describe, expect, it } from 'vitest';
import type { LabDoc } from '../../../electron/api';
import { remoteHosts } from '../../../electron/engine/events/lab-node-events';

const lab = (name: string, hosts: Record<string, string>, nodes: Record<string, string | undefined>): LabDoc =>
  ({ name, hosts, networks: {}, nodes: Object.fromEntries(Object.entries(nodes).map(([n, host]) => [n, { kind: 'server', links: [], ...(host ? { host } : {}) }])) }) as unknown as LabDoc;
const resolve = (engine: string) => {
  if (engine === 'gone') throw new Error('no such context');
  return engine === 'default' ? 'unix:///var/run/docker.sock' : engine;
};

describe('remoteHosts', () => {
  it('one entry per engine other than the driven one, with the nodes of every lab placed there', () => {
    const a = lab('a', { h1: 'default', h2: 'tcp://b:2376', h3: 'ssh://c' }, { c1: undefined, w2: 'h2', w3: 'h3' });
    const b = lab('b', { main: 'default', far: 'tcp://b:2376' }, { x: 'far', y: undefined });
    expect(remoteHosts([a, b], 'unix:///var/run/docker.sock', resolve)).toEqual([
      { key: 'tcp://b:2376', name: 'h2', engine: 'tcp://b:2376', nodes: [{ lab: 'a', node: 'w2' }, { lab: 'b', node: 'x' }] },
      { key: 'ssh://c', name: 'h3', engine: 'ssh://c', nodes: [{ lab: 'a', node: 'w3' }] },
    ]);
  });

  it('skips an engine that no longer resolves and a lab on the driven engine only', () => {
    const a = lab('a', { h1: 'default', h2: 'gone' }, { w: 'h2', v: undefined });
    const one = lab('one', { only: 'default' }, { v: undefined });
    expect(remoteHosts([a, one], 'unix:///var/run/docker.sock', resolve)).toEqual([]);
  });
});
