// The apt proxy's decision: the host's Debian mirrors (read from its apt
// sources, both formats), defaults when it has none, never a private address.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIRRORS, hostMirrors, isPublicAddress, publicAddress, targetRefusal, urisOfDeb822, urisOfList } from '../../../electron/engine/images/apt-mirrors';

const mirrors = [
  { host: 'deb.debian.org', path: '/debian' },
  { host: 'security.debian.org', path: '/debian-security' },
];
const refusal = (u: string) => targetRefusal(new URL(u), mirrors);

let root: string | undefined;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});
function etc(files: Record<string, string>): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-apt-sources-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, 'etc/apt', f)), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/apt', f), text);
  }
  return root;
}

describe('which URLs the apt proxy forwards', () => {
  it('takes paths under a mirror', () => {
    expect(refusal('http://deb.debian.org/debian/dists/bookworm/InRelease')).toBeUndefined();
    expect(refusal('http://DEB.debian.org/debian/pool/main/c/curl/curl_7.88.1_amd64.deb')).toBeUndefined();
    expect(refusal('http://security.debian.org/debian-security/dists/bookworm-security/InRelease')).toBeUndefined();
  });

  it('refuses other hosts, ports and paths', () => {
    expect(refusal('http://example.com/debian/dists/bookworm/InRelease')).toMatch(/^example\.com\/debian\/dists\/bookworm\/InRelease is not under a Debian mirror this host uses \(deb\.debian\.org\/debian, security\.debian\.org\/debian-security\)$/);
    expect(refusal('http://deb.debian.org:8080/debian/x')).toMatch(/not under a Debian mirror/);
    expect(refusal('http://deb.debian.org/debianx/x')).toMatch(/not under a Debian mirror/);
    expect(refusal('http://deb.debian.org/')).toMatch(/not under a Debian mirror/);
    expect(refusal('http://security.debian.org/debian/x')).toMatch(/not under a Debian mirror/);
    expect(refusal('https://deb.debian.org/debian/x')).toBe('only http mirrors (not https:)');
  });

  it('refuses loopback, link-local and private targets even when a mirror names them', () => {
    const named = [{ host: '127.0.0.1', path: '' }, { host: '[::1]', path: '' }, { host: '169.254.169.254', path: '' }, { host: '10.0.0.5:3142', path: '' }, { host: 'localhost', path: '' }, { host: '198.18.0.10', path: '' }];
    for (const [u, why] of [
      ['http://127.0.0.1/debian/x', '127.0.0.1 is not a public address'],
      ['http://[::1]/x', '::1 is not a public address'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is not a public address'],
      ['http://10.0.0.5:3142/debian/x', '10.0.0.5 is not a public address'],
      ['http://localhost/x', 'localhost is this machine'],
      ['http://198.18.0.10/x', '198.18.0.10 is not a public address'], // a lab subnet
    ]) expect(targetRefusal(new URL(u), named), u).toBe(why);
  });

  it('knows public addresses', () => {
    for (const a of ['151.101.2.132', '2a04:4e42::644']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '0.0.0.0', '10.1.2.3', '172.17.0.1', '192.168.1.1', '100.64.0.1', '169.254.1.1', '198.19.0.1', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'nonsense'])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it('checks every address a mirror name resolves to', async () => {
    expect(await publicAddress('deb.debian.org', async () => ['151.101.2.132'])).toEqual({ address: '151.101.2.132' });
    expect(await publicAddress('deb.debian.org', async () => ['151.101.2.132', '127.0.0.1'])).toEqual({ refusal: 'deb.debian.org resolves to 127.0.0.1, not a public address' });
    expect(await publicAddress('x', async () => [])).toEqual({ refusal: 'x resolves to nothing, not a public address' });
    expect(await publicAddress('[::1]', async () => ['151.101.2.132'])).toEqual({ refusal: '::1 resolves to ::1, not a public address' });
  });
});

describe("the host's apt sources", () => {
  it('reads the one-line format', () => {
    expect(urisOfList('# deb http://old.example/debian x main\ndeb http://ftp.fr.debian.org/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.lan/debian bookworm main # trailing\ndeb-src http://deb.debian.org/debian bookworm main\n\n')).toEqual([
      'http://ftp.fr.debian.org/debian',
      'http://mirror.lan/debian',
      'http://deb.debian.org/debian',
    ]);
  });

  it('reads deb822, several URIs, skipping disabled stanzas', () => {
    const text = 'Types: deb\nURIs: http://deb.debian.org/debian http://ftp.de.debian.org/debian\nSuites: bookworm\nComponents: main\n\nTypes: deb\nEnabled: no\nURIs: http://off.debian.org/debian\nSuites: x\n\n# a comment\nTypes: deb-src deb\nURIs: http://security.debian.org/debian-security\n';
    expect(urisOfDeb822(text)).toEqual(['http://deb.debian.org/debian', 'http://ftp.de.debian.org/debian', 'http://security.debian.org/debian-security']);
  });

  it('keeps the http mirrors of sources.list and debian.sources, and the Debian ones of other *.list and *.sources', () => {
    const r = etc({
      'sources.list': 'deb http://ftp.fr.debian.org/debian bookworm main\ndeb https://deb.debian.org/debian bookworm main\ndeb http://mirrors.lan/deb bookworm main\n',
      'sources.list.d/extra.list': 'deb http://ppa.example.com/ubuntu jammy main\ndeb http://mirror.lan/pub/debian-security bookworm-security main\n',
      'sources.list.d/debian.sources': 'Types: deb\nURIs: http://deb.debian.org/debian/\nSuites: bookworm\n',
      'sources.list.d/old.list.disabled': 'deb http://old.debian.org/debian x main\n',
    });
    // sources.list and debian.sources are the main archive whatever their path; other files only Debian-looking ones
    expect(hostMirrors(r)).toEqual([
      { host: 'ftp.fr.debian.org', path: '/debian' },
      { host: 'mirrors.lan', path: '/deb' },
      { host: 'deb.debian.org', path: '/debian' },
      { host: 'mirror.lan', path: '/pub/debian-security' },
    ]);
  });

  it('falls back to deb.debian.org and security.debian.org when the host names none', () => {
    expect(hostMirrors(etc({ 'sources.list': '# nothing\n' }))).toEqual(DEFAULT_MIRRORS.map((u) => ({ host: new URL(u).host, path: new URL(u).pathname })));
    expect(hostMirrors(etc({}))).toHaveLength(3);
  });
});
