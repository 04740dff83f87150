// The kernel's run-time statistics of our eBPF program (run_time_ns, run_cnt)
// while a comparison runs. They are off by default because counting costs a
// little on every packet (two clock reads per program run), and they are
// kernel-wide: holding a BPF_ENABLE_STATS(BPF_STATS_RUN_TIME) fd keeps them on,
// and closing it (or the holder dying) turns them off again. No sysctl is
// touched, so nothing is left on after a crash.
//
// The holder is a small perl program (perl-base has syscall(); the container
// has no native addons): it enables the stats, opens the pinned program
// (BPF_OBJ_GET) and waits. While it lives, the program's counters are in
// /proc/<pid>/fdinfo/<fd> — where the comparison's sampler reads them with
// shell builtins, at its own ticks. It exits when its stdin closes (the agent
// stopped it, or died) or after its time limit, whichever comes first.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { PROG_STATS_MAX_SECONDS } from '../contract/report';

/** bpf(2)'s number per Node arch (as for the map writer). */
const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280, riscv64: 280, ia32: 357, arm: 386 };

/** argv: syscall number, seconds to live, pinned program paths. Prints "ok <fd>..." once holding. */
const PERL_HOLDER = String.raw`
use strict; use warnings;
my ($NR, $ttl, @paths) = @ARGV;
sub ptr { return unpack('Q', pack('P', $_[0])) }
my $st = pack('L', 0);
my $sfd = syscall($NR + 0, 32, $st, length $st);
die "BPF_ENABLE_STATS: $!\n" if $sfd < 0;
my @fds;
for my $p (@paths) {
  my $path = $p . "\0";
  my $a = pack('Q L L l x4', ptr($path), 0, 0, 0);
  my $fd = syscall($NR + 0, 7, $a, length $a);
  die "open $p: $!\n" if $fd < 0;
  push @fds, $fd;
}
$| = 1;
print "ok @fds\n";
$SIG{ALRM} = sub { exit 0 };
alarm $ttl;
1 while defined(my $l = <STDIN>);
exit 0;
`;

export class ProgStatsHolder {
  private child?: ChildProcess;

  /** @param pidFile where the holder's pid is written while it holds (the sampler reads its fdinfo) */
  constructor(private readonly pidFile: string) {}

  get holding(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  /** Turn the stats on and hold `programs` (pinned paths) open for at most `seconds`; an earlier hold ends first. */
  async start(programs: string[], seconds: number): Promise<void> {
    this.stop();
    const nr = SYS_BPF[process.arch];
    if (nr === undefined) throw new Error(`no bpf(2) number known for ${process.arch}`);
    const ttl = Math.max(1, Math.min(PROG_STATS_MAX_SECONDS, Math.round(seconds)));
    const child = spawn('perl', ['-e', PERL_HOLDER, String(nr), String(ttl), ...programs], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => {});
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve();
      });
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`program stats not enabled: ${err.trim() || `perl exited ${code}`}`)));
    });
    writeFileSync(this.pidFile, `${child.pid}\n`);
    this.child = child;
    child.on('exit', () => {
      if (this.child === child) this.forget();
    });
    if (child.exitCode !== null) this.forget();
  }

  /** Turn them off (the holder's fds close with it). */
  stop(): void {
    const child = this.child;
    this.forget();
    if (child && child.exitCode === null) {
      child.stdin?.end();
      // a holder that does not exit on EOF within a second is ended
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 1000).unref();
    }
  }

  private forget(): void {
    this.child = undefined;
    rmSync(this.pidFile, { force: true });
  }
}
