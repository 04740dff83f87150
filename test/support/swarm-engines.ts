// Several Docker engines on this one machine, joined in one Docker Swarm, for
// tests of labs that span engines. This machine's engine (/var/run/docker.sock)
// is the manager; each extra engine is a dockerd in its own network namespace,
// with its own data root, exec root and unix socket, joined as a worker.
//
// Underlay: a bridge `<prefix>br0` in this machine's namespace holds
// 198.19.254.1/24; each extra namespace has a veth on it (198.19.254.2, .3 …),
// so every engine reaches every other one on 2377/tcp, 7946 and 4789/udp.
// This engine's FORWARD policy is DROP and bridged frames pass iptables
// (br_netfilter), so one DOCKER-USER rule lets frames between the engines
// through; it is removed again at teardown.
//
// Addresses stay in 198.18.0.0/15, clear of what labs and other tests use:
//   swarm pool (ingress, overlays without a subnet)  198.19.224.0/22
//   this engine's docker_gwbridge (made before init)  198.19.228.0/24
//   extra engine i: docker0 198.19.(228+4i).1/24, local pool 198.19.(228+4i).0/22
//
// The dockerds are detached and keep a pid file under a fixed directory
// (/tmp/<prefix>-swarm), so a run killed before its teardown is cleaned up by
// the next one (cleanupSwarm).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { localDocker } from '../../electron/engine/docker/client';
import { sendMissingImages } from '../../electron/engine/images/transfer';

export interface SwarmEngine {
  /** 'default' for this machine's engine, else `<prefix>e<i>` */
  name: string;
  /** unix:///… socket URL */
  url: string;
  /** its address on the underlay (198.19.254.x) */
  ip: string;
  /** its network namespace ('' for the default engine: this machine's) */
  netns: string;
}

export interface SwarmLab {
  /** the default engine (the manager) first, then the workers */
  engines: SwarmEngine[];
  /** stop one extra engine's dockerd (SIGTERM, as a shutdown would) */
  stop(name: string): Promise<void>;
  /** start it again on the same data root, and wait until it answers */
  start(name: string): Promise<void>;
  /** leave the swarm everywhere, stop the dockerds, remove namespaces, links and directories */
  teardown(): Promise<void>;
  /** the docker CLI on one engine; throws with its stderr on failure */
  dockerOn(name: string, args: string[], timeoutMs?: number): string;
  /** seconds each phase took (swarm init, joins, image transfers), for reports */
  timings: Record<string, number>;
}

export interface SwarmOptions {
  /** extra engines besides the default one: 1 or 2 (total count 2 or 3) */
  count: 2 | 3;
  /** short name prefix (≤ 4 chars): namespaces, links, directories */
  prefix: string;
  /** images to send from this machine's engine to every extra engine */
  images?: string[];
}

const HOST_IP = '198.19.254.1';
const UNDERLAY_BITS = 24;
const SWARM_POOL = '198.19.224.0/22';
const GWBRIDGE_SUBNET = '198.19.228.0/24';
const OWNER_LABEL = 'io.lblab.test.swarm';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const trySh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const names = (prefix: string, i: number) => ({
  name: `${prefix}e${i}`,
  netns: `${prefix}-e${i}`,
  hostIf: `${prefix}e${i}h`,
  nsIf: `${prefix}e${i}n`,
  ip: `198.19.254.${1 + i}`,
});
const bridgeOf = (prefix: string) => `${prefix}br0`;
const dirOf = (prefix: string) => `/tmp/${prefix}-swarm`;

function dockerCli(url: string | undefined, args: string[], timeoutMs = 120_000): string {
  const r = spawnSync('docker', [...(url ? ['-H', url] : []), ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DOCKER_HOST: '', DOCKER_CONTEXT: '' } });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} on ${url ?? 'default'}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  return r.stdout;
}
const tryDocker = (url: string | undefined, args: string[]) => { try { return dockerCli(url, args, 60_000); } catch { return ''; } };

const swarmState = () => tryDocker(undefined, ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.NodeAddr}}']).trim().split(' ');

/** Why the swarm tests cannot run here, or null. */
export function swarmSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, extra dockerds)';
  if (!have('ip') || !have('nsenter') || !have('iptables')) return 'needs ip, nsenter and iptables';
  if (!have('dockerd') || !have('docker')) return 'needs dockerd and the docker CLI';
  const [state, addr] = swarmState();
  if (!state) return 'needs a Docker engine at /var/run/docker.sock';
  if (state !== 'inactive' && addr !== HOST_IP) return `this machine's Docker engine is already in a swarm (${state}): the test will not disturb it`;
  return null;
}

function pidAlive(pid: number): boolean {
  if (!(pid > 0)) return false; // kill(0) would signal our own process group
  try { process.kill(pid, 0); return true; } catch { return false; }
}
const readPid = (file: string) => { try { return Number(fs.readFileSync(file, 'utf8').trim()) || 0; } catch { return 0; } };

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) { if (!pidAlive(pid)) return true; await sleep(200); }
  return !pidAlive(pid);
}

/** Stop one process by pid: TERM, then KILL after `ms`. */
async function stopPid(pid: number, ms = 30_000): Promise<void> {
  if (!pid || !pidAlive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  if (!(await waitExit(pid, ms))) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } await waitExit(pid, 5_000); }
}

/**
 * Remove whatever a run with this prefix left: the default engine's swarm
 * membership (only when it is this harness's: advertised on 198.19.254.1),
 * its docker_gwbridge (only the one made here), dockerds, the processes left in
 * the namespaces, mounts, namespaces, links, the firewall rule, directories.
 */
export async function cleanupSwarm(prefix: string): Promise<void> {
  const dir = dirOf(prefix);
  const bridge = bridgeOf(prefix);
  for (let i = 1; i <= 9; i++) {
    const n = names(prefix, i);
    const e = path.join(dir, `e${i}`);
    if (fs.existsSync(path.join(e, 'd.sock'))) tryDocker(`unix://${e}/d.sock`, ['swarm', 'leave', '--force']);
    await stopPid(readPid(path.join(e, 'pid')), 20_000);
    // a dockerd killed hard leaves its containerd and shims in the namespace
    const left = trySh(`ip netns pids ${n.netns} 2>/dev/null`).stdout.split('\n').map(Number).filter(Boolean);
    for (const pid of left) await stopPid(pid, 5_000);
    trySh(`ip netns del ${n.netns} 2>/dev/null; ip link del ${n.hostIf} 2>/dev/null`);
  }
  const [state, addr] = swarmState();
  if (state !== 'inactive' && addr === HOST_IP) tryDocker(undefined, ['swarm', 'leave', '--force']);
  if (tryDocker(undefined, ['network', 'inspect', '--format', `{{index .Labels "${OWNER_LABEL}"}}`, 'docker_gwbridge']).trim() === prefix) {
    tryDocker(undefined, ['network', 'rm', 'docker_gwbridge']);
  }
  while (trySh(`iptables -D DOCKER-USER -i ${bridge} -o ${bridge} -j ACCEPT 2>/dev/null`).status === 0) { /* every copy */ }
  trySh(`ip link del ${bridge} 2>/dev/null`);
  trySh(`awk -v d='${dir}/' 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done`);
  fs.rmSync(dir, { recursive: true, force: true });
}

function dockerdArgs(dir: string, i: number): string[] {
  const third = 228 + 4 * i;
  return [
    `-H=unix://${dir}/d.sock`, `--data-root=${dir}/data`, `--exec-root=${dir}/x`, `--pidfile=${dir}/pid`,
    `--bip=198.19.${third}.1/24`, `--default-address-pool=base=198.19.${third}.0/22,size=24`,
    // iptables and br_netfilter settings are per namespace: these rules stay in the engine's own
    '--iptables=true', '--ip-masq=true',
    '--log-level=info',
  ];
}

function launch(dir: string, netns: string, args: string[]): void {
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  // nsenter --net only: `ip netns exec` would remount /sys and hide the cgroups dockerd needs
  const p = spawn('nsenter', [`--net=/run/netns/${netns}`, 'dockerd', ...args], { stdio: ['ignore', log, log], detached: true });
  p.unref();
  fs.closeSync(log);
}

async function waitAnswer(url: string, dir: string, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (spawnSync('docker', ['-H', url, 'version'], { stdio: 'ignore', timeout: 10_000 }).status === 0) return;
    await sleep(500);
  }
  const tail = trySh(`tail -n 5 ${dir}/dockerd.log`).stdout.trim().split('\n').join(' | ');
  throw new Error(`the dockerd at ${url} did not answer within ${ms / 1000}s: ${tail}`);
}

async function waitNodesReady(count: number, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  let seen = '';
  while (Date.now() < until) {
    seen = tryDocker(undefined, ['node', 'ls', '--format', '{{.Hostname}} {{.Status}}']).trim();
    if (seen.split('\n').filter((l) => l.endsWith(' Ready')).length >= count) return;
    await sleep(1000);
  }
  throw new Error(`swarm: expected ${count} Ready nodes, saw: ${seen.replace(/\n/g, '; ')}`);
}

/** Start `count - 1` extra engines, join them to a swarm the default engine manages. */
export async function startSwarmEngines(opts: SwarmOptions): Promise<SwarmLab> {
  const why = swarmSkipReason();
  if (why) throw new Error(`swarm engines: ${why}`);
  if (!/^[a-z][a-z0-9]{0,3}$/.test(opts.prefix)) throw new Error(`swarm engines: prefix ${JSON.stringify(opts.prefix)} must be 1-4 lowercase letters or digits`);
  const { prefix } = opts;
  const dir = dirOf(prefix);
  const bridge = bridgeOf(prefix);
  // the underlay address is fixed: a second harness (another prefix) would clash with it and share the swarm
  const holder = trySh(`ip -o -4 addr show to ${HOST_IP}/32`).stdout.split(/\s+/)[1];
  if (holder && holder !== bridge) throw new Error(`swarm engines: ${HOST_IP} is already on ${holder} (another swarm harness is running?)`);
  await cleanupSwarm(prefix);
  const timings: Record<string, number> = {};
  const timed = async <T>(what: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = Date.now();
    try { return await f(); } finally { timings[what] = (Date.now() - t0) / 1000; }
  };
  const extras = Array.from({ length: opts.count - 1 }, (_, k) => {
    const n = names(prefix, k + 1);
    const d = path.join(dir, `e${k + 1}`);
    return { ...n, i: k + 1, dir: d, url: `unix://${d}/d.sock` };
  });
  const engines: SwarmEngine[] = [
    { name: 'default', url: 'unix:///var/run/docker.sock', ip: HOST_IP, netns: '' },
    ...extras.map((e) => ({ name: e.name, url: e.url, ip: e.ip, netns: e.netns })),
  ];
  const urlOf = (name: string) => {
    const e = engines.find((x) => x.name === name);
    if (!e) throw new Error(`swarm engines: no engine ${name} (have ${engines.map((x) => x.name).join(', ')})`);
    return e.name === 'default' ? undefined : e.url;
  };
  const extraOf = (name: string) => {
    const e = extras.find((x) => x.name === name);
    if (!e) throw new Error(`swarm engines: ${name} is not an extra engine (${extras.map((x) => x.name).join(', ')})`);
    return e;
  };

  try {
    fs.mkdirSync(dir, { recursive: true });
    sh(`ip link add ${bridge} type bridge && ip addr add ${HOST_IP}/${UNDERLAY_BITS} dev ${bridge} && ip link set ${bridge} up`);
    // DOCKER-USER exists when this engine manages iptables; without it, FORWARD is not Docker's DROP
    if (trySh('iptables -L DOCKER-USER -n >/dev/null 2>&1').status === 0) sh(`iptables -I DOCKER-USER -i ${bridge} -o ${bridge} -j ACCEPT`);
    for (const e of extras) {
      fs.mkdirSync(e.dir, { recursive: true });
      sh(`ip netns add ${e.netns} && ip link add ${e.hostIf} type veth peer name ${e.nsIf} && ip link set ${e.nsIf} netns ${e.netns}`);
      sh(`ip link set ${e.hostIf} master ${bridge} && ip link set ${e.hostIf} up`);
      sh(`ip -n ${e.netns} addr add ${e.ip}/${UNDERLAY_BITS} dev ${e.nsIf} && ip -n ${e.netns} link set ${e.nsIf} up && ip -n ${e.netns} link set lo up`);
      sh(`ip -n ${e.netns} route add default via ${HOST_IP}`);
      launch(e.dir, e.netns, dockerdArgs(e.dir, e.i));
    }
    await timed('dockerds', () => Promise.all(extras.map((e) => waitAnswer(e.url, e.dir))));

    await timed('swarm init', () => {
      // made first so the swarm does not take a private range for it
      if (!tryDocker(undefined, ['network', 'inspect', 'docker_gwbridge'])) {
        dockerCli(undefined, ['network', 'create', '--subnet', GWBRIDGE_SUBNET, '--label', `${OWNER_LABEL}=${prefix}`,
          '--opt', 'com.docker.network.bridge.name=docker_gwbridge', '--opt', 'com.docker.network.bridge.enable_icc=false',
          '--opt', 'com.docker.network.bridge.enable_ip_masquerade=true', 'docker_gwbridge']);
      }
      dockerCli(undefined, ['swarm', 'init', '--advertise-addr', HOST_IP, '--listen-addr', `${HOST_IP}:2377`, '--data-path-addr', HOST_IP,
        '--default-addr-pool', SWARM_POOL, '--default-addr-pool-mask-length', '24']);
    });
    const token = dockerCli(undefined, ['swarm', 'join-token', '-q', 'worker']).trim();
    await timed('swarm joins', async () => {
      for (const e of extras) {
        dockerCli(e.url, ['swarm', 'join', '--token', token, '--advertise-addr', e.ip, '--listen-addr', `${e.ip}:2377`, '--data-path-addr', e.ip, `${HOST_IP}:2377`]);
      }
      await waitNodesReady(opts.count);
    });

    const local = localDocker();
    for (const e of extras) {
      if (!opts.images?.length) break;
      await timed(`images → ${e.name}`, () => sendMissingImages(opts.images!, () => {}, new Docker({ socketPath: `${e.dir}/d.sock` }), local));
    }
  } catch (err) {
    await cleanupSwarm(prefix);
    throw err;
  }

  return {
    engines,
    timings,
    dockerOn: (name, args, timeoutMs) => dockerCli(urlOf(name), args, timeoutMs),
    async stop(name) {
      const e = extraOf(name);
      await stopPid(readPid(path.join(e.dir, 'pid')), 60_000);
    },
    async start(name) {
      const e = extraOf(name);
      if (pidAlive(readPid(path.join(e.dir, 'pid')))) return;
      launch(e.dir, e.netns, dockerdArgs(e.dir, e.i));
      await waitAnswer(e.url, e.dir);
    },
    teardown: () => cleanupSwarm(prefix),
  };
}
