// How the engine hands a config to the daemon without booting a second Node.
//
// `lbagent apply` is a Node process: on a busy 2-core machine its boot costs
// about half a CPU-second, in a container whose daemon (also Node) is booting
// at the same moment, on a deploy's critical path. The relay below does the
// same hand-over in Debian's essential perl-base: print the balancer's
// interfaces (the engine needs them to build the config), then a marker line,
// then read the config from stdin, send it to the daemon's socket (agent/ipc.ts:
// one JSON request line, one JSON response line; waiting for the daemon to
// listen, as `lbagent apply` does) and print the daemon's response line. The
// daemon validates the config as the CLI would and answers one line per
// problem. Pure data, no Node APIs: the engine runs it, the agent answers it.

export const RELAY_MARKER = '--- lblab: interfaces above, daemon answer below ---';

const PERL_RELAY = String.raw`
use strict; use warnings; use IO::Socket::UNIX; use Socket;
my ($sock, $wait, $marker) = @ARGV;
$| = 1;
my $links = qx(ip -j addr);
die "ip -j addr failed\n" if $?;
print $links, "\n", $marker, "\n";
binmode STDIN;
my $cfg = do { local $/; <STDIN> };
$cfg = '' unless defined $cfg;
$cfg =~ s/\s+\z//;
exit 3 if $cfg eq '';
my $until = time + $wait; my $s;
until ($s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $sock)) {
  die "cannot reach the lbagent daemon at $sock: $!\n" if time > $until;
  select(undef, undef, undef, 0.025);
}
print $s '{"op":"apply","config":' . $cfg . "}\n";
my $res = do { local $/; <$s> };
print defined $res ? $res : '';
`;

/** The relay's command line: socket path, seconds to wait for the daemon. */
export function applyRelayCommand(socket = '/run/lblab/agent.sock', waitSeconds = 30): string[] {
  return ['perl', '-e', PERL_RELAY, socket, String(waitSeconds), RELAY_MARKER];
}
