// The runner on a pretend lab: rotation, reference rows, the numbers it
// records, and above all that the lab is put back — after a normal end, a
// cancel, a failing run, wrk dying — and that bad input touches nothing.
import { describe, expect, it } from 'vitest';
import { offloadOf, type CompareEvent, type CompareRequest, type Comparison } from '../../../electron/api';
import { createComparisons } from '../../../electron/engine/compare/comparisons';
import { availability, prepareCompare } from '../../../electron/engine/compare/request';
import { runComparison } from '../../../electron/engine/compare/runner';
import { FakeLab } from './fake-port';

async function compare(lab: FakeLab, req: Omit<CompareRequest, 'lab'>, opts: { signal?: AbortSignal } = {}) {
  const events: CompareEvent[] = [];
  const saved: Comparison[] = [];
  const p = await prepareCompare(lab, { lab: 'lab1', warmup: 1, duration: 2, ...req });
  const c = await runComparison('c1', p, { port: lab, emit: (e) => events.push(e), signal: opts.signal ?? new AbortController().signal, save: (x) => saved.push(structuredClone(x)) });
  return { c, events, saved };
}

/** The lab as it was: the service's own mode, no nftables table, our program on both interfaces. */
function expectRestored(lab: FakeLab, mode = 'dsr') {
  expect(lab.mode).toBe(mode);
  expect(lab.nft).toBe(false);
  expect([...lab.attached].sort()).toEqual(['eth0', 'eth1']);
  expect(lab.liveSamplers).toBe(0);
}

describe('rotation', () => {
  it('round r runs every row once, alternately forwards and backwards; the service ends in its own mode', async () => {
    const lab = new FakeLab();
    const { c } = await compare(lab, { modes: ['dsr', 'nat', 'snat'], repeat: 3 });
    expect(c.runs.map((r) => `${r.repetition}:${r.mode}`)).toEqual(['1:dsr', '1:nat', '1:snat', '2:snat', '2:nat', '2:dsr', '3:dsr', '3:nat', '3:snat']);
    expect(lab.measured).toEqual(['dsr', 'nat', 'snat', 'snat', 'nat', 'dsr', 'dsr', 'nat', 'snat']);
    // no switch at a round's boundary; back to dsr at the end
    expect(lab.setModes).toEqual(['nat', 'snat', 'nat', 'dsr', 'nat', 'snat', 'dsr']);
    expect(c.complete).toBe(true);
    expect(c.error).toBeUndefined();
    expectRestored(lab);
  });

  it('direct stays in a non-nat mode; kernel-nat runs in nat with our program swapped for nftables, then swapped back', async () => {
    const lab = new FakeLab();
    const { c } = await compare(lab, { modes: ['nat', 'kernel-nat', 'direct'], repeat: 2 });
    expect(lab.measured).toEqual(['nat', 'kernel-nat', 'dsr', 'dsr', 'kernel-nat', 'nat']);
    expect(c.runs.map((r) => r.mode)).toEqual(['nat', 'kernel-nat', 'direct', 'direct', 'kernel-nat', 'nat']);
    expect(lab.calls.filter((x) => x === 'exec lb kernel-nat-setup')).toHaveLength(2);
    expect(lab.calls.filter((x) => x === 'exec lb kernel-nat-undo')).toHaveLength(2);
    expectRestored(lab);
  });

  it('direct: each client fetches from the backends, connections spread evenly', async () => {
    const lab = new FakeLab();
    const scripts: string[] = [];
    lab.hook = (node, s) => void (s.includes('mark start') && scripts.push(`${node}\n${s.split('\n').filter((l) => !l.startsWith('wrk ') || l.includes('X-Lblab-Count')).join('\n')}`));
    await compare(lab, { modes: ['direct'], repeat: 1, connections: 7 });
    const conns = (t: string) => scripts.flatMap((s) => [...s.matchAll(new RegExp(`-c(\\d+) .*http://${t.replace(/\./g, '\\.')}:80/`, 'g'))].map((m) => Number(m[1]))).reduce((a, b) => a + b, 0);
    expect([conns('198.18.1.4'), conns('198.18.1.5'), conns('198.18.1.6')]).toEqual([3, 2, 2]);
    expect(scripts.filter((s) => s.startsWith('client1'))).toHaveLength(1);
    expect(scripts.filter((s) => s.startsWith('client2'))).toHaveLength(1);
  });
});

describe('what a run records', () => {
  it('a proxy mode has no eBPF program to measure: its runs carry none, and nothing is left held', async () => {
    const lab = new FakeLab();
    const { c } = await compare(lab, { modes: ['l4proxy', 'nat'], repeat: 1 });
    expect(c.runs.map((r) => `${r.mode}:${r.error ?? 'ok'}:${r.program ? 'program' : '-'}`)).toEqual(['l4proxy:ok:-', 'nat:ok:program']);
    expect(lab.progStatsOn).toBe(false);
  });

  it('the program statistics come on once for the comparison, follow its switches, and go off at the end', async () => {
    const lab = new FakeLab();
    const { c } = await compare(lab, { modes: ['dsr', 'l4proxy', 'nat'], repeat: 2 });
    expect(c.runs.map((r) => `${r.mode}:${r.program ? 'program' : '-'}`)).toEqual(['dsr:program', 'l4proxy:-', 'nat:program', 'nat:program', 'l4proxy:-', 'dsr:program']);
    expect(lab.progStatsCalls).toEqual(['on', 'off']);
  });

  it('a run whose window the statistics did not cover has no program figures', async () => {
    const lab = new FakeLab();
    // they come on only once the second run measures (its first sample is without them)
    let measured = 0;
    lab.wrkStarted = (run) => {
      measured = run;
      if (run === 2) lab.progStatsOn = true;
    };
    lab.hook = async (_node, s) => (s.startsWith('lbagent prog-stats on') ? { exitCode: 0, stdout: '', stderr: '' } : undefined);
    const { c } = await compare(lab, { modes: ['dsr', 'nat'], repeat: 1 });
    expect(measured).toBe(2);
    expect(c.runs.map((r) => `${r.mode}:${r.program ? 'program' : '-'}`)).toEqual(['dsr:-', 'nat:-']);
  });

  it('wrk totals, shares by counted requests, balancer bytes and CPU, response bytes, environment', async () => {
    const lab = new FakeLab();
    const { c, events, saved } = await compare(lab, { modes: ['dsr', 'nat'], repeat: 1 });
    const [dsr, nat] = c.runs;
    // two clients, each ran the same fixture report: their aggregate over the 2 s window they shared
    expect(dsr.requestsPerSec).toBeCloseTo((2 * 2554) / 2);
    expect(dsr.throughputMbps).toBeCloseTo((2 * Math.round(249.91 * 1024 ** 2) * 8) / 2 / 1e6, 3);
    expect(dsr.latencyMs.p50).toBeCloseTo(1.09);
    expect(dsr.latencyMs.p90).toBeCloseTo(3.9);
    expect(dsr.latencyMs.p99).toBeCloseTo(16.81);
    expect(dsr.errors).toBe(0);
    expect(dsr.backendShares).toEqual({ web1: 0.5, web2: 0.25, web3: 0.25 });
    // the pretend counters grow at fixed rates: over the 2 s between wrk's marks
    expect(dsr.balancerBytes).toEqual({ eth0: { rx: 200_000, tx: 400_000 }, eth1: { rx: 400_000, tx: 200_000 } });
    expect(dsr.responseBytes).toBe(40_000_000);
    expect(dsr.balancerCpuSeconds).toBeCloseTo(0.5);
    // the program's own time over the same window: 50 000 packets/s at 300 ns, held on for the run and let go after
    expect(dsr.program).toEqual({ cpuSeconds: 0.03, packets: 100_000, nsPerPacket: 300 });
    expect(lab.progStatsOn).toBe(false);
    expect(c.summary.find((s) => s.mode === 'dsr')!.balancerResponseShare).toBeCloseTo(600_000 / 40_000_000);
    expect(c.summary.find((s) => s.mode === 'nat')!.balancerResponseShare).toBeCloseTo(20_200_000 / 40_000_000);
    expect(lab.liveSamplers).toBe(0);
    expect(nat.mode).toBe('nat');
    expect(c.environment).toMatchObject({ kernel: '6.1.0-test', docker: '20.10.24', cpus: 2, cpuModel: 'Test CPU @ 2.0GHz', loadBefore: [1.5, 1.2, 0.9], loadAfter: [2, 1.5, 1] });
    expect(c.environment.linkRates).toEqual({ 'lb:front': '100mbit', 'lb:back': '100mbit', 'web1:back': '100mbit', 'web2:back': '100mbit', 'web3:back': '100mbit' });
    expect(c.environment.offloads.eth0).toMatchObject({ 'tcp-segmentation-offload': 'on', 'generic-receive-offload': 'off', 'large-receive-offload': 'off', 'tx-checksumming': 'off' });
    expect(c.environment.offloads.eth0['tx-checksum-ipv4']).toBeUndefined();
    expect(c.workload).toEqual({ modes: ['dsr', 'nat'], object: '1m', connections: 12, duration: 2, warmup: 1, repeat: 1, clients: ['client1', 'client2'] });
    // saved from the start (incomplete), after each run, and at the end
    expect(saved[0].complete).toBe(false);
    expect(saved[0].runs).toEqual([]);
    expect(saved.at(-1)).toEqual(c);
    // progress through the phases, then the end
    const phases = events.filter((e) => e.type === 'compare-progress').map((e) => (e.type === 'compare-progress' ? `${e.mode}:${e.phase}:${e.done}/${e.total}` : ''));
    expect(phases).toEqual(['dsr:switching:0/2', 'dsr:warmup:0/2', 'dsr:measuring:0/2', 'nat:switching:1/2', 'nat:warmup:1/2', 'nat:measuring:1/2', 'nat:restoring:2/2']);
    expect(events.at(-1)).toEqual({ type: 'compare-end', id: 'c1', complete: true });
  });

  it("the lab's offload setting, so results of both settings are told apart", async () => {
    for (const offload of [true, false]) {
      const { c, saved } = await compare(new FakeLab({ offload }), { modes: ['dsr'], repeat: 1 });
      expect(c.environment.offload).toBe(offload);
      expect(saved[0].environment.offload).toBe(offload);
      expect(offloadOf(c.environment)).toBe(offload);
    }
    // no readable document: not claimed; what the balancer's interfaces had (tx-checksumming off in the fixture) says it
    const { c } = await compare(new FakeLab(), { modes: ['dsr'], repeat: 1 });
    expect(c.environment.offload).toBeUndefined();
    expect(offloadOf(c.environment)).toBe(false);
    expect(offloadOf({ offloads: { eth0: { 'tx-checksumming': 'on' }, eth1: { 'tx-checksumming': 'on' } } })).toBe(true);
    expect(offloadOf({ offloads: { eth0: { 'tx-checksumming': 'on' }, eth1: { 'tx-checksumming': 'off' } } })).toBe(false);
    expect(offloadOf({ offloads: {} })).toBeUndefined();
  });

  it('several clients start their measured wrk at one instant; a single client does not wait', async () => {
    const lab = new FakeLab();
    const scripts: string[] = [];
    lab.hook = (_node, s) => void (s.includes('mark start') && scripts.push(s));
    await compare(lab, { modes: ['dsr'], repeat: 1 });
    const at = scripts.map((s) => /d=\$\(\((\d+) - now\)\)/.exec(s)?.[1]);
    expect(at).toHaveLength(2);
    expect(at[0]).toBeDefined();
    expect(at[1]).toBe(at[0]);
    scripts.length = 0;
    const one = new FakeLab();
    one.hook = lab.hook;
    const { c } = await compare(one, { modes: ['dsr'], repeat: 1, connections: 1 });
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).not.toContain(' - now');
    // one client: wrk's own rates
    expect(c.runs[0].requestsPerSec).toBeCloseTo(2554 / 2.01);
  });

  it('clients that started apart: their aggregate while all loaded; too far apart fails the run', async () => {
    const lab = new FakeLab();
    lab.skewMs = 500;
    const { c } = await compare(lab, { modes: ['dsr'], repeat: 1 });
    // 2 s runs 0.5 s apart: 1.5 s together, holding 1.5 / 2.5 of the bytes (the pretend clients receive steadily)
    expect(c.runs[0].requestsPerSec).toBeCloseTo((2 * 2554 * 0.6) / 1.5);
    const far = new FakeLab();
    far.skewMs = 1500;
    const r = await compare(far, { modes: ['dsr'], repeat: 1 });
    expect(r.c.runs[0].error).toBe('the clients loaded together for only 0.5 s of 2 (their wrk started too far apart: the host is overloaded?)');
  });

  it('no warm-up: no unmeasured wrk', async () => {
    const lab = new FakeLab();
    const scripts: string[] = [];
    lab.hook = (_node, s) => void (s.includes('mark start') && scripts.push(s));
    await compare(lab, { modes: ['dsr'], repeat: 1, warmup: 0 });
    expect(scripts).toHaveLength(2); // one per client
    for (const s of scripts) expect(s.split('\n').filter((l) => l.startsWith('wrk '))).toEqual([expect.stringContaining('X-Lblab-Count')]);
  });
});

describe('the lab is put back', () => {
  it('on cancel mid-run (in kernel-nat): wrk is interrupted, nftables gone, program back, own mode back, kept as incomplete', async () => {
    const lab = new FakeLab();
    const ac = new AbortController();
    lab.blockRun = 2;
    lab.wrkStarted = (run) => run === 2 && setTimeout(() => ac.abort(), 5);
    const t0 = Date.now();
    const { c, events } = await compare(lab, { modes: ['nat', 'kernel-nat', 'snat'], repeat: 2 }, { signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(lab.calls).toContain('exec client1 kill-wrk');
    expect(c.complete).toBe(false);
    expect(c.error).toBe('cancelled');
    expect(c.runs.map((r) => r.mode)).toEqual(['nat']); // the interrupted run is not kept
    expect(c.finishedAt).toBeDefined();
    expectRestored(lab);
    expect(events.at(-1)).toEqual({ type: 'compare-end', id: 'c1', complete: false, error: 'cancelled' });
  });

  it('on a run that fails (the mode switch is refused): recorded, the others still run', async () => {
    const lab = new FakeLab();
    lab.failMode.add('tunnel');
    const { c } = await compare(lab, { modes: ['nat', 'tunnel', 'kernel-nat'], repeat: 1 });
    expect(c.runs.map((r) => [r.mode, r.error ?? 'ok'])).toEqual([
      ['nat', 'ok'],
      ['tunnel', 'balancer lb: agent rejected the config: tunnel is broken today'],
      ['kernel-nat', 'ok'],
    ]);
    expect(c.complete).toBe(true);
    expect(c.summary.map((s) => s.mode)).toEqual(['nat', 'kernel-nat']);
    expectRestored(lab);
  });

  it('a switch that failed after the balancer took it: the lab is asked where it is, and put back', async () => {
    const lab = new FakeLab();
    lab.halfMode.add('snat');
    const { c } = await compare(lab, { modes: ['dsr', 'snat'], repeat: 1 });
    expect(c.runs.map((r) => r.error ?? 'ok')).toEqual(['ok', 'lab lab1: the switch to snat timed out']);
    expect(lab.calls.filter((x) => x === 'status').length).toBeGreaterThan(1);
    expectRestored(lab);
  });

  it('when wrk dies mid-run (no report): that run fails with wrk\'s reason, the other clients\' wrk is stopped, the lab is restored', async () => {
    const lab = new FakeLab();
    let n = 0;
    lab.hook = (_node, s) => (s.includes('mark start') && ++n === 1 ? { exitCode: 0, stdout: 'mark serving\nmark start 1.00\nmark end 2.00\n', stderr: '' } : undefined);
    const { c } = await compare(lab, { modes: ['dsr', 'kernel-nat'], repeat: 1 });
    expect(c.runs[0].error).toMatch(/^client1: wrk printed 0 of 1 reports/);
    expect(c.runs[1].error).toBeUndefined();
    expect(lab.calls.indexOf('exec client2 kill-wrk')).toBeGreaterThan(-1);
    expect(lab.calls.indexOf('exec client2 kill-wrk')).toBeLessThan(lab.calls.indexOf('setMode nat'));
    expectRestored(lab);
  });

  it('counters that started after the measurement fail the run instead of undercounting it', async () => {
    const lab = new FakeLab();
    lab.lateSampler = 'web2';
    const { c } = await compare(lab, { modes: ['dsr'], repeat: 1 });
    expect(c.runs[0].error).toBe('node web2: its counters started after the measurement (the host is overloaded?)');
    expectRestored(lab);
  });

  it('stops after three failed runs in a row, restored', async () => {
    const lab = new FakeLab();
    lab.hook = (_node, s) => (s.includes('until curl') ? { exitCode: 3, stdout: '', stderr: 'http://198.18.0.254:80/1m.bin: curl: (7) Failed to connect' } : undefined);
    const { c } = await compare(lab, { modes: ['nat', 'kernel-nat', 'snat', 'tunnel'], repeat: 1 });
    expect(c.runs).toHaveLength(3);
    expect(c.runs[0].error).toBe('nat: client1 gets no answer from http://198.18.0.254:80/1m.bin: curl: (7) Failed to connect');
    expect(c.complete).toBe(false);
    expect(c.error).toMatch(/^stopped after 3 failed runs in a row: /);
    expectRestored(lab);
  });

  it('a swap that fails half-way is undone on every balancer interface', async () => {
    const lab = new FakeLab();
    lab.hook = (_node, s) => {
      if (!s.includes('nft add table')) return undefined;
      lab.attached.clear(); // detached, then nft failed
      return { exitCode: 1, stdout: '', stderr: 'Error: Could not process rule: No such file or directory' };
    };
    const { c } = await compare(lab, { modes: ['kernel-nat'], repeat: 1 });
    expect(c.runs[0].error).toBe('node lb: swapping our program for nftables DNAT failed: Error: Could not process rule: No such file or directory');
    expectRestored(lab);
  });

  it('a restore that cannot finish says so in the comparison\'s error', async () => {
    const lab = new FakeLab();
    let undo = 0;
    lab.hook = (_node, s) => (s.includes('filter replace') && ++undo >= 1 ? { exitCode: 1, stdout: '', stderr: 'RTNETLINK answers: No such file' } : undefined);
    const { c } = await compare(lab, { modes: ['kernel-nat'], repeat: 1 });
    expect(c.error).toMatch(/^restoring the lab: kernel-nat not undone: node lb: putting our program back in place of nftables failed: RTNETLINK answers: No such file/);
    expect(lab.mode).toBe('dsr'); // the mode is still put back
  });
});

describe('over IPv6 (family 6)', () => {
  it('the load goes to the vip6 (direct: the servers\' IPv6 addresses), in brackets; the workload says so', async () => {
    const lab = new FakeLab({ dualStack: true });
    const urls = new Set<string>();
    lab.hook = (_node, s) => {
      for (const m of s.matchAll(/^wrk .* '(\S+)' >/gm)) urls.add(m[1]);
      return undefined;
    };
    const { c } = await compare(lab, { modes: ['dsr', 'direct'], repeat: 1, family: 6 });
    expect(c.error).toBeUndefined();
    expect(c.workload.family).toBe(6);
    expect([...urls].sort()).toEqual(['http://[fd00:4c42:0:1::4]:80/1m.bin', 'http://[fd00:4c42:0:1::5]:80/1m.bin', 'http://[fd00:4c42:0:1::6]:80/1m.bin', 'http://[fd00:4c42::fe]:80/1m.bin']);
    expectRestored(lab);
    // over IPv4 (the default) the same lab is loaded at its IPv4 VIP
    const p = await prepareCompare(new FakeLab({ dualStack: true }), { lab: 'lab1' });
    expect(p.target).toBe('198.18.0.254');
    expect(p.family).toBeUndefined();
  });

  it.each([
    [{ family: 5 }, {}, /^family must be 4 or 6 \(got 5\)$/],
    [{ family: 6 }, {}, /^service web of lab lab1 has no IPv6 VIP \(give it vip6 on a network with subnet6\) to compare over IPv6$/],
    [{ family: 6, modes: ['dsr', 'kernel-nat'] }, { dualStack: true }, /^kernel-nat has no IPv6 row \(its nftables DNAT rule is IPv4 only\): leave it out, or compare over IPv4$/],
  ] as const)('refuses %j in one line, the lab untouched', async (req, opts, msg) => {
    const lab = new FakeLab(opts);
    const comps = createComparisons({ port: lab, emit: () => undefined });
    await expect(comps.start({ lab: 'lab1', ...req } as unknown as CompareRequest)).rejects.toThrow(msg);
    expect(lab.calls.filter((x) => x.startsWith('setMode') || x.startsWith('exec'))).toEqual([]);
  });
});

describe('bad input: one line, the lab untouched', () => {
  const cases: [Partial<CompareRequest> & Record<string, unknown>, RegExp][] = [
    [{ duration: 0 }, /^duration must be 1–600 seconds \(got 0\)$/],
    [{ duration: 601 }, /^duration must be 1–600 seconds \(got 601\)$/],
    [{ connections: 0 }, /^connections must be a whole number 1–10000 \(got 0\)$/],
    [{ connections: 10001 }, /^connections must be a whole number 1–10000/],
    [{ object: '5m' }, /^unknown object "5m": use one of 1k, 100k, 1m, 10m or a \/path on the servers$/],
    [{ modes: ['dsr', 'teleport'] as never }, /^unknown mode "teleport"/],
    [{ modes: [] }, /^modes must list at least one of/],
    [{ lab: 'nosuch' }, /^no lab named nosuch$/],
    [{ service: 'api' }, /^lab lab1 has no service api \(services: web\)$/],
    [{ modes: ['dsr', 'nat'] }, /^nat is not available for service web of lab lab1: mode nat: backend web1 shares network front with client client1/],
    [{ modes: ['kernel-nat'] }, /^kernel-nat is not available for service web of lab lab1: kernel-nat needs nat's topology: mode nat/],
    [{ bogus: 1 }, /^unknown comparison option bogus/],
  ];
  it.each(cases)('%j', async (req, msg) => {
    const lab = new FakeLab({ unavailable: { nat: 'mode nat: backend web1 shares network front with client client1, so its replies would bypass balancer lb' } });
    const comps = createComparisons({ port: lab, emit: () => undefined });
    await expect(comps.start({ lab: 'lab1', ...req } as CompareRequest)).rejects.toThrow(msg);
    expect(lab.calls.filter((c) => c.startsWith('setMode') || c.startsWith('exec'))).toEqual([]);
  });

  it('a lab that is not running', async () => {
    const lab = new FakeLab({ stopped: 'web2', state: 'degraded' });
    await expect(prepareCompare(lab, { lab: 'lab1' })).rejects.toThrow(/^lab lab1 is not running \(node web2 is exited\): deploy it with `lblab up`$/);
  });
});

describe('availability', () => {
  it('every row, with the reasons of those this topology cannot run', async () => {
    const lab = new FakeLab({ unavailable: { dsr: 'mode dsr needs backend web1 on a network of balancer lb' }, noRouter: true });
    const st = await lab.status('lab1');
    const a = await availability(lab, st, st.services[0]);
    expect(a.map((x) => `${x.mode}:${x.ok}`)).toEqual(['dsr:false', 'tunnel:true', 'nat:true', 'snat:true', 'l4proxy:true', 'l7:true', 'direct:false', 'kernel-nat:true']);
    expect(a.find((x) => x.mode === 'dsr')!.reason).toBe('mode dsr needs backend web1 on a network of balancer lb');
    expect(a.find((x) => x.mode === 'direct')!.reason).toBe('client client1 has no route to backend web1 (198.18.1.4): direct needs a router between the clients and the servers');
  });

  it('the default rows: every balancer mode the topology runs, in order', async () => {
    const lab = new FakeLab({ unavailable: { nat: 'no', l7: 'no' } });
    const p = await prepareCompare(lab, { lab: 'lab1' });
    expect(p.rows).toEqual(['dsr', 'tunnel', 'snat', 'l4proxy']);
    expect(p).toMatchObject({ object: '1m', path: '/1m.bin', connections: 12, duration: 10, warmup: 2, repeat: 3 });
    expect(p.clients).toEqual([{ node: 'client1', connections: 6 }, { node: 'client2', connections: 6 }]);
  });

  it('fewer connections than clients: only as many clients as connections', async () => {
    const p = await prepareCompare(new FakeLab(), { lab: 'lab1', connections: 1 });
    expect(p.clients).toEqual([{ node: 'client1', connections: 1 }]);
  });
});

describe('the engine\'s comparisons', () => {
  it('one at a time per lab; cancel waits for the restore; get/list/csv while and after', async () => {
    const lab = new FakeLab({ mode: 'snat' });
    lab.blockRun = 1;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    lab.wrkStarted = () => started();
    const events: CompareEvent[] = [];
    process.env.LBLAB_DATA_DIR = (await import('node:fs')).mkdtempSync('/tmp/lblab-cmp-');
    try {
      const comps = createComparisons({ port: lab, emit: (e) => events.push(e) });
      const { id } = await comps.start({ lab: 'lab1', modes: ['kernel-nat', 'dsr'], duration: 1, warmup: 0, repeat: 1 });
      await expect(comps.start({ lab: 'lab1' })).rejects.toThrow(/^lab lab1 is already being compared/);
      await running;
      expect(comps.get(id).complete).toBe(false);
      expect(comps.list().map((x) => x.id)).toEqual([id]);
      await comps.cancel(id);
      expectRestored(lab, 'snat');
      const done = comps.get(id);
      expect(done).toMatchObject({ id, complete: false, error: 'cancelled' });
      expect(comps.csv(id).split('\n')[0]).toMatch(/^comparison,lab,service,mode/);
      expect(events.at(-1)).toMatchObject({ type: 'compare-end', id, complete: false });
      await expect(comps.cancel('nope')).rejects.toThrow(/^no comparison nope/);
      // the lab is free again
      lab.blockRun = undefined;
      const again = await comps.start({ lab: 'lab1', modes: ['dsr'], duration: 1, warmup: 0, repeat: 1 });
      expect((await comps.done(again.id)).complete).toBe(true);
    } finally {
      delete process.env.LBLAB_DATA_DIR;
    }
  });
});
