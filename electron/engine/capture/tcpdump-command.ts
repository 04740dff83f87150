// The command a capture runs in a node, and how its stderr reads.
//
// tcpdump runs under a small sh wrapper that (1) prints tcpdump's pid first,
// so a stop can kill it by pid from another exec (ending the exec stream
// does not end the process), and (2) kills tcpdump when the exec's stdin
// reaches EOF: the engine holds stdin open and closes it on stop, and Docker
// closes it when the engine's connection drops (a killed CLI, a crashed
// app), so no tcpdump outlives its reader. The wrapper reaps its watchdog:
// nothing is left behind even where PID 1 does not reap.

export const PID_TAG = 'lblab-capture-pid';

export const WRAPPER = [
  'exec 3<&0',
  'tcpdump "$@" 3<&- &',
  'p=$!',
  `echo "${PID_TAG} $p" >&2`,
  '( read -r _ <&3; kill $p 2>/dev/null ) &',
  'w=$!',
  'exec 3<&-',
  'wait $p; rc=$?',
  'kill $w 2>/dev/null; wait $w 2>/dev/null',
  'exit $rc',
].join('\n');

export interface TcpdumpOptions {
  iface: string;
  snaplen?: number;
  /** a capture filter (pcap-filter syntax), given to tcpdump as one argument */
  filter?: string;
}

/** argv for a docker exec: sh running the wrapper, tcpdump's arguments after it (never through a shell). */
export function tcpdumpArgv(o: TcpdumpOptions): string[] {
  // -U: flush after every packet; --immediate-mode: no libpcap block timeout,
  // so a live view sees packets at once; -w -: pcap on stdout.
  const args = ['-U', '--immediate-mode', '-w', '-', '-i', o.iface];
  if (o.snaplen !== undefined) args.push('-s', String(o.snaplen));
  if (o.filter?.trim()) args.push('--', o.filter.trim());
  return ['sh', '-c', WRAPPER, 'lblab-capture', ...args];
}

/** What tcpdump's stderr has said so far, read line by line. */
export class TcpdumpStderr {
  pid: number | undefined;
  listening = false;
  /** packets the kernel dropped, from tcpdump's final report */
  kernelDrops: number | undefined;
  /** lines that are neither the pid, the listening note nor the final counts */
  readonly messages: string[] = [];
  private partial = '';

  /** Feed a chunk; returns true when it completed the listening line (tcpdump is capturing). */
  push(chunk: string): boolean {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    let started = false;
    for (const raw of lines) started = this.line(raw.trimEnd()) || started;
    return started;
  }

  /** The stream ended: read what is left without a newline. */
  end(): boolean {
    const last = this.partial.trimEnd();
    this.partial = '';
    return last ? this.line(last) : false;
  }

  private line(l: string): boolean {
    if (!l) return false;
    const pid = new RegExp(`^${PID_TAG} (\\d+)$`).exec(l);
    if (pid) {
      this.pid = Number(pid[1]);
      return false;
    }
    if (/^tcpdump: listening on /.test(l)) {
      this.listening = true;
      return true;
    }
    const drops = /^(\d+) packets? dropped by kernel$/.exec(l);
    if (drops) {
      this.kernelDrops = Number(drops[1]);
      return false;
    }
    if (/^\d+ packets? (captured|received by filter)$/.test(l)) return false;
    this.messages.push(l);
    return false;
  }

  /** tcpdump's own complaint, one line (the last one it printed is the reason it stopped). */
  get error(): string | undefined {
    const m = this.messages.filter((l) => l.startsWith('tcpdump:'));
    return (m.length ? m[m.length - 1] : this.messages[this.messages.length - 1])?.trim();
  }
}
