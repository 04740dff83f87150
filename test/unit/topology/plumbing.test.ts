// The node plumbing script: what it contains, and what it does when run twice and across
// mode switches — run for real with /bin/sh against stand-ins for ip/tc (test/unit/topology/fake-bin)
// that keep addresses and routes in files, and a fake /proc/sys.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabDoc, Mode } from '../../../electron/api';
import { nodeScript, planLab } from '../../../electron/engine/topology/index';
import { burstBytes, decapSenders6Hex, decapSendersHex, PLUMBED_MARKER, tbfArgs } from '../../../electron/engine/topology/plumbing';
import type { LabPlan } from '../../../electron/engine/topology/plan-types';
import { node, routedTwoArm, tpl } from './fixtures';


describe('nodeScript content', () => {
  it('maps interfaces by address, never by ethN', () => {
    const p = planLab(tpl('nat'));
    const s = nodeScript(p, 'lb');
    expect(s).toContain('IF0=$(lblab_if 198.18.0.2)');
    expect(s).toContain('IF1=$(lblab_if 198.18.1.2)');
    expect(s).not.toMatch(/\beth\d\b/);
  });

  it('accepts the node name or the planned node', () => {
    const p = planLab(tpl('dsr'));
    expect(nodeScript(p, node(p, 'web1'))).toBe(nodeScript(p, 'web1'));
    expect(() => nodeScript(p, 'ghost')).toThrow(/no node ghost/);
  });

  it('balancer: VIP /32 on its front interface, forwarding, checksum offload off', () => {
    const p = planLab(tpl('nat'));
    const s = nodeScript(p, 'lb');
    expect(s).toContain(`ip addr replace ${p.services[0].vip}/32 dev "$IF0"`);
    expect(s).not.toContain(`dev "$IF1"\nip addr replace ${p.services[0].vip}`);
    expect(s).toContain('lblab_sysctl net.ipv4.ip_forward');
    expect(s).toContain('ethtool -K "$IF0" tx off');
    expect(s).not.toContain('tx on');
  });

  it('offload: true turns tx checksum offload back on, on every interface, and changes nothing else', () => {
    const doc = structuredClone(tpl('nat')) as LabDoc;
    const off = planLab(doc);
    const on = planLab({ ...doc, offload: true });
    expect(on.offload).toBe(true);
    expect(off.offload).toBeUndefined();
    const s = nodeScript(on, 'lb');
    expect(s).toContain('ethtool -K "$IF0" tx on');
    expect(s).toContain('ethtool -K "$IF1" tx on');
    expect(s).not.toContain('tx off');
    // the only lines that differ are the comment and the ethtool calls
    const a = nodeScript(off, 'lb').split('\n');
    const b = s.split('\n');
    expect(b).toHaveLength(a.length);
    const changed = b.filter((l, i) => l !== a[i]);
    expect(changed).toHaveLength(3);
    expect(changed.slice(1)).toEqual(['  ethtool -K "$IF0" tx on >/dev/null 2>&1 || true', '  ethtool -K "$IF1" tx on >/dev/null 2>&1 || true']);
  });

  it('nat server: default route via the balancer', () => {
    const p = planLab(tpl('nat'));
    expect(nodeScript(p, 'web1')).toContain('ip route replace default via 198.18.1.2');
  });

  it('tunnel server: tc-BPF decap pinned, only the balancer may send; tunl0 or the object file without bpftool; rp_filter off', () => {
    const p = planLab(tpl('tunnel'));
    const lb = node(p, 'lb').interfaces.map((i) => i.address);
    expect(node(p, 'web1').decapSenders).toEqual(lb);
    const s = nodeScript(p, 'web1');
    expect(s).toMatch(/tc filter replace dev "\$IF0" ingress pref 100 handle 1 bpf da object-pinned "\$pin\/prog"/);
    expect(s).toContain(`bpftool map update pinned "$pin/maps/decap_senders" key hex 00 00 00 00 value hex ${decapSendersHex(lb)}`);
    expect(s).toMatch(/tc filter replace dev "\$IF0" ingress pref 100 handle 1 bpf da obj "\$obj" sec tc/);
    expect(s).toContain('/usr/local/lib/lblab/bpf/decap.bpf.o');
    expect(s).toContain('elif ip link show tunl0');
    expect(s).toContain('for d in "$sys"/net/ipv4/conf/*/; do');
  });

  it('the sender list as decap_senders wants it: count, then the addresses in network order', () => {
    const h = decapSendersHex(['198.18.0.2', '10.1.2.3']).split(' ');
    expect(h).toHaveLength(4 + 4 * 32);
    expect(h.slice(0, 12)).toEqual(['02', '00', '00', '00', 'c6', '12', '00', '02', '0a', '01', '02', '03']);
    expect(() => decapSendersHex(Array.from({ length: 33 }, (_, i) => `10.0.0.${i}`))).toThrow(/at most 32/);
  });

  it('shapes links with a rate: TBF egress only (ingress is shaped on the host-side veth), no policer', () => {
    const doc = structuredClone(tpl('dsr')) as LabDoc;
    doc.nodes.lb.links[0].rate = '200mbit';
    const s = nodeScript(planLab(doc), 'lb');
    expect(s).toContain(`tc qdisc replace dev "$IF0" root tbf rate 200mbit burst ${burstBytes('200mbit')} latency 50ms`);
    expect(tbfArgs('200mbit')).toBe(`tbf rate 200mbit burst ${burstBytes('200mbit')} latency 50ms`);
    // no police/matchall (absent from some kernels), no ifb (it would skip the ingress BPF)
    expect(s).not.toMatch(/police|matchall|ifb|mirred/);
    // a policer left by an older version is removed
    expect(s).toContain('tc filter del dev "$IF0" ingress pref 5 2>/dev/null || true');
    expect(burstBytes('200mbit')).toBe(250_000);
    expect(burstBytes('500kbit')).toBe(15_140);
  });

  it('only uses commands with replace or guarded delete semantics for state it changes', () => {
    for (const id of ['dsr', 'tunnel', 'nat', 'multi-tier']) {
      const p = planLab(tpl(id));
      for (const n of p.nodes) {
        const lines = nodeScript(p, n).split('\n').map((l) => l.trim());
        for (const l of lines) {
          if (/^(ip (route|addr)|tc (qdisc|filter)) add\b/.test(l)) throw new Error(`${id}/${n.name}: unguarded add: ${l}`);
          if (/^tc filter add/.test(l)) throw new Error(`${id}/${n.name}: tc filter add: ${l}`);
        }
      }
    }
  });

  it('is valid sh', () => {
    for (const id of ['dsr', 'tunnel', 'nat', 'l7', 'multi-tier']) {
      const p = planLab(tpl(id));
      for (const n of p.nodes) execFileSync('sh', ['-n', '-c', nodeScript(p, n)]);
    }
  });
});

describe('nodeScript run against a fake node', () => {
  let dir: string;
  let bin: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lblab-plumb-'));
    bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    for (const f of ['ip', 'tc', 'mount', 'bpftool', 'ethtool']) {
      fs.copyFileSync(path.join(import.meta.dirname, 'fake-bin', f), path.join(bin, f));
      fs.chmodSync(path.join(bin, f), 0o755);
    }
    for (const c of ['all', 'default', 'lo', 'eth0', 'eth1']) {
      fs.mkdirSync(path.join(dir, 'sys/net/ipv4/conf', c), { recursive: true });
      for (const k of ['rp_filter', 'arp_ignore', 'arp_announce']) fs.writeFileSync(path.join(dir, 'sys/net/ipv4/conf', c, k), c === 'eth0' && k === 'rp_filter' ? '1\n' : '0\n');
    }
    fs.writeFileSync(path.join(dir, 'sys/net/ipv4/ip_forward'), '0\n');
    fs.writeFileSync(path.join(dir, 'decap.bpf.o'), '');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** attach order deliberately differs from link order: eth0 holds the LAST planned interface */
  function boot(plan: LabPlan, name: string) {
    const itfs = node(plan, name).interfaces;
    const devs = itfs.map((_, i) => `eth${(i + 1) % itfs.length}`);
    fs.writeFileSync(path.join(dir, 'addrs'), ['lo 127.0.0.1/8', ...itfs.map((it, i) => `${devs[i]} ${it.address}/${it.prefixLen}`)].join('\n') + '\n');
    const first = plan.networks.find((n) => n.name === itfs[0].network)!;
    fs.writeFileSync(path.join(dir, 'routes'), `default via ${first.gateway} dev ${devs[0]}\n`);
  }
  function run(plan: LabPlan, name: string) {
    execFileSync('sh', ['-e', '-c', nodeScript(plan, name)], {
      env: { PATH: `${bin}:${process.env.PATH}`, FAKE: dir, LBLAB_STATE: path.join(dir, 'state'), LBLAB_PROC_SYS: path.join(dir, 'sys'), LBLAB_DECAP_OBJ: path.join(dir, 'decap.bpf.o'), LBLAB_BPFFS: path.join(dir, 'bpffs') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n').filter(Boolean).sort();
  const sysctl = (k: string) => fs.readFileSync(path.join(dir, 'sys', k.replace(/\./g, '/')), 'utf8').trim();
  const snapshot = () => ({ addrs: read('addrs'), routes: read('routes') });
  const plan = (id: string, mode?: Mode) => planLab(tpl(id), mode ? { modes: { [id === 'multi-tier' ? 'edge' : 'web']: mode } } : {});

  it('ethtool on the interface holding each address: tx off by default, tx on when the lab flips to offload: true, and back', () => {
    const doc = structuredClone(tpl('nat')) as LabDoc;
    const off = planLab(doc);
    boot(off, 'lb'); // eth1 holds the first planned interface, eth0 the second
    run(off, 'lb');
    expect(read('ethtool.log')).toEqual(['ethtool -K eth0 tx off', 'ethtool -K eth1 tx off']);
    fs.rmSync(path.join(dir, 'ethtool.log'));
    run(planLab({ ...doc, offload: true }), 'lb');
    expect(read('ethtool.log')).toEqual(['ethtool -K eth0 tx on', 'ethtool -K eth1 tx on']);
    fs.rmSync(path.join(dir, 'ethtool.log'));
    run(planLab({ ...doc, offload: false }), 'lb');
    expect(read('ethtool.log')).toEqual(['ethtool -K eth0 tx off', 'ethtool -K eth1 tx off']);
  });

  it('dsr server: VIP on lo, ARP sysctls; a second run changes nothing', () => {
    const p = plan('dsr');
    boot(p, 'web1');
    run(p, 'web1');
    const once = snapshot();
    expect(once.addrs).toContain(`lo ${p.services[0].vip}/32`);
    expect(once.routes).toEqual(['default via 198.18.0.1 dev eth0']);
    expect(sysctl('net.ipv4.conf.all.arp_ignore')).toBe('1');
    expect(sysctl('net.ipv4.conf.all.arp_announce')).toBe('2');
    run(p, 'web1');
    expect(snapshot()).toEqual(once);
  });

  it('nat → snat → nat on a server: default via the balancer, then Docker\'s default restored', () => {
    const nat = plan('nat');
    boot(nat, 'web1');
    const booted = snapshot();
    // Docker's state, plus the sentinel every finished run leaves on lo
    const original = { ...booted, addrs: [...booted.addrs, `lo ${PLUMBED_MARKER}/32`].sort() };
    run(nat, 'web1');
    expect(read('routes')).toEqual(['default via 198.18.1.2']);
    run(nat, 'web1');
    expect(read('routes')).toEqual(['default via 198.18.1.2']);
    run(plan('nat', 'snat'), 'web1');
    expect(snapshot()).toEqual(original);
    run(plan('nat', 'snat'), 'web1');
    expect(snapshot()).toEqual(original);
    run(nat, 'web1');
    expect(read('routes')).toEqual(['default via 198.18.1.2']);
  });

  it('dsr ⇄ nat with a router: subnet routes removed in nat and put back after', () => {
    const doc = routedTwoArm();
    const dsr = planLab(doc);
    const nat = planLab(doc, { modes: { web: 'nat' } });
    boot(dsr, 's');
    run(dsr, 's');
    const dsrState = snapshot();
    expect(dsrState.routes).toHaveLength(3);
    run(nat, 's');
    expect(read('routes')).toEqual([`default via ${node(nat, 'lb').interfaces[1].address}`]);
    expect(read('addrs')).not.toContain(`lo ${dsr.services[0].vip}/32`);
    run(dsr, 's');
    expect(snapshot()).toEqual(dsrState);
  });

  it('tunnel server: decap loaded once, attached on the interface holding its address, senders filled; rp_filter 0 everywhere; dsr detaches it', () => {
    const p = plan('tunnel');
    boot(p, 'web1');
    run(p, 'web1');
    run(p, 'web1');
    const pin = path.join(dir, 'bpffs/lblab_decap');
    const tc = read('tc.log');
    expect(tc).toContain(`tc filter replace dev eth0 ingress pref 100 handle 1 bpf da object-pinned ${pin}/prog`);
    const bpftool = read('bpftool.log');
    expect(bpftool.filter((l) => l.startsWith('bpftool prog load'))).toEqual([`bpftool prog load ${path.join(dir, 'decap.bpf.o')} ${pin}/prog type classifier pinmaps ${pin}/maps`]);
    const senders = decapSendersHex(node(p, 'lb').interfaces.map((i) => i.address));
    // an IPv4-only lab: ip6ip6 from nobody (the unspecified address only)
    const senders6 = decapSenders6Hex(['::']);
    expect(bpftool.filter((l) => l.startsWith('bpftool map update'))).toEqual([
      ...Array(2).fill(`bpftool map update pinned ${pin}/maps/decap_senders key hex 00 00 00 00 value hex ${senders}`),
      ...Array(2).fill(`bpftool map update pinned ${pin}/maps/decap_senders6 key hex 00 00 00 00 value hex ${senders6}`),
    ]);
    for (const c of ['all', 'default', 'lo', 'eth0', 'eth1']) expect(sysctl(`net.ipv4.conf.${c}.rp_filter`)).toBe('0');
    expect(read('routes')).toContain(`198.18.0.0/24 via ${node(p, 'r1').interfaces[1].address}`);
    // a pin left by an older, IPv4-only decapsulator (no decap_senders6) is loaded again
    fs.rmSync(path.join(pin, 'maps/decap_senders6'));
    run(p, 'web1');
    expect(read('bpftool.log').filter((l) => l.startsWith('bpftool prog load'))).toHaveLength(2);
    expect(fs.existsSync(path.join(pin, 'maps/decap_senders6'))).toBe(true);
    fs.rmSync(path.join(dir, 'tc.log'));
    // the same servers in a dsr lab: the decap filter goes away
    const dsr = plan('dsr');
    boot(dsr, 'web1');
    run(dsr, 'web1');
    expect(read('tc.log')).toContain('tc filter del dev eth0 ingress pref 100 handle 1 bpf');
    expect(fs.existsSync(pin)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'filter.eth0'))).toBe(false);
  });

  it('tunnel server where bpftool cannot pin it: the decapsulator from its file, with a warning that any sender is accepted', () => {
    fs.writeFileSync(path.join(bin, 'bpftool'), '#!/bin/sh\necho "bpftool $*" >> "$FAKE/bpftool.log"\nexit 1\n');
    const p = plan('tunnel');
    boot(p, 'web1');
    const r = spawnSync('sh', ['-e', '-c', nodeScript(p, 'web1')], {
      env: { PATH: `${bin}:${process.env.PATH}`, FAKE: dir, LBLAB_STATE: path.join(dir, 'state'), LBLAB_PROC_SYS: path.join(dir, 'sys'), LBLAB_DECAP_OBJ: path.join(dir, 'decap.bpf.o'), LBLAB_BPFFS: path.join(dir, 'bpffs') },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/could not be pinned; it accepts IPIP from any sender/);
    expect(read('tc.log')).toContain(`tc filter replace dev eth0 ingress pref 100 handle 1 bpf da obj ${path.join(dir, 'decap.bpf.o')} sec tc`);
  });

  it('a balancer re-plumbed after its agent attached (a repair, a mode switch): the agent\'s program stays in the slot', () => {
    const p = plan('nat');
    boot(p, 'lb');
    run(p, 'lb');
    // what the agent does (lab-images/balancer/agent/dataplane.ts)
    for (const dev of ['eth0', 'eth1']) execFileSync(path.join(bin, 'tc'), ['filter', 'replace', 'dev', dev, 'ingress', 'pref', '100', 'handle', '1', 'bpf', 'object-pinned', '/sys/fs/bpf/lblab/progs/lb_ingress', 'direct-action'], { env: { FAKE: dir } });
    run(p, 'lb');
    for (const dev of ['eth0', 'eth1']) expect(fs.readFileSync(path.join(dir, `filter.${dev}`), 'utf8').trim()).toBe('lb_ingress');
    expect(read('tc.log').filter((l) => l.startsWith('tc filter del') && l.includes('pref 100'))).toEqual([]);
  });

  it('shaped link: one TBF root qdisc on the interface holding the address, the same command on every run; no rate removes it', () => {
    const doc = structuredClone(tpl('tunnel')) as LabDoc;
    doc.nodes.web1.links[0].rate = '100mbit';
    const p = planLab(doc);
    boot(p, 'web1');
    run(p, 'web1');
    run(p, 'web1');
    const tc = read('tc.log');
    const tbf = `tc qdisc replace dev eth0 root tbf rate 100mbit burst ${burstBytes('100mbit')} latency 50ms`;
    expect(tc.filter((l) => l === tbf)).toHaveLength(2); // replace: never duplicated
    expect(tc.filter((l) => / add /.test(l) && !/clsact/.test(l))).toEqual([]);
    // the decap BPF stays the only ingress filter
    expect(tc.filter((l) => /filter (add|replace)/.test(l)).every((l) => /pref 100 handle 1 bpf/.test(l))).toBe(true);
    fs.rmSync(path.join(dir, 'tc.log'));
    run(planLab(tpl('tunnel')), 'web1');
    expect(read('tc.log')).toContain('tc qdisc del dev eth0 root');
    expect(fs.existsSync(path.join(dir, 'root.eth0'))).toBe(false);
  });

  it('balancer with two networks: the VIP lands on the interface of the VIP subnet even when attached second', () => {
    const p = plan('nat');
    boot(p, 'lb');
    run(p, 'lb');
    // boot() put the first planned interface (front) on eth1
    expect(read('addrs')).toContain(`eth1 ${p.services[0].vip}/32`);
    expect(sysctl('net.ipv4.ip_forward')).toBe('1');
    const once = snapshot();
    run(p, 'lb');
    expect(snapshot()).toEqual(once);
  });

  it('fails with one clear line when a planned address is on no interface', () => {
    const p = plan('dsr');
    boot(p, 'web1');
    fs.writeFileSync(path.join(dir, 'addrs'), 'lo 127.0.0.1/8\n');
    let err = '';
    try {
      run(p, 'web1');
    } catch (e) {
      err = String((e as { stderr?: Buffer }).stderr);
    }
    expect(err.trim()).toBe(`lblab: node web1: no interface holds ${node(p, 'web1').interfaces[0].address} (network front)`);
  });

  it('fails clearly when a sysctl cannot be written (read-only /proc/sys, no remount)', () => {
    const p = plan('dsr');
    boot(p, 'web1');
    const f = path.join(dir, 'sys/net/ipv4/conf/all/arp_ignore');
    fs.rmSync(path.join(dir, 'sys/net/ipv4/conf/all'), { recursive: true });
    fs.mkdirSync(f, { recursive: true }); // a directory: writing to it fails like a read-only file
    let err = '';
    try {
      run(p, 'web1');
    } catch (e) {
      err = String((e as { stderr?: Buffer }).stderr);
    }
    expect(err).toMatch(/^lblab: cannot set .*arp_ignore to 1/);
  });
});
