// The router's side of a tier: its multipath route to the VIP through the members, and a health
// loop that withdraws a member whose check fails and puts it back when it passes (what BGP does in
// front of a real tier, fed by a health checker). Shell for the router image (dash, iproute2,
// iputils ping, perl-base).
//
// - The route uses a resilient nexthop group where the kernel has them (a member's death moves
//   only its own buckets; the others' flows stay where they are), else a plain multipath route.
//   Either way the router hashes on addresses and ports (fib_multipath_hash_policy=1, plan.ts).
// - The check asks what a client needs, not only whether the member's kernel lives: ping, and the
//   service itself through that member alone (a TCP connect, for http a GET answered with a status
//   line). A rule pins the check's source ports (local traffic only) to a table holding the VIP via
//   that member. So a member whose data plane or proxy is gone or frozen while its kernel still
//   answers ping is withdrawn too. When no member passes the service check, the service (its
//   backends) is down, not the members: ping alone decides then.
// - Every TIER_PERIOD_S a round checks every member at once (ping timeout TIER_TIMEOUT_S, the
//   service check's connect CHECK_CONNECT_S and answer CHECK_ANSWER_S): down after TIER_FAILS
//   failed rounds in a row, up again after as many passed. A member that is gone fails both within
//   ~0.4 s a round (withdrawn within ≈ 3 × 0.7 s); a frozen proxy fails its answer (≈ 3 × 0.9 s).
// - The plumbing restarts the loop on every run, with every member in the route: a member that
//   is still dead is withdrawn again by the fresh loop's first rounds.
// - State lives in $state/tier: conf (one line per tier: vip group port protocol id:via…), pid,
//   log, check.pl, and per member `<via>.state` (up|down), `<via>.run` (rounds against the state),
//   `<via>.ping` and `<via>.svc` (the last round), and `<via>.out` when the member is left out on
//   purpose (a comparison across tier sizes).
import type { PlannedNode, TierRoute } from './plan-types';
import { TIER_NH_BASE } from './tier';

export const TIER_PERIOD_S = 0.3;
export const TIER_TIMEOUT_S = 0.4;
export const TIER_FAILS = 2;
/** The service check's connect (a member that is gone: it fails then, beside its ping), and its answer (a
 * backend or proxy that has to be scheduled on a busy host: more room, a frozen one still fails it). */
export const CHECK_CONNECT_S = 0.3;
export const CHECK_ANSWER_S = 0.6;
/** Source ports of the checks: member next hop id → its own range below the ephemeral ports. */
export const CHECK_PORT_BASE = 20000;
export const CHECK_PORTS = 200;
const CHECK_SLOTS = 60;
/** Resilient group: buckets, and how long an unbalanced bucket waits before it moves back. */
const BUCKETS = 128;

/** conf lines: `vip group port protocol id:via …` (member i's next hop id is group + 1 + i). */
export function tierConf(tiers: TierRoute[]): string[] {
  return tiers.map((t) => [t.vip, t.group, t.port, t.protocol, ...t.hops.map((h, i) => `${t.group + 1 + i}:${h.via}`)].join(' '));
}

/** The check's source ports for a member next hop id: `lo-hi`. */
export function checkPorts(id: number): string {
  const lo = CHECK_PORT_BASE + ((id - TIER_NH_BASE) % CHECK_SLOTS) * CHECK_PORTS;
  return `${lo}-${lo + CHECK_PORTS - 1}`;
}

/**
 * One round of service checks (perl-base only): stdin has one target a line, `via id vip port protocol`;
 * each is checked at once in a forked child (no perl start-up per member), which writes up or down
 * to DIR/<via>.svc. A check's source port is one of its next hop's own (checkPorts), which a rule
 * routes through that member alone.
 */
export const CHECK_SCRIPT = `# lblab: one round of tier member checks: the service through each member alone
use strict; use Socket; use IO::Socket::INET; use IO::Select;
my $dir = shift;
sub check {
  my ($vip, $port, $proto, $lo) = @_;
  my $s;
  for (1 .. 6) {
    $s = IO::Socket::INET->new(PeerAddr => $vip, PeerPort => $port, LocalPort => $lo + int(rand(${CHECK_PORTS})), ReuseAddr => 1, Proto => 'tcp', Timeout => ${CHECK_CONNECT_S});
    last if $s || $! !~ /in use|assign/i;
  }
  return 0 unless $s;
  # a reset at the end: no TIME_WAIT holds the check's few ports
  setsockopt($s, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
  return 1 unless $proto eq 'http';
  print $s "GET / HTTP/1.0\\r\\nHost: $vip\\r\\nUser-Agent: lblab-tier-check\\r\\n\\r\\n";
  IO::Select->new($s)->can_read(${CHECK_ANSWER_S}) or return 0;
  sysread($s, my $buf, 64) or return 0;
  return $buf =~ m{^HTTP/1\\.[01] \\d{3}};
}
my @kids;
while (my $line = <STDIN>) {
  my ($via, $id, $vip, $port, $proto) = split ' ', $line;
  next unless defined $proto;
  my $pid = fork();
  if (!defined $pid) { next }
  if ($pid == 0) {
    my $ok = check($vip, $port, $proto, ${CHECK_PORT_BASE} + (($id - ${TIER_NH_BASE}) % ${CHECK_SLOTS}) * ${CHECK_PORTS});
    if (open(my $f, '>', "$dir/$via.svc.new")) { print $f ($ok ? "up\\n" : "down\\n"); close($f); rename("$dir/$via.svc.new", "$dir/$via.svc"); }
    exit 0;
  }
  push @kids, $pid;
}
waitpid($_, 0) for @kids;
`;

/** The loop, written to $state/tier/watch.sh; `once` pins the checks and installs every route, `loop` watches. */
export const WATCH_SCRIPT = `#!/bin/sh
# lblab: tier health loop (generated): withdraws a member that fails its check, restores it when it passes
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
dir="\${LBLAB_STATE:-/run/lblab}/tier"
conf="$dir/conf"
# the device toward a next hop (its connected route)
devof() { ip -o -4 route get "$1" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'; }
# the source ports of next hop <id>'s checks
ports() { lo=$(( ${CHECK_PORT_BASE} + (($1 - ${TIER_NH_BASE}) % ${CHECK_SLOTS}) * ${CHECK_PORTS} )); echo "$lo $(( lo + ${CHECK_PORTS} - 1 ))"; }
# pin vip [id:via …]: per member a table with the VIP through it alone, and a rule for its checks (local only)
pin() {
  vip=$1; shift
  for h in "$@"; do
    id=\${h%%:*}; via=\${h#*:}; dev=$(devof "$via"); [ -n "$dev" ] || continue
    ip route replace "$vip/32" via "$via" dev "$dev" table "$id" 2>/dev/null || true
    ip rule del pref "$id" 2>/dev/null
    ip rule add pref "$id" iif lo ipproto tcp sport "$(ports "$id" | tr ' ' -)" table "$id" 2>/dev/null || true
  done
}
# install vip group [id:via …]: the route through the given (live) members only
install() {
  vip=$1; g=$2; shift 2
  ids=; nh=
  for h in "$@"; do
    id=\${h%%:*}; via=\${h#*:}; dev=$(devof "$via"); [ -n "$dev" ] || continue
    ip nexthop replace id "$id" via "$via" dev "$dev" 2>/dev/null || true
    ids="\${ids:+$ids/}$id"; nh="$nh nexthop via $via dev $dev"
  done
  if [ -z "$nh" ]; then ip route replace unreachable "$vip/32"; return 0; fi
  if ip nexthop replace id "$g" group "$ids" type resilient buckets ${BUCKETS} idle_timer 1 unbalanced_timer 3 2>/dev/null \\
    && ip route replace "$vip/32" nhid "$g" 2>/dev/null; then return 0; fi
  # no resilient groups here: a plain multipath route (hash-threshold)
  ip route replace "$vip/32" $nh
}
# a member with a <via>.out file is left out (drained on purpose, e.g. by a comparison across tier sizes)
live() { for h in "$@"; do [ -e "$dir/\${h#*:}.out" ] && continue; [ "$(cat "$dir/\${h#*:}.state" 2>/dev/null || echo up)" = up ] && printf '%s ' "$h"; done; }
apply_all() { while read -r vip g port proto hops; do [ -n "$vip" ] && install "$vip" "$g" $(live $hops); done < "$conf"; }
case "\${1:-loop}" in
once)
  while read -r vip g port proto hops; do [ -n "$vip" ] && pin "$vip" $hops; done < "$conf"
  apply_all; exit 0 ;;
esac
# the checks, once (the plumbing restarts the loop when the tiers change): via id vip port protocol
awk '{ for (i = 5; i <= NF; i++) { n = split($i, h, ":"); if (n == 2 && !(h[2] in seen)) { seen[h[2]] = 1; print h[2], h[1], $1, $3, $4 } } }' "$conf" > "$dir/checks"
vias=$(awk '{ print $1 }' "$dir/checks")
# get VAR FILE DEFAULT: the file's first line, or the default (a builtin read: no process per file)
get() { { read -r _v < "$2"; } 2>/dev/null || _v=$3; [ -n "$_v" ] || _v=$3; eval "$1=\\$_v"; }
while :; do
  [ -s "$conf" ] || exit 0
  for v in $vias; do
    ( if ping -n -q -c 1 -W ${TIER_TIMEOUT_S} "$v" >/dev/null 2>&1; then echo up; else echo down; fi > "$dir/$v.ping" ) &
  done
  rm -f "$dir"/*.svc
  perl "$dir/check.pl" "$dir" < "$dir/checks" >/dev/null 2>&1 &
  wait
  anysvc=
  for v in $vias; do get s "$dir/$v.svc" down; [ "$s" = up ] && anysvc=1; done
  changed=
  for v in $vias; do
    get ping "$dir/$v.ping" down; get svc "$dir/$v.svc" down
    # no member passes the service check: the service is down, not the members; ping decides
    if [ "$ping" = up ] && { [ "$svc" = up ] || [ -z "$anysvc" ]; }; then now=up; else now=down; fi
    get was "$dir/$v.state" up
    if [ "$now" = "$was" ]; then echo 0 > "$dir/$v.run"; continue; fi
    get run "$dir/$v.run" 0; run=$(( run + 1 ))
    if [ "$run" -ge ${TIER_FAILS} ]; then
      echo "$now" > "$dir/$v.state"; echo 0 > "$dir/$v.run"; changed=1
      echo "$(date -u +%H:%M:%S.%N | cut -c1-12) member $v $now (ping $ping, service $svc)"
    else echo "$run" > "$dir/$v.run"; fi
  done
  [ -n "$changed" ] && apply_all
  sleep ${TIER_PERIOD_S}
done
`;

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Plumbing lines for a router: (re)start its tier loop, or stop one that no tier needs any more. */
export function tierBlock(n: PlannedNode): string[] {
  if (n.kind !== 'router') return [];
  const stop = [
    '[ -f "$state/tier/pid" ] && kill "$(cat "$state/tier/pid")" 2>/dev/null || true',
    // the checks' rules of an earlier loop (their tables go with the namespace's routes)
    `ip rule show | awk -F: '$1 >= ${TIER_NH_BASE} && $1 < ${TIER_NH_BASE + 1000} { print $1 }' | while read -r p; do ip rule del pref "$p"; done`,
  ];
  if (!n.tiers?.length) return ['', '# no tier in front of which this router stands', ...stop, 'rm -rf "$state/tier"'];
  return [
    '',
    '# tiers: multipath routes to their VIPs through the members, kept by a health loop (restarted with every member in)',
    ...stop,
    'rm -rf "$state/tier" && mkdir -p "$state/tier"',
    `cat > "$state/tier/check.pl" <<'LBLAB_CHECK'`,
    CHECK_SCRIPT.trimEnd(),
    'LBLAB_CHECK',
    `cat > "$state/tier/watch.sh" <<'LBLAB_WATCH'`,
    WATCH_SCRIPT.trimEnd(),
    'LBLAB_WATCH',
    `printf '%s\\n' ${tierConf(n.tiers).map(sq).join(' ')} > "$state/tier/conf"`,
    'LBLAB_STATE="$state" sh "$state/tier/watch.sh" once',
    'LBLAB_STATE="$state" setsid sh "$state/tier/watch.sh" loop </dev/null >>"$state/tier/log" 2>&1 &',
    'echo $! > "$state/tier/pid"',
  ];
}
