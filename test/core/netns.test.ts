// Real packets through the real kernel (no containers): network namespaces
// wired with veth and a bridge, the balancer attached with tc on its
// interfaces, the decapsulator on the servers, TCP connections from a client
// process. Proves redirect, fib lookup / redirect_neigh, IPIP + decap and the
// nat/snat reverse path end to end — with veth's partial checksums.
//
//   client ns            lb ns                      bridge ns        servers
//   eth0 198.18.78.10 ── cl 198.18.78.1            br0 ─ p1 ──── s1 eth0 198.18.77.11
//   (gw .78.1)            sv 198.18.77.1 (+.77.2) ── p0   └ p2 ──── s2 eth0 198.18.77.12
//   VIP 198.18.79.100 is routed to the lb (not local there); servers hold it on lo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BpfMount, CORE_DIR, DECAP_DIR, make, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { Dataplane, type DpService } from '../../lab-images/balancer/agent/dataplane';
import { attachDecap } from './decap-attach';

const skip = skipReason();
const TAG = `lbn${process.pid % 100000}`;
const NS = { c: `${TAG}c`, lb: `${TAG}lb`, br: `${TAG}br`, s1: `${TAG}s1`, s2: `${TAG}s2` };
const VIP = '198.18.79.100';

const sh = (script: string): string => execFileSync('bash', ['-ec', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (ns: string, cmd: string): string => sh(`ip netns exec ${ns} ${cmd}`);

function setup(): void {
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
      ip -n ${TAG}s$i addr add 198.18.77.1$i/24 dev eth0; ip -n ${TAG}s$i link set eth0 up
      ip -n ${TAG}s$i route add default via 198.18.77.1
      ip -n ${TAG}s$i addr add ${VIP}/32 dev lo
      ip netns exec ${TAG}s$i sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.lo.rp_filter=0 \
        net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
    done
    ip -n ${NS.c} addr add 198.18.78.10/24 dev eth0; ip -n ${NS.c} link set eth0 up
    ip -n ${NS.c} route add default via 198.18.78.1
    ip -n ${NS.lb} addr add 198.18.78.1/24 dev cl; ip -n ${NS.lb} link set cl up
    ip -n ${NS.lb} addr add 198.18.77.1/24 dev sv; ip -n ${NS.lb} addr add 198.18.77.2/24 dev sv; ip -n ${NS.lb} link set sv up
    ip netns exec ${NS.lb} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.cl.rp_filter=0 net.ipv4.conf.sv.rp_filter=0
    ip -n ${NS.lb} route add ${VIP}/32 via 198.18.77.11
  `);
}

function teardown(): void {
  for (const n of Object.values(NS)) {
    try { execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' }); } catch { /* not there */ }
  }
}

// A TCP server answering every connection with its name, on several ports.
const SERVER_PY = `
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
const CSUM_OFF_PY = `
import ctypes, fcntl, socket, struct, sys
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cmds = {'tx': 0x17, 'rx': 0x15}  # ETHTOOL_STXCSUM, ETHTOOL_SRXCSUM
for cmd in [cmds[w] for w in sys.argv[2].split(',')]:
    ev = ctypes.create_string_buffer(struct.pack('II', cmd, 0))
    fcntl.ioctl(sk.fileno(), 0x8946, struct.pack('16sP16x', sys.argv[1].encode(), ctypes.addressof(ev)))
`;
// n connections to VIP:port, prints the answers (or ERR) one per line.
const CLIENT_PY = `
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

describe('real packets through network namespaces', skipIf(skip), () => {
  let mount: BpfMount;
  let dp: Dataplane;
  const servers: ChildProcess[] = [];
  let ifindex = 0;
  let svMac = '';

  beforeAll(async () => {
    make(CORE_DIR);
    make(DECAP_DIR);
    teardown();
    setup();
    mount = new BpfMount('netns');
    dp = await Dataplane.load({
      objDir: join(CORE_DIR, 'build'), pinDir: join(mount.dir, 'lblab'), interfaces: ['cl', 'sv'], netns: NS.lb,
    });
    for (const s of ['s1', 's2'] as const) {
      attachDecap({ objPath: join(DECAP_DIR, 'build/decap.bpf.o'), interfaces: ['eth0'], netns: NS[s] });
      const p = spawn('ip', ['netns', 'exec', NS[s], 'python3', '-c', SERVER_PY, s, '8080', '8081', '8082', '8083', '8084'], { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(p);
      await new Promise<void>((res) => p.stdout!.once('data', () => res()));
    }
    const link = JSON.parse(inNs(NS.lb, 'ip -j link show dev sv'))[0];
    ifindex = link.ifindex;
    svMac = link.address;
  });
  afterAll(async () => {
    for (const p of servers) p.kill();
    await dp?.unload().catch(() => {});
    teardown();
    mount?.cleanup();
  });

  const mac = (ns: string) => JSON.parse(inNs(ns, 'ip -j link show dev eth0'))[0].address as string;
  const svc = (id: number, mode: DpService['mode'], port: number, extra: Partial<DpService> = {}): DpService => ({
    id, vip: VIP, port, proto: 'tcp', mode, scheduler: 'rr', table: [id * 2 - 1, id * 2],
    backends: [
      { id: id * 2 - 1, address: '198.18.77.11', mac: mac(NS.s1), weight: 1, healthy: true },
      { id: id * 2, address: '198.18.77.12', mac: mac(NS.s2), weight: 1, healthy: true },
    ],
    ...extra,
  });
  const csumOff = (ns: string, dev: string, which = 'tx,rx'): void => { inNs(ns, `python3 -c "${CSUM_OFF_PY}" ${dev} ${which}`); };
  const connect = (port: number, n: number, size = 5): string[] =>
    inNs(NS.c, `python3 -c "${CLIENT_PY.replace(/"/g, '\\"')}" ${VIP} ${port} ${n} ${size}`).trim().split('\n');

  for (const [id, mode, port, extra] of [
    [1, 'dsr', 8080, {}],
    [2, 'nat', 8081, {}],
    [3, 'snat', 8082, { snatAddress: '198.18.77.2' }],
    [4, 'tunnel', 8083, {}],
    [5, 'nat', 8084, { fib: true }],
  ] as [number, DpService['mode'], number, Partial<DpService> & { fib?: boolean }][]) {
    const via = extra.fib ? ' (next hop by bpf_fib_lookup)' : '';
    it(`${mode}${via}: TCP connections to the VIP are served by both backends`, async () => {
      const s = svc(id, mode, port, { snatAddress: extra.snatAddress });
      if (extra.fib) {
        // no next-hop MAC: the BPF program asks the kernel FIB (and neighbour table)
        for (const b of s.backends) b.egress = { ifindex, srcMac: svMac, srcAddress: '198.18.77.1' };
      }
      await dp.applyService(s);
      const before = await dp.readStats();
      const answers = connect(port, 6);
      expect(answers.filter((a) => a.startsWith('ERR'))).toEqual([]);
      expect(new Set(answers)).toEqual(new Set(['s1', 's2']));
      const st = await dp.readStats();
      const key = { dsr: 'dsr', nat: 'nat_fwd', snat: 'snat_fwd', tunnel: 'encap' }[mode];
      expect(st.counters[key] - before.counters[key]).toBeGreaterThanOrEqual(6 * 3); // SYN, ACK, data, FIN...
      if (extra.fib) expect(st.counters.fib_lookup - before.counters.fib_lookup).toBeGreaterThanOrEqual(6 * 3);
      if (mode === 'nat') expect(st.counters.nat_rev - before.counters.nat_rev).toBeGreaterThanOrEqual(6 * 2);
      if (mode === 'snat') expect(st.counters.snat_rev - before.counters.snat_rev).toBeGreaterThanOrEqual(6 * 2);
      expect(st.backends[id * 2 - 1].packets).toBeGreaterThan(0);
      expect(st.backends[id * 2].packets).toBeGreaterThan(0);
      expect(Object.values(st.drops).reduce((a, b) => a + b, 0)).toBe(0);
    });
  }
  it('CHECKSUM_PARTIAL rewrites: completed in software on the balancer\'s way out, verified by receivers', () => {
    // senders keep tx offload, so what reaches the balancer is PARTIAL (the
    // check field holds the pseudo-header sum, which our rewrite adjusts);
    // the balancer's devices complete it in software on output; everyone
    // receiving verifies
    for (const [ns, dev] of [[NS.c, 'eth0'], [NS.s1, 'eth0'], [NS.s2, 'eth0'], [NS.br, 'p0'], [NS.br, 'p1'], [NS.br, 'p2']]) csumOff(ns, dev, 'rx');
    for (const dev of ['cl', 'sv']) csumOff(NS.lb, dev);
    for (const port of [8080, 8081, 8082, 8083, 8084]) {
      const answers = connect(port, 4);
      expect(answers.filter((a) => a.startsWith('ERR')), `port ${port}`).toEqual([]);
      expect(new Set(answers)).toEqual(new Set(['s1', 's2']));
    }
  });

  it('with checksum offload off everywhere, receivers verify every rewritten checksum', () => {
    for (const [ns, devs] of [[NS.c, ['eth0']], [NS.s1, ['eth0']], [NS.s2, ['eth0']], [NS.lb, ['cl', 'sv']],
      [NS.br, ['p0', 'p1', 'p2']]] as [string, string[]][]) {
      for (const d of devs) csumOff(ns, d);
    }
    for (const port of [8080, 8081, 8082, 8083, 8084]) {
      const answers = connect(port, 4);
      expect(answers.filter((a) => a.startsWith('ERR')), `port ${port}`).toEqual([]);
      expect(new Set(answers)).toEqual(new Set(['s1', 's2']));
    }
  });

  it('tunnel: a bulk upload in full-size segments works through path MTU discovery', async () => {
    // checksum offload is off now, so the client's stack segments to 1500
    // bytes itself: too big for IPIP -> ICMP frag-needed -> smaller segments
    const before = await dp.readStats();
    const answers = connect(8083, 2, 200_000);
    expect(answers.filter((a) => a.startsWith('ERR'))).toEqual([]);
    const st = await dp.readStats();
    expect(st.counters.icmp_too_big - before.counters.icmp_too_big).toBeGreaterThan(0);
    expect(st.drops.too_big - before.drops.too_big).toBe(0);
  });
});
