// Counters read inside every node of a run several times a second by a
// sampler, so the run's before/after values are interpolated at the instants
// the clients' wrk started and ended (no exec round trip at either end), and
// the live series comes from the same stream: bytes per interface (/sys/class/net/*/statistics), the
// container's CPU time (cgroup v2 cpu.stat, or v1 cpuacct.usage) and, on lab
// servers, the requests counted so far (nginx logs one byte + newline per
// request carrying the count header: see lab-images/server/nginx.conf), and
// on the balancer its eBPF program's own run time and runs while the agent
// holds the kernel's statistics on (the fdinfo of the holder's program fds).

import { AGENT_RUN_DIR, PROG_STATS_PID_FILE } from '../balancer/contract';

/** Where the lab servers count the requests of a comparison (2 bytes per request). */
export const REQUEST_LOG = '/dev/shm/lblab-requests.log';

export interface Snapshot {
  /** ms since the kernel booted (/proc/uptime): one clock for every node of the lab, which share the kernel */
  at?: number;
  net: Record<string, { rx: number; tx: number }>;
  /** CPU time of the node's cgroup, seconds */
  cpuSeconds?: number;
  /** requests counted by the server so far */
  requests?: number;
  /** the balancer in a comparison across gateways: the gateway's processes */
  gateway?: GatewaySnapshot;
  /** the balancer's eBPF program(s) so far, while their run-time statistics are on: ns spent in them, and runs
   * (one per packet they saw); summed over the programs held */
  program?: ProgramCounters;
}

export interface ProgramCounters {
  runTimeNs: number;
  runs: number;
}

/** Where the balancer's agent writes the pid of the process holding the program statistics on (its run dir). */
export const PROG_STATS_PID = `${AGENT_RUN_DIR}/${PROG_STATS_PID_FILE}`;

/**
 * One `prog ID RUN_TIME_NS RUN_CNT` line per program the holder has open
 * (/proc/PID/fdinfo: prog_id comes before run_time_ns and run_cnt; other fds
 * have none of them). Builtins only.
 */
function programLines(): string[] {
  return [
    `  if read pp < ${PROG_STATS_PID} 2>/dev/null; then for f in /proc/$pp/fdinfo/*; do id=; rt=;`,
    '    while read k v; do case "$k" in prog_id:) id=$v ;; run_time_ns:) rt=$v ;; run_cnt:) [ -n "$id" ] && echo "prog $id $rt $v" ;; esac; done < $f 2>/dev/null; done; fi',
  ];
}

export interface GatewaySnapshot {
  /** resident memory of its processes, summed, in bytes */
  rssBytes: number;
  threads: number;
  processes: number;
  /** context switches of its processes so far (voluntary + involuntary) */
  contextSwitches: number;
  /** connections waiting in the listen queues, not yet accepted by a worker */
  queued: number;
}

/** The process names of each gateway (Apache's three MPMs are all apache2). */
export const GATEWAY_COMMS = ['haproxy', 'nginx', 'apache2'] as const;

/**
 * One `gw` line: memory, threads, process and context-switch totals of the
 * gateway's processes (from /proc/PID/status), and the listen queues (the
 * listening sockets come first in /proc/net/tcp: the loop stops at the first
 * other one). Builtins only, like the rest of the sampler.
 */
function gatewayLines(): string[] {
  return [
    '  rss=0; thr=0; np=0; cs=0; q=0',
    '  for d in /proc/[0-9]*; do read c < $d/comm 2>/dev/null || continue; case "$c" in ' + GATEWAY_COMMS.join('|') + ') ;; *) continue ;; esac; np=$((np+1));',
    '    while read k v rest; do case "$k" in VmRSS:) rss=$((rss+v)) ;; Threads:) thr=$((thr+v)) ;; voluntary_ctxt_switches:|nonvoluntary_ctxt_switches:) cs=$((cs+v)) ;; esac; done < $d/status 2>/dev/null; done',
    '  { read hdr; while read sl la ra st txrx rest; do [ "$st" = 0A ] || break; q=$((q + 0x${txrx#*:})); done; } < /proc/net/tcp',
    '  echo "gw $rss $thr $np $cs $q"',
  ];
}

/** Where a sampler runs while its file exists (removing it stops the sampler). */
export const samplerRunFile = (tag: string) => `/tmp/lblab-sampler-${tag}.run`;

/**
 * Counters every `periodS` seconds while the run file exists (at most
 * `maxCount` times), as `t|net|cpu|cpuns|req` lines closed by `--`. Shell
 * builtins only (read, globs), so a snapshot costs no process: the balancer
 * under test is not disturbed by its own measurement. The request count
 * restarts from zero (the file lives in the container's small /dev/shm;
 * deltas see the reset).
 */
export function samplerScript(tag: string, periodS: number, maxCount: number, opts: { gateway?: boolean; program?: boolean } = {}): string {
  const run = samplerRunFile(tag);
  const v1 = ['/sys/fs/cgroup/cpuacct/cpuacct.usage', '/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage', '/sys/fs/cgroup/cpuacct.usage'];
  return [
    `: > ${run}`,
    `[ -e ${REQUEST_LOG} ] && : > ${REQUEST_LOG}`,
    'i=0',
    `while [ -e ${run} ] && [ $i -lt ${maxCount} ]; do`,
    '  read up idle < /proc/uptime; echo "t $up"',
    '  for d in /sys/class/net/*; do n=${d##*/}; [ "$n" = lo ] && continue; read rx < $d/statistics/rx_bytes; read tx < $d/statistics/tx_bytes; echo "net $n $rx $tx"; done',
    '  if [ -r /sys/fs/cgroup/cpu.stat ]; then while read k v; do [ "$k" = usage_usec ] && echo "cpu $v"; done < /sys/fs/cgroup/cpu.stat;',
    ...v1.map((f) => `  elif [ -r ${f} ]; then read v < ${f}; echo "cpuns $v";`),
    '  fi',
    `  [ -e ${REQUEST_LOG} ] && echo "req $(stat -c %s ${REQUEST_LOG})"`,
    ...(opts.gateway ? gatewayLines() : []),
    ...(opts.program ? programLines() : []),
    '  echo --',
    `  i=$((i+1)); sleep ${periodS}`,
    'done',
  ].join('\n');
}

/** Stop the samplers whose tag matches `glob` in this node (a run's tag, or `<id>-*` for a whole comparison); they end at their next tick. */
export const stopSamplersScript = (glob: string) => `rm -f ${samplerRunFile(glob)}; true`;

/** Parse every complete snapshot in `text` (blocks closed by `--`). */
export function parseSnapshots(text: string): Snapshot[] {
  const out: Snapshot[] = [];
  let cur: Snapshot = { net: {} };
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f[0] === '--') {
      out.push(cur);
      cur = { net: {} };
    } else if (f[0] === 't' && /^\d+(\.\d+)?$/.test(f[1] ?? '')) cur.at = Math.round(Number(f[1]) * 1000);
    else if (f[0] === 'net' && f.length === 4 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3])) cur.net[f[1].replace(/@.*/, '')] = { rx: Number(f[2]), tx: Number(f[3]) };
    else if (f[0] === 'cpu' && /^\d+$/.test(f[1] ?? '')) cur.cpuSeconds = Number(f[1]) / 1e6;
    else if (f[0] === 'cpuns' && /^\d+$/.test(f[1] ?? '')) cur.cpuSeconds = Number(f[1]) / 1e9;
    else if (f[0] === 'req' && /^\d+$/.test(f[1] ?? '')) cur.requests = Math.floor(Number(f[1]) / 2);
    else if (f[0] === 'gw' && f.length === 6 && f.slice(1).every((x) => /^\d+$/.test(x)))
      cur.gateway = { rssBytes: Number(f[1]) * 1024, threads: Number(f[2]), processes: Number(f[3]), contextSwitches: Number(f[4]), queued: Number(f[5]) };
    else if (f[0] === 'prog' && f.length === 4 && f.slice(1).every((x) => /^\d+$/.test(x)))
      cur.program = { runTimeNs: (cur.program?.runTimeNs ?? 0) + Number(f[2]), runs: (cur.program?.runs ?? 0) + Number(f[3]) };
  }
  return out;
}

/**
 * The counters at time `t` (ms, the snapshots' clock), interpolated linearly
 * between the two snapshots around it; clamped to the first / last one.
 */
export function counterAt(series: Snapshot[], t: number): Snapshot {
  const timed = series.filter((s) => s.at !== undefined);
  if (!timed.length) throw new Error('no timed snapshot');
  const i = timed.findIndex((s) => s.at! >= t);
  if (i === 0 || (i > 0 && timed[i].at === t)) return timed[i];
  if (i < 0) return timed[timed.length - 1];
  const a = timed[i - 1];
  const b = timed[i];
  const f = b.at! === a.at! ? 1 : (t - a.at!) / (b.at! - a.at!);
  const mix = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? y : y < x ? y : x + (y - x) * f);
  const net: Snapshot['net'] = {};
  for (const [dev, v] of Object.entries(b.net)) {
    const u = a.net[dev] ?? v;
    net[dev] = { rx: mix(u.rx, v.rx)!, tx: mix(u.tx, v.tx)! };
  }
  // held at both snapshots around t, or t is not covered: statistics that came on between them missed part of it
  const program = a.program && b.program && { runTimeNs: mix(a.program.runTimeNs, b.program.runTimeNs)!, runs: mix(a.program.runs, b.program.runs)! };
  return { at: t, net, cpuSeconds: mix(a.cpuSeconds, b.cpuSeconds), requests: mix(a.requests, b.requests), ...(program && { program }) };
}

export interface Delta {
  net: Record<string, { rx: number; tx: number }>;
  cpuSeconds?: number;
  requests?: number;
  /** in the balancer's eBPF program: seconds spent and packets seen (absent: its statistics were not on) */
  program?: { seconds: number; packets: number };
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
    // on at both ends, or the window is not covered (a holder that started late counts from its start)
    ...(before.program && after.program && {
      program: { seconds: d(before.program.runTimeNs, after.program.runTimeNs) / 1e9, packets: Math.round(d(before.program.runs, after.program.runs)) },
    }),
  };
}

export const sumRx = (d: Delta) => Object.values(d.net).reduce((a, v) => a + v.rx, 0);
export const sumTx = (d: Delta) => Object.values(d.net).reduce((a, v) => a + v.tx, 0);

/**
 * Each backend's share of the requests: counted by the servers when they
 * count (our server image's nginx), else by the bytes each one sent (a server
 * image of the user's own, or a protocol nginx does not serve: for one fixed
 * object, put or message, bytes follow requests).
 */
export function backendShares(per: Record<string, Delta>): Record<string, number> {
  const nodes = Object.keys(per);
  // (an etcd or WebSocket load is not counted by nginx: none of its requests are)
  const counted = nodes.every((n) => per[n].requests !== undefined) && nodes.some((n) => per[n].requests! > 0);
  const amount = (n: string) => (counted ? per[n].requests! : sumTx(per[n]));
  const total = nodes.reduce((a, n) => a + amount(n), 0);
  return Object.fromEntries(nodes.map((n) => [n, total > 0 ? amount(n) / total : 0]));
}
