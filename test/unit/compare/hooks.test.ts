// The eBPF core at tc or XDP: the lab file's `hook`, what the plan and the agent's config carry, and a comparison
// across hooks on a pretend lab (each run labelled, NAPI on the balancer's host-side peers only at XDP, the lab
// put back at its own hook).
import { describe, expect, it } from 'vitest';
import type { CompareRequest, LabDoc } from '../../../electron/api';
import { buildAgentConfig } from '../../../electron/engine/balancer/agent-config';
import { checkRequestFields, prepareCompare } from '../../../electron/engine/compare/request';
import { runComparison } from '../../../electron/engine/compare/runner';
import { planLab, validateLab } from '../../../electron/engine/topology/index';
import { agentConfigSchema } from '../../../lab-images/balancer/contract/config';
import { hostPeersScript } from '../../../electron/engine/deploy/shaping';
import { peerGroScript, xdpBalancers } from '../../../electron/engine/deploy/xdp-peers';
import { FakeLab } from './fake-port';

const doc = (hook?: 'tc' | 'xdp', mode: 'dsr' | 'l7' = 'dsr'): LabDoc => ({
  name: 'h',
  networks: { front: {} },
  nodes: {
    client1: { kind: 'client', links: [{ network: 'front' }] },
    lb: { kind: 'balancer', links: [{ network: 'front' }], ...(hook && { hook }) },
    web1: { kind: 'server', links: [{ network: 'front' }] },
  },
  services: { web: { balancer: 'lb', mode, backends: ['web1'] } },
});

describe('hook in the lab file', () => {
  it('xdp reaches the plan and the agent config; tc (the default) leaves both as they were', () => {
    const facts = (plan: ReturnType<typeof planLab>) => ({
      links: [{ ifname: 'eth0', address: '02:00:00:00:00:02', addr_info: [{ family: 'inet', local: plan.nodes.find((n) => n.name === 'lb')!.interfaces[0].address, prefixlen: 24 }] }],
      macs: { 'web1/front': '02:00:00:00:00:03' },
    });
    const xdp = planLab(doc('xdp'));
    expect(xdp.nodes.find((n) => n.name === 'lb')!.hook).toBe('xdp');
    const cfg = buildAgentConfig(xdp, 'lb', facts(xdp));
    expect(agentConfigSchema.parse(cfg).hook).toBe('xdp');
    for (const d of [doc(), doc('tc')]) {
      const tc = planLab(d);
      expect(tc.nodes.find((n) => n.name === 'lb')!.hook).toBeUndefined();
      const c = buildAgentConfig(tc, 'lb', facts(tc));
      expect(c.hook).toBeUndefined();
      expect(agentConfigSchema.parse(c).hook).toBe('tc');
    }
  });

  it('xdp on a balancer that runs only gateways is refused, naming the node; tc there is fine', () => {
    const r = validateLab(doc('xdp', 'l7'));
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ path: ['nodes', 'lb', 'hook'], node: 'lb' });
    expect(r.issues[0].message).toMatch(/^hook xdp runs the eBPF core, which balancer lb does not use \(its services are l7 only\)/);
    expect(validateLab(doc('tc', 'l7')).ok).toBe(true);
  });

  it("the deploy gives NAPI (GRO) to the host-side peers of an XDP balancer's veths, in an overlay's namespace too", () => {
    expect(xdpBalancers(planLab(doc('xdp'))).map((n) => n.name)).toEqual(['lb']);
    expect(xdpBalancers(planLab(doc('tc')))).toEqual([]);
    const peers = [
      { node: 'lb', address: '198.18.0.2', network: 'front', ifindex: 41 },
      { node: 'lb', address: '198.18.1.2', network: 'back', ifindex: 43, overlay: true as const, peer: { sandbox: 'abc', netns: '1-0123456789' } },
    ];
    const on = hostPeersScript(peers, peerGroScript(true), 'GRO on on 2 host-side peer(s) of lb');
    expect(on).toMatch(/-v i=41 .*\n.*\nsh -c 'ethtool -K "\$0" gro on >\/dev\/null && .*' "\$dev" \|\| /);
    // the overlay's peer: GRO and the queue both inside its namespace
    expect(on).toMatch(/nsenter --net="\$ns" sh -c 'ethtool -K "\$0" gro on .*pfifo limit 1000; fi' "\$dev"/);
    expect(on.trimEnd().split('\n').pop()).toBe('echo "lblab: GRO on on 2 host-side peer(s) of lb"');
    expect(hostPeersScript(peers.slice(0, 1), peerGroScript(false), 'x')).toContain('ethtool -K "$0" gro off');
  });

  it('the agent refuses an unknown hook', () => {
    expect(agentConfigSchema.safeParse({ version: 1, balancer: 'lb', interfaces: [], services: [], hook: 'xdpgeneric' }).success).toBe(false);
  });
});

describe('compare across hooks: the request', () => {
  it.each([
    [{ hooks: ['tc', 'ebpf'] }, /^unknown hook "ebpf" \(hooks: tc, xdp\)$/],
    [{ hooks: ['xdp', 'xdp'] }, /^hook xdp is listed twice$/],
    [{ hooks: [] }, /^hooks must list at least one of tc, xdp$/],
    [{ hooks: ['tc', 'xdp'], gateways: ['nginx'] }, /either hooks or gateways/],
    [{ hooks: ['tc', 'xdp'], modes: ['dsr', 'l7'] }, /^hooks run the eBPF core, which l7 does not use: compare dsr, tunnel, nat or snat across hooks$/],
    [{ hooks: ['tc', 'xdp'], modes: ['kernel-nat'] }, /which kernel-nat does not use/],
    [{ hooks: ['tc', 'xdp'], members: [1, 2] }, /either tier sizes \(members\) or hooks/],
  ])('%j is refused in one line', (req, msg) => {
    expect(() => checkRequestFields({ lab: 'x', ...req } as unknown as CompareRequest)).toThrow(msg);
  });
});

/** The pretend lab, with the agent's hook switch and the host side of the balancer's links. */
class HookLab extends FakeLab {
  hookNow: 'tc' | 'xdp' = 'tc';
  napi = false;
  napiCalls: boolean[] = [];
  /** the hook each measured run saw (and NAPI with it) */
  seen: string[] = [];
  constructor(mode: 'dsr' | 'l7' = 'dsr') {
    super({ mode });
    this.hook = (_node, script) => {
      const m = /^lbagent hook (\w+)$/.exec(script);
      if (m) this.hookNow = m[1] as 'tc' | 'xdp';
      if (script.includes('X-Lblab-Count') && _node === 'client1') this.seen.push(`${this.mode}@${this.hookNow}${this.napi ? '+napi' : ''}`);
      return undefined;
    };
  }
  override async setMode(lab: string, service: string, mode: Parameters<FakeLab['setMode']>[2]) {
    const r = await super.setMode(lab, service, mode);
    this.hookNow = 'tc'; // the engine's config carries the lab file's hook
    return r;
  }
  async setPeerNapi(_lab: string, node: string, on: boolean) {
    expect(node).toBe('lb');
    this.napi = on;
    this.napiCalls.push(on);
  }
}

describe('compare across hooks: the runs', () => {
  it('each eBPF mode at each hook, XDP always with NAPI on the peers, labelled; the lab ends at tc, NAPI off', async () => {
    const lab = new HookLab();
    const p = await prepareCompare(lab, { lab: 'lab1', modes: ['dsr', 'nat'], hooks: ['tc', 'xdp'], repeat: 2, warmup: 1, duration: 2 });
    expect(p.originalHook).toBe('tc');
    const c = await runComparison('c1', p, { port: lab, emit: () => undefined, signal: new AbortController().signal });
    expect(c.complete).toBe(true);
    expect(c.workload.hooks).toEqual(['tc', 'xdp']);
    expect(c.runs.map((r) => `${r.repetition}:${r.mode}@${r.hook}`)).toEqual(['1:dsr@tc', '1:dsr@xdp', '1:nat@tc', '1:nat@xdp', '2:nat@xdp', '2:nat@tc', '2:dsr@xdp', '2:dsr@tc']);
    expect(lab.seen).toEqual(['dsr@tc', 'dsr@xdp+napi', 'nat@tc', 'nat@xdp+napi', 'nat@xdp+napi', 'nat@tc', 'dsr@xdp+napi', 'dsr@tc']);
    expect(c.summary.map((s) => `${s.mode}@${s.hook}`)).toEqual(['dsr@tc', 'dsr@xdp', 'nat@tc', 'nat@xdp']);
    // the pretend balancer's program: 50 000 packets/s at 300 ns each, counted only while the run holds its statistics on
    for (const s of c.summary) {
      expect(s.program!.nsPerPacket).toBeCloseTo(300, 0);
      expect(s.program!.packets).toBeCloseTo(100_000, -3);
      expect(s.program!.cpu).toBeCloseTo(0.015, 3);
    }
    expect(lab.progStatsOn).toBe(false);
    expect(lab.mode).toBe('dsr');
    expect(lab.hookNow).toBe('tc');
    expect(lab.napi).toBe(false);
  });

  it('without modes: the eBPF modes only, whatever the service runs now', async () => {
    const p = await prepareCompare(new HookLab('l7'), { lab: 'lab1', hooks: ['tc', 'xdp'] });
    expect(p.rows).toEqual(['dsr', 'tunnel', 'nat', 'snat']);
  });
});
