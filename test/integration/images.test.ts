// The lab images, built for real on the shared engine: labels, the
// no-rebuild path, and the tools each node kind relies on.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../electron/engine/docker/client';
import { buildImages, IMAGE_NAMES, imageRef, type BuildResult } from '../../electron/engine/images';

const TEST_LABELS = ['--label', 'io.lblab.managed=true', '--label', 'io.lblab.lab=images-test'];

/** `docker run --rm IMAGE sh -c SCRIPT`, returning stdout; throws with stderr on failure. */
function runIn(ref: string, script: string): string {
  return execFileSync('docker', ['run', '--rm', ...TEST_LABELS, ref, 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let first: BuildResult[];
const started: string[] = [];

beforeAll(async () => {
  const t0 = Date.now();
  first = await buildImages();
  console.log(`buildImages: ${((Date.now() - t0) / 1000).toFixed(1)} s`, first.map((r) => `${r.name}:${r.built ? `${r.seconds.toFixed(0)}s` : 'cached'}`).join(' '));
});

afterAll(() => {
  for (const id of started) execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
});

describe('lab images', () => {
  it('builds all four, tagged by content hash and labelled', async () => {
    expect(first.map((r) => r.name).sort()).toEqual([...IMAGE_NAMES].sort());
    for (const r of first) expect(r.ref).toBe(imageRef(r.name));
    const images = await docker().listImages({ filters: { label: ['io.lblab.managed=true'] } });
    const repos = new Set(images.flatMap((i) => i.RepoTags ?? []).map((t) => t.split(':')[0]));
    for (const n of IMAGE_NAMES) expect(repos).toContain(`lblab/${n}`);
    for (const n of IMAGE_NAMES) {
      const info = await docker().getImage(imageRef(n)).inspect();
      const labels = info.Config.Labels ?? {};
      expect(labels['io.lblab.managed']).toBe('true');
      expect(labels['io.lblab.image']).toBe(n);
      expect(imageRef(n)).toBe(`lblab/${n}:${labels['io.lblab.hash']}`);
      const latest = await docker().getImage(`lblab/${n}:latest`).inspect();
      expect(latest.Id).toBe(info.Id);
    }
  });

  it('rebuilds nothing when the sources are unchanged, in under 10 s', async () => {
    const t0 = Date.now();
    const again = await buildImages();
    const secs = (Date.now() - t0) / 1000;
    expect(again.every((r) => !r.built)).toBe(true);
    expect(secs).toBeLessThan(10);
  });

  it('client has its traffic tools', () => {
    const out = runIn(imageRef('client'), 'for t in wrk curl iperf3 tcpdump ip ethtool ping ps bash; do command -v $t || exit 1; done');
    expect(out.trim().split('\n')).toHaveLength(9);
  });

  it('client and server carry the tcp (etcd) and websocket protocols', () => {
    expect(runIn(imageRef('client'), 'ETCDCTL_API=3 etcdctl version | head -n1; lblab-ws --help | head -n1')).toMatch(/^etcdctl version: 3\.\d+\.\d+\nusage: lblab-ws/);
    const out = runIn(imageRef('server'), 'for t in etcd etcdctl websocketd lblab-serve; do command -v $t || exit 1; done; test -x /usr/local/lib/lblab/ws-echo && echo hi | /usr/local/lib/lblab/ws-echo');
    expect(out.trim().split('\n')).toHaveLength(5);
    expect(out).toMatch(/^served by \S+: hi$/m);
  });

  it('router has forwarding and capture tools', () => {
    const out = runIn(imageRef('router'), 'for t in ip tcpdump iptables nft ps ethtool; do command -v $t || exit 1; done');
    expect(out.trim().split('\n')).toHaveLength(6);
  });

  it('server serves the test objects, names itself, and carries the decap object', async () => {
    const id = execFileSync('docker', ['run', '-d', ...TEST_LABELS, '--hostname', 'web-under-test', imageRef('server')], { encoding: 'utf8' }).trim();
    started.push(id);
    const exec = (cmd: string) => execFileSync('docker', ['exec', id, 'sh', '-c', cmd], { encoding: 'utf8' });
    // nginx takes a moment to bind
    let sizes = '';
    for (let i = 0; i < 50 && !sizes; i++) {
      try {
        sizes = exec("for f in 1k 100k 1m 10m; do curl -fs -o /dev/null -w '%{size_download} ' http://127.0.0.1/$f.bin; done");
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(sizes.trim()).toBe('1024 102400 1048576 10485760');
    const headers = exec('curl -fsi http://127.0.0.1/');
    expect(headers).toMatch(/^X-Served-By: web-under-test\r?$/m);
    expect(headers).toContain('served by web-under-test');
    expect(exec('command -v tc tcpdump iperf3 ip && test -s /usr/local/lib/lblab/bpf/decap.bpf.o && echo ok')).toMatch(/ok\n$/);
  });

  it('balancer has the agent, the BPF objects, bpftool and haproxy', () => {
    const out = runIn(
      imageRef('balancer'),
      'for t in lbagent node bpftool haproxy tc tcpdump curl; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done; ' +
        'node --check /usr/local/lib/lblab/lbagent.mjs && ls /usr/local/lib/lblab/bpf/',
    );
    expect(out).toMatch(/balancer\.bpf\.o/);
    // the core's benchmark objects (make bench) are built on the host, never shipped
    expect(out).not.toMatch(/bench|pass\.bpf\.o/);
  });
});
