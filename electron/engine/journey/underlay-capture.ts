// Capture the VXLAN traffic between Docker engines while something happens:
// on each engine, a throw-away container in the host's network namespace runs
// tcpdump on every interface (`udp port 4789`), its pcap streamed back over
// the container's attach stream. Labelled as the lab's helper, so `lblab gc`
// removes one that a killed lblab left; it also ends by itself (maxSeconds).
// Every container is removed whatever fails.
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { LABEL, labLabels } from '../docker/labels';
import type { UnderlayFile } from './underlay';

export interface UnderlayEngine {
  /** the lab's name for the host */
  host: string;
  client: Docker;
}

export interface UnderlayOptions {
  lab: string;
  /** an image with tcpdump and iproute2 (the lab's router image) */
  image: string;
  /** default: VXLAN (`udp port 4789`) */
  filter?: string;
  /** seconds after which each capture ends by itself (a safety net, not the normal stop) */
  maxSeconds?: number;
  /** how long to wait for every tcpdump to listen */
  listenTimeoutMs?: number;
}

/** the role shaping's host helper has too: gc treats both as the lab's strays */
const HELPER_ROLE = 'helper';

// The interface names first (a cooked capture records indexes), then tcpdump
// on stdout as the container's first process (it drops root for its own user
// once listening: SETUID/SETGID). The safety net sends it what the normal
// stop does, INT (coreutils' timeout as the first process would not pass INT on).
const SCRIPT = `
ip -o link | sed 's/^\\([0-9]*\\): \\([^:@]*\\).*/lblab-if \\1 \\2/' >&2
( sleep "$MAXS"; kill -INT $$ ) >/dev/null 2>&1 &
exec tcpdump -i any -s 0 -nn -U --immediate-mode --time-stamp-precision=nano -w - "$FILTER"
`;

interface Running {
  host: string;
  container: Docker.Container;
  stdout: Buffer[];
  stderr: () => string;
  ended: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const lastLine = (s: string) => s.trim().split('\n').filter((l) => !l.startsWith('lblab-if ')).pop()?.trim() ?? '';

/** Start one engine's capture: resolves once tcpdump listens; throws one line naming the host otherwise. */
async function start(e: UnderlayEngine, opts: Required<UnderlayOptions>, created: Running[]): Promise<void> {
  try {
    await listen(e, opts, created);
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith(`host ${e.host}: `) ? msg : `host ${e.host}: the underlay capture could not start: ${oneLine(msg)}`);
  }
}

const oneLine = (s: string) => s.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim().split('\n')[0].trim();

async function listen(e: UnderlayEngine, opts: Required<UnderlayOptions>, created: Running[]): Promise<void> {
  const container = await e.client.createContainer({
    name: `lblab-${opts.lab}-underlay-${crypto.randomBytes(3).toString('hex')}`,
    Image: opts.image,
    Cmd: ['sh', '-c', SCRIPT],
    Env: [`FILTER=${opts.filter}`, `MAXS=${opts.maxSeconds}`],
    Labels: labLabels(opts.lab, { [LABEL.node]: '', [LABEL.role]: HELPER_ROLE }),
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { NetworkMode: 'host', CapDrop: ['ALL'], CapAdd: ['NET_ADMIN', 'NET_RAW', 'SETUID', 'SETGID'] },
  });
  const stdout: Buffer[] = [];
  let err = '';
  const r: Running = { host: e.host, container, stdout, stderr: () => err, ended: Promise.resolve() };
  created.push(r);
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const out = new PassThrough();
  const errs = new PassThrough();
  out.on('data', (b: Buffer) => stdout.push(b));
  errs.on('data', (b: Buffer) => (err += b.toString()));
  container.modem.demuxStream(stream, out, errs);
  r.ended = new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
  });
  await container.start();
  const deadline = Date.now() + opts.listenTimeoutMs;
  for (;;) {
    if (err.includes('listening on')) return;
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`host ${e.host}: the underlay capture ended: ${lastLine(err) || `exit ${state.ExitCode}`}`);
    if (Date.now() > deadline) throw new Error(`host ${e.host}: the underlay capture did not start listening in ${opts.listenTimeoutMs} ms`);
    await sleep(50);
  }
}

/** Stop one capture (INT: tcpdump flushes and exits) and return its file. */
async function stop(r: Running): Promise<UnderlayFile> {
  await r.container.kill({ signal: 'SIGINT' }).catch(() => undefined); // already ended: its output is all there
  await Promise.race([r.container.wait(), sleep(5000)]);
  await Promise.race([r.ended, sleep(1000)]);
  const ifaces: Record<number, string> = {};
  for (const m of r.stderr().matchAll(/^lblab-if (\d+) (\S+)$/gm)) ifaces[Number(m[1])] = m[2];
  return { host: r.host, pcap: Buffer.concat(r.stdout), ifaces };
}

/**
 * Capture VXLAN on every engine while `during` runs. Returns its result, one
 * file per host captured, and the hosts whose capture could not start (one
 * line each: the journey goes on without their hop). Throws `during`'s
 * error after every capture container is gone.
 */
export async function captureUnderlayDuring<T>(
  engines: UnderlayEngine[],
  options: UnderlayOptions,
  during: () => Promise<T>,
): Promise<{ result: T; files: UnderlayFile[]; skipped: string[] }> {
  const opts: Required<UnderlayOptions> = { filter: 'udp port 4789', maxSeconds: 60, listenTimeoutMs: 10_000, ...options };
  const created: Running[] = [];
  try {
    const started = await Promise.allSettled(engines.map((e) => start(e, opts, created)));
    const skipped = started.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
    const live = created.filter((r) => !skipped.some((m) => m.startsWith(`host ${r.host}: `)));
    const result = await during();
    const files: UnderlayFile[] = [];
    for (const f of await Promise.all(live.map(stop))) {
      if (f.pcap.length >= 24) files.push(f);
      else skipped.push(`host ${f.host}: the underlay capture returned nothing: ${lastLine(live.find((c) => c.host === f.host)!.stderr()) || 'no pcap'}`);
    }
    return { result, files, skipped };
  } finally {
    await Promise.all(created.map((r) => r.container.remove({ force: true }).catch(() => undefined)));
  }
}
