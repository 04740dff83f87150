// Capture on every interface of every running node while something happens:
// one tcpdump per interface writing a pcap file in its node, all listening
// before `during` runs; afterwards each is stopped by its pid, its file read
// and deleted. Nothing is left behind, whatever fails: the stop runs in a
// finally, sweeps any tcpdump of this session by pid, and every tcpdump also
// runs under `timeout`, so even a killed lblab leaves none for long.
import { randomBytes } from 'node:crypto';
import { execIn } from '../docker/exec';

export interface CaptureIface { name: string; mac: string }
export interface CaptureTarget { node: string; container: string; ifaces: CaptureIface[] }
export interface CapturedFile { node: string; iface: string; mac: string; pcap: Buffer }
export interface CaptureResult<T> {
  result: T;
  files: CapturedFile[];
  /** nodes not captured, and why (e.g. `web1 (no tcpdump)`) */
  skipped: string[];
}

/** Runs a shell script in a container: stdout on success, an Error naming the node otherwise. */
export type NodeShell = (container: string, script: string, env: string[], timeoutMs: number) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

export const dockerShell: NodeShell = (container, script, env, timeoutMs) => execIn(container, ['sh', '-c', script], { env, timeoutMs });

export interface CaptureOptions {
  /** tcpdump filter expression */
  filter: string;
  /** seconds after which every tcpdump ends by itself (a safety net, not the normal stop) */
  maxSeconds?: number;
  /** how long to wait for every tcpdump to listen */
  listenTimeoutMs?: number;
  shell?: NodeShell;
}

// The scripts get their parameters through the environment: no quoting of filters or names.
// Files of an earlier session whose lblab was killed before its cleanup are removed first.
const START = `
command -v tcpdump >/dev/null 2>&1 || { echo no-tcpdump; exit 0; }
find /tmp -maxdepth 1 -name 'lblab-journey-*' -mmin +5 -exec rm -f {} + 2>/dev/null
for i in $IFACES; do
  timeout -s TERM "$MAXS" tcpdump -i "$i" -s 0 -nn -U --immediate-mode --time-stamp-precision=nano \\
    -w "/tmp/$SID-$i.pcap" "$FILTER" </dev/null >/dev/null 2>"/tmp/$SID-$i.log" &
  echo "$!"
done`;

// Listening once each log says so; a tcpdump that died says why (its log's last line).
const WAIT = `
n=0
while :; do
  ok=1
  for i in $IFACES; do
    if ! grep -q 'listening on' "/tmp/$SID-$i.log" 2>/dev/null; then
      ok=0
      if ! pgrep -f "/tmp/$SID-$i.pcap" >/dev/null 2>&1 && [ $n -gt 2 ]; then
        echo "tcpdump on $i failed: $(grep -v '^tcpdump: verbose\\|^$' "/tmp/$SID-$i.log" | tail -n 1)" >&2
        exit 2
      fi
    fi
  done
  [ $ok = 1 ] && exit 0
  n=$((n + 1))
  [ $n -ge "$TRIES" ] && { echo "tcpdump did not start listening in time" >&2; exit 3; }
  sleep 0.05
done`;

// Stop by pid (TERM lets tcpdump flush its file), wait for the exit, then
// sweep: any process still naming this session's files is killed by pid.
const STOP = `
[ -n "$PIDS" ] && kill -TERM $PIDS 2>/dev/null
n=0
while [ $n -lt 60 ]; do
  alive=0
  for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  n=$((n + 1)); sleep 0.05
done
left=$(ps -eo pid=,args= | grep "/tmp/$SID-" | grep -v grep | awk '{print $1}')
[ -n "$left" ] && kill -KILL $left 2>/dev/null
for i in $IFACES; do
  f="/tmp/$SID-$i.pcap"
  if [ -s "$f" ]; then echo "$i $(base64 -w0 "$f")"; else echo "$i -"; fi
done
rm -f /tmp/$SID-*
exit 0`;

/** A unique name for this session's files and processes. */
export const sessionId = () => `lblab-journey-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/**
 * Capture on every target interface while `during` runs. Returns its result
 * and the captured files; throws its error (or a capture failure) after
 * every tcpdump is gone.
 */
export async function captureDuring<T>(targets: CaptureTarget[], opts: CaptureOptions, during: () => Promise<T>): Promise<CaptureResult<T>> {
  const sh = opts.shell ?? dockerShell;
  const sid = sessionId();
  const maxSeconds = opts.maxSeconds ?? 60;
  const tries = Math.ceil((opts.listenTimeoutMs ?? 8000) / 50);
  const envOf = (t: CaptureTarget, more: string[] = []) => [`SID=${sid}`, `IFACES=${t.ifaces.map((i) => i.name).join(' ')}`, ...more];
  const live = targets.filter((t) => t.ifaces.length);
  const pids = new Map<string, string>();
  const files: CapturedFile[] = [];
  const skipped: string[] = [];

  const start = async (t: CaptureTarget) => {
    const r = await sh(t.container, START, envOf(t, [`FILTER=${opts.filter}`, `MAXS=${maxSeconds}`]), 15_000);
    if (r.exitCode === 0 && r.stdout.trim() === 'no-tcpdump') {
      skipped.push(`${t.node} (no tcpdump)`);
      return;
    }
    pids.set(t.node, r.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p)).join(' '));
    if (r.exitCode !== 0) throw new Error(`${t.node}: could not start tcpdump: ${lastLine(r.stderr || r.stdout)}`);
    const w = await sh(t.container, WAIT, envOf(t, [`TRIES=${tries}`]), 20_000);
    if (w.exitCode !== 0) throw new Error(`${t.node}: ${lastLine(w.stderr || w.stdout) || `capture did not start (exit ${w.exitCode})`}`);
  };

  const stop = async (t: CaptureTarget) => {
    const r = await sh(t.container, STOP, envOf(t, [`PIDS=${pids.get(t.node) ?? ''}`]), 30_000);
    for (const line of r.stdout.split('\n')) {
      const [name, b64] = line.trim().split(' ');
      const iface = t.ifaces.find((i) => i.name === name);
      if (iface && b64 && b64 !== '-') files.push({ node: t.node, iface: iface.name, mac: iface.mac, pcap: Buffer.from(b64, 'base64') });
    }
    if (r.exitCode !== 0) throw new Error(`${t.node}: stopping the capture failed: ${lastLine(r.stderr)}`);
  };

  let outcome: { ok: true; result: T } | { ok: false; error: unknown } = { ok: false, error: new Error('capture interrupted') };
  try {
    const started = await Promise.allSettled(live.map(start));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    outcome = { ok: true, result: await during() };
  } catch (e) {
    outcome = { ok: false, error: e };
  } finally {
    // every node, also those whose start failed half-way: their sweep finds the strays
    const stopped = await Promise.allSettled(live.map(stop));
    const failed = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed && outcome.ok) outcome = { ok: false, error: failed.reason };
  }
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.result, files, skipped };
}

const lastLine = (s: string) => s.trim().split('\n').pop()?.trim() ?? '';
