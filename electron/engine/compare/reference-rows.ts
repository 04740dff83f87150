// The two reference rows of a comparison, next to the balancer's own modes:
//   direct      the clients fetch from the backends themselves, no balancer:
//               what the lab's links and servers give without one
//   kernel-nat  the kernel's nftables DNAT on the same balancer with our
//               program detached: the peer of our nat (same plumbing, same
//               path; the service runs in nat so the servers' gateway is the
//               balancer, then our tc filter goes and one nft rule comes)
import { MODES, type LabStatus, type Mode, type ServiceStatus } from '../../api';
import { contains, ipToInt, parseSubnet } from '../topology/net4';

/** Where the agent pins and attaches our program (lab-images/balancer/agent/dataplane.ts). */
export const PROGRAM = '/sys/fs/bpf/lblab/progs/lb_ingress';
const FILTER = 'ingress pref 100 handle 1 bpf';
/** Our nftables table: deleting it removes every rule we added. */
export const NFT_TABLE = 'lblab_compare';

/** Does `route` (a line of `ip route`) cover `ip`? Default routes do not count: they lead out of the lab. */
function covers(route: string, ip: string): boolean {
  const dst = route.trim().split(/\s+/)[0];
  if (!dst || dst === 'default') return false;
  const s = parseSubnet(dst.includes('/') ? dst : `${dst}/32`);
  return !!s && contains(s, ipToInt(ip));
}

/** Why the clients cannot fetch from the backends themselves; undefined when every client has a route to every backend. */
export function directUnreachable(status: LabStatus, svc: ServiceStatus, clients: string[]): string | undefined {
  for (const c of clients) {
    const node = status.nodes.find((n) => n.name === c);
    const onLink = (ip: string) => node?.interfaces.some((i) => {
      const s = parseSubnet(i.address);
      return !!s && contains(s, ipToInt(ip));
    });
    for (const b of svc.backends) {
      if (!onLink(b.address) && !node?.routes.some((r) => covers(r, b.address)))
        return `client ${c} has no route to backend ${b.node} (${b.address}): direct needs a router between the clients and the servers`;
    }
  }
  return undefined;
}

/** Modes whose servers answer the clients through the lab's routes: all but nat (the balancer is their gateway). */
export const DIRECT_HOST_MODES: Mode[] = MODES.filter((m) => m !== 'nat');

/**
 * The mode the service runs in while the clients go direct: the one it is in
 * (no switch) unless that is nat (the servers' gateway would be the
 * balancer), else its own mode, else the first the topology can run.
 */
export function modeForDirect(current: Mode, original: Mode, available: Mode[]): Mode | undefined {
  if (current !== 'nat' && available.includes(current)) return current;
  if (original !== 'nat' && available.includes(original)) return original;
  return DIRECT_HOST_MODES.find((m) => available.includes(m));
}

/**
 * Detach our program from every interface it is attached to (printing
 * `detached <dev>` for each) and DNAT the VIP to the backends in turn, in the
 * kernel. One exec; re-runnable. Exit 4 when our program is attached nowhere.
 */
export function kernelNatSetupScript(vip: string, port: number, backends: { address: string }[]): string {
  const map = backends.map((b, i) => `${i} : ${b.address}`).join(', ');
  return [
    'set -e',
    'devs=""',
    `for d in /sys/class/net/*; do n=\${d##*/}; [ "$n" = lo ] && continue; if tc filter show dev $n ingress 2>/dev/null | grep -q 'pref 100 bpf'; then devs="$devs $n"; fi; done`,
    '[ -n "$devs" ] || { echo "our program is attached to no interface: nothing to swap for nftables" >&2; exit 4; }',
    `for n in $devs; do tc filter del dev $n ${FILTER}; echo "detached $n"; done`,
    `nft delete table ip ${NFT_TABLE} 2>/dev/null || true`,
    `nft add table ip ${NFT_TABLE}`,
    `nft 'add chain ip ${NFT_TABLE} pre { type nat hook prerouting priority -100; }'`,
    `nft 'add rule ip ${NFT_TABLE} pre ip daddr ${vip} tcp dport ${port} dnat to numgen inc mod ${backends.length} map { ${map} }'`,
  ].join('\n');
}

export const parseDetached = (out: string): string[] =>
  [...out.matchAll(/^detached ([A-Za-z0-9_.-]+)$/gm)].map((m) => m[1]);

/** Remove our nftables table and attach our program again on `devs`. Re-runnable; fails only when re-attaching fails. */
export function kernelNatUndoScript(devs: string[]): string {
  return [
    `nft delete table ip ${NFT_TABLE} 2>/dev/null || true`,
    'rc=0',
    ...devs.map((d) => `{ tc qdisc replace dev ${d} clsact && tc filter replace dev ${d} ${FILTER} object-pinned ${PROGRAM} direct-action; } || rc=1`),
    'exit $rc',
  ].join('\n');
}
