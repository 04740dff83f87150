// The TS encoders (agent/dataplane-abi.ts) must match the C structs of
// core/abi.h byte for byte: read sizes and member offsets from the object's
// BTF and compare them with what the encoders produce; enum orders from the
// C source.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORE_DIR, make, skipReason } from '../support/bpf/harness';
import { skipIf } from '../support/skip';
import {
  FLOW6_KEY_SIZE, FLOW6_VAL_SIZE, FLOW_KEY_SIZE, FLOW_VAL_SIZE,
  BE_F_HEALTHY, BE_F_L2, BE_F_TUNNEL6, COUNTER_NAMES, DROP_NAMES, MODE, SCHED, backendValue, flowTimeoutsValue, gcReqValue, svcBackendsValue, svcInfo, svcKey,
} from '../../lab-images/balancer/agent/dataplane-abi';
import { DATAPLANE_DROP_REASONS } from '../../lab-images/balancer/contract/report';

const skip = skipReason();
type BtfStruct = { kind: string; name: string; size: number; members: { name: string; bits_offset: number }[] };

describe('ABI between C and dataplane-abi.ts', skipIf(skip), () => {
  let structs: Map<string, BtfStruct>;
  beforeAll(() => {
    make(CORE_DIR);
    const btf = JSON.parse(execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', join(CORE_DIR, 'build/balancer.bpf.o')], { encoding: 'utf8' }));
    structs = new Map((btf.types as BtfStruct[]).filter((t) => t.kind === 'STRUCT').map((t) => [t.name, t]));
  });
  const off = (s: string, m: string) => structs.get(s)!.members.find((x) => x.name === m)!.bits_offset / 8;

  it('struct sizes match the encoders', () => {
    expect(svcKey('1.2.3.4', 80, 6)).toHaveLength(structs.get('svc_key')!.size);
    expect(svcInfo({ id: 1, mode: 0, sched: 0, tableLen: 1 })).toHaveLength(structs.get('svc_info')!.size);
    expect(backendValue({ address: '1.2.3.4', srcAddress: '5.6.7.8', ifindex: 1, svcId: 1, weight: 1,
      nhMac: '02:00:00:00:00:01', srcMac: '02:00:00:00:00:02', flags: 3 })).toHaveLength(structs.get('backend')!.size);
    expect(svcBackendsValue([1, 2])).toHaveLength(structs.get('svc_backends')!.size);
    expect(flowTimeoutsValue({ tcpSyn: 1, tcpEstablished: 2, tcpFin: 3, tcpClosed: 4, udp: 5 })).toHaveLength(structs.get('flow_timeouts')!.size);
    expect(gcReqValue([1], [2])).toHaveLength(structs.get('gc_req')!.size);
    expect(structs.get('be_gauge')!.size).toBe(8); // read by readStats at 0 and 4
    expect(structs.get('flow_gauge')!.size).toBe(8); // read by readStats at 0
    // the agent creates lb_flows itself to size it (dataplane.ts createFlowTable)
    expect(structs.get('flow_key')!.size).toBe(FLOW_KEY_SIZE);
    expect(structs.get('flow_val')!.size).toBe(FLOW_VAL_SIZE);
    expect(structs.get('flow_key6')!.size).toBe(FLOW6_KEY_SIZE);
    expect(structs.get('flow_val6')!.size).toBe(FLOW6_VAL_SIZE);
  });

  it('flow timeouts, sweep requests and gauges: member offsets', () => {
    const t = flowTimeoutsValue({ tcpSyn: 1, tcpEstablished: 2, tcpFin: 3, tcpClosed: 4, udp: 5 }); // seconds: ticks 1..5
    for (const [m, v] of [['tcp_syn', 1], ['tcp_est', 2], ['tcp_fin', 3], ['tcp_closed', 4], ['udp', 5]] as const) {
      expect(t[off('flow_timeouts', m)]).toBe(v);
    }
    const g = gcReqValue([3], [65, 1023]);
    expect(g[off('gc_req', 'svc_mask')]).toBe(1 << 3);
    const be = off('gc_req', 'be_mask');
    expect(g[be + 8]).toBe(0b10); // backend 65: word 1, bit 1
    expect(g[be + 127]).toBe(0x80); // backend 1023: word 15, bit 63
    expect([off('be_gauge', 'flows'), off('be_gauge', 'snat_ports')]).toEqual([0, 4]);
  });

  it('member offsets match the encoders', () => {
    const be = backendValue({ address: '1.2.3.4', srcAddress: '5.6.7.8', ifindex: 0x0a0b, svcId: 7, weight: 9,
      nhMac: '02:00:00:00:00:01', srcMac: '02:00:00:00:00:02', flags: 3, mtu: 1480 });
    expect(be.slice(off('backend', 'mtu'), off('backend', 'mtu') + 2)).toEqual([0xc8, 0x05]);
    expect(be.slice(off('backend', 'addr'), off('backend', 'addr') + 4)).toEqual([1, 2, 3, 4]);
    expect(be.slice(off('backend', 'src_addr'), off('backend', 'src_addr') + 4)).toEqual([5, 6, 7, 8]);
    expect(be[off('backend', 'ifindex')]).toBe(0x0b);
    expect(be[off('backend', 'svc_id')]).toBe(7);
    expect(be[off('backend', 'weight')]).toBe(9);
    expect(be[off('backend', 'nh_mac') + 5]).toBe(1);
    expect(be[off('backend', 'src_mac') + 5]).toBe(2);
    expect(be[off('backend', 'flags')]).toBe(3);
    const si = svcInfo({ id: 5, mode: 3, sched: 4, tableLen: 65537, snatAddress: '9.8.7.6' });
    expect(si[off('svc_info', 'mode')]).toBe(3);
    expect(si[off('svc_info', 'sched')]).toBe(4);
    expect(si.slice(off('svc_info', 'table_len'), off('svc_info', 'table_len') + 4)).toEqual([1, 0, 1, 0]);
    expect(si.slice(off('svc_info', 'snat_addr'), off('svc_info', 'snat_addr') + 4)).toEqual([9, 8, 7, 6]);
    const sk = svcKey('1.2.3.4', 0x1f90, 17);
    expect(sk.slice(off('svc_key', 'port'), off('svc_key', 'port') + 2)).toEqual([0x1f, 0x90]);
    expect(sk[off('svc_key', 'proto')]).toBe(17);
  });

  it('mode and scheduler numbers follow the C enums', () => {
    const src = readFileSync(join(CORE_DIR, 'abi.h'), 'utf8');
    const values = (prefix: string) =>
      Object.fromEntries([...src.matchAll(new RegExp(`\\b${prefix}_([A-Z_]+) = (\\d+)`, 'g'))].map((m) => [m[1].toLowerCase(), Number(m[2])]));
    const camel = (n: string) => n.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    expect(Object.fromEntries(Object.entries(values('MODE')).map(([k, v]) => [camel(k), v]))).toEqual(MODE);
    expect(values('SCHED')).toEqual(SCHED);
  });

  it('backend flags match abi.h', () => {
    const src = readFileSync(join(CORE_DIR, 'abi.h'), 'utf8');
    const flag = (name: string) => Number(new RegExp(`#define ${name}\\s+(0x[0-9a-f]+)`).exec(src)?.[1]);
    expect({ BE_F_HEALTHY: flag('BE_F_HEALTHY'), BE_F_L2: flag('BE_F_L2'), BE_F_TUNNEL6: flag('BE_F_TUNNEL6') })
      .toEqual({ BE_F_HEALTHY, BE_F_L2, BE_F_TUNNEL6 });
  });

  it('counter and drop names follow the C enums', () => {
    const src = readFileSync(join(CORE_DIR, 'abi.h'), 'utf8');
    const enumBody = (name: string) => src.slice(src.indexOf(`enum ${name} {`), src.indexOf('};', src.indexOf(`enum ${name} {`)));
    const cnt = [...enumBody('lb_counter').matchAll(/CNT_([A-Z0-9_]+)/g)].map((m) => m[1].toLowerCase()).filter((n) => n !== 'max');
    expect(enumBody('lb_counter')).toMatch(/CNT_PASS = 0,/);
    expect(cnt).toEqual([...COUNTER_NAMES]);
    // drop codes are negative: DROP_X = -n counts at lb_drops index n - 1
    const drp: string[] = [];
    for (const m of enumBody('lb_drop').matchAll(/DROP_([A-Z0-9_]+) = -(\d+)/g)) drp[Number(m[2]) - 1] = m[1].toLowerCase();
    expect(drp).toEqual([...DROP_NAMES]);
    // the agent reports them under the contract's names, in the same order
    expect([...DATAPLANE_DROP_REASONS]).toEqual(drp);
    const define = (name: string) => Number(new RegExp(`#define ${name}\\s+(\\d+)`).exec(src)?.[1]);
    expect(define('DROP_MAX')).toBeGreaterThanOrEqual(DROP_NAMES.length);
    expect(Number(/CNT_MAX = (\d+)/.exec(src)?.[1])).toBeGreaterThanOrEqual(COUNTER_NAMES.length);
  });

  // the return convention (lb_main.h): 0 or a hook verdict to go on, a DROP_* reason to drop
  const sources = () => readdirSync(CORE_DIR).filter((f) => /\.(h|c)$/.test(f))
    .map((f) => ({ f, src: readFileSync(join(CORE_DIR, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '') }));

  it('every drop reason is one a step returns: none unused, none borrowed from a bare -1', () => {
    const code = sources().filter((s) => s.f !== 'abi.h').map((s) => s.src).join('\n');
    for (const n of DROP_NAMES) expect(code, `DROP_${n.toUpperCase()} is never returned`).toMatch(new RegExp(`\\bDROP_${n.toUpperCase()}\\b`));
  });

  it('no step answers with a bare -1, a private pass code, or an uncounted TC_ACT_SHOT', () => {
    for (const { f, src } of sources()) {
      expect(src, f).not.toMatch(/return\s+-1\s*;|\?\s*-1\s*:/);
      expect(src, f).not.toMatch(/\bP_(PASS|OK)\b/);
      // only drop() (stats.h) turns a reason into the hook's drop verdict (CTX_DROP, which ctx.h
      // defines as TC_ACT_SHOT or XDP_DROP); the bench wrappers (bench_wrap.h, compiled per hook)
      // fail a broken setup with CTX_DROP, which no measured step returns
      if (f !== 'stats.h' && f !== 'bench.bpf.c' && f !== 'ctx.h') expect(src, f).not.toMatch(/\bTC_ACT_SHOT\b/);
      if (f !== 'stats.h' && f !== 'ctx.h' && f !== 'bench_wrap.h') expect(src, f).not.toMatch(/\b(CTX_DROP|XDP_DROP)\b/);
    }
  });
});
