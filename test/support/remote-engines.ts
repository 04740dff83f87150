// Two remote Docker engines served from a network namespace joined to the
// host by a veth, reached the ways Docker itself offers:
//   - ssh://root@NS_IP: an sshd in the namespace (a key pair and a host key
//     made here, known_hosts written here); the remote side runs
//     `docker system dial-stdio`, which reaches this machine's engine;
//   - tcp://NS_IP:2376: a second dockerd with TLS (certificates made here with
//     openssl), its own data root, no images.
// Both are Docker contexts in a temporary DOCKER_CONFIG (re-ssh, re-tls, and
// re-badtls: the TLS engine with certificates of another CA); re-tls is the
// config's currentContext. The remote-engine test and bench/remote-engines.ts
// share it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, type CliResult } from './cli';

export interface RemoteEnginesOptions {
  /** network namespace, and the veth's two ends (interface names: at most 15 characters) */
  ns: string;
  hostIf: string;
  nsIf: string;
  /** a /30's two addresses, the host's then the namespace's */
  hostIp: string;
  nsIp: string;
}

export const REMOTE_ENGINES_DEFAULTS: RemoteEnginesOptions = { ns: 'lblab-re', hostIf: 'lbre-h', nsIf: 'lbre-n', hostIp: '198.19.255.1', nsIp: '198.19.255.2' };

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why the engines cannot be made here, or null. */
export function remoteEnginesMissing(): string | null {
  return process.getuid?.() !== 0 ? 'needs root (network namespace, a second dockerd)'
    : !have('ip') || !have('nsenter') || !have('openssl') || !have('ssh-keygen') ? 'needs ip, nsenter, openssl and ssh-keygen'
    : !fs.existsSync('/usr/sbin/sshd') ? 'needs openssh-server (scripts/ensure-docker.sh installs it)'
    : !have('dockerd') || !have('docker') ? 'needs dockerd and the docker CLI'
    : null;
}

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const trySh = (cmd: string) => spawnSync('sh', ['-c', cmd], { stdio: 'ignore' });

export class RemoteEngines {
  readonly o: RemoteEnginesOptions;
  /** short: dockerd's sockets live under it */
  readonly dir = fs.mkdtempSync('/tmp/lbre-');
  readonly home = path.join(this.dir, 'home');
  readonly dockerConfig = path.join(this.dir, 'docker-config');
  private readonly children: ChildProcess[] = [];

  constructor(o: Partial<RemoteEnginesOptions> = {}) {
    this.o = { ...REMOTE_ENGINES_DEFAULTS, ...o };
  }

  /** The environment lblab and the docker CLI run in: the test's HOME and DOCKER_CONFIG, nothing of the caller's. */
  env(): Record<string, string> {
    return { HOME: this.home, DOCKER_CONFIG: this.dockerConfig, DOCKER_HOST: '', DOCKER_CONTEXT: '', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '', SSH_AUTH_SOCK: '' };
  }

  lblab(args: string[], timeoutMs = 300_000, onStderr?: (chunk: string) => void): Promise<CliResult> {
    return runCli(args, { env: this.env(), timeoutMs, onStderr });
  }

  async lblabOk(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.lblab(args, timeoutMs);
    if (r.code !== 0) throw new Error(`lblab ${args.join(' ')} → exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
    return r.stdout;
  }

  /** ssh logins the sshd let in so far (each is one ssh connection). */
  sshLogins(): number {
    return (fs.readFileSync(path.join(this.dir, 'sshd.log'), 'utf8').match(/^Accepted publickey/gm) ?? []).length;
  }

  /** The docker CLI on an engine of this config (it reads the same context files lblab does). */
  dockerOn(context: string, args: string[]): string {
    return execFileSync('docker', ['--context', context, ...args], { env: { ...process.env, ...this.env(), PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 60_000 });
  }

  private writeContext(name: string, host: string, tls?: { ca: string; cert: string; key: string }) {
    const id = crypto.createHash('sha256').update(name).digest('hex');
    const meta = path.join(this.dockerConfig, 'contexts', 'meta', id);
    fs.mkdirSync(meta, { recursive: true });
    fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: { Description: `test engine ${name}` }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
    if (tls) {
      const t = path.join(this.dockerConfig, 'contexts', 'tls', id, 'docker');
      fs.mkdirSync(t, { recursive: true });
      fs.copyFileSync(tls.ca, path.join(t, 'ca.pem'));
      fs.copyFileSync(tls.cert, path.join(t, 'cert.pem'));
      fs.copyFileSync(tls.key, path.join(t, 'key.pem'));
    }
  }

  /** A CA, and a certificate it signs (server: for the namespace's address; client: client auth). */
  private makeCerts(): void {
    const c = path.join(this.dir, 'certs');
    fs.mkdirSync(c);
    const o = (args: string) => sh(`cd ${c} && openssl ${args} 2>&1`);
    for (const ca of ['ca', 'wrong-ca']) {
      o(`req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ${ca}-key.pem -out ${ca}.pem -days 2 -subj /CN=${ca}`);
    }
    fs.writeFileSync(path.join(c, 'server.ext'), `subjectAltName=IP:${this.o.nsIp}\nextendedKeyUsage=serverAuth\n`);
    fs.writeFileSync(path.join(c, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [who, ca] of [['server', 'ca'], ['client', 'ca'], ['wrong-client', 'wrong-ca']]) {
      o(`req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ${who}-key.pem -out ${who}.csr -subj /CN=${who}`);
      o(`x509 -req -in ${who}.csr -CA ${ca}.pem -CAkey ${ca}-key.pem -CAcreateserial -out ${who}.pem -days 2 -extfile ${who === 'server' ? 'server' : 'client'}.ext`);
    }
  }

  /** Keys, known_hosts and an sshd config. MaxSessions stays sshd's default (10): the client must live with it. */
  private makeSsh(): void {
    const { dir, home } = this;
    const ssh = path.join(home, '.ssh');
    fs.mkdirSync(ssh, { recursive: true, mode: 0o700 });
    sh(`ssh-keygen -q -t ed25519 -N '' -f ${ssh}/id_ed25519 && ssh-keygen -q -t ed25519 -N '' -f ${dir}/host_key`);
    fs.copyFileSync(`${ssh}/id_ed25519.pub`, `${dir}/authorized_keys`);
    const hostPub = fs.readFileSync(`${dir}/host_key.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(`${ssh}/known_hosts`, `${this.o.nsIp} ${hostPub}\n`);
    fs.writeFileSync(
      `${dir}/sshd_config`,
      [`ListenAddress ${this.o.nsIp}`, 'Port 22', `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/authorized_keys`, 'PermitRootLogin prohibit-password',
        'PasswordAuthentication no', 'UsePAM no', 'StrictModes no', `PidFile ${dir}/sshd.pid`, 'MaxStartups 100:30:200', ''].join('\n'),
    );
    fs.mkdirSync('/run/sshd', { recursive: true });
  }

  private spawnIn(cmd: string[], log: string): ChildProcess {
    const out = fs.openSync(path.join(this.dir, log), 'a');
    const p = spawn('nsenter', [`--net=/run/netns/${this.o.ns}`, ...cmd], { stdio: ['ignore', out, out] });
    this.children.push(p);
    return p;
  }

  private async waitFor(what: string, ok: () => boolean, ms: number, log: string): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (ok()) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${what} did not start: ${fs.readFileSync(path.join(this.dir, log), 'utf8').trim().split('\n').slice(-5).join(' | ')}`);
  }

  /** The namespace, the sshd and the TLS dockerd, up and answering. */
  async up(): Promise<void> {
    const { ns, hostIf, nsIf, hostIp, nsIp } = this.o;
    trySh(`ip netns del ${ns}; ip link del ${hostIf}`); // a run killed before its cleanup
    sh(`ip netns add ${ns} && ip link add ${hostIf} type veth peer name ${nsIf} && ip link set ${nsIf} netns ${ns}`);
    sh(`ip addr add ${hostIp}/30 dev ${hostIf} && ip link set ${hostIf} up`);
    sh(`ip -n ${ns} addr add ${nsIp}/30 dev ${nsIf} && ip -n ${ns} link set ${nsIf} up && ip -n ${ns} link set lo up`);
    this.makeCerts();
    this.makeSsh();
    const c = path.join(this.dir, 'certs');
    this.writeContext('re-ssh', `ssh://root@${nsIp}`);
    this.writeContext('re-tls', `tcp://${nsIp}:2376`, { ca: `${c}/ca.pem`, cert: `${c}/client.pem`, key: `${c}/client-key.pem` });
    this.writeContext('re-badtls', `tcp://${nsIp}:2376`, { ca: `${c}/wrong-ca.pem`, cert: `${c}/wrong-client.pem`, key: `${c}/wrong-client-key.pem` });
    fs.writeFileSync(path.join(this.dockerConfig, 'config.json'), JSON.stringify({ currentContext: 're-tls' }));

    this.spawnIn(['/usr/sbin/sshd', '-D', '-e', '-f', `${this.dir}/sshd_config`], 'sshd.log');
    // nsenter --net only: `ip netns exec` would remount /sys and hide the cgroups dockerd needs
    const d = path.join(this.dir, 'd');
    this.spawnIn(['dockerd', '--tlsverify', `--tlscacert=${c}/ca.pem`, `--tlscert=${c}/server.pem`, `--tlskey=${c}/server-key.pem`, `-H=tcp://${nsIp}:2376`,
      `--data-root=${d}/data`, `--exec-root=${d}/x`, `--pidfile=${d}/pid`, '--bridge=none', '--iptables=false', '--ip-masq=false'], 'dockerd.log');
    await this.waitFor('sshd', () => trySh(`nsenter --net=/run/netns/${ns} bash -c 'exec 3<>/dev/tcp/${nsIp}/22'`).status === 0, 20_000, 'sshd.log');
    await this.waitFor('the TLS dockerd', () => spawnSync('docker', ['--context', 're-tls', 'version'], { env: { ...process.env, ...this.env() }, stdio: 'ignore' }).status === 0, 90_000, 'dockerd.log');
  }

  /** Everything up() made, each step on its own: a failure must not leave the rest behind. */
  async stop(): Promise<void> {
    for (const p of this.children.reverse()) {
      if (p.exitCode !== null) continue;
      p.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => (p.kill('SIGKILL'), r(undefined)), 20_000); p.once('exit', () => (clearTimeout(t), r(undefined))); });
    }
    // whatever dockerd left mounted under the temp dir (killed engines leave overlays and netns files)
    trySh(`awk -v d='${this.dir}/' 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done`);
    trySh(`ip netns del ${this.o.ns}; ip link del ${this.o.hostIf}`);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
