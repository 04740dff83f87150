// The router's side of a tier: its multipath route to the VIP through the members, and a health
// loop that withdraws a dead member's next hop and puts it back when it answers again (what BGP
// does in front of a real tier). Shell for the router image (dash, iproute2, iputils ping).
//
// - The route uses a resilient nexthop group where the kernel has them (a member's death moves
//   only its own buckets; the others' flows stay where they are), else a plain multipath route.
//   Either way the router hashes on addresses and ports (fib_multipath_hash_policy=1, plan.ts).
// - The loop pings every member every TIER_PERIOD_S (timeout TIER_TIMEOUT_S): down after
//   TIER_FAILS failures in a row, up again after as many answers; worst case to withdraw
//   ≈ 1 + 2 × (period + timeout) ≈ 2.4 s.
// - The plumbing restarts the loop on every run, with every member in the route: a member that
//   is still dead is withdrawn again by the fresh loop's first rounds.
// - State lives in $state/tier: conf (one line per tier: vip group id:via…), pid, log, and per
//   member `<via>.state` (up|down), `<via>.run` (consecutive results against the state), and
//   `<via>.out` when the member is left out on purpose (a comparison across tier sizes).
import type { PlannedNode, TierRoute } from './plan-types';

export const TIER_PERIOD_S = 0.3;
export const TIER_TIMEOUT_S = 0.4;
export const TIER_FAILS = 2;
/** Resilient group: buckets, and how long an unbalanced bucket waits before it moves back. */
const BUCKETS = 128;

/** conf lines: `vip group id:via id:via …` (member i's next hop id is group + 1 + i). */
export function tierConf(tiers: TierRoute[]): string[] {
  return tiers.map((t) => [t.vip, t.group, ...t.hops.map((h, i) => `${t.group + 1 + i}:${h.via}`)].join(' '));
}

/** The loop, written to $state/tier/watch.sh; `once` installs every route with every member, `loop` watches. */
export const WATCH_SCRIPT = `#!/bin/sh
# lblab: tier health loop (generated): withdraws a dead member's next hop, restores it when it answers
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
dir="\${LBLAB_STATE:-/run/lblab}/tier"
conf="$dir/conf"
# the device toward a next hop (its connected route)
devof() { ip -o -4 route get "$1" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'; }
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
apply_all() { while read -r vip g hops; do [ -n "$vip" ] && install "$vip" "$g" $(live $hops); done < "$conf"; }
case "\${1:-loop}" in
once) apply_all; exit 0 ;;
esac
while :; do
  [ -s "$conf" ] || exit 0
  vias=$(awk '{ for (i = 3; i <= NF; i++) { sub(/^[0-9]+:/, "", $i); print $i } }' "$conf" | sort -u)
  for v in $vias; do
    ( if ping -n -q -c 1 -W ${TIER_TIMEOUT_S} "$v" >/dev/null 2>&1; then echo up; else echo down; fi > "$dir/$v.probe" ) &
  done
  wait
  changed=
  for v in $vias; do
    now=$(cat "$dir/$v.probe" 2>/dev/null || echo down); was=$(cat "$dir/$v.state" 2>/dev/null || echo up)
    if [ "$now" = "$was" ]; then echo 0 > "$dir/$v.run"; continue; fi
    run=$(( $(cat "$dir/$v.run" 2>/dev/null || echo 0) + 1 ))
    if [ "$run" -ge ${TIER_FAILS} ]; then
      echo "$now" > "$dir/$v.state"; echo 0 > "$dir/$v.run"; changed=1
      echo "$(date -u +%H:%M:%S.%N | cut -c1-12) member $v $now"
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
  const stop = ['[ -f "$state/tier/pid" ] && kill "$(cat "$state/tier/pid")" 2>/dev/null || true'];
  if (!n.tiers?.length) return ['', '# no tier in front of which this router stands', ...stop, 'rm -rf "$state/tier"'];
  return [
    '',
    '# tiers: multipath routes to their VIPs through the members, kept by a health loop (restarted with every member in)',
    ...stop,
    'rm -rf "$state/tier" && mkdir -p "$state/tier"',
    `cat > "$state/tier/watch.sh" <<'LBLAB_WATCH'`,
    WATCH_SCRIPT.trimEnd(),
    'LBLAB_WATCH',
    `printf '%s\\n' ${tierConf(n.tiers).map(sq).join(' ')} > "$state/tier/conf"`,
    'LBLAB_STATE="$state" sh "$state/tier/watch.sh" once',
    'LBLAB_STATE="$state" setsid sh "$state/tier/watch.sh" loop </dev/null >>"$state/tier/log" 2>&1 &',
    'echo $! > "$state/tier/pid"',
  ];
}
