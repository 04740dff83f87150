// The shell script that makes a running container match its planned node:
// sysctls, checksum offload (off unless the lab says `offload: true`), shaping, VIPs, static routes and tunnel decap.
//
// The engine runs it with `sh -e` (docker exec) after ALL the node's networks
// are attached (Docker refuses to attach a subnet that overlaps an existing
// route), and again after every live mode switch. It is idempotent:
// - interfaces are found by the planned address they hold (never by ethN order);
// - everything is "replace" or "delete-if-present then add", so a second run
//   changes nothing;
// - lab routes set by an earlier run are recorded in /run/lblab/routes; a run
//   deletes those the plan no longer wants, and when a default route we set
//   (nat) is no longer wanted, Docker's original default (saved once in
//   /run/lblab/default.orig) is restored — so nat → dsr gives the server its
//   own default route back;
// - /32 addresses on lo and on lab interfaces are VIPs (Docker never assigns
//   /32s): the ones the plan no longer lists are removed;
// - a sentinel address on lo (PLUMBED_MARKER) is removed first and put back
//   last, so it says "the last run finished" until the namespace goes.
import type { LabPlan, PlannedInterface, PlannedNode, PlannedRoute } from './plan-types';
import { contains6, ip6ToBig, parseSubnet6 } from './net6';
import { contains, ipToInt, parseSubnet } from './net4';
import { rateToBits } from './schema';
import { tierBlock } from './tier-watch';

/** Where the server image keeps the tc-BPF IPIP decapsulation program, and its ELF section. */
export const DECAP_OBJECT = '/usr/local/lib/lblab/bpf/decap.bpf.o';
/** Also looked at: where lab-images/server/decap/README.md's recipe puts it. */
const DECAP_FALLBACKS = ['/opt/lblab/decap.bpf.o'];
export const DECAP_SECTION = 'tc';
/** The decap program's name as `tc filter show` prints it (lab-images/server/decap/decap.bpf.c). */
const DECAP_PROGRAM = 'decap_ingress';
/** tc filter priorities on clsact ingress: pref 5 was an ingress policer of older versions (removed when
 * found), pref 100 handle 1 is the decap slot of lab-images/server/decap (the agent attaches the same way). */
const PREF_POLICE = 5;
const PREF_DECAP = 100;

/** The sentinel a run leaves on lo when it got to the end (labs/health.ts reads it): an address dies
 * with the network namespace, as all the plumbing does when a container restarts. 127.0.0.0/8 is lo's
 * anyway ("L"=76, "B"=66); the label says whose it is in `ip addr`. */
export const PLUMBED_MARKER = '127.76.66.1';
const PLUMBED_LABEL = 'lo:lblab';

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const PRELUDE = `set -e
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
state="\${LBLAB_STATE:-/run/lblab}"
sys="\${LBLAB_PROC_SYS:-/proc/sys}"
bpffs="\${LBLAB_BPFFS:-/sys/fs/bpf}"
mkdir -p "$state"
lblab_fail() { echo "lblab: $*" >&2; exit 1; }
# the interface holding an address (Docker's attach order is not the lab's link order)
lblab_if() { ip -o -4 addr show | awk -v a="$1" '{ split($4, p, "/"); if (p[1] == a) { sub(/@.*/, "", $2); print $2; exit } }'; }
# write a /proc/sys value only when it differs: a read-only /proc/sys is fine when the
# container was created with the value; otherwise try to remount it (needs SYS_ADMIN)
lblab_put() {
  [ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0
  { echo "$2" > "$1"; } 2>/dev/null && return 0
  mount -o remount,rw "$sys" 2>/dev/null && { echo "$2" > "$1"; } 2>/dev/null && return 0
  lblab_fail "cannot set $1 to $2 (read-only /proc/sys: create the container with this sysctl)"
}
lblab_sysctl() { lblab_put "$sys/$(echo "$1" | tr . /)" "$2"; }
# keep only the /32 VIPs in $2 (space separated, each "a.b.c.d/32") on device $1
lblab_prune_vips() {
  for a in $(ip -o -4 addr show dev "$1" | awk '$4 ~ /\\/32$/ { print $4 }'); do
    case " $2 " in *" $a "*) ;; *) case "$a" in 127.*) ;; *) ip addr del "$a" dev "$1" ;; esac ;; esac
  done
}
# keep only the /128 IPv6 VIPs in $2 on device $1 (Docker gives lab interfaces /64s; ::1 is lo's own)
lblab_prune_vips6() {
  for a in $(ip -o -6 addr show dev "$1" | awk '$4 ~ /\\/128$/ { print $4 }'); do
    case " $2 " in *" $a "*) ;; *) case "$a" in ::1/128) ;; *) ip -6 addr del "$a" dev "$1" ;; esac ;; esac
  done
}
lblab_clsact() { tc qdisc show dev "$1" | grep -q 'qdisc clsact' || tc qdisc add dev "$1" clsact; }
`;

/** The plumbing script for one node of a plan. */
export function nodeScript(plan: LabPlan, node: string | PlannedNode): string {
  const n = typeof node === 'string' ? plan.nodes.find((x) => x.name === node) : node;
  if (!n) throw new Error(`lab ${plan.name}: no node ${String(node)} in the plan`);
  const out: string[] = [`# lblab plumbing: lab ${plan.name}, node ${n.name} (${n.kind}); generated, idempotent`, PRELUDE];
  out.push('# not plumbed until this run gets to its end', `ip addr del ${PLUMBED_MARKER}/32 dev lo 2>/dev/null || true`, '');
  const ifVar = (i: number) => `IF${i}`;

  out.push('# interfaces, by the address each one holds');
  n.interfaces.forEach((itf, i) => {
    out.push(`${ifVar(i)}=$(lblab_if ${itf.address})`);
    out.push(`[ -n "$${ifVar(i)}" ] || lblab_fail ${sq(`node ${n.name}: no interface holds ${itf.address} (network ${itf.network})`)}`);
    if (itf.address6) {
      out.push(`ip -o -6 addr show dev "$${ifVar(i)}" | grep -q ${sq(` ${itf.address6}/`)} || lblab_fail ${sq(`node ${n.name}: interface of network ${itf.network} lacks its IPv6 address ${itf.address6}`)}`);
    }
  });

  const sysctls = Object.entries(n.sysctls);
  if (sysctls.length) {
    out.push('', '# sysctls');
    for (const [k, v] of sysctls) out.push(`lblab_sysctl ${k} ${sq(v)}`);
    // rp_filter's effective value is max(all, interface): interfaces created before `all` was set keep theirs
    const rp = n.sysctls['net.ipv4.conf.all.rp_filter'];
    // (a warning, not a failure: with a read-only /proc/sys the interfaces usually inherited `default` already,
    // and decapsulated packets keep their ingress interface, which strict filtering accepts in most labs)
    if (rp !== undefined) {
      out.push(`for d in "$sys"/net/ipv4/conf/*/; do [ "$(cat "\${d}rp_filter" 2>/dev/null)" = ${sq(rp)} ] || { echo ${sq(rp)} > "\${d}rp_filter"; } 2>/dev/null || echo "lblab: warning: cannot set \${d}rp_filter to ${rp}" >&2; done`);
    }
  }

  // set both ways, so a redeploy that flips the lab's `offload` takes effect on the running nodes
  const tx = plan.offload ? 'on' : 'off';
  out.push(
    '',
    plan.offload
      ? '# veth checksum/segmentation offload on (lab offload: true): fast, but captures show super-packets and unfilled checksums'
      : '# veth checksum offload off: packets leave with full checksums, so captures show wire-size packets',
    'if command -v ethtool >/dev/null 2>&1; then',
    ...n.interfaces.map((_, i) => `  ethtool -K "$${ifVar(i)}" tx ${tx} >/dev/null 2>&1 || true`),
    'fi',
  );

  out.push('', '# shaping: TBF on egress; ingress is shaped by the engine on the host-side veth peer');
  n.interfaces.forEach((itf, i) => out.push(...shaping(itf, `"$${ifVar(i)}"`)));

  // VIPs: on lo for dsr/tunnel real servers; on the balancer's interface of the VIP's subnet
  out.push('', '# VIPs');
  const lo = n.loopbackVips.map((v) => `${v}/32`);
  out.push(`lblab_prune_vips lo ${sq(lo.join(' '))}`);
  for (const v of lo) out.push(`ip addr replace ${v} dev lo`);
  // and a snat service's extra source addresses (its first is the interface's own): owned, so ARP answers for them;
  // a tier's members hold its VIP on lo, with the servers': the router in front routes it to them
  const own = plan.services.filter((s) => s.balancer === n.name && !s.members).flatMap((s) => [s.vip, ...(s.snatAddresses?.slice(1) ?? [])]);
  n.interfaces.forEach((itf, i) => {
    const s = parseSubnet(`${itf.address}/${itf.prefixLen}`)!;
    const vips = [...new Set(own.filter((v) => contains(s, ipToInt(v))))].map((v) => `${v}/32`);
    out.push(`lblab_prune_vips "$${ifVar(i)}" ${sq(vips.join(' '))}`);
    for (const v of vips) out.push(`ip addr replace ${v} dev "$${ifVar(i)}"`);
  });

  if (n.interfaces.some((i) => i.address6)) out.push(...vips6Block(plan, n, ifVar));

  out.push(...routesBlock(n.routes, n.tiers ?? [], V4));
  if (n.routes6) out.push(...routesBlock(n.routes6, [], V6));
  out.push(...tierBlock(n));
  out.push(...decapBlock(n, ifVar));
  out.push(...servesBlock(n));
  out.push('', `ip addr replace ${PLUMBED_MARKER}/32 dev lo label ${PLUMBED_LABEL}`);
  out.push('echo "lblab: node ' + n.name + ' plumbed"');
  return out.join('\n') + '\n';
}

/** The server image's starter of the non-HTTP services (lab-images/server/lblab-serve). */
export const SERVE_TOOL = 'lblab-serve';

/** Start (idempotently) the etcd / websocketd instances the plan gives a server, and stop those it no longer
 * gives it (a protocol or port changed, a service went away); the tool waits until each listens or is closed. */
function servesBlock(n: PlannedNode): string[] {
  if (!n.serves?.length)
    // nothing to serve: whatever an earlier plan started stops (an image without the tool never ran any)
    return n.kind === 'server' ? ['', '# no non-HTTP service here: stop any an earlier plan started', `if command -v ${SERVE_TOOL} >/dev/null 2>&1; then ${SERVE_TOOL}; fi`] : [];
  const args = n.serves.map((d) => `${d.protocol}:${d.port}`).join(' ');
  return [
    '',
    '# non-HTTP services beside nginx (any other one an earlier plan started is stopped)',
    `command -v ${SERVE_TOOL} >/dev/null 2>&1 || lblab_fail ${sq(`node ${n.name}: its image has no ${SERVE_TOOL}, so it cannot serve ${args}`)}`,
    `${SERVE_TOOL} ${args}`,
  ];
}

/** TBF burst: 10 ms at the rate, at least 10 full frames (TBF needs burst ≥ rate/HZ and ≥ MTU). */
export function burstBytes(rate: string): number {
  return Math.max(Math.ceil(rateToBits(rate) / 8 / 100), 15_140);
}

/** TBF latency (queue bound): with burstBytes it measures 85–105 % of the rate with TCP (test/integration/lab-shaping). */
export const TBF_LATENCY = '50ms';

/** The TBF root qdisc for a rate: the same shape inside the node (its egress) and on the host-side veth (its ingress). */
export function tbfArgs(rate: string): string {
  return `tbf rate ${rate} burst ${burstBytes(rate)} latency ${TBF_LATENCY}`;
}

// Egress only: the node's ingress is shaped on the host-side veth peer (deploy/shaping.ts), because
// an ifb redirect would skip the ingress BPF (balancer core, tunnel decap) and police/matchall are
// not in every kernel. A policer left by an older lblab (pref 5) is removed.
function shaping(itf: PlannedInterface, dev: string): string[] {
  const dropPolicer = `tc filter del dev ${dev} ingress pref ${PREF_POLICE} 2>/dev/null || true`;
  if (!itf.rate) return [`tc qdisc show dev ${dev} root | grep -q ' tbf ' && tc qdisc del dev ${dev} root || true`, dropPolicer];
  return [`tc qdisc replace dev ${dev} root ${tbfArgs(itf.rate)}`, dropPolicer];
}

/** The IPv6 VIPs: on lo for dsr/tunnel real servers (Linux answers neighbour solicitations only for the
 * addresses of the interface they arrive on, so a VIP on lo stays silent without an arp_ignore twin:
 * docs/lab-file.md), on the interface of its subnet6 for the balancer. `nodad`: usable at once. */
function vips6Block(plan: LabPlan, n: PlannedNode, ifVar: (i: number) => string): string[] {
  const out = ['', '# IPv6 VIPs'];
  const lo = (n.loopbackVips6 ?? []).map((v) => `${v}/128`);
  out.push(`lblab_prune_vips6 lo ${sq(lo.join(' '))}`);
  for (const v of lo) out.push(`ip -6 addr replace ${v} dev lo nodad`);
  const own = plan.services.filter((s) => s.balancer === n.name && !s.members && s.vip6).map((s) => s.vip6!);
  n.interfaces.forEach((itf, i) => {
    if (!itf.address6 || itf.prefixLen6 === undefined) return;
    const s6 = parseSubnet6(`${itf.address6}/${itf.prefixLen6}`)!;
    const vips = [...new Set(own.filter((v) => contains6(s6, ip6ToBig(v))))].map((v) => `${v}/128`);
    out.push(`lblab_prune_vips6 "$${ifVar(i)}" ${sq(vips.join(' '))}`);
    for (const v of vips) out.push(`ip -6 addr replace ${v} dev "$${ifVar(i)}" nodad`);
  });
  return out;
}

/** One address family's route commands and the files that remember what an earlier run set. */
interface RouteFamily { ip: string; routes: string; orig: string; host: number; label: string }
const V4: RouteFamily = { ip: 'ip -4', routes: 'routes', orig: 'default.orig', host: 32, label: 'static routes' };
const V6: RouteFamily = { ip: 'ip -6', routes: 'routes6', orig: 'default6.orig', host: 128, label: 'IPv6 static routes' };

function routesBlock(routes: PlannedRoute[], tiers: NonNullable<PlannedNode['tiers']>, f: RouteFamily): string[] {
  // a tier's multipath route is set by tierBlock, but recorded here, so that it goes with the tier
  const want = [...routes.map((r) => `${r.dst} via ${r.via}`), ...tiers.map((t) => `${t.vip}/${f.host} via ${t.hops[0].via}`)];
  const st = `"$state/${f.routes}`;
  const orig = `"$state/${f.orig}"`;
  const out = [
    '',
    `# ${f.label}; lab routes of an earlier run that the plan no longer wants are removed`,
    `[ -f ${orig} ] || ${f.ip} route show default > ${orig}`,
    want.length ? `printf '%s\\n' ${want.map(sq).join(' ')} > ${st}.want"` : `: > ${st}.want"`,
    `if [ -f ${st}" ]; then`,
    '  while read -r dst rest; do',
    `    awk -v d="$dst" '$1 == d { f = 1 } END { exit !f }' ${st}.want" && continue`,
    '    if [ "$dst" = default ]; then',
    `      if [ -s ${orig} ]; then ${f.ip} route replace $(head -n 1 ${orig}); else ${f.ip} route del default 2>/dev/null || true; fi`,
    '    else',
    `      ${f.ip} route del "$dst" 2>/dev/null || true`,
    '    fi',
    `  done < ${st}"`,
    'fi',
  ];
  for (const r of routes) out.push(`${f.ip === 'ip -4' ? 'ip' : f.ip} route replace ${r.dst} via ${r.via}`);
  out.push(`mv ${st}.want" ${st}"`);
  return out;
}

/** Where the decapsulator is pinned inside the node's bpffs (no '.' in pin paths: libbpf rewrites it). */
const DECAP_PIN = 'lblab_decap';
/** decap_senders slots (lab-images/server/decap/decap.bpf.c DECAP_MAX_SENDERS). */
export const DECAP_MAX_SENDERS = 32;

/** struct decap_senders_cfg as bpftool hex: n (u32, host order) and the addresses (network order). */
export function decapSendersHex(addrs: string[]): string {
  if (addrs.length > DECAP_MAX_SENDERS) throw new Error(`at most ${DECAP_MAX_SENDERS} balancer addresses may tunnel to one server (got ${addrs.length})`);
  const bytes = [addrs.length, 0, 0, 0];
  for (let i = 0; i < DECAP_MAX_SENDERS; i++) bytes.push(...(addrs[i]?.split('.').map(Number) ?? [0, 0, 0, 0]));
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** struct decap_senders6_cfg as bpftool hex: n (u32, host order) and 16-byte addresses (network order). */
export function decapSenders6Hex(addrs: string[]): string {
  if (addrs.length > DECAP_MAX_SENDERS) throw new Error(`at most ${DECAP_MAX_SENDERS} balancer IPv6 addresses may tunnel to one server (got ${addrs.length})`);
  const bytes = [addrs.length, 0, 0, 0];
  for (let i = 0; i < DECAP_MAX_SENDERS; i++) {
    const a = addrs[i] === undefined ? 0n : ip6ToBig(addrs[i]);
    for (let b = 15; b >= 0; b--) bytes.push(Number((a >> BigInt(8 * b)) & 0xffn));
  }
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** The ip6ip6 senders a server takes. n = 0 would accept anyone, so a lab whose balancers have no IPv6
 * address lists only `::` (the unspecified address, which no sender may use: RFC 4291 2.5.2). */
export function decapSenders6Of(n: Pick<PlannedNode, 'decapSenders6'>): string[] {
  return n.decapSenders6?.length ? n.decapSenders6 : ['::'];
}

function decapBlock(n: PlannedNode, ifVar: (i: number) => string): string[] {
  const devs = n.interfaces.map((_, i) => `"$${ifVar(i)}"`);
  if (!n.tunnelDecap) {
    return [
      '',
      '# no tunnel decapsulation in the current mode; the balancer agent attaches its program in the same',
      '# slot, and a re-plumbing after it did (a repair, a mode switch) must not take it away',
      ...devs.map((d) => `{ tc filter show dev ${d} ingress pref ${PREF_DECAP} 2>/dev/null | grep -q ${DECAP_PROGRAM} && tc filter del dev ${d} ingress pref ${PREF_DECAP} handle 1 bpf; } 2>/dev/null || true`),
      `rm -rf "$bpffs/${DECAP_PIN}" 2>/dev/null || true`,
      'ip link set tunl0 down 2>/dev/null || true',
      'ip link set ip6tnl0 down 2>/dev/null || true',
    ];
  }
  const senders = n.decapSenders ?? [];
  const senders6 = decapSenders6Of(n);
  const attach = (how: string) => devs.flatMap((d) => [`  lblab_clsact ${d}`, `  tc filter replace dev ${d} ingress pref ${PREF_DECAP} handle 1 bpf da ${how}`]);
  return [
    '',
    '# tunnel mode: decapsulate IPIP, ip6ip6 and 4in6 with the tc-BPF program on ingress of every lab interface,',
    '# loaded once and attached from its pin, so that its sender allow lists (decap_senders, decap_senders6)',
    `# can be filled: only the lab's balancers (${[...senders, ...(n.decapSenders6 ?? [])].join(' ') || 'none'}) may tunnel to this node. Where that fails:`,
    "# the ipip module's tunl0 where present (every netns has it then), or the program from its file;",
    '# both decapsulate from any sender.',
    'obj=',
    `for f in \${LBLAB_DECAP_OBJ:-} ${[DECAP_OBJECT, ...DECAP_FALLBACKS].join(' ')}; do [ -f "$f" ] && obj="$f" && break; done`,
    `pin="$bpffs/${DECAP_PIN}"`,
    'lblab_decap_pinned() {',
    `  grep -q " $bpffs " /proc/mounts || mount -t bpf bpf "$bpffs" 2>/dev/null || true`,
    '  # (a pin without decap_senders6 is an older decapsulator, IPv4 only: loaded again)',
    `  [ -e "$pin/prog" ] && [ -e "$pin/maps/decap_senders6" ] || { rm -rf "$pin" && mkdir -p "$pin" && bpftool prog load "$obj" "$pin/prog" type classifier pinmaps "$pin/maps"; } || return 1`,
    `  bpftool map update pinned "$pin/maps/decap_senders" key hex 00 00 00 00 value hex ${decapSendersHex(senders)} || return 1`,
    `  bpftool map update pinned "$pin/maps/decap_senders6" key hex 00 00 00 00 value hex ${decapSenders6Hex(senders6)} || return 1`,
    '}',
    'if [ -n "$obj" ] && command -v bpftool >/dev/null 2>&1 && lblab_decap_pinned; then',
    ...attach('object-pinned "$pin/prog"'),
    '  ip link set tunl0 down 2>/dev/null || true',
    '  ip link set ip6tnl0 down 2>/dev/null || true',
    'elif ip link show tunl0 >/dev/null 2>&1; then',
    '  ip link set tunl0 up',
    '  lblab_put "$sys/net/ipv4/conf/tunl0/rp_filter" 0',
    "  # and the ip6_tunnel module's ip6tnl0 for ip6ip6, where present",
    '  ip link set ip6tnl0 up 2>/dev/null || true',
    `  echo ${sq(`lblab: warning: node ${n.name}: tunl0 decapsulates IPIP (ip6tnl0, where present, ip6ip6) from any sender`)} >&2`,
    'else',
    `  [ -n "$obj" ] || lblab_fail ${sq(`node ${n.name}: ${DECAP_OBJECT} is missing from the image (tunnel decap)`)}`,
    "  grep -q ' /sys/fs/bpf ' /proc/mounts || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true",
    ...attach(`obj "$obj" sec ${DECAP_SECTION}`),
    `  echo ${sq(`lblab: warning: node ${n.name}: the decapsulator could not be pinned; it accepts IPIP from any sender`)} >&2`,
    'fi',
  ];
}
