// The network-namespace topology of the netns tests (tc and XDP): client,
// balancer, a bridge and two servers wired with veth, plus the small Python
// programs they run. Names carry a per-process tag, removed by teardown().
//
//   client ns            lb ns                      bridge ns        servers
//   eth0 198.18.78.10 ── cl 198.18.78.1            br0 ─ p1 ──── s1 eth0 198.18.77.11
//   (gw .78.1)            sv 198.18.77.1 (+.77.2) ── p0   └ p2 ──── s2 eth0 198.18.77.12
//   VIP 198.18.79.100 is routed to the lb (not local there); servers hold it on lo.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DpService } from '../../lab-images/balancer/agent/dataplane';
import { DECAP_DIR } from '../support/bpf/harness';
import { attachDecap } from './decap-attach';

export const VIP = '198.18.79.100';
/** The server-side network is dual-stack: the balancer's and the servers' IPv6 addresses (a tunnel over IPv6). */
export const SV6 = { lb: 'fd00:4c42:77::1', s1: 'fd00:4c42:77::11', s2: 'fd00:4c42:77::12' } as const;
export type Names = { c: string; lb: string; br: string; s1: string; s2: string };
/** The namespaces' names for a tag (a short prefix of the caller's own). */
export const names = (TAG: string): Names => ({ c: `${TAG}c`, lb: `${TAG}lb`, br: `${TAG}br`, s1: `${TAG}s1`, s2: `${TAG}s2` });

export const sh = (script: string): string => execFileSync('bash', ['-ec', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
export const inNs = (ns: string, cmd: string): string => sh(`ip netns exec ${ns} ${cmd}`);

export function setup(TAG: string): void {
  const NS = names(TAG);
  sh(`
    for n in ${Object.values(NS).join(' ')}; do ip netns add $n; ip -n $n link set lo up; done
    ip link add ${TAG}a type veth peer name ${TAG}b
    ip link set ${TAG}a netns ${NS.c} name eth0; ip link set ${TAG}b netns ${NS.lb} name cl
    ip link add ${TAG}d type veth peer name ${TAG}e
    ip link set ${TAG}d netns ${NS.lb} name sv; ip link set ${TAG}e netns ${NS.br} name p0
    ip -n ${NS.br} link add br0 type bridge; ip -n ${NS.br} link set br0 up; ip -n ${NS.br} link set p0 master br0 up
    for i in 1 2; do
      ip link add ${TAG}s$i type veth peer name ${TAG}p$i
      ip link set ${TAG}s$i netns ${TAG}s$i name eth0; ip link set ${TAG}p$i netns ${NS.br} name p$i
      ip -n ${NS.br} link set p$i master br0 up
      ip -n ${TAG}s$i addr add 198.18.77.1$i/24 dev eth0; ip -n ${TAG}s$i addr add fd00:4c42:77::1$i/64 dev eth0 nodad
      ip -n ${TAG}s$i link set eth0 up
      ip -n ${TAG}s$i route add default via 198.18.77.1
      ip -n ${TAG}s$i addr add ${VIP}/32 dev lo
      ip netns exec ${TAG}s$i sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.lo.rp_filter=0 \
        net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
    done
    ip -n ${NS.c} addr add 198.18.78.10/24 dev eth0; ip -n ${NS.c} link set eth0 up
    ip -n ${NS.c} route add default via 198.18.78.1
    ip -n ${NS.lb} addr add 198.18.78.1/24 dev cl; ip -n ${NS.lb} link set cl up
    ip -n ${NS.lb} addr add 198.18.77.1/24 dev sv; ip -n ${NS.lb} addr add 198.18.77.2/24 dev sv; ip -n ${NS.lb} link set sv up
    ip -n ${NS.lb} addr add ${SV6.lb}/64 dev sv nodad
    ip netns exec ${NS.lb} sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.cl.rp_filter=0 net.ipv4.conf.sv.rp_filter=0
    ip -n ${NS.lb} route add ${VIP}/32 via 198.18.77.11
  `);
}

export function teardown(TAG: string): void {
  const NS = names(TAG);
  for (const n of Object.values(NS)) {
    try { execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' }); } catch { /* not there */ }
  }
}

// A TCP server answering every connection with its name, on several ports.
export const SERVER_PY = `
import socket, sys, threading
name = sys.argv[1]
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', port)); s.listen(64)
    while True:
        c, _ = s.accept()
        try:
            buf = b''
            while not buf.endswith(b'\\n'):
                d = c.recv(65536)
                if not d: break
                buf += d
            c.sendall(name.encode())
        finally:
            c.close()
for p in sys.argv[2:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
`;
// Turn a veth's checksum offloads off (argv[2]: "tx,rx", "tx" or "rx"; no
// ethtool on the hosts). tx off: the device's output gets full checksums
// (the sender's stack, or software completion of a CHECKSUM_PARTIAL skb on
// its way out); rx off: the receiver verifies them (veth marks a checksum-
// less skb "unnecessary" otherwise) — any wrong checksum after a rewrite
// drops the segment and the connection times out.
export const CSUM_OFF_PY = `
import ctypes, fcntl, socket, struct, sys
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cmds = {'tx': 0x17, 'rx': 0x15}  # ETHTOOL_STXCSUM, ETHTOOL_SRXCSUM
for cmd in [cmds[w] for w in sys.argv[2].split(',')]:
    ev = ctypes.create_string_buffer(struct.pack('II', cmd, 0))
    fcntl.ioctl(sk.fileno(), 0x8946, struct.pack('16sP16x', sys.argv[1].encode(), ctypes.addressof(ev)))
`;
// n connections to VIP:port, prints the answers (or ERR) one per line.
export const CLIENT_PY = `
import socket, sys
vip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = int(sys.argv[4]) if len(sys.argv) > 4 else 5
for i in range(n):
    try:
        s = socket.create_connection((vip, port), timeout=5)
        s.sendall(b'x' * size + b'\\n'); print(s.recv(100).decode() or 'EMPTY')
        s.close()
    except Exception as e:
        print('ERR', type(e).__name__)
`;

/** The decapsulator on both servers and their TCP server on the test ports; resolves once both listen. */
export async function startServers(NS: Names): Promise<ChildProcess[]> {
  const servers: ChildProcess[] = [];
  for (const s of ['s1', 's2'] as const) {
    attachDecap({ objPath: join(DECAP_DIR, 'build/decap.bpf.o'), interfaces: ['eth0'], netns: NS[s] });
    const p = spawn('ip', ['netns', 'exec', NS[s], 'python3', '-c', SERVER_PY, s, '8080', '8081', '8082', '8083', '8084', '8085', '8086'], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(p);
    await new Promise<void>((res) => p.stdout!.once('data', () => res()));
  }
  return servers;
}

/** The balancer's server-side interface: its ifindex and MAC (a backend's egress when the FIB is not asked). */
export function serverSide(NS: Names): { ifindex: number; mac: string } {
  const link = JSON.parse(inNs(NS.lb, 'ip -j link show dev sv'))[0] as { ifindex: number; address: string };
  return { ifindex: link.ifindex, mac: link.address };
}

const macOf = (ns: string): string => (JSON.parse(inNs(ns, 'ip -j link show dev eth0'))[0] as { address: string }).address;

/** Service `id` on VIP:port in `mode`, rr over both servers (backend ids 2id-1 and 2id). */
export function twoServerService(NS: Names, id: number, mode: DpService['mode'], port: number, extra: Partial<DpService> = {}): DpService {
  return {
    id, vip: VIP, port, proto: 'tcp', mode, scheduler: 'rr', table: [id * 2 - 1, id * 2],
    backends: [
      { id: id * 2 - 1, address: '198.18.77.11', address6: SV6.s1, mac: macOf(NS.s1), weight: 1, healthy: true },
      { id: id * 2, address: '198.18.77.12', address6: SV6.s2, mac: macOf(NS.s2), weight: 1, healthy: true },
    ],
    ...extra,
  };
}

/** n TCP connections from the client to VIP:port, each sending size bytes: the answers (or ERR) in order. */
export function connect(NS: Names, port: number, n: number, size = 5): string[] {
  return inNs(NS.c, `python3 -c "${CLIENT_PY.replace(/"/g, '\\"')}" ${VIP} ${port} ${n} ${size}`).trim().split('\n');
}
