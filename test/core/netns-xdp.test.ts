// The balancer at XDP with real packets (the topology of netns.test.ts):
// lb_xdp (balancer_xdp.bpf.o) attached in native mode on both of the
// balancer's veths instead of lb_ingress at tc, the same maps loaded by the
// agent. A frame the balancer sends with XDP_TX (back out of the interface
// it came in on) or redirects into a veth is received by the peer only when
// the peer end has an XDP program (or GRO): the client's eth0 and the
// bridge's p0 get one that passes everything. And those peers complete the
// L4 checksum in software (tx checksum offload off): a veth sender leaves it
// partial (CHECKSUM_PARTIAL) for an offload that a frame XDP sends on never
// gets, so the receiver would drop it. Every mode serves TCP
// connections from both backends, dsr and tunnel leave by XDP_TX, nat and
// snat replies by XDP_REDIRECT, and a bulk upload through the tunnel works
// through path MTU discovery (the ICMP answer built at XDP).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BpfMount, CORE_DIR, DECAP_DIR, loadXdpOnMaps, make, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import { Dataplane, type DpService } from '../../lab-images/balancer/agent/dataplane';
import { CSUM_OFF_PY, connect as connectNs, inNs, serverSide, startServers, twoServerService, names, SV6, setup, teardown } from './netns-lab';

const skip = skipReason();
const TAG = `lbx${process.pid % 100000}`;
const NS = names(TAG);

describe('real packets through network namespaces, the balancer at XDP', skipIf(skip), () => {
  let mount: BpfMount;
  let dp: Dataplane;
  const servers: ChildProcess[] = [];
  let ifindex = 0;
  let svMac = '';

  beforeAll(async () => {
    make(CORE_DIR, 'all', 'bench');
    make(DECAP_DIR);
    teardown(TAG);
    setup(TAG);
    mount = new BpfMount('nsxdp');
    // the agent's maps, no tc attach; lb_xdp on them, native XDP on both balancer interfaces
    dp = await Dataplane.load({ objDir: join(CORE_DIR, 'build'), pinDir: join(mount.dir, 'lblab'), interfaces: [], netns: NS.lb });
    const prog = loadXdpOnMaps(dp.pinDir);
    for (const dev of ['cl', 'sv']) execFileSync('ip', ['-n', NS.lb, 'link', 'set', 'dev', dev, 'xdpdrv', 'pinned', prog]);
    // the peers of the balancer's veths receive XDP_TX'd and redirected frames only with an XDP program
    const pass = join(mount.dir, 'pass_xdp');
    execFileSync('bpftool', ['prog', 'load', join(CORE_DIR, 'build/pass_xdp.bpf.o'), pass, 'type', 'xdp']);
    // and XDP cannot complete a partial checksum (veth's senders leave the L4 checksum to an offload that a
    // frame sent on by XDP never gets): the peers complete it in software before the balancer sees it
    for (const [ns, dev] of [[NS.c, 'eth0'], [NS.br, 'p0']]) {
      execFileSync('ip', ['-n', ns, 'link', 'set', 'dev', dev, 'xdpdrv', 'pinned', pass]);
      inNs(ns, `python3 -c "${CSUM_OFF_PY}" ${dev} tx`);
    }
    servers.push(...(await startServers(NS)));
    ({ ifindex, mac: svMac } = serverSide(NS));
  });
  afterAll(async () => {
    for (const p of servers) p.kill();
    await dp?.unload().catch(() => {});
    teardown(TAG);
    mount?.cleanup();
  });

  const svc = (id: number, mode: DpService['mode'], port: number, extra: Partial<DpService> = {}): DpService => twoServerService(NS, id, mode, port, extra);
  const connect = (port: number, n: number, size?: number): string[] => connectNs(NS, port, n, size);

  it('lb_xdp is attached in native mode on both interfaces', () => {
    for (const dev of ['cl', 'sv']) {
      const l = JSON.parse(inNs(NS.lb, `ip -j link show dev ${dev}`))[0] as { xdp?: { mode: number; prog?: { name: string } } };
      expect(l.xdp?.mode, dev).toBe(1); // XDP_ATTACHED_DRV
    }
  });

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
      if (extra.fib) for (const b of s.backends) b.egress = { ifindex, srcMac: svMac, srcAddress: '198.18.77.1', srcAddress6: SV6.lb };
      await dp.applyService(s);
      const before = await dp.readStats();
      const answers = connect(port, 6);
      expect(answers.filter((a) => a.startsWith('ERR'))).toEqual([]);
      expect(new Set(answers)).toEqual(new Set(['s1', 's2']));
      const st = await dp.readStats();
      const key = { dsr: 'dsr', nat: 'nat_fwd', snat: 'snat_fwd', tunnel: 'encap' }[mode];
      expect(st.counters[key] - before.counters[key]).toBeGreaterThanOrEqual(6 * 3);
      if (extra.fib) expect(st.counters.fib_lookup - before.counters.fib_lookup).toBeGreaterThanOrEqual(6 * 3);
      if (mode === 'nat') expect(st.counters.nat_rev - before.counters.nat_rev).toBeGreaterThanOrEqual(6 * 2);
      if (mode === 'snat') expect(st.counters.snat_rev - before.counters.snat_rev).toBeGreaterThanOrEqual(6 * 2);
      expect(Object.values(st.drops).reduce((a, b) => a + b, 0)).toBe(0);
    });
  }

  it.each([[4, 8083, 'IPIP'], [6, 8085, '4in6']])('tunnel (id %i, port %i, %s): a bulk upload works through path MTU discovery (ICMP fragmentation needed, built at XDP)', async (id, port, kind) => {
    // the service as the mode test above applies it (again: a no-op when it ran), so this test runs alone too
    await dp.applyService(svc(id, 'tunnel', port, kind === '4in6' ? { underlay: 'ipv6' } : {}));
    const before = await dp.readStats();
    const answers = connect(port, 2, 200_000);
    expect(answers.filter((a) => a.startsWith('ERR'))).toEqual([]);
    const st = await dp.readStats();
    expect(st.counters.icmp_too_big - before.counters.icmp_too_big).toBeGreaterThan(0);
    expect(st.drops.too_big - before.drops.too_big).toBe(0);
  });
});
