// Counters read inside a node, before and after a run and once a second while
// it measures: bytes per interface (/sys/class/net/*/statistics), the
// container's CPU time (cgroup v2 cpu.stat, or v1 cpuacct.usage) and, on lab
// servers, the requests counted so far (nginx logs one byte + newline per
// request carrying the count header: see lab-images/server/nginx.conf).

/** Where the lab servers count the requests of a comparison (2 bytes per request). */
export const REQUEST_LOG = '/dev/shm/lblab-requests.log';

export interface Snapshot {
  /** ms since epoch, the node's clock (undefined when its `date` has no %N) */
  at?: number;
  net: Record<string, { rx: number; tx: number }>;
  /** CPU time of the node's cgroup, seconds */
  cpuSeconds?: number;
  /** requests counted by the server so far */
  requests?: number;
}

/** One snapshot, printed as `t|net|cpu|cpuns|req` lines and closed by `--`. */
export const SNAPSHOT_SCRIPT = [
  'echo "t $(date +%s%N)"',
  'for d in /sys/class/net/*; do n=${d##*/}; [ "$n" = lo ] && continue; echo "net $n $(cat $d/statistics/rx_bytes) $(cat $d/statistics/tx_bytes)"; done',
  "if [ -r /sys/fs/cgroup/cpu.stat ]; then awk '$1 == \"usage_usec\" { print \"cpu\", $2 }' /sys/fs/cgroup/cpu.stat; " +
    'else for f in /sys/fs/cgroup/cpuacct/cpuacct.usage /sys/fs/cgroup/cpu,cpuacct/cpuacct.usage; do [ -r $f ] && { echo "cpuns $(cat $f)"; break; }; done; fi',
  `if [ -e ${REQUEST_LOG} ]; then echo "req $(stat -c %s ${REQUEST_LOG})"; fi`,
  'echo --',
].join('\n');

/**
 * Snapshots every second, `count` times at most; the pid goes to `pidFile` so
 * the after-snapshot can stop it. The request count restarts from zero (the
 * file lives in the container's small /dev/shm; deltas see the reset).
 */
export function samplerScript(count: number, pidFile: string): string {
  return `echo $$ > ${pidFile}\n[ -e ${REQUEST_LOG} ] && : > ${REQUEST_LOG}\ni=0\nwhile [ $i -lt ${count} ]; do\n${SNAPSHOT_SCRIPT}\ni=$((i+1)); sleep 1\ndone\n`;
}

/** Stop a sampler (if any) and take one snapshot. */
export function stopAndSnapshotScript(pidFile: string): string {
  return `[ -f ${pidFile} ] && kill $(cat ${pidFile}) 2>/dev/null; rm -f ${pidFile}\n${SNAPSHOT_SCRIPT}\n`;
}

/** Parse every complete snapshot in `text` (blocks closed by `--`). */
export function parseSnapshots(text: string): Snapshot[] {
  const out: Snapshot[] = [];
  let cur: Snapshot = { net: {} };
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f[0] === '--') {
      out.push(cur);
      cur = { net: {} };
    } else if (f[0] === 't' && /^\d{13,}$/.test(f[1] ?? '')) cur.at = Number(f[1].slice(0, 13));
    else if (f[0] === 'net' && f.length === 4 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3])) cur.net[f[1].replace(/@.*/, '')] = { rx: Number(f[2]), tx: Number(f[3]) };
    else if (f[0] === 'cpu' && /^\d+$/.test(f[1] ?? '')) cur.cpuSeconds = Number(f[1]) / 1e6;
    else if (f[0] === 'cpuns' && /^\d+$/.test(f[1] ?? '')) cur.cpuSeconds = Number(f[1]) / 1e9;
    else if (f[0] === 'req' && /^\d+$/.test(f[1] ?? '')) cur.requests = Math.floor(Number(f[1]) / 2);
  }
  return out;
}

/** The one snapshot `text` holds; throws when there is none. */
export function parseSnapshot(text: string, node: string): Snapshot {
  const s = parseSnapshots(text)[0];
  if (!s) throw new Error(`node ${node}: no counters read (${text.trim().split('\n').pop() || 'no output'})`);
  return s;
}

export interface Delta {
  net: Record<string, { rx: number; tx: number }>;
  cpuSeconds?: number;
  requests?: number;
}

/** What happened between two snapshots (counters that went backwards count from zero: a reset). */
export function delta(before: Snapshot, after: Snapshot): Delta {
  const d = (a: number, b: number) => (b >= a ? b - a : b);
  const net: Delta['net'] = {};
  for (const [dev, v] of Object.entries(after.net)) {
    const b = before.net[dev] ?? { rx: 0, tx: 0 };
    net[dev] = { rx: d(b.rx, v.rx), tx: d(b.tx, v.tx) };
  }
  return {
    net,
    cpuSeconds: before.cpuSeconds !== undefined && after.cpuSeconds !== undefined ? Math.max(0, after.cpuSeconds - before.cpuSeconds) : undefined,
    requests: before.requests !== undefined && after.requests !== undefined ? d(before.requests, after.requests) : undefined,
  };
}

export const sumRx = (d: Delta) => Object.values(d.net).reduce((a, v) => a + v.rx, 0);
export const sumTx = (d: Delta) => Object.values(d.net).reduce((a, v) => a + v.tx, 0);

/**
 * Each backend's share of the requests: counted by the servers when they
 * count (our server image), else by the bytes each one sent (a server image
 * of the user's own: for one fixed object, bytes follow requests).
 */
export function backendShares(per: Record<string, Delta>): Record<string, number> {
  const nodes = Object.keys(per);
  const counted = nodes.every((n) => per[n].requests !== undefined);
  const amount = (n: string) => (counted ? per[n].requests! : sumTx(per[n]));
  const total = nodes.reduce((a, n) => a + amount(n), 0);
  return Object.fromEntries(nodes.map((n) => [n, total > 0 ? amount(n) / total : 0]));
}
