// Reading the agent's stats or health without booting a second Node: `lbagent
// stats` is a Node process whose boot costs seconds in a busy container, and
// the doctor and `lblab stats` ask on every run. The same question goes to the
// daemon's socket in Debian's essential perl-base (as the config relay does):
// one JSON request line, one JSON response line (the agent's ipc protocol).
// A balancer image without perl answers 126/127: the caller falls back to the CLI.

export type AgentQuery = 'stats' | 'health';

const PERL_ASK = String.raw`
use strict; use warnings; use IO::Socket::UNIX; use Socket;
my ($sock, $op) = @ARGV;
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $sock) or die "the lbagent daemon is not running (cannot reach $sock: $!)\n";
print $s '{"op":"' . $op . '"}' . "\n";
local $/; my $res = <$s>;
print defined $res ? $res : '';
`;

/** The relay's command line: the daemon's socket, the question. */
export function askRelayCommand(op: AgentQuery, socket = '/run/lblab/agent.sock'): string[] {
  return ['perl', '-e', PERL_ASK, socket, op];
}

/** The daemon's response line as `lbagent stats|health` would give it: the result, or its errors as one thrown line. */
export function askAnswer(stdout: string): unknown {
  let res: { ok?: boolean; result?: unknown; errors?: unknown };
  try {
    res = JSON.parse(stdout) as typeof res;
  } catch {
    throw new Error(stdout.trim() ? `malformed answer from the daemon: ${stdout.trim().slice(0, 200)}` : 'no answer from the daemon');
  }
  if (res.ok === true) return res.result;
  const errors = Array.isArray(res.errors) ? res.errors.map(String) : [];
  throw new Error(errors[0] ?? 'the daemon refused without a reason');
}
