// Real packets through the real kernel (no containers): network namespaces
// wired with veth and a bridge, the balancer attached with tc on its
// interfaces, the decapsulator on the servers, TCP connections from a client
// process. Proves redirect, fib lookup / redirect_neigh, IPIP + decap, 4in6
// (the IPv4 VIP's packets in IPv6 to the servers' IPv6 addresses) + decap and
// the nat/snat reverse path end to end — with veth's partial checksums.
//
//   client ns            lb ns                      bridge ns        servers
//   eth0 198.18.78.10 ── cl 198.18.78.1            br0 ─ p1 ──── s1 eth0 198.18.77.11
//   (gw .78.1)            sv 198.18.77.1 (+.77.2) ── p0   └ p2 ──── s2 eth0 198.18.77.12
//   VIP 198.18.79.100 is routed to the lb (not local there); servers hold it on lo.
//   The server side is dual-stack: sv fd00:4c42:77::1, s1 ::11, s2 ::12 (/64).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BpfMount, CORE_DIR, DECAP_DIR, make, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { Dataplane, type DpService } from '../../lab-images/balancer/agent/dataplane';
import { CSUM_OFF_PY, connect as connectNs, inNs, serverSide, startServers, twoServerService, names, SV6, setup as setupNs, teardown as teardownNs } from './netns-lab';

const skip = skipReason();
const TAG = `lbn${process.pid % 100000}`;
const NS = names(TAG);
const setup = (): void => setupNs(TAG);
const teardown = (): void => teardownNs(TAG);

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
    servers.push(...(await startServers(NS)));
    ({ ifindex, mac: svMac } = serverSide(NS));
  });
  afterAll(async () => {
    for (const p of servers) p.kill();
    await dp?.unload().catch(() => {});
    teardown();
    mount?.cleanup();
  });

  const svc = (id: number, mode: DpService['mode'], port: number, extra: Partial<DpService> = {}): DpService => twoServerService(NS, id, mode, port, extra);
  const csumOff = (ns: string, dev: string, which = 'tx,rx'): void => { inNs(ns, `python3 -c "${CSUM_OFF_PY}" ${dev} ${which}`); };
  const connect = (port: number, n: number, size?: number): string[] => connectNs(NS, port, n, size);

  for (const [id, mode, port, extra] of [
    [1, 'dsr', 8080, {}],
    [2, 'nat', 8081, {}],
    [3, 'snat', 8082, { snatAddress: '198.18.77.2' }],
    [4, 'tunnel', 8083, {}],
    [5, 'nat', 8084, { fib: true }],
    [6, 'tunnel', 8085, { underlay: 'ipv6' }],
    [7, 'tunnel', 8086, { underlay: 'ipv6', fib: true }],
  ] as [number, DpService['mode'], number, Partial<DpService> & { fib?: boolean }][]) {
    const via = `${extra.underlay ? ' over IPv6 (4in6)' : ''}${extra.fib ? ' (next hop by bpf_fib_lookup)' : ''}`;
    it(`${mode}${via}: TCP connections to the VIP are served by both backends`, async () => {
      const s = svc(id, mode, port, { snatAddress: extra.snatAddress, underlay: extra.underlay });
      if (extra.fib) {
        // no next-hop MAC: the BPF program asks the kernel FIB (and neighbour table)
        for (const b of s.backends) b.egress = { ifindex, srcMac: svMac, srcAddress: '198.18.77.1', srcAddress6: SV6.lb };
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
    for (const port of [8080, 8081, 8082, 8083, 8084, 8085, 8086]) {
      const answers = connect(port, 4);
      expect(answers.filter((a) => a.startsWith('ERR')), `port ${port}`).toEqual([]);
      expect(new Set(answers)).toEqual(new Set(['s1', 's2']));
    }
  });

  // idempotent, so a test that needs it runs alone too
  const offloadOffEverywhere = (): void => {
    for (const [ns, devs] of [[NS.c, ['eth0']], [NS.s1, ['eth0']], [NS.s2, ['eth0']], [NS.lb, ['cl', 'sv']],
      [NS.br, ['p0', 'p1', 'p2']]] as [string, string[]][]) {
      for (const d of devs) csumOff(ns, d);
    }
  };

  it('with checksum offload off everywhere, receivers verify every rewritten checksum', () => {
    offloadOffEverywhere();
    for (const port of [8080, 8081, 8082, 8083, 8084, 8085, 8086]) {
      const answers = connect(port, 4);
      expect(answers.filter((a) => a.startsWith('ERR')), `port ${port}`).toEqual([]);
      expect(new Set(answers)).toEqual(new Set(['s1', 's2']));
    }
  });

  it.each([[4, 8083, 'IPIP'], [6, 8085, '4in6']])('tunnel (id %i, port %i, %s): a bulk upload in full-size segments works through path MTU discovery', async (id, port, kind) => {
    // the service as the mode test above applies it (again: a no-op when it ran)
    await dp.applyService(svc(id, 'tunnel', port, kind === '4in6' ? { underlay: 'ipv6' } : {}));
    // with checksum offload off, the client's stack segments to 1500 bytes
    // itself: too big for IPIP (4in6) -> ICMP frag-needed -> smaller segments
    offloadOffEverywhere();
    const before = await dp.readStats();
    const answers = connect(port, 2, 200_000);
    expect(answers.filter((a) => a.startsWith('ERR'))).toEqual([]);
    const st = await dp.readStats();
    expect(st.counters.icmp_too_big - before.counters.icmp_too_big).toBeGreaterThan(0);
    expect(st.drops.too_big - before.drops.too_big).toBe(0);
  });
});
