// The build's apt proxy: immutable files (by-hash indexes, pool .debs) come
// from its cache or the host's apt cache once checked; everything else is
// passed through untouched.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classify, poolName, startAptProxy, type AptProxy, type AptProxyOptions } from '../../../electron/engine/images/apt-proxy';

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');
const INDEX = Buffer.from('Package: clang\nVersion: 1:14.0-55.7~deb12u1\n');
const DEB = Buffer.from('!<arch>\ndebian-binary   pretend this is libllvm14\n');

let tmp: string;
let upstream: http.Server;
let upPort: number;
let hits: string[];
let files: Map<string, Buffer>;
let proxy: AptProxy | undefined;

beforeEach(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-aptproxy-'));
  hits = [];
  files = new Map([
    [`/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/${sha(INDEX)}`, INDEX],
    [`/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/${'0'.repeat(64)}`, Buffer.from('not what the hash says')],
    ['/debian/dists/bookworm/InRelease', Buffer.from('signed release')],
    ['/debian/pool/main/l/llvm-toolchain-14/libllvm14_14.0.6-12_amd64.deb', DEB],
    ['/debian/pool/main/c/curl/curl_7.88.1-10+deb12u14_amd64.deb', Buffer.from('curl deb')],
  ]);
  upstream = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const body = files.get(req.url ?? '');
    if (!body) return res.writeHead(404).end('nope');
    res.writeHead(200, { 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upPort = (upstream.address() as { port: number }).port;
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await new Promise((r) => upstream.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A proxy whose one mirror, deb.debian.org/debian, is played by the local upstream above (no network). */
const start = (o: Partial<AptProxyOptions> = {}) =>
  startAptProxy({ host: '127.0.0.1', mirrors: [{ host: 'deb.debian.org', path: '/debian' }], dial: () => ({ host: '127.0.0.1', port: upPort }), ...o });

/** GET through the proxy, as apt does (absolute URL in the request line). */
function get(p: AptProxy, urlPath: string, origin = 'http://deb.debian.org'): Promise<{ status: number; body: Buffer }> {
  const u = new URL(p.url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: u.port, path: `${origin}${urlPath}` }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('apt proxy', () => {
  it('classifies immutable paths', () => {
    expect(classify(`/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/${sha('x')}`)).toBe('byhash');
    expect(classify('/debian/pool/main/c/curl/curl_7.88.1_amd64.deb')).toBe('deb');
    expect(classify('/debian/dists/bookworm/InRelease')).toBe('other');
    expect(classify('/debian/dists/bookworm/main/binary-amd64/Packages.xz')).toBe('other');
    expect(poolName('libllvm14_1%3a14.0.6-12_amd64.deb')).toBe('libllvm14_14.0.6-12_amd64.deb');
    expect(poolName('curl_7.88.1-10+deb12u14_amd64.deb')).toBe('curl_7.88.1-10+deb12u14_amd64.deb');
  });

  it('keeps verified by-hash indexes and pool debs, passes the rest through', async () => {
    proxy = await start({ cacheDir: path.join(tmp, 'cache') });
    const idx = `/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/${sha(INDEX)}`;
    const deb = '/debian/pool/main/c/curl/curl_7.88.1-10+deb12u14_amd64.deb';
    for (let i = 0; i < 3; i++) {
      expect((await get(proxy, idx)).body).toEqual(INDEX);
      expect((await get(proxy, deb)).body.toString()).toBe('curl deb');
      expect((await get(proxy, '/debian/dists/bookworm/InRelease')).body.toString()).toBe('signed release');
    }
    expect(hits.filter((h) => h.includes('by-hash'))).toHaveLength(1);
    expect(hits.filter((h) => h.includes('curl'))).toHaveLength(1);
    expect(hits.filter((h) => h.includes('InRelease'))).toHaveLength(3);
    expect((await get(proxy, '/debian/pool/main/x/x/missing_1_amd64.deb')).status).toBe(404);

    // A file that does not match its hash is served (apt will reject it) but never kept.
    const bad = `/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/${'0'.repeat(64)}`;
    await get(proxy, bad);
    await get(proxy, bad);
    expect(hits.filter((h) => h.includes('0'.repeat(64)))).toHaveLength(2);

    // The cache outlives the proxy.
    await proxy.close();
    hits = [];
    proxy = await start({ cacheDir: path.join(tmp, 'cache') });
    expect((await get(proxy, deb)).body.toString()).toBe('curl deb');
    expect(hits).toEqual([]);
  });

  it('serves the host apt cache (epoch in the name) when the mirror has the same size, else downloads', async () => {
    const archives = path.join(tmp, 'archives');
    fs.mkdirSync(archives);
    fs.writeFileSync(path.join(archives, 'libllvm14_1%3a14.0.6-12_amd64.deb'), DEB);
    fs.writeFileSync(path.join(archives, 'curl_7.88.1-10+deb12u14_amd64.deb'), 'a different curl build');
    proxy = await start({ hostArchives: [archives] });
    expect((await get(proxy, '/debian/pool/main/l/llvm-toolchain-14/libllvm14_14.0.6-12_amd64.deb')).body).toEqual(DEB);
    expect(hits).toEqual(['HEAD /debian/pool/main/l/llvm-toolchain-14/libllvm14_14.0.6-12_amd64.deb']);
    expect(proxy.stats.fromHost).toBe(1);
    expect((await get(proxy, '/debian/pool/main/c/curl/curl_7.88.1-10+deb12u14_amd64.deb')).body.toString()).toBe('curl deb');
    expect(hits.filter((h) => h.startsWith('GET'))).toEqual(['GET /debian/pool/main/c/curl/curl_7.88.1-10+deb12u14_amd64.deb']);
  });

  it('downloads a package once when several builds ask for it at the same time', async () => {
    proxy = await start();
    const deb = '/debian/pool/main/c/curl/curl_7.88.1-10+deb12u14_amd64.deb';
    const got = await Promise.all([1, 2, 3, 4].map(() => get(proxy!, deb)));
    expect(got.map((g) => g.body.toString())).toEqual(['curl deb', 'curl deb', 'curl deb', 'curl deb']);
    expect(hits).toHaveLength(1);
  });

  it('refuses anything but plain GET/HEAD of http URLs', async () => {
    proxy = await start();
    const u = new URL(proxy.url);
    const status = await new Promise<number>((resolve, reject) => {
      const r = http.request({ host: u.hostname, port: u.port, method: 'CONNECT', path: 'example.com:443' });
      r.on('connect', (res) => resolve(res.statusCode ?? 0));
      r.on('response', (res) => resolve(res.statusCode ?? 0));
      r.on('error', reject);
      r.end();
    });
    expect(status).not.toBe(200);
  });

  describe('forwards only to the Debian mirrors of the host, at public addresses', () => {
    // `upstream` (on 127.0.0.1) stands for a service on the host's loopback: it must never be reached
    it('refuses a loopback target with 403 and a reason, reaching nothing', async () => {
      proxy = await startAptProxy({ host: '127.0.0.1', mirrors: [{ host: 'deb.debian.org', path: '/debian' }] });
      const r = await get(proxy, '/debian/dists/bookworm/InRelease', `http://127.0.0.1:${upPort}`);
      expect(r.status).toBe(403);
      expect(r.body.toString()).toMatch(/^lblab apt proxy: refused: 127\.0\.0\.1 is not a public address\n$/);
      expect(hits).toEqual([]);
    });

    it('with the host\'s own mirror list (the default), loopback and other hosts are refused too', async () => {
      proxy = await startAptProxy({ host: '127.0.0.1' });
      for (const origin of [`http://127.0.0.1:${upPort}`, `http://localhost:${upPort}`, 'http://169.254.169.254', 'http://example.com']) {
        const r = await get(proxy, '/debian/dists/bookworm/InRelease', origin);
        expect(r.status, origin).toBe(403);
      }
      expect(hits).toEqual([]);
    });

    it('refuses loopback even when a mirror is named so, or a mirror\'s name resolves to it', async () => {
      proxy = await startAptProxy({ host: '127.0.0.1', mirrors: [{ host: `127.0.0.1:${upPort}`, path: '/debian' }] });
      expect((await get(proxy, '/debian/dists/bookworm/InRelease', `http://127.0.0.1:${upPort}`)).status).toBe(403);
      await proxy.close();
      proxy = await startAptProxy({ host: '127.0.0.1', mirrors: [{ host: `mirror.lan:${upPort}`, path: '/debian' }], resolve: async () => ['93.184.215.14', '127.0.0.1'] });
      const r = await get(proxy, '/debian/dists/bookworm/InRelease', `http://mirror.lan:${upPort}`);
      expect(r.status).toBe(403);
      expect(r.body.toString()).toContain('mirror.lan resolves to 127.0.0.1, not a public address');
      expect(hits).toEqual([]);
    });

    it('refuses a path outside the mirror\'s archive on the mirror\'s own host', async () => {
      proxy = await start();
      for (const p of ['/', '/debianx/dists/bookworm/InRelease', '/other/x']) expect((await get(proxy, p)).status, p).toBe(403);
      expect((await get(proxy, '/debian/dists/bookworm/InRelease')).status).toBe(200);
      expect(hits).toEqual(['GET /debian/dists/bookworm/InRelease']);
    });
  });
});
